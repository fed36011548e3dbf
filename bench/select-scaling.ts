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
 * wake-up, over WAKEUPS wake-ups per round; wall time is kept beside it.
 * Each wake-up includes what runUntil costs (one setImmediate turn per
 * timer step), which is part of running a select on a VirtualClock. The
 * group is built once per N, before the rounds; each round takes the next
 * WAKEUPS arrivals. It runs in this process (the peer is a C program, so
 * there is no other contender's garbage here).
 *
 * C: bench/c/build/select_scaling (see bench/c/select_scaling.c), the
 * prot_select of Debian's libcyrus over N pipes, one written at a time; the
 * figure is the CPU time of a whole iteration (write, select, read), the
 * counterpart of ours, with prot_select's own share kept beside it. A fresh
 * process per round, with a warm-up of its own. It runs only for N <= 1000:
 * prot_select uses select(2) and FD_SETSIZE is 1024.
 *
 * Over real sockets, each server in its own process against C servers on
 * the same kind of connections, see bench/select-sockets.ts; this one
 * measures how select's own cost grows with N, without the kernel.
 *
 * Usage: node --expose-gc --import tsx bench/select-scaling.ts [--rounds N] [--warmup N] [--tiny] [--results DIR]
 * (--expose-gc for the heap figure of each group.)
 */
import path from "node:path";
import { ProtGroup, ProtStream, ScriptedSource, VirtualClock, select, type Arrival } from "../dist/src/index.js";
import {
  buildC,
  fmt,
  goal,
  mulberry32,
  parseOptions,
  printCase,
  runChild,
  runRounds,
  stats,
  statsOf,
  summarize,
  timePer,
  writeResults,
  type BenchCaseResult,
  type Contender,
  type Metric,
  type Sample,
} from "./lib.js";

const opts = parseOptions();
const SIZES = opts.tiny ? [100, 1_000] : [100, 1_000, 10_000, 100_000];
const WAKEUPS = opts.tiny ? 300 : 2_000; // per round, ours
const C_ITERATIONS = opts.tiny ? 2_000 : 20_000; // per round, C
const C_MAX_N = 1_000; // FD_SETSIZE 1024, minus stdio and slack
const SEED = 0x5eed;
const METRIC: Metric = timePer("wake-up", "µs");

function shuffled(n: number, rand: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a;
}

interface Group {
  clock: VirtualClock;
  group: ProtGroup;
  streams: ProtStream[];
  /** Which stream each arrival (time 1, 2, ...) goes to. */
  order: Int32Array;
}

function buildGroup(n: number, totalWakeups: number): Group {
  const rand = mulberry32(SEED ^ n);
  const order = new Int32Array(totalWakeups);
  for (let k = 0; k < totalWakeups;) {
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
  return { clock, group, streams, order };
}

/** Our contender over `g`: each run takes the next WAKEUPS arrivals. */
function ours(g: Group): Contender {
  let next = 0;
  return {
    name: "ours",
    async run(): Promise<Sample> {
      const { clock, group, streams, order } = g;
      const from = next;
      next += WAKEUPS;
      const c0 = process.cpuUsage();
      const w0 = process.hrtime.bigint();
      for (let k = from; k < next; k++) {
        const ready = await clock.runUntil(select(group));
        const want = streams[order[k] as number] as ProtStream;
        if (ready.length !== 1 || ready[0] !== want || clock.now() !== k + 1) {
          throw new Error(`wake-up ${k}: expected ${want.name} alone at t=${k + 1}, got [${ready.map((r) => r.name).join(",")}] at t=${clock.now()}`);
        }
        if (want.tryReadLine() !== "x") throw new Error(`wake-up ${k}: ${want.name} had no line`);
      }
      const wallNs = Number(process.hrtime.bigint() - w0);
      const c = process.cpuUsage(c0);
      return { ns: (c.user + c.system) * 1e3, work: WAKEUPS, extra: { wallNs } };
    },
  };
}

function cProt(bin: string, n: number): Contender {
  let seed = SEED;
  return {
    name: "c-prot_select",
    async run(): Promise<Sample> {
      const { stdout } = await runChild(bin, [String(n), String(C_ITERATIONS), "1", String(++seed)]);
      const r = JSON.parse(stdout.trim().split("\n").pop() as string) as { iterations: number; selectUs: number; iterationUs: number };
      return { ns: r.iterationUs * 1e3 * r.iterations, work: r.iterations, extra: { selectUs: r.selectUs } };
    },
  };
}

async function main(): Promise<void> {
  const bin = path.join(await buildC(), "select_scaling");
  const gc = (globalThis as { gc?: () => void }).gc;
  console.log(
    `select-scaling: N = ${SIZES.join(", ")}; ${WAKEUPS} wake-ups per round (ours), ${C_ITERATIONS} iterations per round (C, N <= ${C_MAX_N}); ` +
      `${opts.rounds} rounds (+${opts.warmup} warm-up)${opts.tiny ? ", TINY" : ""}`,
  );
  const cases: BenchCaseResult[] = [];
  const groups: Array<{ n: number; setupMs: number; heapMB: number | null }> = [];
  for (const n of SIZES) {
    gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const g = buildGroup(n, (opts.warmup + opts.rounds) * WAKEUPS);
    const setupMs = performance.now() - t0;
    gc?.();
    // Without --expose-gc the difference would count garbage as well.
    const heapMB = gc === undefined ? null : (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    groups.push({ n, setupMs, heapMB });
    const contenders = n <= C_MAX_N ? [ours(g), cProt(bin, n)] : [ours(g)];
    const spec = { name: `N=${n}`, ours: "ours", contenders, metric: METRIC, scale: { name: "N", value: n } };
    const samples = await runRounds(spec, opts);
    for (const s of g.streams) s.close();
    const r = summarize(spec, samples);
    printCase(r);
    console.log(
      `  (group built in ${setupMs.toFixed(0)} ms${heapMB === null ? "" : `, heap +${heapMB.toFixed(1)} MB`}` +
        `${n <= C_MAX_N ? `; C prot_select alone ${fmt(cSelectUs(r))} µs` : "; no C: prot_select's read fds must be < FD_SETSIZE (1024)"})`,
    );
    cases.push(r);
  }

  const med = (r: BenchCaseResult, name: string): number => statsOf(r, name).median;
  const first = cases[0] as BenchCaseResult;
  const last = cases[cases.length - 1] as BenchCaseResult;
  const lastC = [...cases].reverse().find((r) => r.contenders["c-prot_select"] !== undefined) as BenchCaseResult;
  const growth = med(last, "ours") / med(first, "ours");
  console.log(
    `\ngrowth of the cost per wake-up: ours ${last.name} vs ${first.name} ${fmt(growth)}x; ` +
      `C ${lastC.name} vs ${first.name} ${fmt(med(lastC, "c-prot_select") / med(first, "c-prot_select"))}x (prot_select alone ${fmt(cSelectUs(lastC) / cSelectUs(first))}x)`,
  );
  const goals = [goal(`ours ${last.name} ÷ ${first.name} (µs/wake-up)`, growth, 2, false)];
  const out = writeResults("select-scaling", opts, {
    wakeupsPerRound: WAKEUPS,
    cIterationsPerRound: C_ITERATIONS,
    groups,
    cases,
    goals,
  });
  console.log(`\nresults: ${out}`);
}

/** Median CPU µs of prot_select alone, of a case that ran the C program. */
function cSelectUs(r: BenchCaseResult): number {
  return stats((r.contenders["c-prot_select"]?.samples ?? []).map((s) => (s.extra as { selectUs: number }).selectUs)).median;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
