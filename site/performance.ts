/**
 * The performance page: what each benchmark of bench/ measures and its goal
 * (from bench/benchmarks.ts), and, for each with results in the committed
 * results file (bench/results.json), a plot, a table of medians, spread and ratios, the
 * goals held or missed, and the command that reproduces the run.
 */
import { existsSync, readFileSync } from "node:fs";
import { benchmarks, type Benchmark } from "../bench/benchmarks.js";
import type { CollectedResults } from "../bench/collect.js";
import { fmt, ratioHeading, statsOf, type BenchCaseResult, type ResultsDoc } from "../bench/lib.js";
import type { Heading } from "./layout.js";
import { escapeHtml } from "./escape.js";

/** Okabe–Ito colours, which stay apart for colour-blind readers; the dashes tell the lines apart in grey too. */
const COLORS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9"];
const DASHES = ["", "7 4", "2 3", "9 3 2 3", "4 2", "1 4"];
const INK = "#1b1f24";
const MUTED = "#57606a";
const GRID = "#d0d7de";

interface Style {
  color: string;
  dash: string;
}

/** A benchmark's results, or why there are none to show. */
type Loaded = { doc: ResultsDoc } | { why: string };

/** The committed results file (bench/results.json, written by bench/collect.ts), or why it cannot be shown. */
type Collected = { file: CollectedResults } | { why: string };

function readCollected(file: string, shown: string): Collected {
  if (!existsSync(file)) return { why: `No results were found in <code>${escapeHtml(shown)}</code> when this site was built` };
  let parsed: Partial<CollectedResults>;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<CollectedResults>;
  } catch (err) {
    return { why: `<code>${escapeHtml(shown)}</code> could not be read (${escapeHtml((err as Error).message)})` };
  }
  if (parsed.format !== 1 || !Array.isArray(parsed.benchmarks) || typeof parsed.machine !== "object" || typeof parsed.date !== "string") {
    return { why: `<code>${escapeHtml(shown)}</code> is not a results file of format 1, which this site reads` };
  }
  return { file: parsed as CollectedResults };
}

/** A benchmark's entry in the results file, if it has one this page can draw. */
function loadResults(collected: Collected, b: Benchmark): Loaded {
  if (!("file" in collected)) return { why: "none" };
  const doc = collected.file.benchmarks.find((d) => (d as Partial<ResultsDoc> | null)?.benchmark === b.name) as Partial<ResultsDoc> | undefined;
  if (doc === undefined) return { why: "none" };
  const usable =
    Array.isArray(doc.cases) &&
    doc.cases.length > 0 &&
    Array.isArray(doc.goals) &&
    typeof doc.command === "string" &&
    doc.cases.every((c) => typeof c?.contenders === "object" && typeof c.ratio === "object");
  return usable ? { doc: doc as ResultsDoc } : { why: `its results were written by an older version of the benchmark` };
}

