/**
 * Wait-event dispatch: one stream holding K events, under a virtual clock.
 *
 * Event i is first due at start+1+i; each callback counts a firing and moves
 * its own mark to now + K, so exactly one event fires per tick whatever K
 * is, and the cost per firing shows what finding the due event costs as the
 * list grows. The input is empty and ends after TICKS ticks of virtual time;
 * a read timeout far in the future is set, as in the C program, so both
 * layers run their timed wait loop.
 *
 *   ours    ProtStream over a ScriptedSource that ends at start+TICKS, read
 *           with getc() under VirtualClock.runUntil (one macrotask per tick
 *           is part of what is measured: that is how virtual time advances)
 *   c-prot  bench/c/dispatch: Debian libcyrus prot_fill with interposed
 *           time()/select() (virtual clock), K events from prot_addwaitevent
 *
 * Only the read is timed in both (adding the K events is not). The C list
 * scan costs O(K) per tick, so at large K the C run is given fewer ticks
 * (at most 2e9/K) to keep each round to a couple of seconds; ns/firing is
 * per firing either way.
 *
 * The goals compare wall time; the CPU time of each process over the same
 * read is kept beside it, as a busy machine stretches the wall time of
 * whichever side it takes the core from. After each run of ours, the same
 * process times the floor of its virtual clock: a chain of one setImmediate
 * per tick, doing nothing else. Node goes once round its event loop per
 * immediate, an epoll_wait with no timeout included (the C program makes
 * two system calls a tick as well: the library blocks and unblocks signals
 * around its select()), and what ours costs above that floor is what the
 * stream, its events and the clock add.
 *
 * A virtual clock leaves out what a real one costs: reading the time and
 * sleeping until the next mark, a wake-up of the process per firing. The
 * same firings on the system clock, ours against the C layer given a clock
 * of milliseconds, are bench/timers.ts's.
 *
 * Usage: tsx bench/event-dispatch.ts [--rounds N] [--warmup N] [--tiny] [--results DIR]
 *
 * Instructions of ours per firing, warm (see callgrindWindow in bench/lib.ts): `--child
 * ours:K=1` runs ours twice unmeasured, so that V8 has compiled the firing
 * path, then again with callgrind counting only the read; divide the
 * count by the firings the sample reports:
 * CALLGRIND_WINDOW=1 valgrind --tool=callgrind --instr-atstart=no \
 *   --separate-threads=yes node --import tsx bench/event-dispatch.ts \
 *   --tiny --child ours:K=1
 * Thread 1 is the firing itself; the others are V8's compiler and
 * concurrent collector, which the window catches as they happen to run.
 * CALLGRIND_WINDOW=floor counts the floor's immediates of the same run
 * instead.
 *
 * DISPATCH_START (default 1000) is the virtual time the run starts at.
 * Marks on the system clock are milliseconds since 1970, above 2^31, not
 * the small integers V8 keeps unboxed: DISPATCH_START=1800000000000 puts
 * the marks of ours on that scale (the C program's stay in seconds).
 *
 * What setting a mark allocates on that scale: `--child marks` sets one
 * event's mark MARK_SETS times, after as many unmeasured, and counts V8's
 * young collections meanwhile (none when a set allocates nothing).
 * The C peer's count: the same valgrind line around
 * `bench/c/build/dispatch 1 2000` (its whole run; adding one event and
 * starting up are a few thousand instructions).
 */

import path from "node:path";
import { PerformanceObserver, constants, type PerformanceEntry } from "node:perf_hooks";
import { Messages, ProtStream, ScriptedSource, VirtualClock, type WaitEvent } from "../dist/src/index.js";
import {
  callgrindWindow,
  buildC,
  fmt,
  goal,
  parseOptions,
  printCase,
  runAsChild,
  runBenchCase,
  runChild,
  stats,
  statsOf,
  timeIt,
  timePer,
  writeResults,
  type BenchCaseResult,
  type Contender,
  type Goal,
  type Sample,
} from "./lib.js";

