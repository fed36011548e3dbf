/**
 * A tiny benchmark harness: named contenders, run alternately in the same
 * process run for several rounds, each sample timed with
 * process.hrtime.bigint() (external programs: the wall time of the child,
 * or the time the program reports about itself when it says so). Prints a
 * table per benchmark and writes every sample as JSON into
 * bench/results/<name>.json (<name>.tiny.json with --tiny).
 *
 * Flags (also read by every benchmark script):
 *   --rounds N   measured rounds (default 5)
 *   --warmup N   unrecorded rounds before them (default 1; 0 with --tiny)
 *   --tiny       shrink every size so the whole run takes seconds
 *                (also BENCH_TINY=1); for the smoke test, not for figures
 */
import { spawn, type SpawnOptions } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const repoDir = path.resolve(benchDir, "..");

export interface Options {
  rounds: number;
  warmup: number;
  tiny: boolean;
}

export function parseOptions(argv: readonly string[] = process.argv.slice(2)): Options {
  let tiny = process.env.BENCH_TINY === "1" || process.env.BENCH_TINY === "true";
  let rounds: number | undefined;
  let warmup: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.includes("=") ? a.split("=", 2) as [string, string] : [a, undefined];
    const value = (): number => {
      const v = inline ?? argv[++i];
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number, got ${v}`);
      return n;
    };
    if (flag === "--tiny") tiny = true;
    else if (flag === "--rounds") rounds = value();
    else if (flag === "--warmup") warmup = value();
    else throw new Error(`unknown argument ${a} (known: --rounds N, --warmup N, --tiny)`);
  }
  rounds ??= 5;
  if (rounds < 1) throw new Error("--rounds must be at least 1");
  return { rounds, warmup: warmup ?? (tiny ? 0 : 1), tiny };
}

/** What one run of a contender measured. */
export interface Sample {
  /** Elapsed nanoseconds of the measured work. */
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
  /** Runs once and returns its sample; use {@link timeIt} or {@link runChild} to time. */
  run(): Promise<Sample>;
}

/** How a benchmark turns samples into its figure. */
export interface Metric {
  /** e.g. "MB/s" or "ns/firing". */
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

export const nsPer = (what: string): Metric => ({
  label: `ns/${what}`,
  of: (s) => s.ns / s.work,
  higherIsBetter: false,
});

export interface BenchSpec {
  /** Name of the case, shown in the table (e.g. "K=100"). */
  name: string;
  /** The contender whose ratios to the others are reported. */
  ours: string;
  contenders: Contender[];
  metric: Metric;
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

export interface CaseResult {
  name: string;
  metric: string;
  ours: string;
  contenders: Record<string, { stats: Stats; samples: Sample[] }>;
  /** Speed of ours divided by the peer's (>1: ours faster), on medians. */
  speedRatio: Record<string, number>;
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

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Runs every contender of `spec` `warmup + rounds` times, alternating them
 * and rotating the order each round so no contender always goes first.
 */
export async function runCase(spec: BenchSpec, opts: Options): Promise<CaseResult> {
  const samples = new Map<string, Sample[]>(spec.contenders.map((c) => [c.name, []]));
  const n = spec.contenders.length;
  for (let round = -opts.warmup; round < opts.rounds; round++) {
    const shift = ((round % n) + n) % n;
    for (let i = 0; i < n; i++) {
      const c = spec.contenders[(i + shift) % n] as Contender;
      gc?.();
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
  const contenders: CaseResult["contenders"] = {};
  for (const [name, list] of samples) contenders[name] = { stats: stats(list.map(spec.metric.of)), samples: list };
  const ours = contenders[spec.ours];
  if (ours === undefined) throw new Error(`${spec.name}: no contender named ${spec.ours}`);
  const speedRatio: Record<string, number> = {};
  for (const [name, r] of Object.entries(contenders)) {
    if (name === spec.ours) continue;
    speedRatio[name] = spec.metric.higherIsBetter ? ours.stats.median / r.stats.median : r.stats.median / ours.stats.median;
  }
  return { name: spec.name, metric: spec.metric.label, ours: spec.ours, contenders, speedRatio };
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 10) return x.toFixed(2);
  return x.toFixed(3);
}

/** Prints the table of one case. */
export function printCase(r: CaseResult): void {
  const rows: string[][] = [["contender", `median ${r.metric}`, "min-max", "IQR", `ours ÷ peer (speed)`]];
  for (const [name, { stats: s }] of Object.entries(r.contenders)) {
    rows.push([
      name + (name === r.ours ? " (ours)" : ""),
      fmt(s.median),
      `${fmt(s.min)}-${fmt(s.max)}`,
      `${fmt(s.q1)}-${fmt(s.q3)}`,
      name === r.ours ? "" : `${fmt(r.speedRatio[name] as number)}x`,
    ]);
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((row) => (row[i] as string).length)));
  console.log(`\n${r.name}`);
  for (const [i, row] of rows.entries()) {
    console.log("  " + row.map((c, j) => (j === 0 ? c.padEnd(widths[j] as number) : c.padStart(widths[j] as number))).join("  "));
    if (i === 0) console.log("  " + widths.map((w) => "-".repeat(w)).join("  "));
  }
}

/** Writes bench/results/<name>.json (<name>.tiny.json for a tiny run). */
export function writeResults(name: string, opts: Options, data: Record<string, unknown>): string {
  const dir = path.join(benchDir, "results");
  mkdirSync(dir, { recursive: true });
  // A tiny run (the smoke test) does not overwrite the figures of a full one.
  const file = path.join(dir, `${name}${opts.tiny ? ".tiny" : ""}.json`);
  const doc = {
    benchmark: name,
    date: new Date().toISOString(),
    options: opts,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cpus: os.cpus().length,
    ...data,
  };
  writeFileSync(file, JSON.stringify(doc, null, 2) + "\n");
  return file;
}

/** Builds bench/c (fetching Debian's libcyrus first if needed); returns the build directory. */
export async function buildC(): Promise<string> {
  const script = path.join(benchDir, "c", "build.sh");
  await runChild("sh", [script], { stdio: ["ignore", "pipe", "pipe"] });
  return path.join(benchDir, "c", "build");
}

/** A goal line: prints "holds" or "MISSED" with the figures; never throws. */
export function goal(description: string, value: number, target: number, higherIsBetter = true): { description: string; value: number; target: number; holds: boolean } {
  const holds = higherIsBetter ? value >= target : value <= target;
  console.log(`  goal: ${description}: ${fmt(value)} (target ${higherIsBetter ? "≥" : "≤"} ${fmt(target)}) ${holds ? "holds" : "MISSED"}`);
  return { description, value, target, holds };
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