/** The page's content and table of contents, from the results file `file` (named `shown` on the page). */
export function performancePage(file: string, shown: string): { content: string; toc: Heading[] } {
  const collected = readCollected(file, shown);
  const loaded = benchmarks.map((b) => ({ b, r: loadResults(collected, b) }));
  const found = loaded.filter(({ r }) => "doc" in r).length;
  const refresh = `To refresh them, run <code>npm run bench</code> on a quiet machine (all ${benchmarks.length} benchmarks, several minutes; a C compiler and Debian's libcyrus, which the first run fetches): it rewrites <code>${escapeHtml(shown)}</code> and the README's table; commit both and build the site again with <code>npm run site</code>.`;
  let source: string;
  if ("file" in collected && found > 0) {
    const { date, revision, machine } = collected.file;
    source = `<p>The figures below come from <code>${escapeHtml(shown)}</code>, the committed results (${found} of ${benchmarks.length} benchmarks), collected on ${escapeHtml(date.slice(0, 10))}${revision === undefined ? "" : ` at commit ${escapeHtml(revision)}`} on ${escapeHtml(String(machine.cpus))} × ${escapeHtml(machine.cpu)}, ${escapeHtml(String(machine.memoryGiB))} GiB, ${escapeHtml(machine.platform)}, Node ${escapeHtml(machine.node)}. Each benchmark below says when it ran and how loaded the machine was. ${refresh}</p>`;
  } else {
    const why = "file" in collected ? `<code>${escapeHtml(shown)}</code> holds no results this page can show` : collected.why;
    source = `<p>${why}, so this page shows what each benchmark measures and its goal, without figures. ${refresh}</p>`;
  }
  const content = `<h1>Performance</h1>
<p><code>npm run bench</code> measures the reference implementation against named peers: Node's own tools (<code>readline</code>, a bare <code>net</code> server) and the C prot layer of Cyrus 3.6.1 as Debian 12 ships it, linked into small programs in <code>bench/c/</code>. The contenders of a benchmark run in the same run, alternating round after round with the order rotating, so that a slow spell of the machine falls on all of them. Each figure is the median of the measured rounds, with its range (min–max) and interquartile range beside it; each peer gets a ratio, how many times better ours is on the medians: above 1, ours is better. Benchmarks are never timed tests: <code>npm test</code> only checks that each one runs on a tiny size.</p>
${source}
${loaded.map(({ b, r }) => benchmarkSection(b, r)).join("\n")}`;
  return { content, toc: benchmarks.map((b) => ({ id: b.name, text: b.title, level: 2 })) };
}

/** One benchmark: what it measures and its goal, then its figures when there are any. */
function benchmarkSection(b: Benchmark, r: Loaded): string {
  const head = `<section class="bench" aria-labelledby="${b.name}">
<h2 id="${b.name}">${escapeHtml(b.title)}</h2>
<p>${escapeHtml(b.measures)}</p>
<p><strong>Goal:</strong> ${escapeHtml(b.goal)}</p>`;
  if (!("doc" in r)) {
    const why = r.why === "none" ? "Not run yet." : `${escapeHtml(r.why.charAt(0).toUpperCase() + r.why.slice(1))}.`;
    return `${head}\n<p class="bench-none">${why} Run <code>${escapeHtml(b.command)}</code> to produce its results.</p>\n</section>`;
  }
  const doc = r.doc;
  const style = styles(doc.cases);
  const scaled = doc.cases.every((c) => c.scale !== undefined);
  // A plot per figure (CPU and wall time, say): a line joins one contender's medians of one figure only.
  const byMetric = [...new Set(doc.cases.map((c) => c.metric))].map((m) => doc.cases.filter((c) => c.metric === m));
  const o = doc.options;
  const tiny = o.tiny ? `<p class="bench-tiny">A tiny run, at the smoke test's sizes: it shows that the benchmark runs; its figures say nothing.</p>` : "";
  return `${head}
${tiny}<p class="bench-run">Run on ${escapeHtml(doc.date)}${doc.revision === undefined ? "" : ` at commit ${escapeHtml(doc.revision)}`} with Node ${escapeHtml(doc.node)}, ${escapeHtml(String(doc.cpus))} × ${escapeHtml(doc.cpu)}, ${escapeHtml(doc.platform)}${doc.load === undefined ? "" : `, the 1-minute load average ${escapeHtml(fmt(doc.load.start[0] ?? NaN))} at its start and ${escapeHtml(fmt(doc.load.end[0] ?? NaN))} at its end`}: ${escapeHtml(String(o.rounds))} measured rounds after ${escapeHtml(String(o.warmup))} warm-up. Reproduce with <code>${escapeHtml(doc.command)}</code>.</p>
<figure class="bench-plot">
${scaled ? byMetric.map((cases) => scalingPlot(b, cases, style)).join("\n") : doc.cases.map((c) => barChart(c, style)).join("\n")}
${legend(style)}
<figcaption>${scaled ? `Median cost of each contender against ${escapeHtml((doc.cases[0] as BenchCaseResult).scale?.name ?? "")}, both axes logarithmic` : "Median of each contender (bar)"}; the whiskers span the lowest to the highest round.</figcaption>
</figure>
${scaled ? byMetric.map(growth).join("\n") : ""}
${table(b, doc.cases)}
${goals(doc)}
</section>`;
}

