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
 * Then in real time, on the system clock (1 ms ticks): K events (1; 10;
 * 100), each rescheduling itself to now + K, so that about one fires per
 * millisecond, until FIRINGS have fired; the CPU time of the process per
 * firing and how late each fired after its mark. The peer is what a Node
 * user writes instead: K setTimeout chains, each re-arming itself with
 * setTimeout(tick, K). Each run is a fresh Node process (--child). The C
 * layer cannot take part (its marks are whole seconds of time()): the
 * comparison with it is the virtual clock's, above.
 *
 * Usage: tsx bench/event-dispatch.ts [--rounds N] [--warmup N] [--tiny] [--results DIR]
 */
import path from "node:path";
import { Messages, ProtStream, ScriptedSource, systemClock, VirtualClock, type WaitEvent } from "../dist/src/index.js";
import {
  buildC, fmt, goal, inFreshProcess, parseOptions, printCase, runAsChild, runCase, runChild, statsOf, timeIt, timePer, writeResults,
  type CaseResult, type Contender, type Goal, type Sample,
} from "./lib.js";

const opts = parseOptions();
const KS = opts.tiny ? [1, 100] : [1, 100, 10_000, 100_000];
const TICKS = opts.tiny ? 2_000 : 200_000;
const C_WORK_LIMIT = 2e9; // K * ticks for the C program
const START = 1000;
const REAL_KS = opts.tiny ? [1] : [1, 10, 100];
const FIRINGS = opts.tiny ? 50 : 2_000;

/** The nearest-rank percentile `p` (0-100) of `values`. */
function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** A real-time sample: CPU of this process from `cpu0`, with the lateness of each firing in ms. */
function realSample(cpu0: NodeJS.CpuUsage, t0: bigint, late: number[], k: number): Sample {
  const cpu = process.cpuUsage(cpu0);
  const wallNs = Number(process.hrtime.bigint() - t0);
  return { ns: (cpu.user + cpu.system) * 1000, work: late.length, extra: { k, wallNs, p50LateMs: percentile(late, 50), p99LateMs: percentile(late, 99) } };
}

/** K events on one stream on the system clock, each moving its mark to now + K, until FIRINGS fired. */
async function oursReal(k: number): Promise<Sample> {
  const s = new ProtStream(new ScriptedSource(systemClock, []));
  const late: number[] = [];
  const proc = (st: ProtStream, ev: WaitEvent<null>): WaitEvent<null> | null => {
    const now = st.clock.now();
    late.push(now - ev.mark);
    if (late.length >= FIRINGS) {
      st.close();
      return null;
    }
    ev.mark = now + k;
    return ev;
  };
  const start = systemClock.now();
  for (let i = 0; i < k; i++) s.addWaitEvent(start + 1 + i, proc, null);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const got = await s.getc();
  if (got !== null || s.error !== Messages.closed) throw new Error(`ours K=${k}: read returned ${String(got)}, error ${s.error}`);
  return realSample(cpu0, t0, late, k);
}

