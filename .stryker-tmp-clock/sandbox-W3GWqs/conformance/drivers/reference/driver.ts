/**
 * The driver of the reference implementation: the driver protocol
 * (conformance/DRIVERS.md) over standard input and output, with the cases
 * run by the same interpreter and adapter as in process. It proves the
 * protocol end to end, and is the model for drivers in other languages.
 *
 * Run: node --import tsx conformance/drivers/reference/driver.ts
 */
import reference from "../../adapters/reference.js";
import { serveAdapter } from "../../src/serve-adapter.js";

await serveAdapter(
  async () => ({ ...reference, info: { ...reference.info, name: `${reference.info.name} (driver)` } }),
  (msg) => void process.stdout.write(`${JSON.stringify(msg)}\n`),
);
