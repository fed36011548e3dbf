/**
 * Line and branch coverage of the event code of `lib/prot.c` that the suite
 * reaches: the written cases (each also in the form that runs its events,
 * see conformance/src/quirks.ts) and generated cases from the `cyrus`
 * generator, run through the driver of a release built from source (whose
 * objects carry gcov's instrumentation, build-source.sh), then gcov's JSON
 * read per function.
 *
 *   npx tsx conformance/drivers/cyrus/coverage.ts [--release 3.12.4 | --source <tree>] [--generated 5000] [--json <file>] [--record]
 *   npx tsx conformance/drivers/cyrus/coverage.ts --page
 *
 * Prints a Markdown table and every line and branch never reached, each
 * with the reason no case reaches it (`REASONS`); --json writes the figures
 * to a file. --record (a release with the default 5000 generated cases)
 * enters them in coverage.json beside this file, the committed results,
 * and makes the coverage section of spec/08-compatibility.md again from
 * it; --page only makes that section again (record.ts; matrix.ts does the
 * same for the pass and failure counts). test/cyrus-page.test.ts fails
 * while the section differs from what coverage.json makes, or while
 * anything not reached has no reason.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { declaredDeviations } from "./deviations.js";
import { cyrusCaseArbitrary } from "../../model/cyrus-repair.js";
import { DEFAULT_SEED } from "../../model/generate.js";
import { loaded } from "../../model/differential.js";
import { DriverExecutor, type LoadedCase } from "prot-conformance";
import { CYRUS_RELEASES, CYRUS_RUN } from "./builds.js";
import { PAGE, recordFile, suiteStamp, withSection, writtenRuns, type SuiteStamp } from "./record.js";

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
  /** What was not reached, line by line, with the reason (undefined when `REASONS` has none for it). */
  unreached: Unreached[];
}

/** A line never run, or a line run with branches never taken, and why no case reaches it. */
export interface Unreached {
  line: number;
  /** "line" when never run; else "taken/of" branches. */
  what: string;
  reason: string | undefined;
}

/**
 * Why each part of the event code that the suite leaves unreached cannot be
 * reached, recognised by what its line of prot.c names. A reason with
 * `block` also covers the lines its line governs: the block it opens up to
 * the closing brace at its indentation, or the one statement after it. The
 * first reason that matches wins.
 */
