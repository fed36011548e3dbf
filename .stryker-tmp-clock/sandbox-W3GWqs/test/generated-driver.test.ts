/**
 * Differential testing through the driver protocol: generated cases
 * (conformance/model/generate.ts, the `core` generator) run through the
 * reference implementation's JSON-lines driver
 * (conformance/drivers/reference/driver.ts), one driver process for the
 * whole run, must give the model's trace. Failures are reported as in
 * test/generated.test.ts.
 *
 * PROT_EVENTS_GENERATED=<n> runs n cases instead of the default;
 * PROT_EVENTS_SEED=<s> another seed.
 */
import { describe, expect, it } from "vitest";
import { exactJudge, generatedRuns, generatedSeed, loaded, runDifferential } from "../conformance/model/differential.js";
import { caseArbitrary } from "../conformance/model/generate.js";
import { driversClosedAfterAll } from "./helpers.js";

const runs = generatedRuns(1000);
const seed = generatedSeed();
const startDriver = driversClosedAfterAll();

describe("generated cases: the reference through its driver against the model", () => {
  it(`${runs} cases, seed ${seed}`, { timeout: 300_000 }, async () => {
    const exec = await startDriver(`${process.execPath} --import tsx conformance/drivers/reference/driver.ts`);
    const report = await runDifferential({ generator: "core", arbitrary: caseArbitrary, judge: exactJudge((c) => exec.run(loaded(c))), runs, seed });
    console.log(`reference through its driver, ${report.runs} generated cases: ${JSON.stringify(report.outcomes)}`);
    if (report.failure !== undefined) expect.fail(report.failure);
    expect(report.runs).toBe(runs);
  });
});
