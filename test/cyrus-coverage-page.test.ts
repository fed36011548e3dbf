/**
 * The coverage section of spec/08-compatibility.md is made from the
 * committed results of conformance/drivers/cyrus/coverage.ts
 * (conformance/drivers/cyrus/coverage.json): it must be what they make now,
 * they must have been measured with the suite as it stands (its written runs
 * and second forms), and everything they leave unreached must have a
 * reason. test/cyrus-coverage.test.ts measures a build itself.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FORM_TAG, loadSuite, withQuirkForms } from "prot-conformance";
import { PAGE, readRecord, withPageSection, WAIT_LOOP } from "../conformance/drivers/cyrus/coverage.js";
import { CYRUS_RELEASES } from "../conformance/drivers/cyrus/builds.js";

const record = readRecord();
const RECORD_COMMAND = "npx tsx conformance/drivers/cyrus/coverage.ts --release <each> --record";

describe("the gcov figures of the compatibility page", () => {
  it("are what coverage.json makes", () => {
    const page = readFileSync(PAGE, "utf8");
    expect(page === withPageSection(page, record), "run: npx tsx conformance/drivers/cyrus/coverage.ts --page").toBe(true);
  });

  it("were measured with the written runs of the suite as it stands", () => {
    const runs = withQuirkForms(loadSuite().cases, ["events-need-read-timeout"]);
    expect({ written: record.written, secondForms: record.secondForms }, `the suite changed: run ${RECORD_COMMAND}`).toEqual({
      written: runs.length,
      secondForms: runs.filter((c) => c.tags.includes(FORM_TAG)).length,
    });
    for (const b of record.builds) expect(b.cases, b.release).toBe(record.written + record.generated);
    expect(record.builds.every((b) => CYRUS_RELEASES.some((r) => r.release === b.release))).toBe(true);
  });

  it("give a reason for every line and branch not reached, and reach every line of the wait loop", () => {
    const unexplained = record.builds.flatMap((b) => b.functions.flatMap((f) => f.unreached.filter((u) => u.reason === undefined).map((u) => `${b.release} ${f.name}: ${u.line}`)));
    expect(unexplained).toEqual([]);
    for (const b of record.builds) expect(b.functions.find((f) => f.name === WAIT_LOOP)?.unrunLines, b.release).toEqual([]);
  });
});