/** A style for every contender, in order of first appearance. */
function styles(cases: BenchCaseResult[]): Map<string, Style> {
  const out = new Map<string, Style>();
  for (const c of cases) {
    for (const name of Object.keys(c.contenders)) {
      if (!out.has(name)) out.set(name, { color: COLORS[out.size % COLORS.length] as string, dash: DASHES[out.size % DASHES.length] as string });
    }
  }
  return out;
}

function legend(style: Map<string, Style>): string {
  const items = [...style].map(
    ([name, s]) =>
      `<li><svg width="28" height="10" aria-hidden="true"><line x1="1" y1="5" x2="27" y2="5" stroke="${s.color}" stroke-width="3"${s.dash === "" ? "" : ` stroke-dasharray="${s.dash}"`}/></svg>${escapeHtml(name)}</li>`,
  );
  return `<ul class="plot-legend">${items.join("")}</ul>`;
}

/** An axis label: 100,000 or 2.5, not 2.500. */
const num = (v: number): string => v.toLocaleString("en-US", { maximumSignificantDigits: 6 });
const pos = (v: number): string => v.toFixed(1);

/** Powers of ten from 10^lo to 10^hi, with 2 and 5 between them when the span is short. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const steps = hi - lo <= 2 ? [1, 2, 5] : [1];
  for (let e = lo; e <= hi; e++) for (const m of steps) if (m === 1 || e < hi) out.push(m * 10 ** e);
  return out;
}

/** Cost against the benchmark's scale, log–log, a line per contender through its medians. */
function scalingPlot(b: Benchmark, cases: BenchCaseResult[], style: Map<string, Style>): string {
  const W = 640;
  const H = 340;
  const L = 76;
  const R = 20;
  const T = 16;
  const B = 56;
  const xs = cases.map((c) => c.scale?.value as number).filter((v) => v > 0);
  const all = cases.flatMap((c) => Object.values(c.contenders).flatMap(({ stats: s }) => [s.min, s.max])).filter((v) => v > 0);
  const lx0 = Math.log10(Math.min(...xs)) - 0.3;
  const lx1 = Math.log10(Math.max(...xs)) + 0.3;
  const ly0 = Math.floor(Math.log10(Math.min(...all)));
  const ly1 = Math.max(ly0 + 1, Math.ceil(Math.log10(Math.max(...all))));
  const X = (v: number): number => L + ((Math.log10(v) - lx0) / (lx1 - lx0)) * (W - L - R);
  const Y = (v: number): number => T + ((ly1 - Math.log10(v)) / (ly1 - ly0)) * (H - T - B);
  const scale = escapeHtml(cases[0]?.scale?.name ?? "");
  const metric = escapeHtml(cases[0]?.metric ?? "");
  const parts: string[] = [];
  for (const v of logTicks(ly0, ly1)) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${pos(Y(v))}" y2="${pos(Y(v))}" stroke="${GRID}"/>`);
    parts.push(`<text x="${L - 6}" y="${pos(Y(v) + 4)}" text-anchor="end">${num(v)}</text>`);
  }
  for (const v of xs) {
    parts.push(`<line x1="${pos(X(v))}" x2="${pos(X(v))}" y1="${T}" y2="${H - B}" stroke="${GRID}"/>`);
    parts.push(`<text x="${pos(X(v))}" y="${H - B + 18}" text-anchor="middle">${num(v)}</text>`);
  }
  parts.push(`<text x="${pos((L + W - R) / 2)}" y="${H - 12}" text-anchor="middle" fill="${MUTED}">${scale} (log scale)</text>`);
  parts.push(`<text transform="translate(16 ${pos((T + H - B) / 2)}) rotate(-90)" text-anchor="middle" fill="${MUTED}">${metric} (log scale)</text>`);
  for (const [name, s] of style) {
    const points = cases
      .filter((c) => c.contenders[name] !== undefined && (c.scale?.value as number) > 0)
      .map((c) => ({ x: c.scale?.value as number, case: c.name, st: statsOf(c, name) }))
      .filter((p) => p.st.median > 0)
      .sort((a, b2) => a.x - b2.x);
    const line = points.map((p) => `${pos(X(p.x))},${pos(Y(p.st.median))}`).join(" ");
    parts.push(`<polyline points="${line}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dash === "" ? "" : ` stroke-dasharray="${s.dash}"`}/>`);
    for (const p of points) {
      const x = pos(X(p.x));
      const tip = `${name}, ${p.case}: median ${fmt(p.st.median)} ${cases[0]?.metric ?? ""} (min ${fmt(p.st.min)}, max ${fmt(p.st.max)})`;
      parts.push(
        `<g><title>${escapeHtml(tip)}</title><line x1="${x}" x2="${x}" y1="${pos(Y(p.st.min))}" y2="${pos(Y(p.st.max))}" stroke="${s.color}" stroke-width="1.5"/>` +
          `<circle cx="${x}" cy="${pos(Y(p.st.median))}" r="4" fill="${s.color}"/></g>`,
      );
    }
  }
  const label = `${b.title}: ${cases[0]?.metric ?? ""} against ${cases[0]?.scale?.name ?? ""}, log–log, for ${[...style.keys()].join(", ")}`;
  return `<svg class="plot" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(label)}" font-size="12" fill="${INK}">
<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="${MUTED}"/>
${parts.join("\n")}
</svg>`;
}

