/**
 * Writes test/mutation/survivors.md from the report of `npm run mutation`
 * (reports/mutation/mutation.json): the scores per file, and every mutant
 * the conformance tests let live, with its reason. A reason written in the
 * file before (why the mutant is equivalent, or which case should kill it)
 * is kept for the same mutant (the same file, mutator, original code and
 * replacement, wherever the code has moved); a new survivor is listed as not
 * reviewed.
 *
 *   npx tsx test/mutation/survivors.ts [report.json ...]   (default: reports/mutation/mutation.json)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const OUT = join(here, "survivors.md");
const UNREVIEWED = "not reviewed";
/** How a reason that shows a mutant equivalent begins: such a mutant can never be killed. */
const EQUIVALENT = "equivalent";

interface Mutant {
  mutatorName: string;
  replacement?: string;
  status: string;
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}
interface Report {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

/** Scores as Stryker counts them: detected (killed, timed out) over valid mutants, and over covered ones. */
export function scores(mutants: Mutant[]): { total: number; detected: number; survived: number; noCoverage: number; score: number; covered: number } {
  const n = (s: string): number => mutants.filter((m) => m.status === s).length;
  const detected = n("Killed") + n("Timeout");
  const survived = n("Survived");
  const noCoverage = n("NoCoverage");
  const valid = detected + survived + noCoverage;
  return { total: valid, detected, survived, noCoverage, score: valid ? (100 * detected) / valid : 0, covered: detected + survived ? (100 * detected) / (detected + survived) : 0 };
}

function cell(text: string): string {
  return text.replace(/\s+/g, " ").replace(/\|/g, "\\|").slice(0, 100);
}

/** A snippet of code as a table cell. */
function code(text: string): string {
  return `\`${cell(text).replace(/`/g, "'") || '""'}\``;
}

/**
 * The code a mutant replaces, cut from the file's source at its location.
 * Rows are keyed by it, not by line numbers, so that a reason survives edits
 * of the file elsewhere.
 */
export function original(source: string, m: Mutant): string {
  const lines = source.split("\n");
  const { start, end } = m.location;
  if (start.line === end.line) return (lines[start.line - 1] ?? "").slice(start.column - 1, end.column - 1);
  const first = (lines[start.line - 1] ?? "").slice(start.column - 1);
  const last = (lines[end.line - 1] ?? "").slice(0, end.column - 1);
  return [first, ...lines.slice(start.line, end.line - 1), last].join("\n");
}

