/**
 * The driver protocol (conformance/DRIVERS.md) served for an adapter: the
 * implementation's side of the conversation, for implementations in
 * JavaScript or TypeScript. The reference driver and the process the CLI
 * runs an `--impl` adapter in both speak through it.
 */
import { createInterface } from "node:readline";
import type { Adapter } from "./adapter.js";
import { interpret } from "./interpreter.js";
import { PROTOCOL_VERSION, type CaseRequest } from "./protocol.js";

/** Whether `a` has the shape of an {@link Adapter}; its info is checked by the runner against the protocol. */
export function isAdapter(a: unknown): a is Adapter {
  const x = a as Partial<Adapter> | null | undefined;
  return x !== null && typeof x === "object" && typeof x.openStream === "function" && typeof x.select === "function" && x.info !== undefined;
}

/**
 * Reads requests from standard input and answers each through `send`, until
 * a `stop` or the end of the input. `load` gives the adapter, when the
 * runner starts the conversation; if it throws, the start is refused with
 * its message.
 */
export async function serveAdapter(load: () => Promise<Adapter>, send: (msg: object) => void): Promise<void> {
  let adapter: Adapter | undefined;
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    let msg: { cmd?: unknown; version?: unknown; seq?: unknown; case?: CaseRequest };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      process.stderr.write(`not a JSON request: ${line.slice(0, 80)}\n`);
      continue;
    }
    if (msg.cmd === "start") {
      if (msg.version !== PROTOCOL_VERSION) {
        send({ ok: false, version: PROTOCOL_VERSION, error: `protocol version ${String(msg.version)} is not supported; this driver speaks ${PROTOCOL_VERSION}` });
        return;
      }
      try {
        adapter = await load();
      } catch (err) {
        send({ ok: false, error: err instanceof Error ? err.message : String(err) });
        return;
      }
      send({ ok: true, version: PROTOCOL_VERSION, implementation: adapter.info });
    } else if (msg.cmd === "run" && adapter !== undefined && msg.case !== undefined) {
      const run = await interpret(msg.case, adapter);
      send(run.crash === undefined ? { seq: msg.seq, trace: run.trace } : { seq: msg.seq, error: run.crash, trace: run.trace });
    } else if (msg.cmd === "stop") {
      return;
    } else {
      process.stderr.write(`unexpected request: ${line.slice(0, 80)}\n`);
    }
  }
}
