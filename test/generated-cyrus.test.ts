/**
 * Differential testing against the original C implementation (Debian's
 * libcyrus 3.6.1, through conformance/drivers/cyrus/, built or fetched on
 * its first start as in test/cyrus-driver.test.ts): generated cases from
 * the `cyrus` generator (conformance/model/generate.ts) run through the C
 * driver, one process for the whole run. Every difference from the model's
 * trace must come at or after the first trigger of a deviation that
 * conformance/drivers/cyrus/deviations.yaml declares (or of an outcome the
 * specification leaves open, where C takes the other way), as
 * conformance/model/cyrus.ts places it; the counts of full matches and of
 * divergences by deviation are printed. Failures are reported as in
 * test/generated.test.ts.
 *
 * The same placing is checked first on the written cases, whose deviations
 * deviations.yaml declares by case ID: each difference must come after the
 * trigger of a deviation declared for that very case.
 *
 * PROT_EVENTS_GENERATED=<n> runs n cases instead of the default;
 * PROT_EVENTS_SEED=<s> another seed.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { FOUND } from "../conformance/model/cyrus.js";
import { declaredDeviations, deviationTable } from "../conformance/drivers/cyrus/deviations.js";
import { generatedRuns, generatedSeed, runDifferential } from "../conformance/model/differential.js";
import { cyrusJudge } from "../conformance/model/cyrus-judge.js";
import { cyrusCaseArbitrary } from "../conformance/model/cyrus-repair.js";
import { type DriverExecutor, loadSuite, withQuirkForms } from "prot-conformance";
import { driversClosedAfterAll } from "./helpers.js";

const runs = generatedRuns(5000);
const seed = generatedSeed();
const startDriver = driversClosedAfterAll();
let driver: DriverExecutor;
beforeAll(async () => {
  // The first start may fetch Debian's package and build the driver.
  driver = await startDriver("conformance/drivers/cyrus/run", 600_000);
}, 900_000);

describe("the C implementation through its driver against the model", () => {
  it("places the difference of every written case, in both forms, after a deviation declared for it", async () => {
    const table = deviationTable();
    const judge = cyrusJudge(driver);
    // The shadow does not follow input that fails or echoes, or a peer slow
    // to read (R_FLUSH_BLOCKS): deviations.yaml declares their cases by ID, and test/cyrus-driver.test.ts holds
    // the driver to them.
    const unsupported = ["throw", "read-callback", "undefined-in-c", "input-error", "echo", "slow-peer"];
    const wrong: string[] = [];
    // Each written case, and its form with a read timeout (the quirk the driver declares).
    const written = withQuirkForms(loadSuite().cases, ["events-need-read-timeout"]);
    for (const { source: _source, ...c } of written.filter((c) => !c.tags.some((t) => unsupported.includes(t)))) {
      const v = await judge(c);
      // What the entries of the table naming the case or one of its requirements declare.
      const declared = [c.id, ...c.requirements].flatMap((id) => table.get(id) ?? []);
      const after = v.ok ? /^after (R_[A-Z_]+)/.exec(v.outcome)?.[1] : undefined;
      if (!v.ok) wrong.push(`${c.id}: ${v.why}`);
      else if (after !== undefined && !declared.includes(after)) wrong.push(`${c.id}: ${v.outcome}, but deviations.yaml declares ${declared.join(", ") || "nothing"}`);
    }
    expect(wrong).toEqual([]);
  });

  it(`${runs} generated cases, seed ${seed}: differences only after a declared deviation`, { timeout: 900_000 }, async () => {
    const declared = declaredDeviations();
    const report = await runDifferential({ generator: "cyrus", arbitrary: cyrusCaseArbitrary(declared), judge: cyrusJudge(driver), runs, seed });
    const lines = Object.entries(report.outcomes)
      .sort(([, a], [, b]) => b - a)
      .map(([outcome, n]) => `  ${String(n).padStart(5)}  ${outcome}`);
    const avoided = Object.entries(FOUND)
      .filter(([name]) => !declared.has(name))
      .map(([name, reason]) => `  ${name}: ${String(reason)}`);
    console.log(`C implementation, ${report.runs} generated cases:\n${lines.join("\n")}`);
    if (avoided.length > 0) console.log(`cut out of the generated cases, as deviations.yaml does not declare them:\n${avoided.join("\n")}`);
    if (report.failure !== undefined) expect.fail(report.failure);
    expect(report.runs).toBe(runs);
    expect(report.outcomes["match, events ran"]).toBeGreaterThan(0);
  });
});
