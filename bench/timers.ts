/**
 * Timers in real time, on the system clock (1 ms ticks): K events (1; 10;
 * 100) on one stream, each rescheduling itself to now + K, until FIRINGS
 * have fired; the CPU time of the process per firing, and how late each
 * fired after its mark. The peer is what a Node user writes instead: K
 * setTimeout chains, each re-arming itself K ms ahead. Both fire about once
 * per millisecond on average, but for K > 1 not evenly: a firing a
 * millisecond late moves that event's next mark too, so events drift into
 * bunches that fire together, and the CPU per firing shares one wake-up
 * among the events of a bunch: the ratio compares two bunchings, which may
 * differ.
 *
 * What is measured is the steady state, after the compiler is done. Each
 * run is a fresh Node process (--child) that first warms up: V8 compiles a
 * function once it has run enough bytecode, and what runs once per wake-up
 * (the timer callback, the clock's firing, the stream's turn; Node's own
 * listOnTimeout for both) gets there only after a couple of thousand
 * wake-ups, which at K = 100 (about 80 wake-ups a second) would take half
 * a minute. So for FAST_FIRINGS firings each event reschedules itself 1 to
 * K ticks ahead, by turns: a wake-up about every millisecond, firing one
 * event or several; then to now + K for SETTLE_FIRINGS firings, so that
 * the bunches form; and only then are FIRINGS firings measured. The CPU of
 * the whole warm-up is kept beside, as what compiling costs once. With a
 * warm-up of 3,000 firings at now + K only, the measured window at K = 10
 * and 100 held tens of milliseconds of compiling (for ours more than for
 * the chains, as its path has more functions run once per wake-up), and
 * the ratio measured that rather than firing. Every firing takes the same
 * path through the meter, warm-up or not, and the end of the fast phase is
 * arithmetic, not a branch: a branch first taken when measuring begins
 * would deoptimize the compiled firing path it was inlined into, and the
 * measured firings would pay for its recompilation. The C layer cannot
 * take part (its marks are whole seconds of time()): the comparison with
 * it is event-dispatch's, under a virtual clock.
 *
 * Usage: tsx bench/timers.ts [--rounds N] [--warmup N] [--tiny] [--results DIR]
 */
import { Messages, ProtStream, ScriptedSource, systemClock, type WaitEvent } from "../dist/src/index.js";
import {
  fmt,
  goal,
  inFreshProcess,
  parseOptions,
  printCase,
  runAsChild,
  runBenchCase,
  statsOf,
  writeResults,
  type BenchCaseResult,
  type Contender,
  type Goal,
  type Metric,
  type Sample,
} from "./lib.js";

const opts = parseOptions();
const REAL_KS = opts.tiny ? [1] : [1, 10, 100];
const FIRINGS = opts.tiny ? 50 : 2_000;
/** Firings of the warm-up's first phase, in which each event reschedules itself 1 to K ticks ahead, by turns. */
const FAST_FIRINGS = opts.tiny ? 0 : 5_000;
/** Firings of the warm-up's second phase, rescheduling to now + K as measured. */
const SETTLE_FIRINGS = opts.tiny ? 0 : 5_000;

/**
 * Firings between two readings of the CPU time. Measuring runs from the
 * reading at the end of the warm-up to the one FIRINGS later, but every
 * reading is taken the same way, so the code that takes them is compiled
 * with the rest of the firing's path before measuring begins.
 */
const READ_EVERY = opts.tiny ? FIRINGS : 500;

type Reading = { firings: number; cpu: NodeJS.CpuUsage; t: bigint };

/**
 * Counts firings and says how far ahead each event reschedules itself:
 * `step` goes round 1 to K in the warm-up's fast phase and is K after it.
 * Measuring starts after the warm-up, and ends (returning the sample)
 * after FIRINGS more.
 */
