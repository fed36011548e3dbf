/**
 * The sections of spec/08-compatibility.md made from the committed results
 * of the C builds (record.ts): the gcov figures from coverage.json
 * (conformance/drivers/cyrus/coverage.ts) and the matrix from matrix.json
 * (matrix.ts). Each must be what its file makes now, and each file must
 * have been measured with the suite as it stands (its written runs and
 * second forms); everything gcov leaves unreached must have a reason; and
 * the recorded statuses must show every case with events reaching the C
 * event loop in one of its forms, unless a build skips it in every form.
 * test/cyrus-coverage.test.ts measures a build's coverage itself;
 * test/cyrus-driver.test.ts and test/site-cyrus-wasm.test.ts check the
 * recorded statuses against every build.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readRecord, withPageSection, WAIT_LOOP } from "../conformance/drivers/cyrus/coverage.js";
import { readMatrix, withMatrixSection } from "../conformance/drivers/cyrus/matrix.js";
import { PAGE, suiteStamp, writtenRuns } from "../conformance/drivers/cyrus/record.js";
import { CYRUS_RELEASES, cyrusBuilds } from "../conformance/drivers/cyrus/builds.js";
import { declaredFor, declaredIds, loadDeviations } from "../conformance/drivers/cyrus/deviations.js";
import { FORM_SUFFIX } from "prot-conformance";

const record = readRecord();
const matrix = readMatrix();
const page = readFileSync(PAGE, "utf8");
const runs = writtenRuns();
const RECORD_COMMAND = "npx tsx conformance/drivers/cyrus/coverage.ts --release <each> --record";
const MATRIX_COMMAND = "npx tsx conformance/drivers/cyrus/matrix.ts --record";

describe("the gcov figures of the compatibility page", () => {
  it("are what coverage.json makes", () => {
    expect(page === withPageSection(page, record), "run: npx tsx conformance/drivers/cyrus/coverage.ts --page").toBe(true);
  });

  it("were measured with the written runs of the suite as it stands", () => {
    expect({ written: record.written, secondForms: record.secondForms }, `the suite changed: run ${RECORD_COMMAND}`).toEqual(suiteStamp(runs));
    for (const b of record.builds) expect(b.cases, b.release).toBe(record.written + record.generated);
    expect(record.builds.every((b) => CYRUS_RELEASES.some((r) => r.release === b.release))).toBe(true);
  });

  it("give a reason for every line and branch not reached, and reach every line of the wait loop", () => {
    const unexplained = record.builds.flatMap((b) => b.functions.flatMap((f) => f.unreached.filter((u) => u.reason === undefined).map((u) => `${b.release} ${f.name}: ${u.line}`)));
    expect(unexplained).toEqual([]);
    for (const b of record.builds) expect(b.functions.find((f) => f.name === WAIT_LOOP)?.unrunLines, b.release).toEqual([]);
  });
});

describe("the matrix of the compatibility page", () => {
  it("is what matrix.json makes", () => {
    expect(page === withMatrixSection(page, matrix), "run: npx tsx conformance/drivers/cyrus/matrix.ts --page").toBe(true);
  });

  it("was measured on every build, each with every written run of the suite as it stands", () => {
    expect({ written: matrix.written, secondForms: matrix.secondForms }, `the suite changed: run ${MATRIX_COMMAND}`).toEqual(suiteStamp(runs));
    expect(
      matrix.builds.map((b) => b.label),
      `a build is missing: run ${MATRIX_COMMAND}`,
    ).toEqual(cyrusBuilds().map((b) => b.label));
    const ids = runs.map((c) => c.id);
    for (const b of matrix.builds) if ("statuses" in b) expect(Object.keys(b.statuses), `${b.label}: other runs than the suite's: run ${MATRIX_COMMAND}`).toEqual(ids);
    expect(matrix.wasm, `the WebAssembly build is missing: run ${MATRIX_COMMAND} --build wasm`).toBeDefined();
    if (matrix.wasm !== undefined && "runs" in matrix.wasm) expect(matrix.wasm.runs).toBe(runs.length);
  });
});

describe("the C event loop, as the matrix records it", () => {
  // Issue 13's goal for the quirk forms: a case with events shows how C treats them in one form at least.
  it("is reached by every case with events in one of its forms on every build, but those the build skips in every form", () => {
    const table = declaredIds(loadDeviations());
    const byId = new Map(runs.map((r) => [r.id, r]));
    const suffix = FORM_SUFFIX["events-need-read-timeout"];
    const withEvents = runs.filter((r) => !r.id.endsWith(suffix) && Object.keys(r.events ?? {}).length > 0);
    expect(withEvents.length).toBeGreaterThan(0);
    for (const b of matrix.builds) {
      if (!("statuses" in b)) continue;
      const reaches = (id: string): boolean => {
        const status = b.statuses[id];
        const run = byId.get(id);
        if (status === "pass") return true;
        // An expected failure reaches the loop unless it is declared only for never running it.
        return status === "xfail" && run !== undefined && declaredFor(table, run).some((d) => d.name !== "R_NO_TIMEOUT");
      };
      const missed = withEvents.filter((c) => {
        const forms = [c.id, `${c.id}${suffix}`].filter((id) => b.statuses[id] !== undefined);
        return !forms.some(reaches) && !forms.every((id) => b.statuses[id] === "skip");
      });
      expect(
        missed.map((c) => c.id),
        `${b.label}: cases with events that reach the C event loop in no form`,
      ).toEqual([]);
    }
  });
});
