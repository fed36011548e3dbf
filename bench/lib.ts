/**
 * The benchmark harness: named contenders run alternately for several
 * rounds, the order rotating each round so that no contender always goes
 * first; per contender the median, min–max and interquartile range; the
 * ratio of ours to each peer; a table per case on stdout, and every sample
 * as JSON in bench/results/<name>.json (<name>.tiny.json with --tiny), which
 * the site's performance page renders.
 *
 * A contender runs in this process (timed with process.hrtime.bigint()), in
 * a fresh Node process for every run ({@link inFreshProcess}: the time it
 * reports about itself, with nothing another contender left in the heap or
 * the JIT on its bill), or is an external program ({@link runChild}: the
 * wall time of the child, or the time the program reports about itself).
 *
 * Ours is the compiled package in dist/, what users import, not the
 * sources run through tsx (whose keepNames transform wraps every function
 * expression it creates); `npm run bench` builds it first.
 *
 * Flags (read by every benchmark script):
 *   --rounds N      measured rounds (default 5, unless the benchmark says)
 *   --warmup N      unrecorded rounds before them (default 1; 0 with --tiny)
 *   --tiny          shrink every size so the whole run takes seconds
 *                   (also BENCH_TINY=1); for the smoke test, not for figures
 *   --results DIR   where the JSON goes (default bench/results)
 *   --child NAME    run contender NAME once and print its sample: how
 *                   inFreshProcess starts the script again; not for people
 */
import { execFileSync, spawn, type SpawnOptions } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchmarks } from "./benchmarks.js";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
// The load of the machine when the benchmark began: the figures of a run on a busy machine are read with it.
const loadAtStart = os.loadavg();

export interface Options {
  rounds: number;
  warmup: number;
  tiny: boolean;
  /** Directory of the results files. */
  results: string;
  /** Set in a process started by {@link inFreshProcess}: the contender to run. */
  child?: string;
}

