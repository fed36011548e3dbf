/**
 * The part of `prot-conformance` that runs in a browser as well as in Node,
 * the subpath `prot-conformance/browser`: the case format, the check of a
 * scenario's text, the executable model, the second forms of the quirks,
 * the comparison of traces, the interpreter, the runner and the reporters.
 * Nothing here reads a file or starts a process; loading the suite from
 * disk and starting drivers are in the package's main entry, which
 * re-exports all of this.
 *
 * @example The model's trace of a case, and where an implementation's trace parts from it:
 * ```ts
 * import { describeDifference, expectedTrace, firstDifference, type Case, type TraceEntry } from "prot-conformance/browser";
 *
 * function judge(c: Case, actual: TraceEntry[]): string {
 *   const expected = expectedTrace(c);
 *   return firstDifference(expected, actual) < 0 ? "pass" : describeDifference(expected, actual);
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
export { expectedTrace, type ModelObserver, type World, type Stream, type Ev, type ReadKind, type ActionPlace } from "../model/model.js";
export { interpret, type Run } from "./interpreter.js";
export { QUIRKS, FORM_SUFFIX, FORM_TAG, knownQuirks, withQuirkForms, withReadTimeout, writtenCaseId, type Quirk } from "./quirks.js";
export { DEFAULT_CASE_TIMEOUT_MS, runCase, runCases, inProcess, succeeded, type CaseExecutor, type CaseResult, type RunReport, type RunOptions, type Status } from "./runner.js";
export { firstDifference, describeDifference } from "./compare.js";
export { render, REPORTERS, type ReporterName } from "./reporters.js";