class Meter {
  /** Ticks from now to an event's next mark. */
  step = 1;
  readonly #warm = FAST_FIRINGS + SETTLE_FIRINGS;
  readonly #late: number[] = [];
  // Milliseconds in which measured firings ran: firings in the same one were
  // most likely run by one wake-up, whose cost they share, so a ratio of CPU
  // per firing can move with how the two sides bunch, not with their cost.
  #wakeups = 0;
  #lastNow = NaN;
  readonly #readings: Reading[] = [{ firings: 0, cpu: process.cpuUsage(), t: process.hrtime.bigint() }];
  constructor(readonly k: number) {}
  /** Records a firing at `now` (whole ms), `lateMs` late; the sample once FIRINGS were measured. */
  fired(now: number, lateMs: number): Sample | undefined {
    const n = this.#late.push(lateMs);
    if (n > this.#warm && now !== this.#lastNow) this.#wakeups++;
    this.#lastNow = now;
    if (n % READ_EVERY === 0) this.#readings.push({ firings: n, cpu: process.cpuUsage(), t: process.hrtime.bigint() });
    // 1 + n mod K in the fast phase, K after it: arithmetic, so no branch is taken for the first time when it ends.
    this.step = this.k - Number(n < FAST_FIRINGS) * (this.k - 1 - (n % this.k));
    return n < this.#warm + FIRINGS ? undefined : this.#sample();
  }
  #sample(): Sample {
    const at = (firings: number): Reading => {
      const r = this.#readings.find((x) => x.firings === firings);
      if (r === undefined) throw new Error(`timers: no reading at ${firings} firings (every ${READ_EVERY})`);
      return r;
    };
    const start = at(0);
    const warm = at(this.#warm);
    const sample = realSample(warm, at(this.#warm + FIRINGS), this.#late.slice(this.#warm), this.k);
    const warmCpuMs = (warm.cpu.user - start.cpu.user + warm.cpu.system - start.cpu.system) / 1000;
    return { ...sample, extra: { ...sample.extra, warmFirings: this.#warm, warmCpuMs, firingsPerWakeup: FIRINGS / this.#wakeups } };
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
  return { ns, work: late.length, extra: { k, wallNs: Number(to.t - from.t), p50LateMs: percentile(late, 50), p99LateMs: percentile(late, 99) } };
}

/** K events on one stream on the system clock, each moving its mark to now + the meter's step, until the meter is done. */
async function oursReal(k: number): Promise<Sample> {
  const s = new ProtStream(new ScriptedSource(systemClock, []));
  const meter = new Meter(k);
  let sample: Sample | undefined;
  const proc = (st: ProtStream, ev: WaitEvent<null>): WaitEvent<null> | null => {
    const now = st.clock.now();
    sample = meter.fired(now, now - ev.mark);
    if (sample !== undefined) {
      st.close();
      return null;
    }
    ev.mark = now + meter.step;
    return ev;
  };
  const start = systemClock.now();
  for (let i = 0; i < k; i++) s.addWaitEvent(start + 1 + i, proc, null);
  const got = await s.getc();
  if (got !== null || s.error !== Messages.closed || sample === undefined) throw new Error(`ours K=${k}: read returned ${String(got)}, error ${s.error}`);
  return sample;
}

/** K setTimeout chains, each re-arming itself the meter's step ahead, until the meter is done. */
function setTimeoutReal(k: number): Promise<Sample> {
  return new Promise((resolve) => {
    const meter = new Meter(k);
    let done = false;
    const chain = (due: number): void => {
      setTimeout(() => {
        if (done) return;
        const now = Date.now();
        const sample = meter.fired(now, now - due);
        if (sample !== undefined) {
          done = true;
          resolve(sample);
        } else chain(now + meter.step);
      }, due - Date.now());
    };
    const start = Date.now();
    for (let i = 0; i < k; i++) chain(start + 1 + i);
  });
}

const realContenders = (k: number): Contender[] => [
  { name: `ours-k${k}`, run: () => oursReal(k) },
  { name: `setTimeout-k${k}`, run: () => setTimeoutReal(k) },
];

const cpuPerFiring: Metric = { label: "ns CPU/firing", of: (s) => s.ns / s.work, higherIsBetter: false };

async function main(): Promise<void> {
  if (opts.child !== undefined) return runAsChild(opts.child, REAL_KS.flatMap(realContenders));
  console.log(
    `timers: ${FIRINGS} firings on the system clock (after a warm-up of ${FAST_FIRINGS} firings 1 to K ms apart and ${SETTLE_FIRINGS} K ms apart, not counted), about one per ms on average, in bunches when K > 1; CPU of the process per firing; ` +
      `${opts.rounds} rounds (+${opts.warmup} warm-up), each run a fresh process${opts.tiny ? ", TINY" : ""}`,
  );
  const cases: BenchCaseResult[] = [];
  const goals: Goal[] = [];
  for (const k of REAL_KS) {
    const contenders = realContenders(k).map((c) => {
      const fresh = inFreshProcess(c);
      return { name: c.name.replace(/-k\d+$/, ""), run: () => fresh.run() };
    });
    const r = await runBenchCase({ name: `K=${k}`, ours: "ours", contenders, metric: cpuPerFiring, sameCheck: false }, opts);
    printCase(r);
    const median = (name: string, q: "p50LateMs" | "p99LateMs" | "warmCpuMs" | "firingsPerWakeup"): number => {
      const c = r.contenders[name];
      return c === undefined
        ? NaN
        : percentile(
            c.samples.map((x) => Number(x.extra?.[q])),
            50,
          );
    };
    console.log(
      `  lateness, median over runs: ours p50 ${median("ours", "p50LateMs")} ms, p99 ${median("ours", "p99LateMs")} ms; ` +
        `setTimeout p50 ${median("setTimeout", "p50LateMs")} ms, p99 ${median("setTimeout", "p99LateMs")} ms`,
    );
    console.log(`  firings per wake-up (per millisecond that had any), median over runs: ours ${fmt(median("ours", "firingsPerWakeup"))}, setTimeout ${fmt(median("setTimeout", "firingsPerWakeup"))}`);
    console.log(`  CPU of the warm-up (compiling included), median over runs: ours ${fmt(median("ours", "warmCpuMs"))} ms, setTimeout ${fmt(median("setTimeout", "warmCpuMs"))} ms`);
    cases.push(r);
    goals.push(goal(`K=${k}: ours ÷ setTimeout chains (CPU per firing)`, statsOf(r, "ours").median / statsOf(r, "setTimeout").median, 1.2, false));
  }
  const out = writeResults("timers", opts, { firings: FIRINGS, fastFirings: FAST_FIRINGS, settleFirings: SETTLE_FIRINGS, cases, goals });
  console.log(`\nresults: ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
