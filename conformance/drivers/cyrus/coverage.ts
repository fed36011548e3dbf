/**
 * Line and branch coverage of the event code of `lib/prot.c` that the suite
 * reaches: the written cases (each also in the form that runs its events,
 * see conformance/src/quirks.ts) and generated cases from the `cyrus`
 * generator, run through the driver of a release built from source (whose
 * objects carry gcov's instrumentation, build-source.sh), then gcov's JSON
 * read per function.
 *
 *   npx tsx conformance/drivers/cyrus/coverage.ts [--release 3.12.4 | --source <tree>] [--generated 5000] [--json <file>]
 *
 * Prints a Markdown table and every line and branch never reached; --json
 * writes the figures for the site.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { declaredDeviations } from "./deviations.js";
import { cyrusCaseArbitrary } from "../../model/cyrus-repair.js";
import { DEFAULT_SEED } from "../../model/generate.js";
import { loaded } from "../../model/differential.js";
import { DriverExecutor, loadSuite, withQuirkForms, type LoadedCase } from "prot-conformance";
import { CYRUS_RUN } from "./builds.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The functions of prot.c that make up the event code. */
export const EVENT_FUNCTIONS = ["prot_addwaitevent", "prot_removewaitevent", "prot_fill", "prot_select", "prot_settimeout", "prot_resettimeout", "prot_setflushonread"] as const;

/** The region of prot_fill() that waits and runs events, reported on its own. */
export const WAIT_LOOP = "prot_fill: the wait loop";

/** Coverage of one function or region. */
export interface Coverage {
  /** Function name, or WAIT_LOOP. */
  name: string;
  /** First and last line in prot.c. */
  lines: [number, number];
  linesTotal: number;
  linesRun: number;
  branchesTotal: number;
  branchesTaken: number;
  /** Lines never run. */
  unrunLines: number[];
  /** Lines with a branch never taken, with how many of their branches were taken. */
  untakenBranches: { line: number; taken: number; of: number }[];
}

interface GcovLine {
  line_number: number;
  count: number;
  function_name?: string;
  branches: { count: number }[];
}
interface GcovFunction {
  name: string;
  start_line: number;
  end_line: number;
}

function measure(name: string, from: number, to: number, lines: GcovLine[]): Coverage {
  const mine = lines.filter((l) => l.line_number >= from && l.line_number <= to);
  const branches = mine.flatMap((l) => l.branches);
  return {
    name,
    lines: [from, to],
    linesTotal: mine.length,
    linesRun: mine.filter((l) => l.count > 0).length,
    branchesTotal: branches.length,
    branchesTaken: branches.filter((b) => b.count > 0).length,
    unrunLines: mine.filter((l) => l.count === 0).map((l) => l.line_number),
    untakenBranches: mine
      .filter((l) => l.count > 0 && l.branches.some((b) => b.count === 0))
      .map((l) => ({ line: l.line_number, taken: l.branches.filter((b) => b.count > 0).length, of: l.branches.length })),
  };
}

/**
 * The wait loop of prot_fill(): the block that begins where the function
 * tests for a read timeout or non-blocking mode, to its closing brace.
 */
function waitLoop(source: string[], fn: GcovFunction): [number, number] {
  for (let i = fn.start_line - 1; i < fn.end_line; i++) {
    const text = source[i] ?? "";
    if (/read_timeout\s*\|\|\s*s->dontblock/.test(text) && /^\s*if\b/.test(text)) {
      const indent = /^\s*/.exec(text)?.[0] ?? "";
      for (let j = i + 1; j < fn.end_line; j++) if (source[j] === `${indent}}`) return [i + 1, j + 1];
    }
  }
  throw new Error(`prot_fill() at lines ${fn.start_line}-${fn.end_line} has no wait loop where expected`);
}

/** Reads gcov's figures for the event code from a directory holding prot.gcda and prot.gcno. */
export function eventCoverage(objDir: string, protC: string): Coverage[] {
  const json = execFileSync("gcov", ["--json-format", "--stdout", "--branch-probabilities", "prot.o"], {
    cwd: objDir,
    maxBuffer: 1 << 28,
    stdio: ["ignore", "pipe", "ignore"],
  }).toString();
  const file = (JSON.parse(json) as { files: { file: string; lines: GcovLine[]; functions: GcovFunction[] }[] }).files.find((f) => f.file.endsWith("prot.c"));
  if (file === undefined) throw new Error(`gcov found no counts for prot.c in ${objDir}`);
  const source = readFileSync(protC, "latin1").split("\n");
  const out: Coverage[] = [];
  for (const name of EVENT_FUNCTIONS) {
    const fn = file.functions.find((f) => f.name === name);
    if (fn === undefined) throw new Error(`gcov lists no function ${name} in prot.c`);
    out.push(measure(name, fn.start_line, fn.end_line, file.lines));
    if (name === "prot_fill") out.push(measure(WAIT_LOOP, ...waitLoop(source, fn), file.lines));
  }
  return out;
}

