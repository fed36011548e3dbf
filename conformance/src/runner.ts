/**
 * Runs cases against an implementation and classifies each result, taking
 * the implementation's profile, declared deviations and unsupported
 * features into account. One case failing, throwing or hanging never stops
 * the run.
 */
import type { Adapter, ImplementationInfo } from "./adapter.js";
import type { Case, LoadedCase, TraceEntry } from "./case.js";
import { describeDifference } from "./compare.js";
import { interpret, type Run } from "./interpreter.js";

/** How a case went. Only `fail` and `xpass` make a run fail. */
export type Status = "pass" | "fail" | "xfail" | "xpass" | "skip";

/** The result of one case. */
export interface CaseResult {
  /** The case ID. */
  id: string;
  /** The requirement IDs it cites. */
  requirements: string[];
  /** Where the case is written. */
  source: string;
  /** How it went. */
  status: Status;
  /** Why: the difference, the crash, the deviation's or the skip's reason. */
  message?: string;
  /** The trace the implementation produced, when it ran. */
  actual?: TraceEntry[];
  /** What the implementation wrote during the case (its tail, under a line naming where it came from), when anything. */
  output?: string;
  /** Milliseconds it took. */
  ms: number;
}

/** What a whole run produced. */
export interface RunReport {
  /** Who was tested. */
  implementation: ImplementationInfo;
  /** When the run started (ISO 8601). */
  started: string;
  /** One result per case, in suite order. */
  results: CaseResult[];
  /** Counts by status. */
  summary: Record<Status, number>;
}

/** Wall-clock milliseconds a case may take before it counts as hung, unless told otherwise. */
export const DEFAULT_CASE_TIMEOUT_MS = 5000;

/** Something that runs one case: in process through an adapter, or through a driver. */
export interface CaseExecutor {
  /** Who it runs. */
  info: ImplementationInfo;
  /**
   * Runs a case and returns its trace (and crash, if any), within
   * `timeoutMs` of wall-clock time (default {@link DEFAULT_CASE_TIMEOUT_MS}):
   * a case that takes longer is reported as hung, and the executor is
   * ready for the next case.
   */
  run(c: Case, timeoutMs?: number): Promise<Run>;
}

/** Options of {@link runCases}. */
export interface RunOptions {
  /** Wall-clock milliseconds a case may take before it counts as hung. Default {@link DEFAULT_CASE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Called after each case, for progress output. */
  onResult?: ((r: CaseResult, index: number, total: number) => void) | undefined;
}

/**
 * Runs cases in process through `adapter`: for tests and tools that trust
 * it. A case whose promise never settles is reported as hung; one that
 * loops synchronously or exits takes the process with it, which is why the
 * CLI runs adapters in a process of their own (./isolated.ts).
 */
export function inProcess(adapter: Adapter): CaseExecutor {
  return {
    info: adapter.info,
    async run(c, timeoutMs = DEFAULT_CASE_TIMEOUT_MS) {
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<Run>((resolve) => {
        timer = setTimeout(() => resolve({ trace: [], crash: `hung: no answer after ${timeoutMs} ms` }), timeoutMs);
      });
      try {
        return await Promise.race([interpret(c, adapter), hung]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function deviationFor(info: ImplementationInfo, c: LoadedCase): string | undefined {
  for (const d of info.deviations ?? []) {
    if (d.id === c.id || c.requirements.includes(d.id)) return d.reason;
  }
  return undefined;
}

function unsupportedFor(info: ImplementationInfo, c: LoadedCase): string | undefined {
  for (const u of info.unsupported ?? []) if (c.tags.includes(u.tag)) return `${u.tag}: ${u.reason}`;
  return undefined;
}

/** Runs one case and classifies the outcome. */
export async function runCase(exec: CaseExecutor, c: LoadedCase, timeoutMs = DEFAULT_CASE_TIMEOUT_MS): Promise<CaseResult> {
  const base = { id: c.id, requirements: c.requirements, source: `${c.source.file}:${c.source.line}` };
  const skip = unsupportedFor(exec.info, c);
  if (skip !== undefined) return { ...base, status: "skip", message: skip, ms: 0 };
  const started = performance.now();
  const run = await exec.run(c, timeoutMs).catch((err: unknown): Run => ({ trace: [], crash: `threw: ${String(err)}` }));
  const ms = Math.round(performance.now() - started);
  const mismatch = describeDifference(c.expect, run.trace);
  const ok = run.crash === undefined && mismatch === "";
  const difference = ok ? "" : run.crash === undefined ? mismatch : `${run.crash}\n${mismatch}`.trimEnd();
  const deviation = deviationFor(exec.info, c);
  const ran = { actual: run.trace, ...(run.output === undefined ? {} : { output: run.output }), ms };
  if (deviation !== undefined) {
    return ok ? { ...base, status: "xpass", message: `declared deviation, but the case passes: ${deviation}`, ...ran } : { ...base, status: "xfail", message: `${deviation}\n${difference}`, ...ran };
  }
  return ok ? { ...base, status: "pass", ...ran } : { ...base, status: "fail", message: difference, ...ran };
}

/** Runs `cases` one after the other. */
export async function runCases(exec: CaseExecutor, cases: LoadedCase[], options: RunOptions = {}): Promise<RunReport> {
  const started = new Date().toISOString();
  const results: CaseResult[] = [];
  const summary: Record<Status, number> = { pass: 0, fail: 0, xfail: 0, xpass: 0, skip: 0 };
  for (const [i, c] of cases.entries()) {
    const r = await runCase(exec, c, options.timeoutMs);
    results.push(r);
    summary[r.status]++;
    options.onResult?.(r, i, cases.length);
  }
  return { implementation: exec.info, started, results, summary };
}

/** Whether the run counts as a success: no failure and no unexpected pass. */
export function succeeded(report: RunReport): boolean {
  return report.summary.fail === 0 && report.summary.xpass === 0;
}