const opts = parseOptions();
const KS = opts.tiny ? [1, 100] : [1, 100, 10_000, 100_000];
const TICKS = opts.tiny ? 2_000 : 200_000;
const C_WORK_LIMIT = 2e9; // K * ticks for the C program
const START = Number(process.env.DISPATCH_START ?? 1000);
if (!Number.isSafeInteger(START)) throw new Error(`DISPATCH_START must be a whole number, got ${process.env.DISPATCH_START}`);
async function ours(k: number, ticks: number, counted = false): Promise<Sample> {
  const clock = new VirtualClock(START);
  const source = new ScriptedSource(clock, [], { at: START + ticks });
  const s = new ProtStream(source, { clock, timeout: 1_000_000_000 });
  let firings = 0;
  const proc = (st: ProtStream, ev: WaitEvent<null>): WaitEvent<null> => {
    firings++;
    ev.mark = st.clock.now() + k;
    return ev;
  };
  for (let i = 0; i < k; i++) s.addWaitEvent(START + 1 + i, proc, null);
  const cpu = process.cpuUsage();
  if (counted) callgrindWindow(true);
  const { ns, value } = await timeIt(() => clock.runUntil(s.getc(), { maxSteps: 4 * ticks + 100 }));
  if (counted) callgrindWindow(false);
  const cpuNs = cpuNsSince(cpu);
  if (value !== null || s.error !== Messages.eof) throw new Error(`ours K=${k}: read returned ${String(value)}, error ${s.error}`);
  if (clock.now() !== START + ticks) throw new Error(`ours K=${k}: ended at ${clock.now()}, not ${START + ticks}`);
  s.close();
  const floorCpu = process.cpuUsage();
  if (counted) callgrindWindow(true, "floor");
  const floor = await timeIt(() => immediates(ticks));
  if (counted) callgrindWindow(false, "floor");
  return { ns, work: firings, extra: { k, ticks, cpuNs, floorNs: floor.ns, floorCpuNs: cpuNsSince(floorCpu) } };
}

/** Nanoseconds of CPU time (user and system, every thread) of this process since `start`. */
function cpuNsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) * 1000;
}

/** The floor of a virtual clock that goes one macrotask per tick: `n` immediates, one after another, doing nothing. */
function immediates(n: number): Promise<void> {
  return new Promise((resolve) => {
    let left = n;
    const go = (): void => {
      if (--left > 0) setImmediate(go);
      else resolve();
    };
    setImmediate(go);
  });
}

const MARK_SETS = 10_000_000;

