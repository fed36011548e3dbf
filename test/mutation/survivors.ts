/**
 * Writes test/mutation/survivors.md from the report of `npm run mutation`
 * (reports/mutation/mutation.json): the scores per file, and every mutant
 * the conformance tests let live, with its reason. A reason written in the
 * file before (why the mutant is equivalent, or which case should kill it)
 * is kept for the same mutant; a new survivor is listed as not reviewed.
 *
 *   npx tsx test/mutation/survivors.ts [reports/mutation/mutation.json]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const OUT = join(here, "survivors.md");
const UNREVIEWED = "not reviewed";

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

/** The reasons already written, by the row's key (its first three cells). */
function previousReasons(): Map<string, string> {
  const reasons = new Map<string, string>();
  if (!existsSync(OUT)) return reasons;
  for (const line of readFileSync(OUT, "utf8").split("\n")) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length >= 6 && /^`src\//.test(cells[1] ?? "")) reasons.set(cells.slice(1, 4).join("|"), cells[4] ?? UNREVIEWED);
  }
  return reasons;
}

function main(): void {
  const path = resolve(process.argv[2] ?? join(root, "reports", "mutation", "mutation.json"));
  const report = JSON.parse(readFileSync(path, "utf8")) as Report;
  const reasons = previousReasons();
  const files = Object.entries(report.files).map(([file, f]) => [relative(root, resolve(root, file)), f] as const).sort(([a], [b]) => a.localeCompare(b));
  const all = files.flatMap(([, f]) => f.mutants);
  const pct = (x: number): string => `${x.toFixed(1)}%`;
  const lines = [
    "# Mutants the conformance tests let live",
    "",
    "Written by `npx tsx test/mutation/survivors.ts` from the report of `npm run mutation` (StrykerJS on the",
    "event core of `src/`, killed only by the conformance tests: the cases and their quirk forms against the",
    "reference, the spec pages' examples, the generated differential run). Each survivor is either to be",
    "killed by a new case or kept here with the reason it is equivalent.",
    "",
    "| file | mutants | killed or timed out | survived | not covered | score | score of covered |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...[...files.map(([file, f]) => [file, f.mutants] as const), ["all", all] as const].map(([file, ms]) => {
      const s = scores([...ms]);
      return `| ${file === "all" ? "**all**" : `\`${file}\``} | ${s.total} | ${s.detected} | ${s.survived} | ${s.noCoverage} | ${pct(s.score)} | ${pct(s.covered)} |`;
    }),
    "",
    "| where | mutator | becomes | reason | status |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const [file, f] of files) {
    for (const m of f.mutants.filter((x) => x.status === "Survived" || x.status === "NoCoverage")) {
      const key = [`\`${file}:${m.location.start.line}:${m.location.start.column}\``, cell(m.mutatorName), `\`${cell(m.replacement ?? "") || '""'}\``];
      lines.push(`| ${key.join(" | ")} | ${reasons.get(key.join("|")) ?? UNREVIEWED} | ${m.status} |`);
    }
  }
  writeFileSync(OUT, `${lines.join("\n")}\n`);
  const s = scores(all);
  console.log(`mutation score ${pct(s.score)} (${s.detected}/${s.total}), of covered mutants ${pct(s.covered)}; ${s.survived} survived, ${s.noCoverage} not covered; written to ${relative(process.cwd(), OUT)}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
