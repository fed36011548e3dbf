/**
 * Differential runs: generated cases (./generate.ts) run through an
 * implementation and judged against the model, with fast-check shrinking a
 * failing case. Shared by the three generated tests: the reference in
 * process (test/generated.test.ts), the reference through its driver
 * (test/generated-driver.test.ts) and the C layer through its driver
 * (test/generated-cyrus.test.ts).
 *
 * Two judges:
 * - `exactJudge`, for an implementation that claims every rule: its trace
 *   must be the model's;
 * - `cyrusJudge`, for the C layer: its trace must be the model's up to the
 *   first trigger of a declared deviation that ./cyrus.ts finds, and may
 *   differ from there on.
 *
 * A failure is reported with its seed, fast-check's path to the shrunk case,
 * the case itself and the command that saves it as a regression case.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import type { Case, LoadedCase, TraceEntry } from "../src/case.js";
import { describeDifference, firstDifference } from "../src/compare.js";
import type { Run } from "../src/interpreter.js";
import { checkCase } from "../src/load.js";
import type { CaseExecutor } from "../src/runner.js";
import { analyseForCyrus, type CyrusAnalysis } from "./cyrus.js";
import { DEFAULT_SEED, type GeneratorName } from "./generate.js";

/** How one case went: passed, counted under `outcome`, or failed, and why. */
export type Verdict = { ok: true; outcome: string } | { ok: false; why: string };

/** A differential run to make. */
export interface DifferentialRun {
  /** The generator of `arbitrary`, named in the command that saves a failing case. */
  generator: GeneratorName;
  /** The cases. */
  arbitrary: fc.Arbitrary<Case>;
  /** Runs a case and judges it. */
  judge(c: Case): Promise<Verdict>;
  /** How many cases. */
  runs: number;
  /** fast-check's seed. */
  seed: number;
}

/** What a differential run found. */
export interface DifferentialReport {
  /** Cases run (before any shrinking). */
  runs: number;
  /** How many cases passed under each outcome. */
  outcomes: Record<string, number>;
  /** When a case failed: the report of the shrunk case. */
  failure?: string;
}

/** How many cases a generated test runs: PROT_EVENTS_GENERATED if set, else `fallback`. */
export function generatedRuns(fallback: number): number {
  const runs = Number(process.env.PROT_EVENTS_GENERATED ?? fallback);
  // 0 or a typo would run nothing and pass.
  if (!Number.isInteger(runs) || runs <= 0) throw new RangeError(`PROT_EVENTS_GENERATED must be a whole number above 0, got ${process.env.PROT_EVENTS_GENERATED}`);
  return runs;
}

/** The seed of the generated tests: PROT_EVENTS_SEED if set, else the default. */
export function generatedSeed(fallback = DEFAULT_SEED): number {
  const seed = Number(process.env.PROT_EVENTS_SEED ?? fallback);
  if (!Number.isInteger(seed)) throw new RangeError(`PROT_EVENTS_SEED must be a whole number, got ${process.env.PROT_EVENTS_SEED}`);
  return seed;
}

/** Runs `r.runs` generated cases through `r.judge`; on a failure, shrinks it and reports it. */
export async function runDifferential(r: DifferentialRun): Promise<DifferentialReport> {
  const outcomes: Record<string, number> = {};
  let judged = 0;
  const details = await fc.check(
    fc.asyncProperty(r.arbitrary, async (c) => {
      const v = await r.judge(c);
      if (!v.ok) throw new Error(v.why);
      // Calls after the first `runs` are shrinking steps, not cases of the run.
      if (judged++ < r.runs) outcomes[v.outcome] = (outcomes[v.outcome] ?? 0) + 1;
    }),
    { seed: r.seed, numRuns: r.runs },
  );
  if (!details.failed) return { runs: details.numRuns, outcomes };
  const c = details.counterexample?.[0];
  const verdict = c === undefined ? undefined : await r.judge(c);
  const why = verdict !== undefined && !verdict.ok ? verdict.why : String(details.errorInstance);
  const path = details.counterexamplePath ?? "";
  const failure = [
    `generated case failed after ${details.numRuns} run(s) and ${details.numShrinks} shrink(s): seed ${details.seed}, path "${path}"`,
    why,
    "the shrunk case (expect: the model's trace):",
    c === undefined ? "(none)" : stringify(c, { blockQuote: false }),
    `save it with: npx tsx conformance/model/save-regression.ts --generator ${r.generator} --seed ${details.seed} --path "${path}" --id <name>`,
  ].join("\n");
  return { runs: details.numRuns, outcomes, failure };
}

