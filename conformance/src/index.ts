/**
 * The conformance suite as a library, the package `prot-conformance`: load
 * the cases, run them against an implementation (an adapter in this
 * process, an adapter module in a process of its own, or a driver program
 * in any language), judge and render the report. The CLI `prot-conformance`
 * is built on this.
 *
 * @example Running the suite against a driver from code:
 * ```ts
 * import { DriverExecutor, loadSuite, render, runCases, withQuirkForms } from "prot-conformance";
 *
 * const driver = await DriverExecutor.start("python3 conformance/drivers/python/driver.py");
 * try {
 *   const cases = withQuirkForms(loadSuite().cases, driver.info.quirks);
 *   const report = await runCases(driver, cases);
 *   console.log(render(report, "text"));
 * } finally {
 *   await driver.close();
 * }
 * ```
 *
 * @packageDocumentation
 */
export * from "./browser.js";
export { loadSuite, packageRoot, caseValidator, checkCase, CaseError, type Suite } from "./load.js";
export { PROTOCOL_VERSION, caseRequest, protocolProblem, printable, type CaseRequest, type MessageKind } from "./protocol.js";
export { DEFAULT_START_TIMEOUT_MS, DriverExecutor, DriverStartError, killAllDrivers, splitCommand, type DriverCommand } from "./driver.js";
export { startAdapter } from "./isolated.js";
export { serveAdapter } from "./serve-adapter.js";
export { checkTraceability } from "./traceability.js";
