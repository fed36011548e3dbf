/**
 * gcov's figures for the event code of the C prot layer, built from source
 * (conformance/drivers/cyrus/coverage.ts), from the written cases in both
 * forms and 300 generated ones. The wait loop of prot_fill() is where the
 * events run: every line of it must be reached, as the compatibility page
 * says; its branches not taken are the EINTR paths of a real signal.
 */
import { describe, expect, it } from "vitest";
import { coverageCases, EVENT_FUNCTIONS, measureCoverage, WAIT_LOOP } from "../conformance/drivers/cyrus/coverage.js";

describe("coverage of the C event code by the suite", () => {
  it("reads every event function of prot.c 3.12.4, and the suite runs every line of the wait loop", async () => {
    const { coverage, ran } = await measureCoverage({ release: "3.12.4" }, coverageCases(300));
    expect(ran).toBeGreaterThan(300);
    expect(coverage.map((c) => c.name)).toEqual([...EVENT_FUNCTIONS.slice(0, 3), WAIT_LOOP, ...EVENT_FUNCTIONS.slice(3)]);
    for (const c of coverage) expect(c.linesTotal, c.name).toBeGreaterThan(0);
    const loop = coverage.find((c) => c.name === WAIT_LOOP)!;
    expect(loop.unrunLines).toEqual([]);
    const add = coverage.find((c) => c.name === "prot_addwaitevent")!;
    const remove = coverage.find((c) => c.name === "prot_removewaitevent")!;
    expect(add.unrunLines).toEqual([]);
    expect(remove.branchesTaken).toBe(remove.branchesTotal);
  }, 900_000);
});
