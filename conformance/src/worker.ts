/**
 * The worker thread that runs cases for the CLI, so that an implementation
 * that loops forever, even synchronously, or crashes its thread, costs one
 * case and not the run. It loads the adapter module named in `workerData`,
 * reports the adapter's info, then runs each case it is sent.
 */
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import type { Adapter } from "./adapter.js";
import type { Case } from "./case.js";
import { interpret } from "./interpreter.js";

/** A message from the CLI: run this case. */
interface RunRequest {
  /** Sequence number, echoed back. */
  seq: number;
  /** The case. */
  case: Case;
}

const port = parentPort;
if (port === null) throw new Error("conformance worker: not started as a worker thread");
const { modulePath } = workerData as { modulePath: string };
const loaded = (await import(pathToFileURL(modulePath).href)) as { default?: Adapter };
const adapter = loaded.default;
if (adapter === undefined || typeof adapter.openStream !== "function" || typeof adapter.select !== "function" || adapter.info === undefined) {
  throw new Error(`${modulePath}: the default export is not an adapter (it needs info, openStream and select)`);
}
port.postMessage({ info: adapter.info });
port.on("message", (msg: RunRequest) => {
  void interpret(msg.case, adapter).then(
    (run) => port.postMessage({ seq: msg.seq, run }),
    (err: unknown) => port.postMessage({ seq: msg.seq, run: { trace: [], crash: `threw: ${String(err)}` } }),
  );
});
