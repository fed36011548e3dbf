/**
 * Benchmark: cost of one select wake-up as the group grows.
 *
 * Ours: N read streams (ScriptedSource each) in one ProtGroup on a
 * VirtualClock. Exactly one stream becomes ready at a time: arrivals are at
 * distinct virtual times 1, 2, 3, ... and go to the streams in a shuffled
 * order (fixed seed; a fresh shuffle of all N for every N arrivals). The
 * loop is
 *
 *     const ready = await clock.runUntil(select(group));
 *     ready[0].tryReadLine();
 *
 * and the figure is process CPU time (user + system, process.cpuUsage) per
 * wake-up, over W wake-ups per round, after one warm-up round. Wall time
 * (hrtime) is reported beside it. Each wake-up includes what runUntil costs
 * (one setImmediate turn per timer step), which is part of running a select
 * on a VirtualClock.
 *
 * C: bench/c/build/select_scaling (see bench/c/select_scaling.c), the
 * prot_select of Debian's libcyrus over N pipes, one written at a time. It
 * runs only for N <= 1000: prot_select uses select(2) and FD_SETSIZE is 1024.
 * Ours and C alternate round by round.
 *
 * Usage: tsx bench/select-scaling.ts [--tiny]   (or BENCH_TINY=1)
 * Writes bench/results/select-scaling.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProtGroup, ProtStream, ScriptedSource, VirtualClock, select, type Arrival } from "../src/index.js";
import { mulberry32 } from "./lib.js";

const here = dirname(fileURLToPath(import.meta.url));
const tiny = process.argv.includes("--tiny") || process.env.BENCH_TINY === "1";
const SIZES = tiny ? [100, 1_000] : [100, 1_000, 10_000, 100_000];
const WAKEUPS = tiny ? 300 : 2_000; // per round, ours
const ROUNDS = tiny ? 3 : 7;
const C_ITERATIONS = tiny ? 2_000 : 20_000; // per round, C
const C_MAX_N = 1_000; // FD_SETSIZE 1024, minus stdio and slack
const SEED = 0x5eed;

// ---- helpers of its own (its rounds and output predate bench/lib.ts) ----

function shuffled(n: number, rand: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const fmt = (x: number | null, d = 2): string => (x === null ? "—" : x.toFixed(d));

interface Stats { median: number; min: number; max: number; rounds: number[] }
const stats = (xs: number[]): Stats => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), rounds: xs });

// ---- ours ----------------------------------------------------------------

interface OursSetup {
  clock: VirtualClock;
  group: ProtGroup;
  streams: ProtStream[];
  /** Which stream each arrival (time 1, 2, ...) goes to. */
  order: Int32Array;
  setupMs: number;
}

function setupOurs(n: number, totalWakeups: number): OursSetup {
  const t0 = performance.now();
  const rand = mulberry32(SEED ^ n);
  const order = new Int32Array(totalWakeups);
  for (let k = 0; k < totalWakeups; ) {
    for (const i of shuffled(n, rand)) {
      if (k >= totalWakeups) break;
      order[k++] = i;
    }
  }
  const perStream: Arrival[][] = Array.from({ length: n }, () => []);
  for (let k = 0; k < totalWakeups; k++) (perStream[order[k] as number] as Arrival[]).push({ at: k + 1, data: "x\r\n" });
  const clock = new VirtualClock(0);
  const streams = perStream.map((arr, i) => new ProtStream(new ScriptedSource(clock, arr), { clock, name: `s${i}` }));
  const group = new ProtGroup(streams, { clock });
  return { clock, group, streams, order, setupMs: performance.now() - t0 };
}

/** Runs wake-ups [from, from + count): returns CPU and wall µs per wake-up. */
async function runOurs(s: OursSetup, from: number, count: number): Promise<{ cpuUs: number; wallUs: number }> {
  const { clock, group, streams, order } = s;
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (let k = from; k < from + count; k++) {
    const ready = await clock.runUntil(select(group));
    const want = streams[order[k] as number] as ProtStream;
    if (ready.length !== 1 || ready[0] !== want || clock.now() !== k + 1) {
      throw new Error(`wake-up ${k}: expected ${want.name} alone at t=${k + 1}, got [${ready.map((r) => r.name).join(",")}] at t=${clock.now()}`);
    }
    if (want.tryReadLine() !== "x") throw new Error(`wake-up ${k}: ${want.name} had no line`);
  }
  const w1 = process.hrtime.bigint();
  const c = process.cpuUsage(c0);
  return { cpuUs: (c.user + c.system) / count, wallUs: Number(w1 - w0) / 1e3 / count };
}

// ---- C -------------------------------------------------------------------

const cBinary = join(here, "c", "build", "select_scaling");

function ensureC(): string | null {
  if (!existsSync(cBinary)) {
    const b = spawnSync("sh", [join(here, "c", "build-select.sh")], { stdio: ["ignore", "inherit", "inherit"] });
    if (b.status !== 0 || !existsSync(cBinary)) return "bench/c/build-select.sh failed (needs gcc and conformance/drivers/cyrus/fetch.sh)";
  }
  return null;
}

