import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchmarks } from "../bench/benchmarks.js";
import { collect } from "../bench/collect.js";
import { mbPerSecond, summarize, timePer, type ResultsDoc, type Sample } from "../bench/lib.js";
import { escapeHtml } from "../site/escape.js";
import { performancePage } from "../site/performance.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), "prot-events-site-bench-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A results file as bench/collect.ts writes it, holding `docs`; or `raw` text as it stands. */
function resultsFile(name: string, docs: unknown[] | { raw: string }): string {
  const file = path.join(tmp, `${name}.json`);
  const machine = { cpu: "CPU & co", cpus: 2, memoryGiB: 24, platform: "Linux <test>", node: "v20.0.0" };
  writeFileSync(file, "raw" in docs ? docs.raw : JSON.stringify({ format: 1, date: "2026-01-02T03:04:05.000Z", revision: "abc1234-dirty", machine, benchmarks: docs }));
  return file;
}

const HOSTILE = `<img src=x onerror=alert(1)>&"peer"`;
const CASE = `<script>alert("case")</script>`;

/** Samples of `work` units, one per elapsed time. */
const samples = (work: number, ns: number[]): Sample[] => ns.map((n) => ({ ns: n, work }));

function doc(benchmark: string, cases: ResultsDoc["cases"], goals: ResultsDoc["goals"]): ResultsDoc {
  return {
    benchmark,
    date: "2026-01-02T03:04:05.000Z",
    command: `npx tsx bench/${benchmark}.ts --rounds 3 --warmup 1 <&>`,
    revision: "abc1234-dirty",
    options: { rounds: 3, warmup: 1, tiny: false },
    node: "v20.0.0",
    platform: "Linux <test>",
    cpu: "CPU & co",
    cpus: 2,
    cases,
    goals,
  };
}

// 2 MB read in 1, 2 and 4 ms: 2000, 1000 and 500 MB/s; the peer 500, 500 and 250.
const throughput = doc(
  "line-throughput",
  [
    summarize(
      { name: CASE, ours: "ours", metric: mbPerSecond },
      new Map([
        ["ours", samples(2e6, [1e6, 2e6, 4e6])],
        [HOSTILE, samples(2e6, [4e6, 4e6, 8e6])],
      ]),
    ),
  ],
  [{ description: `ours ÷ ${HOSTILE}`, value: 2, target: 2, higherIsBetter: true, holds: true }],
);

// Ours at N = 100 and 1,000 (2 and 3 µs per wake-up), the peer at N = 100 only (4 µs).
const perWakeup = timePer("wake-up", "µs");
const scaling = doc(
  "select-scaling",
  [
    summarize(
      { name: "N=100", ours: "ours", metric: perWakeup, scale: { name: "N", value: 100 } },
      new Map([
        ["ours", samples(1000, [2e6, 2e6, 2e6])],
        [HOSTILE, samples(1000, [4e6, 4e6, 4e6])],
      ]),
    ),
    summarize({ name: "N=1000", ours: "ours", metric: perWakeup, scale: { name: "N", value: 1000 } }, new Map([["ours", samples(1000, [3e6, 3e6, 3e6])]])),
  ],
  [
    { description: "ours N=1000 ÷ N=100", value: 1.5, target: 2, higherIsBetter: false, holds: true },
    { description: "ours ÷ C", value: 3, target: 1, higherIsBetter: false, holds: false, floor: { peer: HOSTILE, value: 2 } },
  ],
);