/** Reads the flags; `defaults` are a benchmark's own round counts, which the flags override. */
export function parseOptions(argv: readonly string[] = process.argv.slice(2), defaults: { rounds?: number; warmup?: number } = {}): Options {
  let tiny = process.env.BENCH_TINY === "1" || process.env.BENCH_TINY === "true";
  let rounds: number | undefined;
  let warmup: number | undefined;
  let results = path.join(benchDir, "results");
  let child: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.includes("=") ? (a.split("=", 2) as [string, string]) : [a, undefined];
    const text = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const value = (): number => {
      const v = text();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got ${v}`);
      return n;
    };
    if (flag === "--tiny") tiny = true;
    else if (flag === "--rounds") rounds = value();
    else if (flag === "--warmup") warmup = value();
    else if (flag === "--results") results = path.resolve(text());
    else if (flag === "--child") child = text();
    else throw new Error(`unknown argument ${a} (known: --rounds N, --warmup N, --tiny, --results DIR)`);
  }
  rounds ??= defaults.rounds ?? 5;
  if (rounds < 1) throw new Error("--rounds must be at least 1");
  warmup ??= tiny ? 0 : (defaults.warmup ?? 1);
  return child === undefined ? { rounds, warmup, tiny, results } : { rounds, warmup, tiny, results, child };
}

/** What one run of a contender measured. */
export interface Sample {
  /** Nanoseconds of the measured work: wall time, or CPU time where the benchmark says so. */
  ns: number;
  /** Amount of work done (bytes, firings, ...), in the benchmark's work unit. */
  work: number;
  /** A value every contender must agree on (e.g. a line count); compared across all samples. */
  check?: string | number;
  /** Anything else worth keeping in the JSON. */
  extra?: Record<string, unknown>;
}

export interface Contender {
  name: string;
  /** Runs once and returns its sample; use {@link timeIt}, {@link runChild} or {@link inFreshProcess} to time. */
  run(): Promise<Sample>;
}

/** How a benchmark turns samples into a figure. */
export interface Metric {
  /** Its unit, e.g. "MB/s" or "ns/firing". */
  label: string;
  /** The figure of one sample. */
  of(s: Sample): number;
  /** true for throughputs, false for costs. */
  higherIsBetter: boolean;
}

export const mbPerSecond: Metric = {
  label: "MB/s",
  of: (s) => s.work / 1e6 / (s.ns / 1e9),
  higherIsBetter: true,
};

/** Time per unit of work, in nanoseconds or microseconds. */
export const timePer = (what: string, unit: "ns" | "µs" = "ns"): Metric => ({
  label: `${unit}/${what}`,
  of: unit === "ns" ? (s) => s.ns / s.work : (s) => s.ns / 1e3 / s.work,
  higherIsBetter: false,
});

/** A point on the scale a benchmark varies (K = 100 events, N = 1,000 streams), for plotting cost against it. */
export interface Scale {
  name: string;
  value: number;
}

export interface BenchSpec {
  /** Name of the case, shown in the table (e.g. "K=100"). */
  name: string;
  /** The contender whose ratios to the others are reported. */
  ours: string;
  contenders: Contender[];
  /** The figure of the case (and of the progress lines while it runs). */
  metric: Metric;
  scale?: Scale;
  /** Require every sample's `check` to be equal (default true). */
  sameCheck?: boolean;
}

export interface Stats {
  n: number;
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
}

/** One case of a benchmark (one point of its scale): each contender's samples and statistics, and the ratios of ours to the peers. */
export interface BenchCaseResult {
  name: string;
  scale?: Scale;
  /** The metric's unit. */
  metric: string;
  higherIsBetter: boolean;
  ours: string;
  contenders: Record<string, { stats: Stats; samples: Sample[] }>;
  /**
   * How many times better ours is than each peer, on medians: ours ÷ peer
   * for a throughput, peer ÷ ours for a cost; above 1, ours is better.
   * (Not finite when a median is 0, which JSON writes as null.)
   */
  ratio: Record<string, number | null>;
}

/** The stats of contender `name` in `r`. @throws Error naming a contender `r` does not have. */
export function statsOf(r: BenchCaseResult, name: string): Stats {
  const c = r.contenders[name];
  if (c === undefined) throw new Error(`${r.name}: no contender ${name}`);
  return c.stats;
}

/**
 * The same ratio as a goal's with ours replaced by `peer`, the least a Node
 * program doing the same work costs (one that makes no lines, fires no
 * events, or only awaits; for a goal that compares two of ours, two such
 * programs): where it misses the target too, no Node implementation can
 * meet the goal as stated.
 */
export interface GoalFloor {
  peer: string;
  value: number;
}

export interface Goal {
  description: string;
  value: number;
  target: number;
  higherIsBetter: boolean;
  holds: boolean;
  floor?: GoalFloor;
}

/** A results file, bench/results/<benchmark>.json. */
export interface ResultsDoc {
  benchmark: string;
  date: string;
  /** The command that reproduces the run, from the repository root. */
  command: string;
  /** The commit measured (`git describe --always --dirty`; see {@link revision}), when the sources are a git checkout. */
  revision?: string;
  options: { rounds: number; warmup: number; tiny: boolean };
  node: string;
  platform: string;
  cpu: string;
  cpus: number;
  /** os.loadavg() (1, 5 and 15 minutes) when the benchmark began and when it wrote its results. */
  load?: { start: number[]; end: number[] };
  cases: BenchCaseResult[];
  goals: Goal[];
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    min: s[0] as number,
    max: s[s.length - 1] as number,
    q1: quantile(s, 0.25),
    q3: quantile(s, 0.75),
  };
}

/** Times an in-process function with process.hrtime.bigint(). */
export async function timeIt<T>(f: () => Promise<T> | T): Promise<{ ns: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await f();
  const ns = Number(process.hrtime.bigint() - t0);
  return { ns, value };
}

/** Runs a program to completion; returns its stdout and wall time (spawn to exit). Throws on failure. */
export function runChild(cmd: string, args: readonly string[], opts: SpawnOptions = {}): Promise<{ ns: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
    let out = "";
    let err = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const ns = Number(process.hrtime.bigint() - t0);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${err.trim()}`));
      else resolve({ ns, stdout: out });
    });
  });
}

/**
 * Arguments for `process.execPath` that start this script again, under the
 * same loader and with the same flags, as `--child <name>`.
 */