/** `c` as the runner's executors take it. */
export function loaded(c: Case): LoadedCase {
  return { ...c, source: { file: "generated", line: 0 } };
}

/** A full match, told apart by whether any event ran: a case where none did shows less. */
function match(trace: TraceEntry[]): Verdict {
  return { ok: true, outcome: trace.some((e) => "fire" in e) ? "match, events ran" : "match, no event ran" };
}

function invalid(c: Case): Verdict | undefined {
  const problems = checkCase(c, () => undefined);
  return problems.length > 0 ? { ok: false, why: `the case is invalid:\n${problems.join("\n")}` } : undefined;
}

/** Judges by the model's trace alone: `run` must give it exactly. */
export function exactJudge(run: (c: Case) => Promise<Run>): (c: Case) => Promise<Verdict> {
  return async (c) => {
    const bad = invalid(c);
    if (bad !== undefined) return bad;
    const r = await run(c);
    if (r.crash !== undefined) return { ok: false, why: `the implementation crashed: ${r.crash}` };
    if (firstDifference(c.expect, r.trace) < 0) return match(c.expect);
    return { ok: false, why: `the trace differs from the model's:\n${describeDifference(c.expect, r.trace)}` };
  };
}

/** The prefix of an error answer that the C driver gave on purpose (undefined behaviour refused, a spin stopped). */
const DRIVER_ERROR = "the driver could not run the case: ";

/**
 * Judges the C layer through `exec`: the C trace must be the model's before
 * the first trigger of a declared deviation (./cyrus.ts). A driver that
 * answers with an error after a trigger (undefined behaviour reached once
 * the traces parted, say) leaves no trace: the steps before the trigger's
 * are run again alone, and must give the model's trace exactly.
 */
export function cyrusJudge(exec: CaseExecutor): (c: Case) => Promise<Verdict> {
  const explain = (a: CyrusAnalysis): string =>
    a.trigger === undefined
      ? `no declared deviation is triggered before${a.lost === undefined ? "" : ` (the account of the C code lost track: ${a.lost})`}`
      : `the first declared deviation, ${a.trigger.deviation}, is triggered at entry ${a.trigger.position + 1} (t=${a.trigger.t}, step ${a.trigger.step + 1})`;
  return async (c) => {
    const bad = invalid(c);
    if (bad !== undefined) return bad;
    const a = analyseForCyrus(c);
    const r = await exec.run(loaded(c));
    if (r.crash !== undefined) {
      if (a.trigger === undefined || !r.crash.startsWith(DRIVER_ERROR)) return { ok: false, why: `the C driver failed: ${r.crash}\n${explain(a)}` };
      const before: Case = { ...c, steps: c.steps.slice(0, a.trigger.step) };
      if (before.steps.length > 0) {
        const b = analyseForCyrus(before);
        const rb = await exec.run(loaded(before));
        const at = rb.crash === undefined ? firstDifference(b.trace, rb.trace) : 0;
        if (at >= 0 && (b.trigger === undefined || at < b.trigger.position)) {
          return { ok: false, why: `the steps before step ${a.trigger.step + 1} alone give another trace than the model's:\n${rb.crash ?? describeDifference(b.trace, rb.trace)}` };
        }
      }
      return { ok: true, outcome: `after ${a.trigger.deviation}, then a driver error` };
    }
    const at = firstDifference(a.trace, r.trace);
    if (at < 0) return match(a.trace);
    if (a.trigger !== undefined && at >= a.trigger.position) return { ok: true, outcome: `after ${a.trigger.deviation}` };
    return { ok: false, why: `the C trace differs from the model's at entry ${at + 1}, and ${explain(a)}:\n${describeDifference(a.trace, r.trace)}` };
  };
}