/** A round step for an axis from 0 to about `max`, in four or five steps. */
function niceStep(max: number): number {
  const raw = max / 4;
  const e = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * e >= raw) ?? 10) * e;
}

/** One case as horizontal bars, a bar per contender at its median, from 0. */
function barChart(c: BenchCaseResult, style: Map<string, Style>): string {
  const names = Object.keys(c.contenders);
  const W = 640;
  const L = 150;
  const R = 80;
  const T = 28;
  const ROW = 28;
  const H = T + names.length * ROW + 28;
  const top = Math.max(...names.map((n) => statsOf(c, n).max));
  const step = top > 0 ? niceStep(top) : 1;
  const xmax = Math.max(step, Math.ceil(top / step) * step);
  const X = (v: number): number => L + (Math.max(0, v) / xmax) * (W - L - R);
  const parts: string[] = [`<text x="0" y="16" font-weight="600">${escapeHtml(c.name)} (${escapeHtml(c.metric)}, ${c.higherIsBetter ? "higher is better" : "lower is better"})</text>`];
  for (let v = 0; v <= xmax + step / 2; v += step) {
    parts.push(`<line x1="${pos(X(v))}" x2="${pos(X(v))}" y1="${T}" y2="${H - 24}" stroke="${GRID}"/>`);
    parts.push(`<text x="${pos(X(v))}" y="${H - 8}" text-anchor="middle">${num(v)}</text>`);
  }
  names.forEach((name, i) => {
    const st = statsOf(c, name);
    const s = style.get(name) as Style;
    const y = T + i * ROW;
    const mid = pos(y + ROW / 2);
    const tip = `${name}: median ${fmt(st.median)} ${c.metric} (min ${fmt(st.min)}, max ${fmt(st.max)})`;
    parts.push(
      `<g><title>${escapeHtml(tip)}</title>` +
        `<text x="${L - 8}" y="${pos(y + ROW / 2 + 4)}" text-anchor="end"${name === c.ours ? ' font-weight="600"' : ""}>${escapeHtml(name)}</text>` +
        `<rect x="${L}" y="${pos(y + 5)}" width="${pos(X(st.median) - L)}" height="${ROW - 10}" fill="${s.color}" fill-opacity="0.8"/>` +
        `<line x1="${pos(X(st.min))}" x2="${pos(X(st.max))}" y1="${mid}" y2="${mid}" stroke="${INK}" stroke-width="1.5"/>` +
        `<text x="${pos(X(st.max) + 6)}" y="${pos(y + ROW / 2 + 4)}">${fmt(st.median)}</text></g>`,
    );
  });
  const label = `${c.name}, ${c.metric}: ${names.map((n) => `${n} ${fmt(statsOf(c, n).median)}`).join(", ")}`;
  return `<svg class="plot" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(label)}" font-size="12" fill="${INK}">
${parts.join("\n")}
</svg>`;
}

