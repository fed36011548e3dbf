/**
 * The conformance matrix of the C builds: the status every written run
 * (each case, and its form with a read timeout) gets from each build of
 * `builds.ts` under its own profile, and whether the WebAssembly build
 * answers every run as the process driver of its release does.
 *
 *   npx tsx conformance/drivers/cyrus/matrix.ts --record [--build shipped --build 3.12.4 ... | --build wasm]
 *   npx tsx conformance/drivers/cyrus/matrix.ts --page
 *
 * --record runs the builds named (all, and the WebAssembly build, when none
 * is) and enters what they gave in matrix.json beside this file, the
 * committed results, then makes the matrix section of
 * spec/08-compatibility.md again from it; --page only makes that section
 * again. test/cyrus-page.test.ts fails while the section differs from what
 * matrix.json makes, or while matrix.json holds other runs than the suite's;
 * test/cyrus-driver.test.ts and test/site-cyrus-wasm.test.ts, which run
 * every build, fail while a build gives other statuses than those recorded.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { DriverExecutor, FORM_SUFFIX, runCases, type CaseResult, type LoadedCase, type Status } from "prot-conformance";
import { cyrusBuilds, type CyrusBuild } from "./builds.js";
import { declaredFor, declaredIds, loadDeviations, type CyrusDeviationEntry } from "./deviations.js";
import { PAGE, recordFile, suiteStamp, withSection, writtenRuns, type SuiteStamp } from "./record.js";
import { CYRUS_WASM_RELEASE, type CyrusWasm } from "./wasm.js";
import { buildCyrusWasm, loadCyrusWasm } from "./wasm-load.js";

/** How long one run may take in a driver. */
export const RUN_TIMEOUT_MS = 20_000;

/** One build's answers: each run's status by its ID, or why the build could not be made. */
export type MatrixBuild = { label: string; statuses: Record<string, Status> } | { label: string; absent: string };

/** The WebAssembly build's answers beside those of the process driver of its release, or why it could not be made. */
export type WasmFigures = { release: string; runs: number; same: number; traced: number; refused: number } | { release: string; absent: string };

/** The committed results. */
export interface MatrixRecord extends SuiteStamp {
  /** One entry per build, in the order of `cyrusBuilds()`. */
  builds: MatrixBuild[];
  wasm?: WasmFigures;
}

/** The committed results file. */
export const MATRIX = recordFile("matrix");

/** The matrix as committed. */
export function readMatrix(file = MATRIX): MatrixRecord {
  return JSON.parse(readFileSync(file, "utf8")) as MatrixRecord;
}

/** Why a release's source could not be had, when that is why its driver did not start. */
export function sourceMissing(err: unknown): string | undefined {
  const text = err instanceof Error ? err.message : String(err);
  return /serves no (upstream|Debian) tarball of cyrus-imapd [0-9.]+[^\n]*/.exec(text)?.[0];
}

/** Each run's status by its ID, in the order run. */
export function statusesOf(results: readonly CaseResult[]): Record<string, Status> {
  return Object.fromEntries(results.map((r) => [r.id, r.status]));
}

type Counts = Record<Status, number>;

/** The counts of each status, of the written form and of the form with a read timeout. */
export function formCounts(statuses: Record<string, Status>): { written: Counts; readTimeout: Counts } {
  const zero = (): Counts => ({ pass: 0, fail: 0, xfail: 0, xpass: 0, skip: 0 });
  const out = { written: zero(), readTimeout: zero() };
  for (const [id, s] of Object.entries(statuses)) out[id.endsWith(FORM_SUFFIX["events-need-read-timeout"]) ? "readTimeout" : "written"][s]++;
  return out;
}

/** Runs `runs` through `build`'s driver under its own profile. */
export async function runBuild(build: CyrusBuild, runs: LoadedCase[]): Promise<MatrixBuild> {
  let driver: DriverExecutor;
  try {
    driver = await DriverExecutor.start(build.command, 600_000);
  } catch (err) {
    const missing = sourceMissing(err);
    // The answers of each address it tried are left to the driver's message.
    if (missing !== undefined && !build.label.startsWith("shipped")) return { label: build.label, absent: `the Debian archive reached from here ${missing.replace(/ \(.*$/, "")}` };
    throw err;
  }
  try {
    return { label: build.label, statuses: statusesOf((await runCases(driver, runs, { timeoutMs: RUN_TIMEOUT_MS })).results) };
  } finally {
    await driver.close();
  }
}