/** Sums of a list of coverages. */
export function totals(cs: Coverage[]): { lines: string; branches: string } {
  const sum = (f: (c: Coverage) => number): number => cs.reduce((n, c) => n + f(c), 0);
  const pct = (a: number, b: number): string => (b === 0 ? "n/a" : `${((100 * a) / b).toFixed(1)}%`);
  return {
    lines: `${sum((c) => c.linesRun)}/${sum((c) => c.linesTotal)} (${pct(
      sum((c) => c.linesRun),
      sum((c) => c.linesTotal),
    )})`,
    branches: `${sum((c) => c.branchesTaken)}/${sum((c) => c.branchesTotal)} (${pct(
      sum((c) => c.branchesTaken),
      sum((c) => c.branchesTotal),
    )})`,
  };
}

/** A build from source: a release, as fetch-source.sh unpacks it, or a source tree. */
export type SourceBuild = { release: string } | { source: string };

/** Runs `cases` through the driver of `what`, its gcov counts going to a fresh directory; returns the figures. */
export async function measureCoverage(what: SourceBuild, cases: LoadedCase[]): Promise<{ coverage: Coverage[]; ran: number; errors: number }> {
  const tree = "source" in what ? resolve(what.source) : undefined;
  const build = join(here, "build", tree === undefined ? (what as { release: string }).release : `tree-${basename(tree)}`);
  const choice = tree === undefined ? `CYRUS_RELEASE=${(what as { release: string }).release}` : `CYRUS_SOURCE=${tree}`;
  const counts = mkdtempSync(join(tmpdir(), "prot-gcov-"));
  try {
    // GCOV_PREFIX puts the counts under `counts`, at the objects' absolute path.
    const exec = await DriverExecutor.start(`env ${choice} GCOV_PREFIX=${counts} ${CYRUS_RUN}`, 600_000);
    let errors = 0;
    try {
      for (const c of cases) if ((await exec.run(c)).crash !== undefined) errors++;
    } finally {
      // The driver writes its counts when it exits.
      await exec.close();
    }
    const objDir = join(counts, build);
    for (const f of readdirSync(build)) if (f.endsWith(".gcno")) cpSync(join(build, f), join(objDir, f));
    const source = readFileSync(join(build, "TREE"), "utf8").trim();
    return { coverage: eventCoverage(objDir, join(source, "lib", "prot.c")), ran: cases.length, errors };
  } finally {
    rmSync(counts, { recursive: true, force: true });
  }
}

/** The cases the coverage run uses: the written cases in every form, then `generated` generated ones. */
export function coverageCases(generated: number, seed = DEFAULT_SEED): LoadedCase[] {
  const written = withQuirkForms(loadSuite().cases, ["events-need-read-timeout"]);
  const gen = fc.sample(cyrusCaseArbitrary(declaredDeviations()), { seed, numRuns: generated }).map(loaded);
  return [...written, ...gen];
}

function table(cs: Coverage[]): string {
  const rows = cs.map((c) => {
    const pct = (a: number, b: number): string => (b === 0 ? "-" : `${((100 * a) / b).toFixed(0)}%`);
    return `| \`${c.name}\` | ${c.lines[0]}-${c.lines[1]} | ${c.linesRun}/${c.linesTotal} (${pct(c.linesRun, c.linesTotal)}) | ${c.branchesTaken}/${c.branchesTotal} (${pct(c.branchesTaken, c.branchesTotal)}) |`;
  });
  return ["| code | lines of prot.c | lines run | branches taken |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { release: { type: "string", default: "3.12.4" }, source: { type: "string" }, generated: { type: "string", default: "5000" }, json: { type: "string" } } });
  const generated = Number(values.generated);
  if (!Number.isInteger(generated) || generated < 0) throw new RangeError(`--generated must be a whole number, got ${values.generated}`);
  const what: SourceBuild = values.source !== undefined ? { source: values.source } : { release: values.release };
  const label = values.source ?? values.release;
  const { coverage, ran, errors } = await measureCoverage(what, coverageCases(generated));
  const whole = coverage.filter((c) => c.name !== WAIT_LOOP);
  const t = totals(whole);
  console.log(`cyrus ${label}: ${ran} cases (${errors} ended with a driver error), event code of prot.c: lines ${t.lines}, branches ${t.branches}\n`);
  console.log(table(coverage));
  for (const c of coverage) {
    if (c.unrunLines.length > 0) console.log(`${c.name}: lines never run: ${c.unrunLines.join(", ")}`);
    if (c.untakenBranches.length > 0) console.log(`${c.name}: branches never taken: ${c.untakenBranches.map((b) => `${b.line} (${b.taken}/${b.of})`).join(", ")}`);
  }
  if (values.json !== undefined) writeFileSync(resolve(values.json), `${JSON.stringify({ build: label, cases: ran, errors, totals: t, functions: coverage }, null, 2)}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
