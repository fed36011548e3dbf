/**
 * The conformance suite as a library: load the cases, run them against an
 * adapter in process, render the report. The CLI `prot-conformance` is
 * built on this.
 *
 * @packageDocumentation
 */
export type { Adapter, ImplementationInfo, Deviation, Unsupported, ScriptedInput, EventHandle, EventCallback, ReadOutcome, StreamUnderTest, OpenOptions } from "./adapter.js";
export { CASE_FORMAT_VERSION, HORIZON, type Case, type LoadedCase, type CaseSource, type StreamSpec, type EventSpec, type Step, type Action, type Script, type MarkSpec, type TraceEntry, type ReadResultEntry, type Rock } from "./case.js";
export { loadSuite, packageRoot, CaseError, type Suite } from "./load.js";
export { interpret, type Run } from "./interpreter.js";
export { PROTOCOL_VERSION, caseRequest, printable, type CaseRequest } from "./protocol.js";
export { runCase, runCases, inProcess, succeeded, type CaseExecutor, type CaseResult, type RunReport, type RunOptions, type Status } from "./runner.js";
export { render, REPORTERS, type ReporterName } from "./reporters.js";
export { checkTraceability } from "./traceability.js";
