/**
 * Benchmark: many idle loopback connections held by a server.
 *
 * Five servers, alternating, each run in a fresh process (this script with
 * --child ours|ours-select|minimal|minimal-await|readline, under --expose-gc) that starts
 * its clients in a process of their own (--child clients), all on 127.0.0.1.
 * The servers are bench/idle-servers.ts's (ours: a pending `readLine()`
 * and an idle wait event per connection; ours-select: non-blocking streams
 * in one ProtGroup; minimal: `socket.setTimeout`, with listeners shared by
 * every connection; minimal-await: the same with an async function per
 * connection awaiting its next chunk; readline), the very ones bench/heap-breakdown.ts takes
 * apart. What the benchmark keeps per connection (to re-arm the idle
 * timeout and to close) is array slots grown as connections arrive, alike
 * for every server.
 *
 * For each: memory per connection (heapUsed and RSS, after gc, minus the
 * same taken before any client connected, divided by the connections), CPU
 * used by the server while every connection idles (process.cpuUsage), and
 * then the lateness of the idle timeout: every connection's timeout is
 * re-armed to fire FIRE_MS from now, all at the same instant, then again
 * spread across SPREAD_MS, and each firing records how late it ran: now -
 * its due time, in fractional milliseconds on one monotonic scale for every
 * server, that of the library's SystemClock (performance.timeOrigin +
 * performance.now()). In whole milliseconds (Date.now()) a lateness of
 * 1.01 ms read 1 or 2 by where the clock stood, and a ratio of 2 could be
 * that rounding and no cost. Due times are whole milliseconds (ours counts
 * marks in ticks of 1 ms); ours fires once the millisecond of its mark has
 * begun, never early (WE-MODEL-5); a Node timer may fire before its time,
 * which counts as negative lateness. A run in which a timeout does not fire
 * fails.
 *
 * What the spread lateness of ours is made of, beside the cost of running:
 * Node wakes a process whole milliseconds after a timer was armed, so the
 * firings of a busy clock fall once a millisecond at a phase of their own,
 * which drifts, and a timeout due at its mark runs at the first firing
 * after it: up to a tick late even when running costs nothing.
 * `bench/timers.ts --child spread-ours` shows the parts without sockets.
 *
 * Three rounds and no warm-up by default: a run takes seconds of idling,
 * and each is a fresh process, with nothing to warm.
 *
 * Usage: tsx bench/idle-connections.ts [--rounds N] [--warmup N] [--tiny] [--results DIR]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { IDLE_SERVER_KINDS, nowMs, startIdleServer, type IdleServerKind } from "./idle-servers.js";
import {
  childArgs,
  fmt,
  goal,
  holdClients,
  inFreshProcess,
  parseOptions,
  printCase,
  runAsChild,
  runRounds,
  statsOf,
  summarize,
  writeResults,
  type BenchCaseResult,
  type Contender,
  type Metric,
  type Sample,
} from "./lib.js";

const opts = parseOptions(process.argv.slice(2), { rounds: 3, warmup: 0 });
const CONNECTIONS = opts.tiny ? 200 : 19_000;
const IDLE_MS = opts.tiny ? 1_000 : 5_000;
const FIRE_MS = 2_000;
// 19,000 timeouts across 2 s: nine or ten due in each millisecond, as connections arriving at 9,500 a second would be.
const SPREAD_MS = 2_000;
const STEP_TIMEOUT_MS = 120_000; // any single step of the exchange with the clients
const HOST = "127.0.0.1";

type Msg = { type: string; [k: string]: unknown };
const KINDS = IDLE_SERVER_KINDS;

/** What one run of a server measured: a sample's `extra`. */
interface Run {
  connections: number;
  heapPerConnB: number;
  rssPerConnB: number;
  idleCpuMs: number;
  idleWallMs: number;
  /** Every idle timeout due at the same instant. */
  latenessMs: Lateness;
  /** The idle timeouts due across SPREAD_MS, as connections that arrived over time would be. */
  spreadLatenessMs: Lateness;
  fireCpuMs: number;
}

interface Lateness {
  min: number;
  p50: number;
  p99: number;
  max: number;
}

function lateness(ms: number[]): Lateness {
  const lat = [...ms].sort((a, b) => a - b);
  return { min: lat[0] as number, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] as number };
}

