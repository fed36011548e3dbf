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
export type { Adapter, ImplementationInfo, Deviation, Unsupported, ScriptedInput, EventHandle, EventCallback, ReadOutcome, StreamUnderTest, OpenOptions, GroupUnderTest } from "./adapter.js";
export {
  CASE_FORMAT_VERSION,
  HORIZON,
  type Case,
  type LoadedCase,
  type CaseSource,
  type StreamSpec,
  type EventSpec,
  type Step,
  type OutsideStep,
  type Action,
  type Script,
  type MarkSpec,
  type TraceEntry,
  type ReadResultEntry,
  type Rock,
} from "./case.js";
export { checkScenario, type ScenarioCheck } from "./check.js";
export { loadSuite, packageRoot, caseValidator, checkCase, CaseError, type Suite } from "./load.js";
export { interpret, type Run } from "./interpreter.js";
export { PROTOCOL_VERSION, caseRequest, protocolProblem, printable, type CaseRequest, type MessageKind } from "./protocol.js";
export { DEFAULT_START_TIMEOUT_MS, DriverExecutor, DriverStartError, killAllDrivers, splitCommand, type DriverCommand } from "./driver.js";
export { startAdapter } from "./isolated.js";
export { serveAdapter } from "./serve-adapter.js";
export { QUIRKS, FORM_SUFFIX, FORM_TAG, knownQuirks, withQuirkForms, withReadTimeout, writtenCaseId, type Quirk } from "./quirks.js";
export { DEFAULT_CASE_TIMEOUT_MS, runCase, runCases, inProcess, succeeded, type CaseExecutor, type CaseResult, type RunReport, type RunOptions, type Status } from "./runner.js";
export { firstDifference, describeDifference } from "./compare.js";
export { render, REPORTERS, type ReporterName } from "./reporters.js";
export { checkTraceability } from "./traceability.js";
