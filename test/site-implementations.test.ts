import { describe, expect, it } from "vitest";
import type { CaseResult, Status } from "prot-conformance";
import { badgeMessage, badgeSvg, scoreByRequirement, versionHistory } from "../site/implementations.js";
import { bundled, runAll, type Column } from "../site/results.js";

const result = (id: string, status: Status): CaseResult => ({ id, requirements: [], source: "x", status, ms: 0 });

describe("an implementation's score and badge", () => {
  const cases: Record<string, string[]> = { "R-1": ["a", "b"], "R-2": ["b", "c"], "R-3": ["d"], "R-4": [], "R-5": ["e"] };
  const results = new Map([result("a", "pass"), result("b", "pass"), result("c", "xfail"), result("d", "fail"), result("e", "skip")].map((r) => [r.id, r]));
  const scores = scoreByRequirement(Object.keys(cases), (id) => cases[id] ?? [], results);

  it("judges each requirement by all the cases that check it", () => {
    expect(scores.map((s) => [s.id, s.verdict])).toEqual([
      ["R-1", "met"],
      ["R-2", "deviates"],
      ["R-3", "fails"],
      ["R-4", "untested"],
      ["R-5", "skipped"],
    ]);
    expect(scores[1]?.counts).toEqual({ pass: 1, fail: 0, xfail: 1, xpass: 0, skip: 0 });
  });

  it("an unexpected pass fails the requirement too", () => {
    const s = scoreByRequirement(["R"], () => ["a", "b"], new Map([result("a", "pass"), result("b", "xpass")].map((r) => [r.id, r])));
    expect(s[0]?.verdict).toBe("fails");
  });

  it("words the badge from the score, red when anything fails", () => {
    expect(badgeMessage(scores)).toEqual({ message: "1/4 rules met, 1 deviation, 1 failing", color: "#b91c1c" });
    expect(badgeMessage(scores.filter((s) => s.verdict !== "fails")).color).toBe("#9a6700");
    expect(badgeMessage(scores.filter((s) => s.verdict === "met"))).toEqual({ message: "1/1 rules met", color: "#116329" });
    expect(badgeMessage(undefined).message).toBe("not run");
  });

  it("draws a badge as a standalone SVG naming itself, its text escaped", () => {
    const svg = badgeSvg("prot-events", "1/4 <rules> & co", "#116329");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('aria-label="prot-events: 1/4 &lt;rules&gt; &amp; co"');
    expect(svg).toContain("<title>prot-events: 1/4 &lt;rules&gt; &amp; co</title>");
    expect(svg).not.toContain("<rules>");
    // Wider text, wider badge.
    const width = (s: string): number => Number(/width="(\d+)"/.exec(s)?.[1]);
    expect(width(badgeSvg("prot-events", "100/100 rules met", "#116329"))).toBeGreaterThan(width(badgeSvg("prot-events", "1/1 rules met", "#116329")));
  });

  it("shows the releases of one implementation side by side, the current one marked", () => {
    const col = (v: string, ran: boolean): Column => ({
      label: `Cyrus ${v}`,
      short: v,
      slug: `cyrus-${v}`,
      command: "x",
      ...(ran
        ? { report: { implementation: { name: "c", version: v, language: "C", profile: "cyrus" }, started: "", results: [], summary: { pass: 3, fail: 1, xfail: 2, xpass: 0, skip: 4 } } }
        : { unavailable: "no such package" }),
    });
    expect(versionHistory([{ col: col("3.6.1", true), scores }], "cyrus-3.6.1")).toBe("");
    const html = versionHistory(
      [
        { col: col("3.2.6", false), scores: undefined },
        { col: col("3.6.1", true), scores },
      ],
      "cyrus-3.6.1",
    );
    expect(html).toContain('<a href="cyrus-3.2.6.html">Cyrus 3.2.6</a>');
    expect(html).toContain("not run: no such package");
    expect(html).toContain("<strong>Cyrus 3.6.1</strong> (this page)");
    expect(html).toContain("3 pass, 2 deviate, 1 fail, 4 skipped");
    expect(html).toContain("1/4 rules met, 1 deviation, 1 failing");
  });
});

describe("what a bundled implementation needs from Debian", () => {
  it("the Python example asks for python3 before it starts", () => {
    expect(bundled().find((c) => c.slug === "python-example")?.needs).toEqual(["python3:python3"]);
  });

  it("a package that cannot be installed makes the column unavailable, naming why, without starting it", async () => {
    const path = process.env.PATH;
    // No apt-get on PATH: .ci/need stops at once with its one line.
    process.env.PATH = "/nonexistent";
    let started = false;
    try {
      const [column] = await runAll(
        [{ label: "absent example", command: "absent", needs: ["prot-events-absent:prot-events-absent"], start: () => ((started = true), Promise.reject(new Error("started"))) }],
        [],
        () => {},
      );
      expect(column?.unavailable).toBe("prot-events: missing for the absent example: prot-events-absent; this system has no apt-get: install them with its package manager");
      expect(started).toBe(false);
    } finally {
      process.env.PATH = path;
    }
  });
});