// Nearest rank, not the harness's interpolating quantile: a lateness some
// firing really had, so "p99 is 1 ms" means 99% fired within 1 ms.
function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function gcHard(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc");
  for (let i = 0; i < 3; i++) gc();
}

/** Waits for the next message of `type` from `child`, within a bound. */
function expect(child: ChildProcess, type: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      cleanup();
      reject(new Error(`clients: no "${type}" within ${STEP_TIMEOUT_MS} ms`));
    }, STEP_TIMEOUT_MS);
    const onMsg = (m: Msg): void => {
      if (m.type === "error") {
        cleanup();
        reject(new Error(`clients: ${String(m.message)}`));
      } else if (m.type === type) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`clients: exited (${code}) before "${type}"`));
    };
    const cleanup = (): void => {
      clearTimeout(t);
      child.off("message", onMsg);
      child.off("exit", onExit);
    };
    child.on("message", onMsg);
    child.on("exit", onExit);
  });
}

/** One run of a server, in the process it has to itself. */
function server(kind: IdleServerKind): Contender {
  return {
    name: kind,
    async run(): Promise<Sample> {
      const t0 = process.hrtime.bigint();
      let closed = 0;
      let late: number[] = [];
      const srv = await startIdleServer(
        kind,
        {
          idle: (ms) => void late.push(ms),
          closed: () => void closed++,
        },
        { maxConnections: CONNECTIONS + 100 },
      );
      await sleep(200);
      gcHard();
      const base = process.memoryUsage();

      const clients = spawn(process.execPath, childArgs("clients"), { stdio: ["ignore", "ignore", "inherit", "ipc"] });
      try {
        clients.send({ type: "connect", port: srv.port, count: CONNECTIONS });
        await expect(clients, "connected");
        for (let i = 0; srv.accepted < CONNECTIONS && i < 6000; i++) await sleep(10);
        if (srv.accepted < CONNECTIONS) throw new Error(`${kind}: only ${srv.accepted} of ${CONNECTIONS} connections accepted`);
        await sleep(500);
        gcHard();
        await sleep(100);
        gcHard();
        const mem = process.memoryUsage();

        const idleC0 = process.cpuUsage();
        const idleW0 = process.hrtime.bigint();
        await sleep(IDLE_MS);
        const idleC = process.cpuUsage(idleC0);
        const idleWallMs = Number(process.hrtime.bigint() - idleW0) / 1e6;

        /** Re-arms every idle timeout, connection i's at due(i), and waits for them all to fire. */
        const fireAll = async (due: (i: number) => number): Promise<number[]> => {
          late = [];
          for (let i = 0; i < CONNECTIONS; i++) srv.rearm(i, due(i));
          for (let i = 0; late.length < CONNECTIONS && i < 2000; i++) await sleep(10);
          if (late.length < CONNECTIONS) throw new Error(`${kind}: only ${late.length} of ${CONNECTIONS} idle timeouts fired`);
          return late;
        };
        const at = Math.floor(nowMs()) + FIRE_MS;
        const fireC0 = process.cpuUsage();
        const atOnce = await fireAll(() => at);
        const fireC = process.cpuUsage(fireC0);
        const from = Math.floor(nowMs()) + FIRE_MS;
        const spread = await fireAll((i) => from + (i % SPREAD_MS));

        clients.send({ type: "close" });
        await expect(clients, "closed");
        srv.closeAll();
        for (let i = 0; closed < srv.accepted && i < 1000; i++) await sleep(10);
        await srv.close();
        if (closed !== srv.accepted) process.stderr.write(`  ${kind}: ${closed} of ${srv.accepted} connections saw the close\n`);

        const run: Run = {
          connections: CONNECTIONS,
          heapPerConnB: (mem.heapUsed - base.heapUsed) / CONNECTIONS,
          rssPerConnB: (mem.rss - base.rss) / CONNECTIONS,
          idleCpuMs: (idleC.user + idleC.system) / 1e3,
          idleWallMs,
          latenessMs: lateness(atOnce),
          spreadLatenessMs: lateness(spread),
          fireCpuMs: (fireC.user + fireC.system) / 1e3,
        };
        // ns is the run's wall time: no figure uses it.
        return { ns: Number(process.hrtime.bigint() - t0), work: CONNECTIONS, extra: { ...run } };
      } finally {
        if (clients.exitCode === null && clients.signalCode === null) clients.kill("SIGKILL");
      }
    },
  };
}