function runC(n: number, iterations: number, seed: number): { selectUs: number; iterationUs: number } {
  const r = spawnSync(cBinary, [String(n), String(iterations), "1", String(seed)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`select_scaling ${n}: exit ${r.status}: ${r.stderr}`);
  const line = r.stdout.trim().split("\n").pop() as string;
  return JSON.parse(line) as { selectUs: number; iterationUs: number };
}

// ---- main ----------------------------------------------------------------

interface Row {
  n: number;
  oursCpuUs: Stats;
  oursWallUs: Stats;
  setupMs: number;
  heapMB: number;
  cSelectUs: Stats | null;
  cIterationUs: Stats | null;
  cNote?: string;
}

async function main(): Promise<void> {
  const cMissing = ensureC();
  const gc = (globalThis as { gc?: () => void }).gc;
  const rows: Row[] = [];
  console.log(`select-scaling${tiny ? " (tiny)" : ""}: ${WAKEUPS} wake-ups x ${ROUNDS} rounds per N (ours), ${C_ITERATIONS} iterations x ${ROUNDS} rounds (C); node ${process.version}`);
  for (const n of SIZES) {
    gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const warm = Math.max(200, WAKEUPS >> 2);
    const s = setupOurs(n, warm + ROUNDS * WAKEUPS);
    gc?.();
    const heapMB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    const cpu: number[] = [];
    const wall: number[] = [];
    const cSel: number[] = [];
    const cIt: number[] = [];
    await runOurs(s, 0, warm);
    const withC = cMissing === null && n <= C_MAX_N;
    if (withC) runC(n, C_ITERATIONS, SEED); // warm-up: page cache, library loading
    for (let r = 0; r < ROUNDS; r++) {
      const o = await runOurs(s, warm + r * WAKEUPS, WAKEUPS);
      cpu.push(o.cpuUs);
      wall.push(o.wallUs);
      if (withC) {
        const c = runC(n, C_ITERATIONS, SEED + r + 1);
        cSel.push(c.selectUs);
        cIt.push(c.iterationUs);
      }
    }
    for (const st of s.streams) st.close();
    const row: Row = {
      n,
      oursCpuUs: stats(cpu),
      oursWallUs: stats(wall),
      setupMs: s.setupMs,
      heapMB,
      cSelectUs: withC ? stats(cSel) : null,
      cIterationUs: withC ? stats(cIt) : null,
    };
    if (!withC) row.cNote = cMissing ?? `not run: prot_select uses select(2), read fds must be < FD_SETSIZE (1024)`;
    rows.push(row);
    console.log(
      `  N=${String(n).padStart(7)}: ours ${fmt(row.oursCpuUs.median)} µs CPU/wake-up [${fmt(row.oursCpuUs.min)}–${fmt(row.oursCpuUs.max)}], wall ${fmt(row.oursWallUs.median)} µs;` +
        ` C prot_select ${fmt(row.cSelectUs?.median ?? null)} µs [${fmt(row.cSelectUs?.min ?? null)}–${fmt(row.cSelectUs?.max ?? null)}], write+select+getc ${fmt(row.cIterationUs?.median ?? null)} µs` +
        `  (setup ${s.setupMs.toFixed(0)} ms, heap +${heapMB.toFixed(1)} MB)`,
    );
  }

  const base = rows[0] as Row;
  const last = rows[rows.length - 1] as Row;
  const lastC = [...rows].reverse().find((r) => r.cSelectUs !== null);
  console.log("\n  N        | ours µs CPU/wake-up (median [min–max]) | C prot_select µs | C iteration µs | ours/C(iteration) | ours vs N=100");
  for (const r of rows) {
    const ratioC = r.cIterationUs ? r.oursCpuUs.median / r.cIterationUs.median : null;
    console.log(
      `  ${String(r.n).padEnd(8)} | ${`${fmt(r.oursCpuUs.median)} [${fmt(r.oursCpuUs.min)}–${fmt(r.oursCpuUs.max)}]`.padEnd(38)} | ${fmt(r.cSelectUs?.median ?? null).padEnd(16)} | ${fmt(r.cIterationUs?.median ?? null).padEnd(14)} | ${(ratioC === null ? "—" : `${ratioC.toFixed(2)}x`).padEnd(17)} | ${(r.oursCpuUs.median / base.oursCpuUs.median).toFixed(2)}x`,
    );
  }
  const flatness = last.oursCpuUs.median / base.oursCpuUs.median;
  const cFlatness = lastC && base.cSelectUs && lastC.cSelectUs ? lastC.cSelectUs.median / base.cSelectUs.median : null;
  console.log(`\n  flatness, ours: N=${last.n} vs N=${base.n}: ${flatness.toFixed(2)}x (goal: flat, ~1x)`);
  if (cFlatness !== null && lastC) console.log(`  for comparison, C prot_select: N=${lastC.n} vs N=${base.n}: ${cFlatness.toFixed(2)}x (linear scan of the group + select(2))`);

  const outDir = join(here, "results");
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `select-scaling${tiny ? ".tiny" : ""}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ bench: "select-scaling", tiny, node: process.version, date: new Date().toISOString(), wakeupsPerRound: WAKEUPS, rounds: ROUNDS, cIterationsPerRound: C_ITERATIONS, rows, flatness, cFlatness }, null, 2)}\n`,
  );
  console.log(`  wrote ${file}`);
}

await main();
