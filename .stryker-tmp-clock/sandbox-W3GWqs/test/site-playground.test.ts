import { describe, expect, it } from "vitest";
import { checkScenario } from "../conformance/src/check.js";
import { caseValidator, checkCase, loadSuite } from "../conformance/src/load.js";
import { runKey, scenarioFragment, scenarioFromFragment } from "../site/playground/link.js";

describe("the playground's link and checks", () => {
  it("carries any scenario in the URL and back, non-ASCII text included", () => {
    for (const text of ["", "id: x\n", 'title: "é → ✓ 😀"\nsteps: []\n', "a+b/c==\n".repeat(50)]) {
      const fragment = scenarioFragment(text);
      expect(fragment).toMatch(/^s=[A-Za-z0-9_-]*$/);
      expect(scenarioFromFragment(`#${fragment}`)).toBe(text);
      expect(scenarioFromFragment(`case=x&${fragment}`)).toBe(text);
    }
  });

  it("refuses a damaged or missing scenario rather than guessing", () => {
    expect(scenarioFromFragment("#case=pattern-keepalive")).toBeUndefined();
    expect(scenarioFromFragment("#s=_w")).toBeUndefined(); // not UTF-8
  });

  it("gives the messages the loader gives, at the same lines", () => {
    const text = "id: broken\ntitle: t\nrequirements: [WE-FIRE-2]\nstreams:\n  s: {}\nsteps:\n  - read-line: s\n  - bogus: 1\n  - getc: nowhere\nexpect: []\n";
    const checked = checkScenario(caseValidator(), text);
    expect(checked.syntax).toEqual([]);
    expect(checked.problems.length).toBeGreaterThan(0);
    expect(checked.problems.every((p) => /^line \d+: \//.test(p))).toBe(true);
    expect(checked.problems.some((p) => p.startsWith("line 8: /steps/1"))).toBe(true);
    // checkCase is what the command line's loader calls for every case.
    const again = checkCase(checked.data, () => undefined);
    expect(again.map((p) => p.replace(/^line \d+: /, ""))).toEqual(checked.problems.map((p) => p.replace(/^line \d+: /, "")));
  });

  it("places a YAML syntax error at its line", () => {
    const checked = checkScenario(caseValidator(), "id: x\ntitle: t\nid: y\n", 0);
    expect(checked.syntax.map((e) => e.line)).toEqual([3]);
    expect(checked.syntax[0]?.message).toMatch(/unique/i);
    expect(checkScenario(caseValidator(), "id: x\ntitle: t\nid: y\n", 10).syntax.map((e) => e.line)).toEqual([13]);
  });

  it("keys a scenario by what an implementation is given, not by its name or expectation", () => {
    const [a] = loadSuite().cases;
    if (a === undefined) throw new Error("no case");
    expect(runKey({ ...a, events: a.events })).toBe(runKey(a));
    const renamed = { ...a, id: "other", title: "other", expect: [] };
    expect(runKey(renamed)).toBe(runKey(a));
    expect(runKey({ ...a, steps: [] })).not.toBe(runKey(a));
  });
});