describe("the performance page", () => {
  it("explains every benchmark and how to produce results when there are none", () => {
    const { content, toc } = performancePage(path.join(tmp, "missing.json"), "bench/results.json");
    expect(content).toContain("No results were found in <code>bench/results.json</code>");
    expect(content).toContain("npm run bench");
    for (const b of benchmarks) {
      expect(content).toContain(`<h2 id="${b.name}">${escapeHtml(b.title)}</h2>`);
      expect(content).toContain(escapeHtml(b.goal));
      expect(content).toContain(`<code>${escapeHtml(b.command)}</code>`);
    }
    expect(toc.map((h) => h.id)).toEqual(benchmarks.map((b) => b.name));
    expect(content).not.toContain("<svg");
    expect(content).not.toContain("<table");
  });

  it("renders a table and a plot of each results file, escaped", () => {
    const { content } = performancePage(resultsFile("fixture", [throughput, scaling]), "fixture.json");
    const section = (name: string): string => content.slice(content.indexOf(`<h2 id="${name}">`), content.indexOf("</section>", content.indexOf(`<h2 id="${name}">`)));

    // Nothing from the file reaches the page unescaped.
    expect(content).not.toContain("<img");
    expect(content).not.toContain("<script");
    expect(content).not.toContain("<&>");
    expect(content).toContain("at commit abc1234-dirty with Node v20.0.0, 2 × CPU &amp; co, Linux &lt;test&gt;");
    expect(content).toContain(`Reproduce with <code>npx tsx bench/line-throughput.ts --rounds 3 --warmup 1 &lt;&amp;&gt;</code>`);
    // Committed results are shown as such, with how to refresh them.
    expect(content).toContain(`the committed results (2 of ${benchmarks.length} benchmarks), collected on 2026-01-02 at commit abc1234-dirty on 2 × CPU &amp; co, 24 GiB, Linux &lt;test&gt;`);
    expect(content).toContain("To refresh them, run <code>npm run bench</code>");

    const bars = section("line-throughput");
    // The table: a row group per case, the median, range, IQR, rounds and the ratio of each contender.
    expect(bars).toContain(`<th scope="rowgroup" rowspan="2">${escapeHtml(CASE)}</th>`);
    expect(bars).toMatch(/<td><strong>ours<\/strong><\/td><td class="n">1000 MB\/s<\/td><td class="n">500\.0–2000<\/td><td class="n">750\.0–1500<\/td><td class="n">3<\/td>/);
    expect(bars).toContain(`<td>${escapeHtml(HOSTILE)}</td><td class="n">500.0 MB/s</td>`);
    expect(bars).toContain(`<span title="ours ÷ peer">2.000x</span>`);
    // The plot: one bar chart for the one case, a bar per contender, labelled for screen readers.
    expect(bars.match(/<svg class="plot"[^>]*role="img"/g)).toHaveLength(1);
    expect(bars.match(/<rect x="150"/g)).toHaveLength(2);
    expect(bars).toContain(`aria-label="${escapeHtml(`${CASE}, MB/s: ours 1000, ${HOSTILE} 500.0`)}"`);
    expect(bars).toContain(`<span class="st st-pass">holds</span> ours ÷ ${escapeHtml(HOSTILE)}: 2.000 (target ≥ 2.000)`);

    const lines = section("select-scaling");
    // Cost against N on log axes: a line per contender through its medians, a marker per point it ran at.
    expect(lines.match(/<svg class="plot"/g)).toHaveLength(1);
    expect(lines.match(/<polyline /g)).toHaveLength(2);
    expect(lines.match(/<circle /g)).toHaveLength(3);
    expect(lines).toContain("N (log scale)");
    expect(lines).toContain("µs/wake-up (log scale)");
    expect(lines).toContain(`<title>${escapeHtml(`${HOSTILE}, N=100: median 4.000 µs/wake-up (min 4.000, max 4.000)`)}</title>`);
    expect(lines).toContain(`<span title="peer ÷ ours">2.000x</span>`);
    expect(lines).toContain("<li>ours: 1.500x from N=100 to N=1000</li>");
    // A goal with a floor names the least a Node program doing the work reaches, and says what that floor means.
    expect(lines).toContain(`<span class="st st-fail">missed</span> ours ÷ C: 3.000 (target ≤ 1.000; Node's floor, ${escapeHtml(HOSTILE)}: 2.000)`);
    expect(lines).toContain("no Node implementation can meet that goal as stated");
    expect(bars).not.toContain("Node's floor");
    // The benchmarks without results still say how to produce them.
    expect(section("event-dispatch")).toContain("Not run yet.");
  });

  it("draws a plot per figure when the cases of a scale measure more than one", () => {
    const cpu = timePer("wake-up (CPU)", "µs");
    const wall = timePer("wake-up (wall)", "µs");
    const point = (n: number, metric: typeof cpu, what: string, ns: number[]): ReturnType<typeof summarize> =>
      summarize(
        { name: `N=${n}, ${what}`, ours: "ours", metric, scale: { name: "N", value: n } },
        new Map([
          ["ours", samples(1000, ns)],
          [
            "peer",
            samples(
              1000,
              ns.map((x) => 2 * x),
            ),
          ],
        ]),
      );
    const sockets = doc("select-sockets", [point(10, cpu, "CPU", [1e6]), point(10, wall, "wall", [3e6]), point(100, cpu, "CPU", [2e6]), point(100, wall, "wall", [4e6])], []);
    const { content } = performancePage(resultsFile("two-figures", [sockets]), "two-figures.json");
    const section = content.slice(content.indexOf(`<h2 id="select-sockets">`), content.indexOf("</section>", content.indexOf(`<h2 id="select-sockets">`)));
    expect(section.match(/<svg class="plot"/g)).toHaveLength(2);
    // Each plot joins one figure's medians: two contenders, two points each.
    expect(section.match(/<polyline /g)).toHaveLength(4);
    expect(section).toContain("µs/wake-up (CPU) (log scale)");
    expect(section).toContain("µs/wake-up (wall) (log scale)");
    expect(section).toContain("<li>ours: 2.000x from N=10, CPU to N=100, CPU</li>");
    expect(section).toContain("<li>ours: 1.333x from N=10, wall to N=100, wall</li>");
  });

  it("says so when a benchmark's results are from an older version of it", () => {
    const { content } = performancePage(resultsFile("stale", [{ benchmark: "idle-connections", results: [] }]), "stale.json");
    expect(content).toContain("Its results were written by an older version of the benchmark.");
    expect(content).toContain("<code>stale.json</code> holds no results this page can show");
  });

  it("says what is wrong with a results file it cannot read", () => {
    expect(performancePage(resultsFile("garbled", { raw: "{ not json" }), "garbled.json").content).toMatch(/<code>garbled\.json<\/code> could not be read \(.+\), so this page shows/);
    expect(performancePage(resultsFile("old", { raw: JSON.stringify({ benchmarks: [] }) }), "old.json").content).toContain("<code>old.json</code> is not a results file of format 1");
  });

  it("shows the committed results of every benchmark", () => {
    const { content } = performancePage(path.join(root, "bench", "results.json"), "bench/results.json");
    expect(content).toContain(`the committed results (${benchmarks.length} of ${benchmarks.length} benchmarks)`);
    expect(content).not.toContain("Not run yet.");
  });

  // Not timed: the benchmark only has to run, so that its real output is what the page reads.
  it("renders what a benchmark writes (a tiny run of event-dispatch)", async () => {
    const out = path.join(tmp, "run");
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", "bench/event-dispatch.ts", "--tiny", "--rounds", "1", "--results", out], { cwd: root, timeout: 240_000 }, (err, _o, stderr) =>
        err ? reject(new Error(`event-dispatch failed: ${err.message}\n${stderr}`)) : resolve(),
      ),
    );
    renameSync(path.join(out, "event-dispatch.tiny.json"), path.join(out, "event-dispatch.json"));
    const file = path.join(tmp, "collected.json");
    writeFileSync(file, JSON.stringify(collect(out)));
    const { content } = performancePage(file, "collected.json");
    expect(content).toContain("A tiny run, at the smoke test's sizes");
    expect(content).toContain("<code>npx tsx bench/event-dispatch.ts --rounds 1 --warmup 0 --tiny</code>");
    expect(content).toContain("K (log scale)");
    expect(content.match(/<polyline /g)).toHaveLength(2);
    expect(content).toContain(`<th scope="rowgroup" rowspan="2">K=1</th>`);
    expect(content).toContain(`<th scope="rowgroup" rowspan="2">K=100</th>`);
    expect(content).toMatch(/<td>c-prot<\/td><td class="n">[\d.]+ ns\/firing<\/td>/);
  }, 300_000);
});