/** Runs every run through the WebAssembly build and the process driver of the same release; every run that differs, with both answers. */
export async function compareWasm(w: CyrusWasm, native: DriverExecutor, runs: LoadedCase[]): Promise<{ differ: string[]; traced: number; refused: number }> {
  const differ: string[] = [];
  let traced = 0;
  let refused = 0;
  for (const c of runs) {
    const n = await native.run(c, RUN_TIMEOUT_MS);
    const got = w.run(c);
    const want = { trace: n.trace, crash: n.crash };
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(want)), JSON.parse(JSON.stringify({ trace: got.trace, crash: got.crash })))) {
      differ.push(`${c.id}\n  process: ${JSON.stringify(want)}\n  wasm:    ${JSON.stringify(got)}`);
    }
    if (got.trace.length > 0) traced++;
    if (got.crash !== undefined) refused++;
  }
  return { differ, traced, refused };
}

async function runWasm(runs: LoadedCase[]): Promise<WasmFigures> {
  const built = await buildCyrusWasm();
  if ("absent" in built) return { release: CYRUS_WASM_RELEASE, absent: built.absent };
  const build = cyrusBuilds().find((b) => b.label === CYRUS_WASM_RELEASE);
  if (build === undefined) throw new Error(`no process build of ${CYRUS_WASM_RELEASE}`);
  const native = await DriverExecutor.start(build.command, 600_000);
  try {
    const { differ, traced, refused } = await compareWasm(await loadCyrusWasm(built.file), native, runs);
    return { release: CYRUS_WASM_RELEASE, runs: runs.length, same: runs.length - differ.length, traced, refused };
  } finally {
    await native.close();
  }
}

const triple = (c: Counts): string => `${c.pass} / ${c.xfail} / ${c.skip}`;
const listed = (xs: string[]): string => (xs.length <= 1 ? (xs[0] ?? "") : `${xs.slice(0, -1).join(", ")} and ${xs.at(-1) ?? ""}`);

/** The matrix section of the compatibility page, made from `r`. */
export function matrixSection(r: MatrixRecord, deviations: readonly CyrusDeviationEntry[] = loadDeviations(), runs: readonly LoadedCase[] = writtenRuns()): string {
  const builds = cyrusBuilds();
  const title = (label: string): string => builds.find((b) => b.label === label)?.title ?? label;
  const measured = r.builds.flatMap((b) => ("statuses" in b ? [{ label: builds.find((x) => x.label === b.label)?.name ?? b.label, statuses: b.statuses }] : []));
  const rows = r.builds.map((b) => {
    if ("absent" in b) return `| ${title(b.label)} | not built: ${b.absent} | | |`;
    const { written, readTimeout } = formCounts(b.statuses);
    const undeclared = written.fail + written.xpass + readTimeout.fail + readTimeout.xpass;
    return `| ${title(b.label)} | ${triple(written)} | ${triple(readTimeout)} | ${undeclared === 0 ? "none" : `${undeclared} (failures and unexpected passes)`} |`;
  });
  // Builds that give every run the same status, in groups.
  const groups: { labels: string[]; statuses: Record<string, Status> }[] = [];
  for (const m of measured) {
    const g = groups.find((x) => isDeepStrictEqual(x.statuses, m.statuses));
    if (g === undefined) groups.push({ labels: [m.label], statuses: m.statuses });
    else g.labels.push(m.label);
  }
  const alike = groups.filter((g) => g.labels.length > 1).map((g) => `${listed(g.labels)} give every run the same status`);
  // Runs one build skips and another runs: what each of those gives where it runs.
  const skippedSomewhere = Object.keys(measured[0]?.statuses ?? {}).filter((id) => measured.some((m) => m.statuses[id] === "skip") && measured.some((m) => m.statuses[id] !== "skip"));
  const runWhere = measured.filter((m) => skippedSomewhere.some((id) => m.statuses[id] !== "skip"));
  const sample = runWhere[0];
  const extra =
    sample === undefined || skippedSomewhere.length === 0
      ? ""
      : ` ${skippedSomewhere.length} runs are skipped by ${listed(measured.filter((m) => skippedSomewhere.every((id) => m.statuses[id] === "skip")).map((m) => m.label))} and run by ${listed(runWhere.map((m) => m.label))}; in ${sample.label} they give ${(
          ["pass", "xfail", "skip", "fail", "xpass"] as const
        )
          .map((s) => [s, skippedSomewhere.filter((id) => sample.statuses[id] === s).length] as const)
          .filter(([, n]) => n > 0)
          .map(([s, n]) => `${n} ${STATUS_WORD[s]}`)
          .join(", ")}.`;
  const w = r.wasm;
  const wasm =
    w === undefined
      ? ""
      : "absent" in w
        ? `The WebAssembly build of ${w.release} (the site's playground) was not built: ${w.absent}.`
        : `The WebAssembly build of ${w.release} (the site's playground) answers ${w.same} of the ${w.runs} runs as the process driver of ${w.release} from source does (${w.traced} with a trace, ${w.refused} refused as undefined behaviour).`;
  // The expected failures of the last build measured, by the deviations deviations.yaml lists each run under, in both forms.
  const last = measured.at(-1);
  const suffix = FORM_SUFFIX["events-need-read-timeout"];
  const failed = last === undefined ? [] : Object.keys(last.statuses).filter((id) => last.statuses[id] === "xfail");
  const inForm = (second: boolean): string[] => failed.filter((id) => id.endsWith(suffix) === second);
  const table = declaredIds(deviations);
  const byId = new Map(runs.map((c) => [c.id, c]));
  const under = new Map(failed.map((id) => [id, declaredFor(table, byId.get(id) ?? { id, requirements: [] })]));
  const count = (d: CyrusDeviationEntry, second: boolean): number => inForm(second).filter((id) => under.get(id)?.includes(d) === true).length;
  const byDeviation = deviations
    .map((d) => ({ d, written: count(d, false), second: count(d, true) }))
    .filter((x) => x.written + x.second > 0)
    .sort((a, b) => b.second - a.second || b.written - a.written);
  const unplaced = failed.filter((id) => under.get(id)?.length === 0);
  const twice = failed.filter((id) => (under.get(id)?.length ?? 0) > 1);
  const forms =
    last === undefined || failed.length === 0
      ? []
      : [
          `The expected failures of ${last.label}, ${inForm(false).length} in the written form and ${inForm(true).length} in the read-timeout form, by the deviation \`deviations.yaml\` declares each under${twice.length > 0 ? ` (${twice.length} ${twice.length === 1 ? "run is" : "runs are"} declared under two, and counted under both)` : ""}${unplaced.length > 0 ? `; under none: ${unplaced.join(", ")}` : ""}:`,
          "",
          "| deviation | what the C code does | written form | read-timeout form |",
          "| --- | --- | --- | --- |",
          ...byDeviation.map((x) => `| \`${x.d.name}\` | ${x.d.summary} | ${x.written} | ${x.second} |`),
          "",
        ];
  return [
    `Every build runs the ${r.written} written runs: ${r.written - r.secondForms} cases and ${r.secondForms} second forms.`,
    "",
    "| build | written form: pass / expected failures / skipped | read-timeout form: pass / expected failures / skipped | undeclared differences |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    `${alike.length > 0 ? `${alike.join("; ")}.` : "No two builds give every run the same status."}${extra} ${wasm}`.trim(),
    "",
    ...forms,
    "```sh",
    "npx tsx conformance/drivers/cyrus/matrix.ts --record",
    "```",
  ].join("\n");
}