/** What survivors.md holds now: the reasons by row key (file, mutator, code, replacement), and every score and survivor row by file. */
function previous(): { reasons: Map<string, string>; rows: Map<string, { score?: string; survivors: string[] }> } {
  const reasons = new Map<string, string>();
  const rows = new Map<string, { score?: string; survivors: string[] }>();
  if (!existsSync(OUT)) return { reasons, rows };
  const of = (file: string): { score?: string; survivors: string[] } => rows.get(file) ?? rows.set(file, { survivors: [] }).get(file)!;
  for (const line of readFileSync(OUT, "utf8").split("\n")) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const file = /^`(src\/[^`]+)`$/.exec(cells[1] ?? "")?.[1];
    if (file === undefined) continue;
    // A score row: 7 cells, or 9 since the columns of equivalent mutants.
    if (cells.length === 9 || cells.length === 11) of(file).score = line;
    else if (cells.length === 8) {
      reasons.set(cells.slice(1, 5).join("|"), cells[5] ?? UNREVIEWED);
      of(file).survivors.push(line);
    }
  }
  return { reasons, rows };
}

function main(): void {
  // Several reports (runs restricted with --mutate) merge; a file in a later one replaces it in an earlier one.
  const paths = process.argv.length > 2 ? process.argv.slice(2) : [join(root, "reports", "mutation", "mutation.json")];
  const merged: Report["files"] = {};
  for (const path of paths) Object.assign(merged, (JSON.parse(readFileSync(resolve(path), "utf8")) as Report).files);
  const { reasons, rows } = previous();
  // A file that no report given covers keeps its rows from the last run that did.
  const kept = [...rows.keys()].filter((file) => merged[file] === undefined && merged[resolve(root, file)] === undefined).sort();
  const files = Object.entries(merged)
    .map(([file, f]) => [relative(root, resolve(root, file)), f] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  const all = files.flatMap(([, f]) => f.mutants);
  const pct = (x: number): string => `${x.toFixed(1)}%`;
  type Counts = ReturnType<typeof scores>;
  // The score over the mutants that can be killed: equivalent ones are left out of the count.
  const row = (name: string, c: Counts, equivalent: number): string =>
    `| ${name} | ${c.total} | ${c.detected} | ${c.survived} | ${c.noCoverage} | ${pct(c.score)} | ${pct(c.covered)} | ${equivalent} | ${pct(c.total - equivalent ? (100 * c.detected) / (c.total - equivalent) : 0)} |`;
  const survivorRows = (file: string, f: Report["files"][string]): string[] =>
    f.mutants
      .filter((x) => x.status === "Survived" || x.status === "NoCoverage")
      .map((m) => {
        const key = [`\`${file}\``, cell(m.mutatorName), code(original(f.source, m)), code(m.replacement ?? "")];
        return `| ${key.join(" | ")} | ${reasons.get(key.join("|")) ?? UNREVIEWED} | ${m.status} |`;
      });
  const equivalents = (rowsOfFile: string[]): number => rowsOfFile.filter((r) => (r.split(/(?<!\\)\|/)[5] ?? "").trim().startsWith(EQUIVALENT)).length;
  const fresh = files.map(([file, f]) => ({ file, f, rows: survivorRows(file, f) }));
  const keptRows = kept.map((file) => rows.get(file)?.survivors ?? []);
  const allEquivalent = [...fresh.map((x) => x.rows), ...keptRows].reduce((n, r) => n + equivalents(r), 0);
  // The counts of the kept files' score rows, added to this run's.
  const total = kept.reduce((acc: Counts, file) => {
    const [t, d, sv, nc] = (rows.get(file)?.score ?? "")
      .split("|")
      .slice(2, 6)
      .map((c) => Number(c.trim()) || 0) as [number, number, number, number];
    const n = { total: acc.total + t, detected: acc.detected + d, survived: acc.survived + sv, noCoverage: acc.noCoverage + nc };
    return { ...n, score: n.total ? (100 * n.detected) / n.total : 0, covered: n.detected + n.survived ? (100 * n.detected) / (n.detected + n.survived) : 0 };
  }, scores(all));
  const lines = [
    "# Mutants the conformance tests let live",
    "",
    "Written by `npx tsx test/mutation/survivors.ts` from the report of `npm run mutation` (StrykerJS on the",
    "event core of `src/`, killed only by the conformance tests: the cases and their quirk forms against the",
    "reference, every case again on the reference's system clock, the spec pages' examples, the generated",
    "differential run). Each survivor is either to be killed by a new case or kept here with its reason:",
    "`equivalent:` when no program could tell it from the code (left out of the last column's score),",
    "`out of reach:` when it differs but no case can show it, and why (what a case cannot express, and what",
    "tests it instead). A file that the last run did not mutate keeps its rows from the run that did.",
    "",
    "| file | mutants | killed or timed out | survived | not covered | score | score of covered | equivalent | score without equivalent |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...fresh.map(({ file, f, rows: r }) => row(`\`${file}\``, scores(f.mutants), equivalents(r))),
    ...kept.map((file) => rows.get(file)?.score ?? ""),
    row("**all**", total, allEquivalent),
    "",
    "| file | mutator | code | becomes | reason | status |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const { rows: r } of fresh) lines.push(...r);
  for (const r of keptRows) lines.push(...r);
  writeFileSync(OUT, `${lines.join("\n")}\n`);
  const s = total;
  console.log(
    `mutation score ${pct(s.score)} (${s.detected}/${s.total}), of covered mutants ${pct(s.covered)}; ${s.survived} survived, ${s.noCoverage} not covered; written to ${relative(process.cwd(), OUT)}`,
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
