import { describe, expect, it } from "vitest";
import { loadSuite, runCases } from "prot-conformance";
import { exactJudge, GENERATED_CASE_TIMEOUT_MS, generatedRuns, generatedSeed, loaded, runDifferential } from "../conformance/model/differential.js";
import { caseArbitrary } from "../conformance/model/generate.js";
import { driversClosedAfterAll, failedButUnsupported } from "./helpers.js";

const { cases } = loadSuite();
// PROT_EVENTS_GENERATED=<n> and PROT_EVENTS_SEED=<s> as for test/generated.test.ts.
const runs = generatedRuns(3000);
const seed = generatedSeed();
const startDriver = driversClosedAfterAll();

describe("the Python example driver (conformance/drivers/python)", () => {
  it("passes every case through the driver protocol, but those of the feature it declares unsupported", async () => {
    const driver = await startDriver("python3 conformance/drivers/python/driver.py");
    expect(driver.info).toMatchObject({ name: "protevents.py example", language: "Python", profile: "core" });
    expect(driver.info.unsupported?.map((u) => u.tag)).toEqual(["slow-peer"]);
    const report = await runCases(driver, cases, { timeoutMs: 20_000 });
    const { failed, tagged, skipped } = failedButUnsupported(report, cases, "slow-peer");
    expect(failed).toEqual([]);
    expect(skipped).toBe(tagged);
  }, 300_000);

  // A second implementation of the rules, written apart from the reference: where
  // the two read the spec differently, a generated case finds it.
  it(`gives the model's trace on ${runs} generated cases, seed ${seed}`, async () => {
    const exec = await startDriver("python3 conformance/drivers/python/driver.py");
    const report = await runDifferential({ generator: "core", arbitrary: caseArbitrary, judge: exactJudge((c) => exec.run(loaded(c), GENERATED_CASE_TIMEOUT_MS)), runs, seed });
    console.log(`the Python driver, ${report.runs} generated cases: ${JSON.stringify(report.outcomes)}`);
    if (report.failure !== undefined) expect.fail(report.failure);
    expect(report.runs).toBe(runs);
  }, 300_000);
});