const STATUS_WORD: Record<Status, string> = { pass: "pass", xfail: "expected failures", skip: "skipped", fail: "failures", xpass: "unexpected passes" };

/** `page` with its matrix section made again from `r`. */
export function withMatrixSection(page: string, r: MatrixRecord): string {
  return withSection(page, "matrix", matrixSection(r));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { record: { type: "boolean", default: false }, page: { type: "boolean", default: false }, build: { type: "string", multiple: true } } });
  if (values.page) {
    writeFileSync(PAGE, withMatrixSection(readFileSync(PAGE, "utf8"), readMatrix()));
    return;
  }
  if (!values.record) throw new Error("give --record (run the builds and enter their results) or --page");
  const all = cyrusBuilds();
  const named = values.build ?? [...all.map((b) => b.label), "wasm"];
  for (const n of named) if (n !== "wasm" && !all.some((b) => b.label === n)) throw new Error(`--build ${n}: not a build of builds.ts (${all.map((b) => b.label).join(", ")}, wasm)`);
  const runs = writtenRuns();
  const stamp = suiteStamp(runs);
  const old = existsSync(MATRIX) ? readMatrix() : undefined;
  // Builds measured with other runs are dropped: every row counts the same runs.
  const same = old !== undefined && old.written === stamp.written && old.secondForms === stamp.secondForms;
  const kept = new Map(same ? old.builds.map((b) => [b.label, b]) : []);
  let wasm = same ? old.wasm : undefined;
  for (const n of named) {
    if (n === "wasm") {
      wasm = await runWasm(runs);
      console.log(`wasm: ${JSON.stringify(wasm)}`);
      continue;
    }
    const got = await runBuild(all.find((b) => b.label === n) as CyrusBuild, runs);
    kept.set(n, got);
    console.log(`${n}: ${"absent" in got ? `not built: ${got.absent}` : JSON.stringify(formCounts(got.statuses))}`);
  }
  const record: MatrixRecord = { ...stamp, builds: all.flatMap((b) => kept.get(b.label) ?? []), ...(wasm === undefined ? {} : { wasm }) };
  writeFileSync(MATRIX, `${JSON.stringify(record, null, 2)}\n`);
  writeFileSync(PAGE, withMatrixSection(readFileSync(PAGE, "utf8"), record));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
