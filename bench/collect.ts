/**
 * Gathers the results files of a full `npm run bench` (bench/results/<name>.json,
 * not committed) into bench/results.json, the one committed results file,
 * and writes the README's table of goals from it. The last step of
 * `npm run bench`; run it alone to redo both from the files in bench/results/.
 *
 * bench/results.json (format 1):
 *   format      1; bumped when a field changes meaning
 *   date        when it was collected (ISO 8601)
 *   revision    the commit measured (`git describe --always --dirty` of the
 *               build bench/stamp.ts recorded; see revision() in bench/lib.ts)
 *   machine     { cpu, cpus, memoryGiB, platform, node }
 *   benchmarks  one results document per benchmark of bench/benchmarks.ts
 *               that has results, in its order: ResultsDoc of bench/lib.ts
 *               (its own date, revision, command, options, load at start and
 *               end, cases with every sample, goals held or missed)
 *
 * Usage: tsx bench/collect.ts [--results DIR]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchmarks } from "./benchmarks.js";
import { fmt, parseOptions, revision, type ResultsDoc } from "./lib.js";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The committed results file. */
export interface CollectedResults {
  format: 1;
  date: string;
  revision?: string;
  machine: { cpu: string; cpus: number; memoryGiB: number; platform: string; node: string };
  benchmarks: ResultsDoc[];
}

const START = "<!-- bench:start (written by bench/collect.ts from bench/results.json) -->";
const END = "<!-- bench:end -->";

/** The README's table: every goal of every benchmark, held or missed, with the machine and its load. */
export function readmeTable(r: CollectedResults): string {
  const load = (d: ResultsDoc): string => (d.load === undefined ? "?" : `${fmt(d.load.start[0] as number)}-${fmt(d.load.end[0] as number)}`);
  const rows = r.benchmarks.flatMap((d) =>
    d.goals.map(
      (g) =>
        `| ${d.benchmark} | ${g.description} | ${fmt(g.value)} | ${g.higherIsBetter ? "≥" : "≤"} ${fmt(g.target)} | ${g.holds ? "held" : "**missed**"} | ${g.floor === undefined ? "" : `${fmt(g.floor.value)} (${g.floor.peer})`} |`,
    ),
  );
  // A benchmark run again alone keeps its own commit; the others' stays that of the full run.
  const at = (d: ResultsDoc): string => (d.revision === undefined || d.revision === r.revision ? "" : ` at ${d.revision}, ${d.date.slice(0, 10)}`);
  const runs = r.benchmarks.map((d) => `\`${d.command}\` (load ${load(d)}${at(d)})`).join("; ");
  return [
    START,
    `Collected ${r.date.slice(0, 10)} at ${r.revision ?? "an unknown commit"} on ${r.machine.cpus} × ${r.machine.cpu}, ` +
      `${r.machine.memoryGiB} GiB, ${r.machine.platform}, Node ${r.machine.node}; medians of each contender's runs, ` +
      `ratios within one run; the 1-minute load average at the start and end of each benchmark in brackets: ${runs}.`,
    "",
    "Node's floor is the same ratio for the least a Node program doing the same work costs (one that makes no lines, fires no events, " +
      "or only awaits; for a goal comparing two of ours, the same two done by hand), named in brackets: where the floor misses the target too, " +
      "no Node implementation can meet that goal as stated.",
    "",
    "| benchmark | goal | measured | target | | Node's floor |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    END,
  ].join("\n");
}

/** Gathers the results files of `dir` (a full run's, not `.tiny.json`) into one results document, with this machine. */
export function collect(dir: string): CollectedResults {
  const docs: ResultsDoc[] = [];
  for (const b of benchmarks) {
    const file = path.join(dir, `${b.name}.json`);
    if (!existsSync(file)) {
      console.log(`collect: no results for ${b.name} (${file})`);
      continue;
    }
    docs.push(JSON.parse(readFileSync(file, "utf8")) as ResultsDoc);
  }
  if (docs.length === 0) throw new Error(`collect: no results files in ${dir}; run npm run bench first`);
  return {
    format: 1,
    date: new Date().toISOString(),
    ...revision(),
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      node: process.version,
    },
    benchmarks: docs,
  };
}

function main(): void {
  const collected = collect(parseOptions().results);
  const out = path.join(root, "bench", "results.json");
  writeFileSync(out, JSON.stringify(collected, null, 2) + "\n");
  const readme = path.join(root, "README.md");
  const text = readFileSync(readme, "utf8");
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`collect: README.md has no ${START} ... ${END} section`);
  writeFileSync(readme, text.slice(0, from) + readmeTable(collected) + text.slice(to + END.length));
  console.log(`collect: ${collected.benchmarks.length} benchmarks into ${path.relative(root, out)}; README.md table written`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
