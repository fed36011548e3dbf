/**
 * The process an `--impl` adapter runs in: a driver (conformance/DRIVERS.md)
 * for the module named by its first argument. Answers go out on file
 * descriptor 3, so that whatever the implementation prints on standard
 * output or error is its output, shown with the case, and never an answer.
 * The adapter's death (an exit, a signal, a loop) is the death of this
 * process, which the runner reports as the case's fault.
 */
import { Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { isAdapter, serveAdapter } from "./serve-adapter.js";

const modulePath = process.argv[2];
if (modulePath === undefined) throw new Error("usage: adapter-host <module>");
const answers = new Socket({ fd: 3, readable: false });
await serveAdapter(
  async () => {
    const loaded = (await import(pathToFileURL(modulePath).href)) as { default?: unknown };
    if (!isAdapter(loaded.default)) throw new Error(`${modulePath}: the default export is not an adapter (it needs info, openStream and select)`);
    return loaded.default;
  },
  (msg) => void answers.write(`${JSON.stringify(msg)}\n`),
);
// The adapter's timers and sockets do not keep it running once the runner is done.
answers.end(() => process.exit(0));