/** How each contender's median grows from the smallest to the largest point of the scale it ran at. */
function growth(cases: BenchCaseResult[]): string {
  const names = [...new Set(cases.flatMap((c) => Object.keys(c.contenders)))];
  const items = names.flatMap((name) => {
    const ran = cases.filter((c) => c.contenders[name] !== undefined).sort((a, b) => (a.scale?.value as number) - (b.scale?.value as number));
    const first = ran[0];
    const last = ran[ran.length - 1];
    if (first === undefined || last === undefined || first === last) return [];
    const by = statsOf(last, name).median / statsOf(first, name).median;
    return [`<li>${escapeHtml(name)}: ${fmt(by)}x from ${escapeHtml(first.name)} to ${escapeHtml(last.name)}</li>`];
  });
  return items.length === 0 ? "" : `<p>Growth of the median cost:</p><ul class="bench-growth">${items.join("")}</ul>`;
}

function table(b: Benchmark, cases: BenchCaseResult[]): string {
  const bodies = cases.map((c) => {
    const names = Object.keys(c.contenders);
    const rows = names.map((name, i) => {
      const s = statsOf(c, name);
      const ratio = c.ratio[name];
      const first = i === 0 ? `<th scope="rowgroup" rowspan="${names.length}">${escapeHtml(c.name)}</th>` : "";
      const who = name === c.ours ? `<strong>${escapeHtml(name)}</strong>` : escapeHtml(name);
      const vs = name === c.ours ? "" : `<span title="${ratioHeading(c)}">${typeof ratio === "number" && Number.isFinite(ratio) ? `${fmt(ratio)}x` : "—"}</span>`;
      const unit = escapeHtml(c.metric);
      return `<tr>${first}<td>${who}</td><td class="n">${fmt(s.median)} ${unit}</td><td class="n">${fmt(s.min)}–${fmt(s.max)}</td><td class="n">${fmt(s.q1)}–${fmt(s.q3)}</td><td class="n">${s.n}</td><td class="n">${vs}</td></tr>`;
    });
    return `<tbody>${rows.join("")}</tbody>`;
  });
  return `<div class="table-wrap" tabindex="0" role="group" aria-label="${escapeHtml(b.title)}: figures">
<table class="matrix bench-table">
<thead><tr><th scope="col">case</th><th scope="col">contender</th><th scope="col">median</th><th scope="col">min–max</th><th scope="col">IQR</th><th scope="col">rounds</th><th scope="col">ours vs peer</th></tr></thead>
${bodies.join("\n")}
</table>
</div>
<p class="bench-note">Ours in bold. Ours vs peer: ours ÷ peer for a throughput, peer ÷ ours for a cost, on the medians.</p>`;
}

function goals(doc: ResultsDoc): string {
  if (doc.goals.length === 0) return "";
  const items = doc.goals.map(
    (g) =>
      `<li><span class="st ${g.holds ? "st-pass" : "st-fail"}">${g.holds ? "holds" : "missed"}</span> ${escapeHtml(g.description)}: ${fmt(g.value)} (target ${g.higherIsBetter ? "≥" : "≤"} ${fmt(g.target)}${
        g.floor === undefined ? "" : `; Node's floor, ${escapeHtml(g.floor.peer)}: ${fmt(g.floor.value)}`
      })</li>`,
  );
  const floor = doc.goals.some((g) => g.floor !== undefined)
    ? " Node's floor is the same ratio for the least a Node program doing the same work costs: where it misses the target too, no Node implementation can meet that goal as stated."
    : "";
  return `<p>Goals in this run.${floor}</p><ul class="bench-goals">${items.join("")}</ul>`;
}
