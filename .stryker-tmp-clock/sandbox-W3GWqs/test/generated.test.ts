/**
 * Differential testing: generated cases (conformance/model/generate.ts, the
 * `core` generator: the whole case format) run through the reference
 * implementation in process must give the trace the executable model
 * computes. On a failure fast-check shrinks the case; the message shows the
 * seed, the path and the shrunk case, and the command that saves it as a
 * regression case (conformance/model/differential.ts).
 *
 * PROT_EVENTS_GENERATED=<n> runs n cases instead of the default;
 * PROT_EVENTS_SEED=<s> another seed.
 */
import { describe, expect, it } from "vitest";
import reference from "../conformance/adapters/reference.js";
import { exactJudge, generatedRuns, generatedSeed, runDifferential } from "../conformance/model/differential.js";
import { caseArbitrary } from "../conformance/model/generate.js";
import { interpret } from "../conformance/src/interpreter.js";

const runs = generatedRuns(3000);
const seed = generatedSeed();

describe("generated cases: the reference in process against the model", () => {
  it(`${runs} cases, seed ${seed}`, { timeout: 300_000 }, async () => {
    const report = await runDifferential({ generator: "core", arbitrary: caseArbitrary, judge: exactJudge((c) => interpret(c, reference)), runs, seed });
    console.log(`reference in process, ${report.runs} generated cases: ${JSON.stringify(report.outcomes)}`);
    if (report.failure !== undefined) expect.fail(report.failure);
    expect(report.runs).toBe(runs);
  });
});