/** See `--child marks` in the header. */
async function markSets(): Promise<Sample> {
  const clock = new VirtualClock(0);
  const s = new ProtStream(new ScriptedSource(clock, []), { clock });
  const base = 1_800_000_000_000;
  const keep = (_s: ProtStream, e: WaitEvent<null>): WaitEvent<null> => e;
  const ev = s.addWaitEvent(base, keep, null);
  s.addWaitEvent(base + 5, keep, null);
  const set = (n: number): void => {
    for (let i = 0; i < n; i++) ev.mark = base + (i & 1023);
  };
  set(MARK_SETS);
  let young = 0;
  const count = (entries: readonly PerformanceEntry[]): void => {
    // A gc entry's detail, which the types of Node 20 leave out.
    for (const e of entries) if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) young++;
  };
  const observer = new PerformanceObserver((list) => count(list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  const { ns } = await timeIt(() => set(MARK_SETS));
  // Node tells of a collection in an immediate after it; what the observer has not been handed yet, it takes.
  await new Promise((resolve) => setImmediate(resolve));
  count(observer.takeRecords());
  observer.disconnect();
  s.close();
  return { ns, work: MARK_SETS, extra: { youngCollections: young } };
}

async function cProt(bin: string, k: number, ticks: number): Promise<Sample> {
  const { ns: wallNs, stdout } = await runChild(bin, [String(k), String(ticks)]);
  const r = JSON.parse(stdout) as { k: number; ticks: number; firings: number; ns: number; cpuNs: number; selects: number; error: string };
  if (r.ticks !== ticks || r.error !== Messages.eof) throw new Error(`c-prot K=${k}: ${stdout.trim()}`);
  return { ns: r.ns, work: r.firings, extra: { k, ticks, cpuNs: r.cpuNs, selects: r.selects, wallNs } };
}

async function main(): Promise<void> {
  if (opts.child !== undefined) {
    // Twice for the compiler (a clock of its own each, as in the rounds of a full run: V8 recompiles
    // for the second what it had compiled for the first alone), then the run the sample and a callgrind window are of.
    const contenders = KS.map((k) => ({
      name: `ours:K=${k}`,
      run: () =>
        ours(k, TICKS)
          .then(() => ours(k, TICKS))
          .then(() => ours(k, TICKS, true)),
    }));
    await runAsChild(opts.child, [...contenders, { name: "marks", run: markSets }]);
  }
  const cdir = await buildC();
  const bin = path.join(cdir, "dispatch");
  console.log(
    `event-dispatch: one event fires per virtual tick; ours ${TICKS} ticks, C min(${TICKS}, ${C_WORK_LIMIT}/K); ` + `${opts.rounds} rounds (+${opts.warmup} warm-up)${opts.tiny ? ", TINY" : ""}`,
  );
  const cases: BenchCaseResult[] = [];
  for (const k of KS) {
    const cTicks = Math.max(1_000, Math.min(TICKS, Math.floor(C_WORK_LIMIT / k)));
    const contenders: Contender[] = [
      { name: "ours", run: () => ours(k, TICKS) },
      { name: "c-prot", run: () => cProt(bin, k, cTicks) },
    ];
    const r = await runBenchCase({ name: `K=${k}`, ours: "ours", contenders, metric: timePer("firing"), scale: { name: "K", value: k }, sameCheck: false }, opts);
    // Both layers fire once per tick but not at the tick the input ends.
    for (const [name, c] of Object.entries(r.contenders)) {
      for (const s of c.samples) {
        const t = (s.extra as { ticks: number }).ticks;
        if (s.work !== t - 1) throw new Error(`${name} K=${k}: ${s.work} firings in ${t} ticks, expected ${t - 1}`);
      }
    }
    printCase(r);
    cases.push(r);
  }
  const first = cases[0] as BenchCaseResult;
  const last = cases[cases.length - 1] as BenchCaseResult;
  const med = (r: BenchCaseResult, n: string): number => statsOf(r, n).median;
  console.log(`\nns per firing by K (medians):`);
  console.log(`  ${"K".padStart(7)}  ${"ours".padStart(10)}  ${"c-prot".padStart(10)}`);
  for (const r of cases) console.log(`  ${r.name.slice(2).padStart(7)}  ${fmt(med(r, "ours")).padStart(10)}  ${fmt(med(r, "c-prot")).padStart(10)}`);
  // The median over a contender's samples of one of their extra figures, per firing (per tick for the floor, which fires nothing).
  const per = (r: BenchCaseResult, n: string, key: "cpuNs" | "floorNs" | "floorCpuNs"): number => {
    const each = (r.contenders[n]?.samples ?? []).map((s) => {
      const x = s.extra as Record<string, number>;
      return (x[key] as number) / (key === "cpuNs" ? s.work : (x.ticks as number));
    });
    return stats(each).median;
  };
  const cpuPerFiring = cases.map((r) => ({
    case: r.name,
    ours: per(r, "ours", "cpuNs"),
    c: per(r, "c-prot", "cpuNs"),
    floorWall: per(r, "ours", "floorNs"),
    floorCpu: per(r, "ours", "floorCpuNs"),
  }));
  console.log(`\nCPU ns per firing by K (medians), and the floor: one setImmediate per tick, doing nothing:`);
  console.log(`  ${"K".padStart(7)}  ${"ours".padStart(10)}  ${"c-prot".padStart(10)}  ${"ours÷C".padStart(8)}  ${"floor cpu".padStart(10)}  ${"floor wall".padStart(10)}`);
  for (const c of cpuPerFiring) {
    console.log(
      `  ${c.case.slice(2).padStart(7)}  ${fmt(c.ours).padStart(10)}  ${fmt(c.c).padStart(10)}  ${fmt(c.ours / c.c).padStart(8)}  ${fmt(c.floorCpu).padStart(10)}  ${fmt(c.floorWall).padStart(10)}`,
    );
  }
  const growthOurs = med(last, "ours") / med(first, "ours");
  const growthC = med(last, "c-prot") / med(first, "c-prot");
  console.log(`\ngrowth ${last.name} vs ${first.name} (ns/firing ratio): ours ${fmt(growthOurs)}x, c-prot ${fmt(growthC)}x`);
  const goals: Goal[] = [goal(`ours growth ${last.name} vs ${first.name}`, growthOurs, 3, false)];
  // At a realistic number of events per connection, no dearer per firing than the C layer.
  for (const r of cases) {
    if (r.scale !== undefined && r.scale.value <= 100) {
      const floor = { peer: "one setImmediate per tick", value: per(r, "ours", "floorNs") / med(r, "c-prot") };
      goals.push(goal(`${r.name}: ours ÷ C (ns per firing, virtual clock)`, med(r, "ours") / med(r, "c-prot"), 1, false, floor));
    }
  }

  const out = writeResults("event-dispatch", opts, { ticks: TICKS, cWorkLimit: C_WORK_LIMIT, cases, growth: { ours: growthOurs, c: growthC }, cpuPerFiring, goals });
  console.log(`\nresults: ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
