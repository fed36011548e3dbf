/**
 * The driver of the reference implementation: the driver protocol
 * (conformance/DRIVERS.md) over standard input and output, with the cases
 * run by the same interpreter and adapter as in process. It proves the
 * protocol end to end, and is the model for drivers in other languages.
 *
 * Run: node --import tsx conformance/drivers/reference/driver.ts
 */
import { createInterface } from "node:readline";
import reference from "../../adapters/reference.js";
import type { Case } from "../../src/case.js";
import { PROTOCOL_VERSION } from "../../src/driver.js";
import { interpret } from "../../src/interpreter.js";

const send = (msg: object): void => void process.stdout.write(`${JSON.stringify(msg)}\n`);

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  let msg: { cmd?: string; version?: number; seq?: number; case?: Case };
  try {
    msg = JSON.parse(line) as typeof msg;
  } catch {
    process.stderr.write(`reference driver: not JSON: ${line.slice(0, 80)}\n`);
    continue;
  }
  if (msg.cmd === "start") {
    if (msg.version !== PROTOCOL_VERSION) {
      send({ ok: false, error: `protocol version ${String(msg.version)} is not supported; this driver speaks ${PROTOCOL_VERSION}` });
      process.exit(1);
    }
    send({ ok: true, version: PROTOCOL_VERSION, implementation: { ...reference.info, name: `${reference.info.name} (driver)` } });
  } else if (msg.cmd === "run" && msg.case !== undefined) {
    const run = await interpret(msg.case, reference);
    send(run.crash === undefined ? { seq: msg.seq, trace: run.trace } : { seq: msg.seq, error: run.crash });
  } else if (msg.cmd === "stop") {
    break;
  } else {
    process.stderr.write(`reference driver: unknown request ${line.slice(0, 80)}\n`);
  }
}
