/**
 * Differential runs: generated cases (./generate.ts) run through an
 * implementation and judged against the model, with fast-check shrinking a
 * failing case. Shared by the four generated runs: the reference in
 * process (test/generated.test.ts), the reference through its driver
 * (test/generated-driver.test.ts), the Python example through its driver
 * (test/python-driver.test.ts) and the C layer through its driver
 * (test/generated-cyrus.test.ts).
 *
 * The judge here, `exactJudge`, is for an implementation that claims every
 * rule: its trace must be the model's. An implementation with declared
 * deviations brings its own judge, built from `invalid` and `match`
 * (the C layer's is `cyrusJudge` in ./cyrus-judge.ts); this module knows
 * nothing of any one implementation.
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

/**
 * The wall-clock limit of one generated case run by a driver: only a hang
 * guard. A generated case may add an event on every pass of a long run, which
 * takes seconds of a loaded 2-core machine; the runner's default is sized for
 * written cases.
 */
export const GENERATED_CASE_TIMEOUT_MS = 60_000;

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
export function match(trace: TraceEntry[]): Verdict {
  return { ok: true, outcome: trace.some((e) => "fire" in e) ? "match, events ran" : "match, no event ran" };
}

/** A failed verdict when `c` is not a valid case (a generator's fault, not the implementation's). */
export function invalid(c: Case): Verdict | undefined {
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
