/**
 * Timers in real time, on the system clock (1 ms ticks): K events (1; 10;
 * 100) on one stream, event i due at the ticks i + 1, i + 1 + K, i + 1 +
 * 2K, ... from the start, so that one event is due every millisecond
 * whatever K; the CPU time of the process per firing, and how late each
 * fired after its mark. The peers: what a Node user writes instead, K
 * setTimeout chains on the same schedule, and the C layer (below). Every
 * firing does the same work on every side: one wake-up of the process, one
 * callback, one re-arming among K - 1 other pending timers; K measures
 * what the number of pending timers costs each side.
 *
 * The schedule is fixed, not "now + K": re-arming from now, a firing a
 * millisecond late moved that event's later marks too, events that met in
 * one millisecond stayed together for good, and how many fired per wake-up
 * (5 to 30 at K = 100) depended on the machine's load in the run so far:
 * as the CPU per firing is mostly the wake-up's, it moved with that, 33 to
 * 106 µs at K = 100 over five runs at a load of 0.1 to 1 (on the fixed
 * schedule, 32 to 43 over seven runs at a load of 4 to 5), and the ratio
 * compared two bunchings. An event that is late by a whole period is
 * re-armed for the next tick rather than in the past (where setTimeout
 * would wait a tick and ours and C would fire at once), the same rule on
 * every side, so that lateness bunches firings only while it lasts.
 *
 * What is measured is the steady state, after the compiler is done: each
 * run is a fresh Node process (--child) that first fires WARM_FIRINGS
 * times unmeasured (a wake-up each, which is what makes V8 compile the
 * path that runs once per wake-up: the timer callback, the clock's firing,
 * the stream's turn, Node's own listOnTimeout for both), its CPU kept
 * beside as what compiling costs once. Every firing takes the same path
 * through the meter, warm-up or not: a branch first taken when measuring
 * begins would deoptimize the firing path it was inlined into, and the
 * measured firings would pay for its recompilation. Each process runs
 * with V8's memory reducer off (--no-memory-reducer): eight seconds after
 * start-up, when the heap grows slowly, it runs up to three full
 * collections (10 to 30 ms of CPU each) to shrink the heap, which fell
 * into the measured window of some runs and not others, and billed a
 * one-off collection to the firings of whichever side it hit.
 *
 * The C peer is Debian's libcyrus on the same schedule (bench/c/timers.c):
 * its prot_fill() waiting in select(2) on an empty pipe, K events on the
 * stream. Its marks are whole seconds of time(); the program gives the
 * library a time() of whole milliseconds and a select() that waits a
 * millisecond for each of its seconds, on the system's clock, so the
 * library waits and fires as it does in a server, one tick a millisecond:
 * the same work as ours, a wake-up, a firing and a re-arming each. Its
 * warm-up is a tenth of ours (it compiles nothing); it reports its own CPU
 * time over the measured firings.
 *
 * Usage: tsx bench/timers.ts [--rounds N] [--warmup N] [--tiny] [--results DIR]
 *
 * What the lateness of many idle timeouts is made of (not part of a run):
 * tsx bench/timers.ts --child spread-ours (or spread-setTimeout) re-arms
 * SPREAD_TIMERS timers in one burst, each for a whole millisecond spread
 * across SPREAD_MS as bench/idle-connections.ts does, but without sockets,
 * on the system clock (or as Node timers), and prints how late each fired
 * after its mark (p50, p99, mean, in ms) beside the part of a millisecond
 * that had gone when it was re-armed: what a rule counting whole ticks
 * from the instant of scheduling adds to its due time, 0 to 1 ms.
 *
 * Instructions per firing of one contender (ours-kK, setTimeout-kK; see
 * instructionCount):
 * CALLGRIND_WINDOW=1 valgrind --tool=callgrind --instr-atstart=no \
 *   --separate-threads=yes node --no-memory-reducer --import tsx \
 *   bench/timers.ts --child ours-k1
 * then the total of thread 1 (`callgrind_annotate callgrind.out.PID-01`),
 * divided by the measured firings (10,000 in that mode, against one-off
 * work such as a function compiled late), is the firing path's own: the
 * other threads are V8's compiler and its concurrent collector. Only
 * user-space instructions count; the kernel's part of a wake-up does not.
 * For K = 1 only: under callgrind a firing takes a millisecond or so, and
 * at K = 10 and 100 the firings fall behind and bunch, several to a
 * wake-up, as they do not in a real run. (A slower schedule does not mend
 * it: setTimeout's delays then vary, and Node makes and drops a timer list
 * at every firing, which on the 1 ms schedule it does not.)
 */