export function childArgs(name: string): string[] {
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--child");
  const flags = at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + 2)];
  return [...process.execArgv, process.argv[1] as string, ...flags, "--child", name];
}

/**
 * `c`, run in a fresh Node process each time: this script again, by
 * {@link childArgs}, after `nodeFlags` (e.g. --expose-gc), with `env` added
 * to this process's environment. The script hands its contenders to
 * {@link runAsChild} when `--child` is set; the sample is what `c.run()`
 * measured inside the child, so Node's start-up is not part of it.
 */
export function inFreshProcess(c: Contender, nodeFlags: readonly string[] = [], env: Readonly<Record<string, string>> = {}): Contender {
  return {
    name: c.name,
    async run(): Promise<Sample> {
      const { stdout } = await runChild(process.execPath, [...nodeFlags, ...childArgs(c.name)], { env: { ...process.env, ...env } });
      const last = stdout.trimEnd().split("\n").pop() ?? "";
      try {
        return JSON.parse(last) as Sample;
      } catch {
        throw new Error(`${c.name}: the child printed no sample, but: ${stdout.trim().slice(-500)}`);
      }
    },
  };
}

/** In a process started by {@link inFreshProcess}: runs contender `name` once, prints its sample as JSON and exits. */
export async function runAsChild(name: string, contenders: readonly Contender[]): Promise<never> {
  const c = contenders.find((x) => x.name === name);
  if (c === undefined) throw new Error(`--child ${name}: no such contender (${contenders.map((x) => x.name).join(", ")})`);
  const sample = await c.run();
  // Exit at once: the sample is taken, and nothing the run left open may hold the process.
  return new Promise(() => process.stdout.write(`${JSON.stringify(sample)}\n`, () => process.exit(0)));
}

/**
 * Runs every contender of `spec` `warmup + rounds` times, alternating them
 * and rotating the order each round; returns the samples of the measured
 * rounds by contender.
 */
export async function runRounds(spec: BenchSpec, opts: Options): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(spec.contenders.map((c) => [c.name, []]));
  const n = spec.contenders.length;
  for (let round = -opts.warmup; round < opts.rounds; round++) {
    const shift = ((round % n) + n) % n;
    for (let i = 0; i < n; i++) {
      const c = spec.contenders[(i + shift) % n] as Contender;
      // No gc() between runs: V8 sweeps after it on other threads, and a
      // contender that measures process CPU time would be billed for that.
      const s = await c.run();
      if (!(s.ns > 0)) throw new Error(`${spec.name}/${c.name}: elapsed time ${s.ns} ns`);
      if (round >= 0) samples.get(c.name)?.push(s);
      process.stderr.write(`  ${spec.name} ${round < 0 ? "warm-up" : `round ${round + 1}/${opts.rounds}`} ${c.name}: ${fmt(spec.metric.of(s))} ${spec.metric.label}\n`);
    }
  }
  if (spec.sameCheck ?? true) {
    const seen = new Map<string, string>();
    for (const [name, list] of samples) for (const s of list) if (s.check !== undefined) seen.set(`${name}: ${s.check}`, String(s.check));
    const distinct = new Set(seen.values());
    if (distinct.size > 1) {
      throw new Error(`${spec.name}: the contenders disagree: ${[...seen.keys()].join("; ")}`);
    }
  }
  return samples;
}

/** The figures of one case: `metric` of every sample, summed up per contender, and ours against each peer. */
export function summarize(spec: { name: string; ours: string; metric: Metric; scale?: Scale }, samples: Map<string, Sample[]>): BenchCaseResult {
  const contenders: BenchCaseResult["contenders"] = {};
  for (const [name, list] of samples) contenders[name] = { stats: stats(list.map((s) => spec.metric.of(s))), samples: list };
  const ours = contenders[spec.ours];
  if (ours === undefined) throw new Error(`${spec.name}: no contender named ${spec.ours}`);
  const ratio: BenchCaseResult["ratio"] = {};
  for (const [name, r] of Object.entries(contenders)) {
    if (name === spec.ours) continue;
    ratio[name] = spec.metric.higherIsBetter ? ours.stats.median / r.stats.median : r.stats.median / ours.stats.median;
  }
  const { name, metric, scale } = spec;
  return { name, ...(scale === undefined ? {} : { scale }), metric: metric.label, higherIsBetter: metric.higherIsBetter, ours: spec.ours, contenders, ratio };
}