const of = (s: Sample): Run => s.extra as unknown as Run;
const METRICS: Array<{ name: string; metric: Metric }> = [
  { name: "heap per connection", metric: { label: "KiB", of: (s) => of(s).heapPerConnB / 1024, higherIsBetter: false } },
  { name: "RSS per connection", metric: { label: "KiB", of: (s) => of(s).rssPerConnB / 1024, higherIsBetter: false } },
  { name: "CPU while idle", metric: { label: "ms per s idle", of: (s) => (of(s).idleCpuMs / of(s).idleWallMs) * 1000, higherIsBetter: false } },
  { name: "latest idle timeout, all due at once", metric: { label: "ms late", of: (s) => of(s).latenessMs.max, higherIsBetter: false } },
  { name: `idle timeouts due across ${SPREAD_MS / 1000} s, p99`, metric: { label: "ms late", of: (s) => of(s).spreadLatenessMs.p99, higherIsBetter: false } },
];

async function main(): Promise<void> {
  console.log(
    `idle-connections: ${CONNECTIONS} loopback connections, idle ${IDLE_MS} ms, timeouts re-armed to fire in ${FIRE_MS} ms; ` +
      `${opts.rounds} rounds (+${opts.warmup} warm-up), each server in a fresh process${opts.tiny ? ", TINY" : ""}`,
  );
  const contenders = KINDS.map((k) => inFreshProcess(server(k), ["--expose-gc"]));
  const [first] = METRICS as [(typeof METRICS)[number]];
  const samples = await runRounds({ name: first.name, ours: "ours", contenders, metric: first.metric, sameCheck: false }, opts);
  const cases = METRICS.map(({ name, metric }) => summarize({ name, ours: "ours", metric }, samples));
  for (const r of cases) printCase(r);
  const median = (i: number, name: string): number => statsOf(cases[i] as BenchCaseResult, name).median;
  const by = (name: string, f: (r: Run) => number): string => (samples.get(name) ?? []).map((s) => fmt(f(of(s)))).join(", ");
  const byKind = (f: (r: Run) => number): string => KINDS.map((k) => `${k} ${by(k, f)}`).join("; ");
  console.log(`\nall at once, p99 by round (ms late): ${byKind((r) => r.latenessMs.p99)}`);
  console.log(`spread, latest by round (ms late): ${byKind((r) => r.spreadLatenessMs.max)}`);
  // A lateness of 0 ms cannot be divided by: the ratio is taken with a floor of one tick (1 ms).
  const tickFloor = (x: number): number => Math.max(x, 1);
  const goals = [
    goal("heap per connection, ours ÷ minimal", median(0, "ours") / median(0, "minimal"), 1.3, false, { peer: "minimal-await", value: median(0, "minimal-await") / median(0, "minimal") }),
    goal("RSS per connection, ours ÷ minimal", median(1, "ours") / median(1, "minimal"), 1.2, false, { peer: "minimal-await", value: median(1, "minimal-await") / median(1, "minimal") }),
    goal("heap per connection, ours-select ÷ minimal", median(0, "ours-select") / median(0, "minimal"), 1.3, false),
    goal("RSS per connection, ours-select ÷ minimal", median(1, "ours-select") / median(1, "minimal"), 1.2, false),
    goal("ours CPU while idle (ms per s: 10 is 1% of a core)", median(2, "ours"), 10, false),
    goal("idle timeouts due across the spread, p99 lateness, ours ÷ minimal (each at least 1 ms)", tickFloor(median(4, "ours")) / tickFloor(median(4, "minimal")), 1.5, false),
  ];
  // Not a goal: the peer that prices ours's pending read beside the same await in any server (see bench/idle-servers.ts).
  console.log(`  heap per connection, ours ÷ minimal-await (its connections also wait in an await): ${fmt(median(0, "ours") / median(0, "minimal-await"))}`);
  const out = writeResults("idle-connections", opts, { connections: CONNECTIONS, idleMs: IDLE_MS, fireMs: FIRE_MS, cases, goals });
  console.log(`\nresults: ${out}`);
}

if (opts.child === "clients") holdClients(HOST);
else if (opts.child !== undefined) await runAsChild(opts.child, KINDS.map(server));
else await main();
