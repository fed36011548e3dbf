/**
 * conformance/drivers/cyrus/deviations.yaml, the one list of the C layer's
 * deviations: the files made from it (the driver's deviations.h, the table
 * of the driver's README) are what deviations.ts makes now; every ID it
 * declares is a case or a requirement of the suite; each deviation's case is
 * one it is declared for, and the compatibility page has a row for it; the
 * model observer names only deviations the file has; and a damaged file is
 * refused with the place of the damage.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSuite, withQuirkForms } from "prot-conformance";
import { declaredIds, loadDeviations, madeFiles } from "../conformance/drivers/cyrus/deviations.js";
import { DECLARED, UNDEFINED } from "../conformance/model/cyrus.js";

const deviations = loadDeviations();
const suite = loadSuite();
const cases = new Map(withQuirkForms(suite.cases, ["events-need-read-timeout"]).map((c) => [c.id, c]));
const requirements = new Set(suite.pages.flatMap((p) => p.requirements.map((r) => r.id)));
const rulesOf = (text: string): string[] => text.match(/WE-[A-Z]+-\d+/g) ?? [];

const scratch = mkdtempSync(join(tmpdir(), "prot-deviations-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("deviations.yaml", () => {
  it("is what deviations.h and the driver's README table are made from, as they stand", () => {
    const stale = [...madeFiles(deviations)].filter(([file, text]) => readFileSync(file, "utf8") !== text).map(([file]) => relative(process.cwd(), file));
    expect(stale, "run: npx tsx conformance/drivers/cyrus/deviations.ts").toEqual([]);
  });

  it("declares cases and requirements that exist, each once", () => {
    const rows = declaredIds(deviations);
    expect(rows.filter((r) => !cases.has(r.id) && !requirements.has(r.id)).map((r) => r.id)).toEqual([]);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    // Case IDs come before requirement IDs: the runner takes the first entry that matches.
    const firstRequirement = rows.findIndex((r) => requirements.has(r.id));
    expect(rows.slice(firstRequirement).every((r) => requirements.has(r.id))).toBe(true);
  });

  it("shows each deviation by a case declared for it, which the compatibility page names beside a rule the reason cites", () => {
    const page = readFileSync("spec/08-compatibility.md", "utf8");
    const table = page.slice(page.indexOf("\n## Differences"), page.indexOf("\n## Why the core rules differ"));
    const rows = table.split("\n").filter((l) => l.startsWith("| [WE-"));
    expect(rows.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const d of deviations) {
      const c = cases.get(d.shownBy);
      if (c === undefined) wrong.push(`${d.name}: no case ${d.shownBy}`);
      else if (!d.cases.includes(c.id) && !c.requirements.some((r) => d.requirements.includes(r))) wrong.push(`${d.name}: ${d.shownBy} is not declared for it`);
      const rules = rulesOf(d.reason);
      if (rules.length === 0) wrong.push(`${d.name}: its reason cites no rule`);
      if (!rows.some((row) => row.includes(`\`${d.shownBy}\``) && rules.some((r) => row.includes(`[${r}]`))))
        wrong.push(`${d.name}: spec/08-compatibility.md has no row of differences citing one of ${rules.join(", ")} and naming ${d.shownBy}`);
    }
    expect(wrong).toEqual([]);
  });

  it("has every deviation the model observer places, and the undefined behaviour it names", () => {
    const names = new Set(deviations.map((d) => d.name));
    expect([...DECLARED, "R_REMOVE_NEXT"].filter((n) => !names.has(n))).toEqual([]);
    expect(Object.keys(UNDEFINED)).toContain("R_REMOVE_NEXT");
  });

  it("marks as depending on the allocator the stale handle alone, which valgrind's allocator hides", () => {
    expect(deviations.filter((d) => d.dependsOnAllocator).map((d) => d.name)).toEqual(["R_STALE_HANDLE"]);
  });

  it.each([
    ["R_X:\n  reason: r\n  summary: s\n  shownBy: c\n  cases: [a]\n  colour: red\n", /R_X\.colour: unknown field/],
    ["R_X:\n  reason: r\n  summary: s\n  shownBy: c\n  cases: [a, a]\n", /R_X\.cases\[1\]: a is listed twice/],
    ["R_X:\n  reason: r\n  summary: s\n  shownBy: c\n  requirements: [we-fire-2]\n", /R_X\.requirements\[0\]: "we-fire-2" is not an ID/],
    ["R_X:\n  reason: r\n  summary: s\n  shownBy: c\n", /R_X: declared for no case and no requirement/],
    ["R_X:\n  summary: s\n  shownBy: c\n  cases: [a]\n", /R_X\.reason: a non-empty string is expected/],
    ["R_X:\n  reason: r\n  summary: s\n  shownBy: c\n  cases: [a]\n  dependsOnAllocator: yes please\n", /R_X\.dependsOnAllocator: true or false/],
    ["not_a_name:\n  reason: r\n", /not_a_name: a name is R_ and capitals/],
    ["- R_X\n", /the top: a mapping of deviation names/],
  ])("refuses %j, naming the place", (text, error) => {
    const file = join(scratch, "deviations.yaml");
    writeFileSync(file, text);
    expect(() => loadDeviations(file)).toThrow(error);
  });
});