export const REASONS: readonly { match: RegExp; block?: true; why: string }[] = [
  { match: /\bif\s*\(\s*flushs\s*\)/, why: "a null writer (unpairing a stream from its writer), and the failing side of the `assert()`: the driver pairs a writer once and never unpairs it" },
  { match: /\bassert\s*\(/, why: "the failing side of an `assert()`: it ends the process, and no correct use reaches it" },
  { match: /EINTR/, why: "`select()` or `read()` interrupted by a signal (`EINTR`), then `signals_poll()`: the driver's virtual clock delivers no signals" },
  { match: /\bhaveinput\s*&&/, why: "input already known to be waiting, which only a TLS layer's buffer tells: the builds have no TLS (`source-config.h`)" },
  { match: /fixedsize/, why: "a stream of fixed size (`prot_setfixedsize()`): not part of the wait-event contract" },
  { match: /fillcallback_proc\s*!=/, block: true, why: "a fill callback in place of `read()` (`prot_setfillcallback()`): not part of the wait-event contract" },
  { match: /saslssf/, block: true, why: "SASL decoding: not part of the wait-event contract; the builds have no SASL layer" },
  { match: /while\s*\(\s*!s->cnt\s*\)/, why: "a read that leaves the buffer empty and loops, which only zlib's decompression does: the builds have no zlib" },
  { match: /logfd/, block: true, why: "the protocol log (`prot_setlog()`): not part of the wait-event contract" },
  { match: /extra_read_(fd|flag)/, block: true, why: "the extra descriptor of `prot_select()` (`extra_read_fd`): the case format's `select` has none" },
  { match: /if\s*\(\s*!s\s*\)\s*continue/, why: "an empty slot of the group below its count, which `protgroup_insert()` and `protgroup_delete()` never leave" },
  { match: /signals_select\(.*==\s*-1/, block: true, why: "a failing `select()`: the driver's `select()` fails only for a negative timeout, and `prot_select()` never passes one" },
  { match: /cur\s*&&\s*cur->next/, why: "the walk to the list's tail meeting a null event: it starts at the head, just found non-null, and stops at the last event" },
];

/** The reason for each line of `source` (1-based) between `from` and `to`, blocks followed. */
function reasonsOf(source: string[], from: number, to: number): Map<number, string> {
  const out = new Map<number, string>();
  for (let line = from; line <= to; line++) {
    if (out.has(line)) continue;
    const text = source[line - 1] ?? "";
    const r = REASONS.find((x) => x.match.test(text));
    if (r === undefined) continue;
    out.set(line, r.why);
    if (r.block !== true) continue;
    if (/\{\s*$/.test(text)) {
      const indent = /^\s*/.exec(text)?.[0] ?? "";
      for (let j = line + 1; j <= to && !new RegExp(`^${indent}\\}`).test(source[j - 1] ?? ""); j++) out.set(j, r.why);
    } else out.set(line + 1, r.why);
  }
  return out;
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

function measure(name: string, from: number, to: number, lines: GcovLine[], source: string[]): Coverage {
  const mine = lines.filter((l) => l.line_number >= from && l.line_number <= to);
  const branches = mine.flatMap((l) => l.branches);
  const why = reasonsOf(source, from, to);
  const unreached = mine.flatMap((l): Unreached[] => {
    const taken = l.branches.filter((b) => b.count > 0).length;
    if (l.count > 0 && taken === l.branches.length) return [];
    return [{ line: l.line_number, what: l.count === 0 ? "line" : `${taken}/${l.branches.length}`, reason: why.get(l.line_number) }];
  });
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
    unreached,
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
    out.push(measure(name, fn.start_line, fn.end_line, file.lines, source));
    if (name === "prot_fill") out.push(measure(WAIT_LOOP, ...waitLoop(source, fn), file.lines, source));
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
/**
 * Why a run ends with a driver error, for the page: undefined behaviour
 * refused; a removal through a freed handle, refused because malloc() may
 * have placed an event added since at its address, whatever it did (the
 * outcome depends on the allocator: the rules' trace where it did not, as
 * under valgrind, R_STALE_HANDLE where it did); a spin of the wait loop
 * stopped; or a callback that throws, which a C callback cannot.
 */
export const ERROR_KINDS = {
  undefined: "undefined behaviour refused",
  allocator: "a removal through a freed handle refused, as `malloc()` may have placed an event added since at its address",
  spin: "a spin of the wait loop stopped",
  throw: "a callback that throws, which C cannot write",
} as const;

/** The kind of a driver error, by its message. */
export function errorKind(crash: string): keyof typeof ERROR_KINDS {
  if (/malloc\(\) may place/.test(crash)) return "allocator";
  if (/ spins at t=/.test(crash)) return "spin";
  if (/cannot throw/.test(crash)) return "throw";
  if (/undefined behaviour/.test(crash)) return "undefined";
  throw new Error(`a driver error of no known kind: ${crash}`);
}

export async function measureCoverage(
  what: SourceBuild,
  cases: LoadedCase[],
): Promise<{ coverage: Coverage[]; ran: number; errors: number; errorKinds: Partial<Record<keyof typeof ERROR_KINDS, number>> }> {
  const tree = "source" in what ? resolve(what.source) : undefined;
  const build = join(here, "build", tree === undefined ? (what as { release: string }).release : `tree-${basename(tree)}`);
  const choice = tree === undefined ? `CYRUS_RELEASE=${(what as { release: string }).release}` : `CYRUS_SOURCE=${tree}`;
  const counts = mkdtempSync(join(tmpdir(), "prot-gcov-"));
  try {
    // GCOV_PREFIX puts the counts under `counts`, at the objects' absolute path.
    const exec = await DriverExecutor.start(`env ${choice} GCOV_PREFIX=${counts} ${CYRUS_RUN}`, 600_000);
    let errors = 0;
    const errorKinds: Partial<Record<keyof typeof ERROR_KINDS, number>> = {};
    try {
      for (const c of cases) {
        const crash = (await exec.run(c)).crash;
        if (crash === undefined) continue;
        errors++;
        const k = errorKind(crash);
        errorKinds[k] = (errorKinds[k] ?? 0) + 1;
      }
    } finally {
      // The driver writes its counts when it exits.
      await exec.close();
    }
    const objDir = join(counts, build);
    for (const f of readdirSync(build)) if (f.endsWith(".gcno")) cpSync(join(build, f), join(objDir, f));
    const source = readFileSync(join(build, "TREE"), "utf8").trim();
    return { coverage: eventCoverage(objDir, join(source, "lib", "prot.c")), ran: cases.length, errors, errorKinds };
  } finally {
    rmSync(counts, { recursive: true, force: true });
  }
}

/** The cases the coverage run uses: the written cases in every form, then `generated` generated ones. */
export function coverageCases(generated: number, seed = DEFAULT_SEED): LoadedCase[] {
  const written = writtenRuns();
  const gen = fc.sample(cyrusCaseArbitrary(declaredDeviations()), { seed, numRuns: generated }).map(loaded);
  return [...written, ...gen];
}

/** The committed results: what coverage.ts measured for each release, with how the cases were made. */
export interface CoverageRecord extends SuiteStamp {
  /** Generated cases from the `cyrus` generator. */
  generated: number;
  /** Their seed. */
  seed: number;
  /** One entry per release measured, in the order of `CYRUS_RELEASES`. */
  builds: { release: string; cases: number; errors: number; errorKinds: Partial<Record<keyof typeof ERROR_KINDS, number>>; functions: Coverage[] }[];
}

/** The committed results file. */
export const RECORD = recordFile("coverage");

/** The coverage record as committed. */
export function readRecord(file = RECORD): CoverageRecord {
  return JSON.parse(readFileSync(file, "utf8")) as CoverageRecord;
}

const fnName = (c: Coverage): string => (c.name === WAIT_LOOP ? "`prot_fill()`, the wait loop" : `\`${c.name}()\``);
const ratio = (a: number, b: number): string => `${a}/${b} (${b === 0 ? "-" : `${((100 * a) / b).toFixed(0)}%`})`;

/** The coverage section of the compatibility page, made from `r`. */
export function pageSection(r: CoverageRecord): string {
  const builds = r.builds;
  const newest = builds[builds.length - 1];
  if (newest === undefined) throw new Error("coverage.json holds no release");
  // The newest release's figures, and another release's beside them where they differ.
  const cell = (i: number, f: (c: Coverage) => string): string => {
    const mine = f(newest.functions[i] as Coverage);
    const others = builds.slice(0, -1).flatMap((b) => (f(b.functions[i] as Coverage) === mine ? [] : [`${b.release}: ${f(b.functions[i] as Coverage)}`]));
    return others.length === 0 ? mine : `${mine} (${others.join("; ")})`;
  };
  const rows = newest.functions.map((c, i) => `| ${fnName(c)} | ${cell(i, (x) => ratio(x.linesRun, x.linesTotal))} | ${cell(i, (x) => ratio(x.branchesTaken, x.branchesTotal))} |`);
  const all = builds.map((b) => ({ release: b.release, ...totals(b.functions.filter((c) => c.name !== WAIT_LOOP)) }));
  const allOf = (f: (t: (typeof all)[number]) => string): string => {
    const mine = f(all[all.length - 1] as (typeof all)[number]);
    const others = all.slice(0, -1).flatMap((t) => (f(t) === mine ? [] : [`${t.release}: ${f(t)}`]));
    return others.length === 0 ? mine : `${mine} (${others.join("; ")})`;
  };
  rows.push(`| all of these (the wait loop counted once, in \`prot_fill()\`) | ${allOf((t) => t.lines)} | ${allOf((t) => t.branches)} |`);
  const releases = builds.map((b) => b.release);
  const listed = releases.length === 1 ? releases[0] : `${releases.slice(0, -1).join(", ")} and ${newest.release}`;
  // What is not reached, by function and reason, at the newest release's line numbers.
  const groups = new Map<string, { fn: string; reason: string; lines: number[]; what: string[] }>();
  for (const f of newest.functions.filter((c) => c.name !== WAIT_LOOP)) {
    for (const u of f.unreached) {
      const reason = u.reason ?? "no reason known yet";
      const key = `${f.name}\u0000${reason}`;
      const g = groups.get(key) ?? { fn: fnName(f), reason, lines: [], what: [] };
      g.lines.push(u.line);
      g.what.push(u.what === "line" ? "" : u.what);
      groups.set(key, g);
    }
  }
  const unreachedRows = [...groups.values()].map((g) => {
    const lines = g.lines.filter((_, i) => g.what[i] === "");
    const branches = g.lines.flatMap((l, i) => (g.what[i] === "" ? [] : [`${l} (${g.what[i]} taken)`]));
    const what = [...(lines.length > 0 ? [`line${lines.length > 1 ? "s" : ""} ${spans(lines)} never run`] : []), ...(branches.length > 0 ? [`branches of ${branches.join(", ")}`] : [])].join("; ");
    return `| ${g.fn} | ${what} | ${g.reason} |`;
  });
  // Whether the other releases leave the same things unreached, for the same reasons.
  const shape = (b: CoverageRecord["builds"][number]): string => JSON.stringify(b.functions.filter((c) => c.name !== WAIT_LOOP).map((c) => c.unreached.map((u) => [c.name, u.what, u.reason])));
  const others = builds.slice(0, -1);
  const same = others.filter((b) => shape(b) === shape(newest)).map((b) => b.release);
  const differ = others.filter((b) => shape(b) !== shape(newest)).map((b) => b.release);
  const sameText =
    others.length === 0
      ? ""
      : ` ${same.length > 0 ? `${same.join(" and ")} leave${same.length === 1 ? "s" : ""} the same unreached, for the same reasons, at ${same.length === 1 ? "its" : "their"} own line numbers.` : ""}${differ.length > 0 ? ` ${differ.join(" and ")} differ${differ.length === 1 ? "s" : ""}: see \`coverage.json\`.` : ""}`;
  const byKind = (b: CoverageRecord["builds"][number]): string => {
    // A record made before the kinds were counted gives the total alone.
    const kinds = Object.entries(ERROR_KINDS).flatMap(([k, what]) => {
      const n = (b.errorKinds as CoverageRecord["builds"][number]["errorKinds"] | undefined)?.[k as keyof typeof ERROR_KINDS];
      return n === undefined ? [] : [`${n} ${what}`];
    });
    return kinds.length === 0 ? String(b.errors) : `${b.errors}: ${kinds.join("; ")}`;
  };
  const errors = builds.every((b) => byKind(b) === byKind(newest)) ? byKind(newest) : builds.map((b) => `${byKind(b)} (${b.release})`).join(", ");
  return [
    `Built from source with gcov, the C code runs the ${r.written} written runs (${r.written - r.secondForms} cases, ${r.secondForms} second forms) and ${r.generated.toLocaleString("en")} generated cases (the \`cyrus\` generator, seed ${r.seed}); of these, the runs that end with a driver error, after the code before it ran, are ${errors}. gcov counts, ${rows.some((row) => row.includes(": ")) ? `for ${newest.release} (another release's figure beside it where it differs)` : `the same for ${listed}`}:`,
    "",
    "| code | lines run | branches taken |",
    "| --- | --- | --- |",
    ...rows,
    "",
    "```sh",
    ...builds.map((b) => `npx tsx conformance/drivers/cyrus/coverage.ts --release ${b.release} --generated ${r.generated} --record`),
    "```",
    "",
    `What no case reaches, and why (line numbers of ${newest.release}'s \`lib/prot.c\`; \`--record\` names the reason of each from \`REASONS\` in \`coverage.ts\`).${sameText}`,
    "",
    "| code | not reached | why |",
    "| --- | --- | --- |",
    ...unreachedRows,
  ].join("\n");
}

/** Runs of consecutive numbers as `a-b`. */
function spans(xs: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && (xs[j + 1] as number) === (xs[j] as number) + 1) j++;
    out.push(j === i ? String(xs[i]) : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}

/** `page` with its coverage section made again from `r`. */
export function withPageSection(page: string, r: CoverageRecord): string {
  return withSection(page, "coverage", pageSection(r));
}

function table(cs: Coverage[]): string {
  const rows = cs.map((c) => {
    const pct = (a: number, b: number): string => (b === 0 ? "-" : `${((100 * a) / b).toFixed(0)}%`);
    return `| \`${c.name}\` | ${c.lines[0]}-${c.lines[1]} | ${c.linesRun}/${c.linesTotal} (${pct(c.linesRun, c.linesTotal)}) | ${c.branchesTaken}/${c.branchesTotal} (${pct(c.branchesTaken, c.branchesTotal)}) |`;
  });
  return ["| code | lines of prot.c | lines run | branches taken |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      release: { type: "string", default: "3.12.4" },
      source: { type: "string" },
      generated: { type: "string", default: "5000" },
      json: { type: "string" },
      record: { type: "boolean", default: false },
      page: { type: "boolean", default: false },
    },
  });
  if (values.page) {
    writeFileSync(PAGE, withPageSection(readFileSync(PAGE, "utf8"), readRecord()));
    return;
  }
  const generated = Number(values.generated);
  if (!Number.isInteger(generated) || generated < 0) throw new RangeError(`--generated must be a whole number, got ${values.generated}`);
  const what: SourceBuild = values.source !== undefined ? { source: values.source } : { release: values.release };
  const label = values.source ?? values.release;
  const cases = coverageCases(generated);
  const { coverage, ran, errors, errorKinds } = await measureCoverage(what, cases);
  const whole = coverage.filter((c) => c.name !== WAIT_LOOP);
  const t = totals(whole);
  console.log(`cyrus ${label}: ${ran} cases (${errors} ended with a driver error), event code of prot.c: lines ${t.lines}, branches ${t.branches}\n`);
  console.log(table(coverage));
  for (const c of coverage) {
    if (c.unrunLines.length > 0) console.log(`${c.name}: lines never run: ${c.unrunLines.join(", ")}`);
    if (c.untakenBranches.length > 0) console.log(`${c.name}: branches never taken: ${c.untakenBranches.map((b) => `${b.line} (${b.taken}/${b.of})`).join(", ")}`);
  }
  const unexplained = coverage.flatMap((c) => c.unreached.filter((u) => u.reason === undefined).map((u) => `${c.name}: line ${u.line} (${u.what})`));
  if (unexplained.length > 0) console.log(`not reached, with no reason in REASONS:\n  ${unexplained.join("\n  ")}`);
  if (values.json !== undefined) writeFileSync(resolve(values.json), `${JSON.stringify({ build: label, cases: ran, errors, totals: t, functions: coverage }, null, 2)}\n`);
  if (values.record) {
    const release = CYRUS_RELEASES.find((r) => r.release === values.release && values.source === undefined);
    if (release === undefined || generated !== 5000) throw new Error("--record takes a release of CYRUS_RELEASES with the default 5000 generated cases");
    const old: CoverageRecord = existsSync(RECORD) ? readRecord() : { written: 0, secondForms: 0, generated, seed: DEFAULT_SEED, builds: [] };
    const { written, secondForms } = suiteStamp(cases.slice(0, cases.length - generated));
    // Releases measured with other cases are dropped: every column counts the same runs.
    const kept = old.written === written && old.secondForms === secondForms && old.generated === generated ? old.builds.filter((b) => b.release !== release.release) : [];
    const builds = [...kept, { release: release.release, cases: ran, errors, errorKinds, functions: coverage }];
    const order = CYRUS_RELEASES.map((r) => r.release);
    builds.sort((a, b) => order.indexOf(a.release) - order.indexOf(b.release));
    const record: CoverageRecord = { written, secondForms, generated, seed: DEFAULT_SEED, builds };
    writeFileSync(RECORD, `${JSON.stringify(record, null, 2)}\n`);
    writeFileSync(PAGE, withPageSection(readFileSync(PAGE, "utf8"), record));
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