/** K setTimeout chains, each re-arming itself K ms ahead, until FIRINGS fired. */
function setTimeoutReal(k: number): Promise<Sample> {
  return new Promise((resolve) => {
    const late: number[] = [];
    let done = false;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const chain = (due: number): void => {
      setTimeout(() => {
        if (done) return;
        const now = Date.now();
        late.push(now - due);
        if (late.length >= FIRINGS) {
          done = true;
          resolve(realSample(cpu0, t0, late, k));
        } else chain(now + k);
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

async function ours(k: number, ticks: number): Promise<Sample> {
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
  const { ns, value } = await timeIt(() => clock.runUntil(s.getc(), { maxSteps: 4 * ticks + 100 }));
  if (value !== null || s.error !== Messages.eof) throw new Error(`ours K=${k}: read returned ${String(value)}, error ${s.error}`);
  if (clock.now() !== START + ticks) throw new Error(`ours K=${k}: ended at ${clock.now()}, not ${START + ticks}`);
  s.close();
  return { ns, work: firings, extra: { k, ticks } };
}

async function cProt(bin: string, k: number, ticks: number): Promise<Sample> {
  const { ns: wallNs, stdout } = await runChild(bin, [String(k), String(ticks)]);
  const r = JSON.parse(stdout) as { k: number; ticks: number; firings: number; ns: number; selects: number; error: string };
  if (r.ticks !== ticks || r.error !== Messages.eof) throw new Error(`c-prot K=${k}: ${stdout.trim()}`);
  return { ns: r.ns, work: r.firings, extra: { k, ticks, selects: r.selects, wallNs } };
}

async function main(): Promise<void> {
  if (opts.child !== undefined) return runAsChild(opts.child, REAL_KS.flatMap(realContenders));
  const cdir = await buildC();
  const bin = path.join(cdir, "dispatch");
  console.log(`event-dispatch: one event fires per virtual tick; ours ${TICKS} ticks, C min(${TICKS}, ${C_WORK_LIMIT}/K); ` +
    `${opts.rounds} rounds (+${opts.warmup} warm-up)${opts.tiny ? ", TINY" : ""}`);
  const cases: CaseResult[] = [];
  for (const k of KS) {
    const cTicks = Math.max(1_000, Math.min(TICKS, Math.floor(C_WORK_LIMIT / k)));
    const contenders: Contender[] = [
      { name: "ours", run: () => ours(k, TICKS) },
      { name: "c-prot", run: () => cProt(bin, k, cTicks) },
    ];
    const r = await runCase({ name: `K=${k}`, ours: "ours", contenders, metric: timePer("firing"), scale: { name: "K", value: k }, sameCheck: false }, opts);
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
  const first = cases[0] as CaseResult;
  const last = cases[cases.length - 1] as CaseResult;
  const med = (r: CaseResult, n: string): number => statsOf(r, n).median;
  console.log(`\nns per firing by K (medians):`);
  console.log(`  ${"K".padStart(7)}  ${"ours".padStart(10)}  ${"c-prot".padStart(10)}`);
  for (const r of cases) console.log(`  ${r.name.slice(2).padStart(7)}  ${fmt(med(r, "ours")).padStart(10)}  ${fmt(med(r, "c-prot")).padStart(10)}`);
  const growthOurs = med(last, "ours") / med(first, "ours");
  const growthC = med(last, "c-prot") / med(first, "c-prot");
  console.log(`\ngrowth ${last.name} vs ${first.name} (ns/firing ratio): ours ${fmt(growthOurs)}x, c-prot ${fmt(growthC)}x`);
  const goals: Goal[] = [goal(`ours growth ${last.name} vs ${first.name}`, growthOurs, 3, false)];
  // At a realistic number of events per connection, no dearer per firing than the C layer.
  for (const r of cases) {
    if (r.scale !== undefined && r.scale.value <= 100) goals.push(goal(`${r.name}: ours ÷ C (ns per firing, virtual clock)`, med(r, "ours") / med(r, "c-prot"), 1, false));
  }

  console.log(`\nreal time, system clock: ${FIRINGS} firings, about one per ms; CPU of the process per firing, each run a fresh process`);
  const cpuPerFiring = { label: "ns CPU/firing", of: (s: Sample) => s.ns / s.work, higherIsBetter: false };
  for (const k of REAL_KS) {
    const contenders = realContenders(k).map((c) => {
      const fresh = inFreshProcess(c);
      return { name: c.name.replace(/-k\d+$/, ""), run: () => fresh.run() };
    });
    const r = await runCase({ name: `real time, K=${k}`, ours: "ours", contenders, metric: cpuPerFiring, scale: { name: "K", value: k }, sameCheck: false }, opts);
    printCase(r);
    const late = (name: string, q: "p50LateMs" | "p99LateMs"): number => {
      const c = r.contenders[name];
      return c === undefined ? NaN : percentile(c.samples.map((x) => Number(x.extra?.[q])), 50);
    };
    console.log(`  lateness, median over runs: ours p50 ${late("ours", "p50LateMs")} ms, p99 ${late("ours", "p99LateMs")} ms; ` +
      `setTimeout p50 ${late("setTimeout", "p50LateMs")} ms, p99 ${late("setTimeout", "p99LateMs")} ms`);
    cases.push(r);
    goals.push(goal(`real time K=${k}: ours ÷ setTimeout chain (CPU per firing)`, statsOf(r, "ours").median / statsOf(r, "setTimeout").median, 1.2, false));
  }
  const out = writeResults("event-dispatch", opts, { ticks: TICKS, cWorkLimit: C_WORK_LIMIT, firings: FIRINGS, cases, growth: { ours: growthOurs, c: growthC }, goals });
  console.log(`\nresults: ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