/** {@link runRounds}, then {@link summarize} by the spec's metric. */
export async function runBenchCase(spec: BenchSpec, opts: Options): Promise<BenchCaseResult> {
  return summarize(spec, await runRounds(spec, opts));
}

export function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 10) return x.toFixed(2);
  return x.toFixed(3);
}

/** The heading of the ratio column: which way round the ratio is taken. */
export function ratioHeading(r: BenchCaseResult): string {
  return r.higherIsBetter ? "ours ÷ peer" : "peer ÷ ours";
}

/** Prints the table of one case. */
export function printCase(r: BenchCaseResult): void {
  const rows: string[][] = [["contender", `median ${r.metric}`, "min-max", "IQR", ratioHeading(r)]];
  for (const [name, { stats: s }] of Object.entries(r.contenders)) {
    rows.push([name + (name === r.ours ? " (ours)" : ""), fmt(s.median), `${fmt(s.min)}-${fmt(s.max)}`, `${fmt(s.q1)}-${fmt(s.q3)}`, name === r.ours ? "" : `${fmt(r.ratio[name] ?? null)}x`]);
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  console.log(`\n${r.name}`);
  for (const [i, row] of rows.entries()) {
    console.log("  " + row.map((c, j) => (j === 0 ? c.padEnd(widths[j] as number) : c.padStart(widths[j] as number))).join("  "));
    if (i === 0) console.log("  " + widths.map((w) => "-".repeat(w)).join("  "));
  }
}

/** The command that repeats a run of benchmark `name` with these options. */
export function command(name: string, opts: Options): string {
  const b = benchmarks.find((x) => x.name === name);
  if (b === undefined) throw new Error(`${name} is not in bench/benchmarks.ts`);
  return `${b.command} --rounds ${opts.rounds} --warmup ${opts.warmup}${opts.tiny ? " --tiny" : ""}`;
}

/**
 * Writes <results>/<name>.json (<name>.tiny.json for a tiny run, so that
 * the smoke test does not overwrite the figures of a full one). `data` may
 * carry more than the cases and goals: whatever the benchmark wants kept.
 */
export function writeResults(name: string, opts: Options, data: Pick<ResultsDoc, "cases" | "goals"> & Record<string, unknown>): string {
  mkdirSync(opts.results, { recursive: true });
  const file = path.join(opts.results, `${name}${opts.tiny ? ".tiny" : ""}.json`);
  const doc: ResultsDoc & Record<string, unknown> = {
    benchmark: name,
    date: new Date().toISOString(),
    command: command(name, opts),
    ...revision(),
    options: { rounds: opts.rounds, warmup: opts.warmup, tiny: opts.tiny },
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cpus: os.cpus().length,
    load: { start: loadAtStart, end: os.loadavg() },
    ...data,
  };
  writeFileSync(file, JSON.stringify(doc, null, 2) + "\n");
  return file;
}

const distDir = path.join(benchDir, "..", "dist");
// The stamp sits in dist/ beside the file whose time tells the build it was written for from a later one.
const buildStampFile = (dist: string): string => path.join(dist, "build-revision.json");
const builtFile = (dist: string): string => path.join(dist, "src", "index.js");

function describeCheckout(): string | undefined {
  try {
    return execFileSync("git", ["describe", "--always", "--dirty"], { cwd: benchDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Records the commit `dist` (the package's dist/ unless a test says) was
 * just built from: bench/stamp.ts, the step of `npm run bench` after its
 * build. Nothing outside a git checkout.
 */
export function writeBuildStamp(dist = distDir): void {
  const r = describeCheckout();
  if (r !== undefined) writeFileSync(buildStampFile(dist), JSON.stringify({ revision: r, built: statSync(builtFile(dist)).mtimeMs }) + "\n");
}

function stampedRevision(dist: string): string | undefined {
  try {
    const stamp = JSON.parse(readFileSync(buildStampFile(dist), "utf8")) as { revision?: unknown; built?: unknown };
    return typeof stamp.revision === "string" && stamp.built === statSync(builtFile(dist)).mtimeMs ? stamp.revision : undefined;
  } catch {
    return undefined;
  }
}

function benchScriptsEdited(): boolean {
  try {
    execFileSync("git", ["diff", "--quiet", "HEAD", "--", ".", ":(exclude)results.json"], { cwd: benchDir, stdio: "ignore" });
    return false;
  } catch {
    return true;
  }
}

/**
 * The commit measured: what dist/ was built from when `npm run bench`
 * stamped its build, so that sources edited while the benchmarks run (they
 * run dist/, not the sources) do not mark them dirty, with `-dirty` added
 * if bench/'s own scripts, which do run from source, differ from the commit.
 * Without a stamp of the current build (a benchmark run alone), what the
 * checkout is now. Nothing outside a git checkout.
 */
export function revision(dist = distDir): { revision?: string } {
  const built = stampedRevision(dist);
  if (built === undefined) {
    const now = describeCheckout();
    return now === undefined ? {} : { revision: now };
  }
  return { revision: built.endsWith("-dirty") || !benchScriptsEdited() ? built : `${built}-dirty` };
}

/** Builds bench/c (fetching Debian's libcyrus first if needed); returns the build directory. */
export async function buildC(): Promise<string> {
  const script = path.join(benchDir, "c", "build.sh");
  await runChild("sh", [script]);
  return path.join(benchDir, "c", "build");
}

/** A goal line: prints "holds" or "MISSED" with the figures, and the floor's when there is one; never throws. */
export function goal(description: string, value: number, target: number, higherIsBetter = true, floor?: GoalFloor): Goal {
  const holds = higherIsBetter ? value >= target : value <= target;
  const least = floor === undefined ? "" : `; ${floor.peer}, the floor, ${fmt(floor.value)}`;
  console.log(`  goal: ${description}: ${fmt(value)} (target ${higherIsBetter ? "≥" : "≤"} ${fmt(target)}${least}) ${holds ? "holds" : "MISSED"}`);
  return floor === undefined ? { description, value, target, higherIsBetter, holds } : { description, value, target, higherIsBetter, holds, floor };
}

/** mulberry32: a small fixed-seed PRNG, so generated data and orders repeat from run to run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The clients' process of a benchmark of idle connections, kept apart so
 * that the server's process holds only the server's side: told
 * `{ type: "connect", port, count }`, it opens `count` connections to
 * `host` in batches of 500 and answers `{ type: "connected", count }`; told
 * `{ type: "close" }`, it closes them, answers `{ type: "closed" }` and
 * disconnects. A failure is answered `{ type: "error", message }`.
 */
export function holdClients(host: string): void {
  type Msg = { type: string; [k: string]: unknown };
  const send = (m: Msg): void => void (process.send as (m: Msg) => void)(m);
  const sockets: net.Socket[] = [];
  process.on("message", (m: Msg) => {
    if (m.type === "connect") {
      void (async () => {
        const BATCH = 500;
        const count = m.count as number;
        for (let i = 0; i < count; i += BATCH) {
          const batch: Array<Promise<void>> = [];
          for (let j = i; j < Math.min(count, i + BATCH); j++) {
            batch.push(
              new Promise<void>((resolve, reject) => {
                const s = net.connect({ port: m.port as number, host }, () => resolve());
                s.on("error", reject);
                sockets.push(s);
              }),
            );
          }
          await Promise.all(batch);
        }
        send({ type: "connected", count: sockets.length });
      })().catch((err: unknown) => send({ type: "error", message: String(err) }));
    } else if (m.type === "close") {
      for (const s of sockets) s.destroy();
      send({ type: "closed" });
      process.disconnect();
    }
  });
}

/**
 * Under `valgrind --tool=callgrind --instr-atstart=no`, turns callgrind's
 * counting on or off for this process when CALLGRIND_WINDOW is `window`:
 * an instruction count, which the machine's load does not move, of the part
 * a benchmark brackets with it alone (each benchmark's header says which).
 */
export function callgrindWindow(on: boolean, window = "1"): void {
  if (process.env.CALLGRIND_WINDOW === window) execFileSync("callgrind_control", ["-i", on ? "on" : "off", String(process.pid)]);
}