import path from "node:path";
import { Messages, ProtStream, ScriptedSource, systemClock, type WaitEvent } from "../dist/src/index.js";
import {
  callgrindWindow,
  buildC,
  fmt,
  goal,
  inFreshProcess,
  parseOptions,
  printCase,
  runAsChild,
  runBenchCase,
  runChild,
  stats,
  statsOf,
  writeResults,
  type BenchCaseResult,
  type Contender,
  type Goal,
  type Metric,
  type Sample,
  type Stats,
} from "./lib.js";

// Every run is a fresh process with a warm-up of its own: a round of the harness's to warm up would add only time.
const opts = parseOptions(process.argv.slice(2), { rounds: 6, warmup: 0 });
const CALLGRIND_WINDOW = process.env.CALLGRIND_WINDOW === "1";
const REAL_KS = opts.tiny ? [1] : [1, 10, 100];
const FIRINGS = opts.tiny ? 50 : CALLGRIND_WINDOW ? 10_000 : 3_000;
/**
 * Firings before measuring begins, a wake-up each: V8 goes on compiling
 * what runs once per wake-up for 4,000 or so (the CPU per 1,000 firings
 * fell until then, by half for ours at K = 100, a third for the chains).
 */
const WARM_FIRINGS = opts.tiny ? 0 : 5_000;
/** V8's flags for every run (see the file's comment). */
const NODE_FLAGS = ["--no-memory-reducer"];

/**
 * Firings between two readings of the CPU time. Measuring runs from the
 * reading at the end of the warm-up to the one FIRINGS later, but every
 * reading is taken the same way, so the code that takes them is compiled
 * with the rest of the firing's path before measuring begins.
 */
const READ_EVERY = opts.tiny ? FIRINGS : 500;

type Reading = { firings: number; cpu: NodeJS.CpuUsage; t: bigint; sleeps: number };

const reading = (firings: number): Reading => {
  instructionCount(firings);
  return { firings, cpu: process.cpuUsage(), t: process.hrtime.bigint(), sleeps: process.resourceUsage().voluntaryContextSwitches };
};

/**
 * With CALLGRIND_WINDOW=1, under `valgrind --tool=callgrind
 * --instr-atstart=no`, turns callgrind's counting on at the reading that
 * ends the warm-up and off at the one that ends measuring, so that its
 * instruction count, which does not depend on the machine's load, is that
 * of the measured firings alone.
 */
function instructionCount(firings: number): void {
  if (firings === WARM_FIRINGS || firings === WARM_FIRINGS + FIRINGS) callgrindWindow(firings === WARM_FIRINGS);
}

/** The schedule of one event: its next mark as planned, whatever lateness did to the one it is armed for. */
type Plan = { due: number };

/** The mark to arm an event for after a firing at `now`: its next planned one, or the next tick if lateness put that in the past. */
function nextMark(plan: Plan, k: number, now: number): number {
  plan.due += k;
  return Math.max(plan.due, now + 1);
}

/**
 * Counts firings. Measuring starts after the warm-up, and ends (returning
 * the sample) after FIRINGS more.
 */
class Meter {
  readonly #late: number[] = [];
  // Milliseconds in which measured firings ran: firings in the same one were
  // most likely run by one wake-up, whose cost they share.
  #wakeups = 0;
  #lastNow = NaN;
  readonly #readings: Reading[] = [reading(0)];
  constructor(readonly k: number) {}
  /** Records a firing at `now` (whole ms), `lateMs` late; the sample once FIRINGS were measured. */
  fired(now: number, lateMs: number): Sample | undefined {
    const n = this.#late.push(lateMs);
    // Arithmetic, not a branch first taken when measuring begins.
    this.#wakeups += Number(n > WARM_FIRINGS) * Number(now !== this.#lastNow);
    this.#lastNow = now;
    if (n % READ_EVERY === 0) this.#readings.push(reading(n));
    return n < WARM_FIRINGS + FIRINGS ? undefined : this.#sample();
  }
  #sample(): Sample {
    const at = (firings: number): Reading => {
      const r = this.#readings.find((x) => x.firings === firings);
      if (r === undefined) throw new Error(`timers: no reading at ${firings} firings (every ${READ_EVERY})`);
      return r;
    };
    const start = at(0);
    const warm = at(WARM_FIRINGS);
    const sample = realSample(warm, at(WARM_FIRINGS + FIRINGS), this.#late.slice(WARM_FIRINGS), this.k);
    const warmCpuMs = (warm.cpu.user - start.cpu.user + warm.cpu.system - start.cpu.system) / 1000;
    return { ...sample, extra: { ...sample.extra, warmFirings: WARM_FIRINGS, warmCpuMs, firingsPerWakeup: FIRINGS / this.#wakeups } };
  }
}

/** The nearest-rank percentile `p` (0-100) of `values`. */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** A real-time sample: CPU of this process between two readings, with the lateness of each firing in ms. */
function realSample(from: Reading, to: Reading, late: number[], k: number): Sample {
  const ns = (to.cpu.user - from.cpu.user + to.cpu.system - from.cpu.system) * 1000;
  // Sleeps: the times the process waited for its next timer (voluntary context switches), each ended by a wake-up.
  const extra = { k, wallNs: Number(to.t - from.t), sleeps: to.sleeps - from.sleeps, p50LateMs: percentile(late, 50), p99LateMs: percentile(late, 99) };
  return { ns, work: late.length, extra };
}

/** K events on one stream on the system clock, on the fixed schedule, until the meter is done. */
async function oursReal(k: number): Promise<Sample> {
  const s = new ProtStream(new ScriptedSource(systemClock, []));
  const meter = new Meter(k);
  let sample: Sample | undefined;
  const proc = (st: ProtStream, ev: WaitEvent<Plan>, plan: Plan): WaitEvent<Plan> | null => {
    const now = st.clock.now();
    sample = meter.fired(now, now - ev.mark);
    if (sample !== undefined) {
      st.close();
      return null;
    }
    ev.mark = nextMark(plan, k, now);
    return ev;
  };
  const start = systemClock.now();
  for (let i = 0; i < k; i++) s.addWaitEvent(start + 1 + i, proc, { due: start + 1 + i });
  const got = await s.getc();
  if (got !== null || s.error !== Messages.closed || sample === undefined) throw new Error(`ours K=${k}: read returned ${String(got)}, error ${s.error}`);
  return sample;
}

/** K setTimeout chains on the fixed schedule, until the meter is done. */
function setTimeoutReal(k: number): Promise<Sample> {
  return new Promise((resolve) => {
    const meter = new Meter(k);
    let done = false;
    const chain = (plan: Plan, mark: number): void => {
      setTimeout(() => {
        if (done) return;
        const now = Date.now();
        const sample = meter.fired(now, now - mark);
        if (sample !== undefined) {
          done = true;
          resolve(sample);
        } else chain(plan, nextMark(plan, k, now));
      }, mark - Date.now());
    };
    const start = Date.now();
    for (let i = 0; i < k; i++) chain({ due: start + 1 + i }, start + 1 + i);
  });
}

/**
 * The C prot layer on the same schedule and a 1 ms clock (bench/c/timers.c).
 * It has nothing to compile, so its warm-up is short: a tenth of ours, to
 * settle its pages and caches.
 */
async function cProt(bin: string, k: number): Promise<Sample> {
  const warm = Math.floor(WARM_FIRINGS / 10);
  const { stdout } = await runChild(bin, [String(k), String(warm), String(FIRINGS)]);
  const r = JSON.parse(stdout) as { firings: number; cpuNs: number; wallNs: number; sleeps: number; p50LateMs: number; p99LateMs: number; firingsPerWakeup: number; warmCpuMs: number; error: string };
  if (r.firings !== FIRINGS || r.error !== Messages.eof) throw new Error(`c-prot K=${k}: ${stdout.trim()}`);
  const { wallNs, sleeps, p50LateMs, p99LateMs, firingsPerWakeup, warmCpuMs } = r;
  return { ns: r.cpuNs, work: r.firings, extra: { k, wallNs, sleeps, p50LateMs, p99LateMs, warmFirings: warm, warmCpuMs, firingsPerWakeup } };
}

/** See the file's comment: how many timers, over how many milliseconds, due how long after the burst. */
const SPREAD_TIMERS = 19_000;
const SPREAD_MS = 2_000;
const SPREAD_AFTER_MS = 500;

/** The system clock's scale, in fractional milliseconds. */
const nowMs = (): number => performance.timeOrigin + performance.now();

/** Timer i re-armed in one burst for the whole millisecond from + i % SPREAD_MS; how late each fired, and the part of a millisecond gone when it was re-armed. */
function spreadLateness(kind: "ours" | "setTimeout"): Promise<Sample> {
  return new Promise((resolve) => {
    const late = new Float64Array(SPREAD_TIMERS);
    const part = new Float64Array(SPREAD_TIMERS);
    const marks = new Float64Array(SPREAD_TIMERS);
    let fired = 0;
    const done = (): void => {
      const l = Array.from(late);
      const p = Array.from(part);
      const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;
      const beyond = l.map((x, i) => x - (p[i] as number));
      const extra = { kind, timers: SPREAD_TIMERS, spreadMs: SPREAD_MS };
      const of = (x: number[]): Record<string, number> => ({ p50: percentile(x, 50), p99: percentile(x, 99), mean: mean(x) });
      resolve({ ns: 0, work: SPREAD_TIMERS, extra: { ...extra, lateMs: of(l), partGoneMs: of(p), lateBeyondPartMs: of(beyond) } });
    };
    const fire = (i: number): void => {
      late[i] = nowMs() - (marks[i] as number);
      if (++fired === SPREAD_TIMERS) done();
    };
    // Armed far away first, as idle timeouts are, then re-armed in one burst.
    const timers = Array.from({ length: SPREAD_TIMERS }, (_, i) => (kind === "ours" ? systemClock.schedule(systemClock.now() + 30_000, () => fire(i)) : null));
    const from = Math.floor(nowMs()) + SPREAD_AFTER_MS;
    for (let i = 0; i < SPREAD_TIMERS; i++) {
      const mark = from + (i % SPREAD_MS);
      marks[i] = mark;
      const r = nowMs();
      part[i] = r - Math.floor(r);
      const t = timers[i];
      if (t !== null && t !== undefined) t.reschedule?.(mark);
      else setTimeout(() => fire(i), Math.max(0, mark - nowMs()));
    }
  });
}

const spreadContenders: Contender[] = [
  { name: "spread-ours", run: () => spreadLateness("ours") },
  { name: "spread-setTimeout", run: () => spreadLateness("setTimeout") },
];

const realContenders = (k: number): Contender[] => [
  { name: `ours-k${k}`, run: () => oursReal(k) },
  { name: `setTimeout-k${k}`, run: () => setTimeoutReal(k) },
];

const cpuPerFiring: Metric = { label: "ns CPU/firing", of: (s) => s.ns / s.work, higherIsBetter: false };

async function main(): Promise<void> {
  if (opts.child !== undefined) return runAsChild(opts.child, [...REAL_KS.flatMap(realContenders), ...spreadContenders]);
  const cBin = path.join(await buildC(), "timers");
  console.log(
    `timers: ${FIRINGS} firings on the system clock, one due every ms, after ${WARM_FIRINGS} not counted; CPU of the process per firing; ` +
      `${opts.rounds} rounds (+${opts.warmup} warm-up), each run a fresh process (node ${NODE_FLAGS.join(" ")})${opts.tiny ? ", TINY" : ""}`,
  );
  const cases: BenchCaseResult[] = [];
  const goals: Goal[] = [];
  const paired: Record<string, Record<string, Stats>> = {};
  for (const k of REAL_KS) {
    const contenders: Contender[] = [
      ...realContenders(k).map((c) => {
        const fresh = inFreshProcess(c, NODE_FLAGS);
        return { name: c.name.replace(/-k\d+$/, ""), run: () => fresh.run() };
      }),
      { name: "c-prot", run: () => cProt(cBin, k) },
    ];
    const r = await runBenchCase({ name: `K=${k}`, ours: "ours", contenders, metric: cpuPerFiring, sameCheck: false }, opts);
    printCase(r);
    const median = (name: string, q: "p50LateMs" | "p99LateMs" | "warmCpuMs" | "firingsPerWakeup" | "sleeps"): number => {
      const c = r.contenders[name];
      return c === undefined
        ? NaN
        : percentile(
            c.samples.map((x) => Number(x.extra?.[q])),
            50,
          );
    };
    const each = (q: Parameters<typeof median>[1], scale = 1): string =>
      Object.keys(r.contenders)
        .map((name) => `${name} ${fmt(median(name, q) * scale)}`)
        .join(", ");
    console.log(
      `  lateness p50 / p99 in ms, median over runs: ${Object.keys(r.contenders)
        .map((name) => `${name} ${median(name, "p50LateMs")} / ${median(name, "p99LateMs")}`)
        .join(", ")}`,
    );
    console.log(`  firings per wake-up (per millisecond that had any), median over runs: ${each("firingsPerWakeup")}`);
    console.log(`  sleeps of the process per firing, median over runs: ${each("sleeps", 1 / FIRINGS)}`);
    console.log(`  CPU of the warm-up in ms (compiling included; C's is a tenth as long), median over runs: ${each("warmCpuMs")}`);
    // Ours over each peer in every round, the two runs taken one after the other: a busy machine moves the CPU a wake-up costs by
    // a third from one run to the next, and a pair shares more of the load it ran under than the medians of all runs do.
    const perRound = (peer: string): Stats => {
      const mine = r.contenders.ours?.samples ?? [];
      const theirs = r.contenders[peer]?.samples ?? [];
      return stats(mine.map((x, i) => cpuPerFiring.of(x) / cpuPerFiring.of(theirs[i] as Sample)));
    };
    const rounds = { setTimeout: perRound("setTimeout"), "c-prot": perRound("c-prot") };
    for (const [peer, x] of Object.entries(rounds)) console.log(`  ours ÷ ${peer}, round by round: median ${fmt(x.median)}, ${fmt(x.min)}-${fmt(x.max)}, IQR ${fmt(x.q1)}-${fmt(x.q3)}`);
    paired[r.name] = rounds;
    cases.push(r);
    const m = (name: string): number => statsOf(r, name).median;
    goals.push(
      goal(`K=${k}: ours ÷ setTimeout chains (CPU per firing)`, m("ours") / m("setTimeout"), 1.2, false),
      goal(`K=${k}: ours ÷ C (CPU per firing, system clock)`, m("ours") / m("c-prot"), 1, false, { peer: "setTimeout chains", value: m("setTimeout") / m("c-prot") }),
    );
  }
  const out = writeResults("timers", opts, { firings: FIRINGS, warmFirings: WARM_FIRINGS, nodeFlags: NODE_FLAGS, cases, paired, goals });
  console.log(`\nresults: ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
