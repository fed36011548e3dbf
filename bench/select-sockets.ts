/**
 * Benchmark: select over real loopback TCP connections, ours against C's on
 * the same kind of sockets, each server in its own process.
 *
 * A server process accepts N connections (127.0.0.1) from a driver process,
 * bench/c/select_driver.c, which then makes one connection at a time
 * readable: it writes the line "x" on a connection chosen at random (fixed
 * seed, the same sequence for every server in a round) and waits for the
 * answer "ok" before the next. The server waits on all N connections,
 * reads the line and answers it. Before and after the measured wake-ups the
 * driver asks the server for its own CPU time (user + system, all its
 * threads), so the figure is the CPU time of the server process per
 * wake-up; the wall time of a wake-up (the driver's round trip, both
 * processes and the kernel's loopback included) is kept beside it.
 *
 * Servers (bench/select-sockets-server.ts and bench/c/select_server.c):
 *   ours              protSocket per connection, a ProtGroup of the read
 *                     streams, `await select(group)`, tryReadLine, write, flush
 *   node-data         a 'data' listener per socket: the floor of any select in Node
 *   c-prot_select     Debian's libcyrus: prot_select, prot_fgets, prot_write,
 *                     prot_flush, as a Cyrus server does (select(2) underneath)
 *   c-select          select(2), read(2), write(2): the plain C loop
 *   c-epoll           epoll_wait(2), read(2), write(2): what libuv waits with
 * The two select(2) servers run only up to N = 1,000: their descriptors
 * must stay below FD_SETSIZE (1,024).
 *
 * Each run starts a fresh server and driver, with WARMUP unmeasured
 * wake-ups first. N = 10,000 needs 10,000 descriptors in each process: the
 * C programs raise their soft limit as far as N needs (within the hard
 * limit), and Node raises its own to the hard limit when it starts.
 *
 * Usage: npx tsx bench/select-sockets.ts [--rounds N] [--warmup N] [--tiny] [--results DIR]
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildC, fmt, goal, parseOptions, printCase, runChild, runRounds, statsOf, summarize, writeResults, type BenchCaseResult, type Contender, type Metric, type Sample } from "./lib.js";

const opts = parseOptions();
const SIZES = opts.tiny ? [10, 100] : [10, 100, 1_000, 10_000];
const WARMUP = opts.tiny ? 200 : 2_000; // unmeasured wake-ups of each run
const WAKEUPS = opts.tiny ? 500 : 5_000; // measured wake-ups of each run
const SELECT_MAX_N = 1_000; // FD_SETSIZE 1024, minus stdio and slack
const SEED = 0x5eed;
const here = path.dirname(fileURLToPath(import.meta.url));

/** CPU time of the server process per wake-up. */
const cpuPerWakeup: Metric = { label: "µs CPU/wake-up", of: (s) => s.ns / 1e3 / s.work, higherIsBetter: false };
/** Wall time of a wake-up: the driver's round trip. */
const wallPerWakeup: Metric = { label: "µs wall/wake-up", of: (s) => Number(s.extra?.wallNs) / 1e3 / s.work, higherIsBetter: false };

/** Starts a server; resolves with its port (the first line it prints) and a promise of its clean exit. */
function startServer(cmd: string, args: readonly string[]): Promise<{ port: number; exited: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let started = false;
    const exited = new Promise<void>((ok, fail) =>
      child.on("close", (code, signal) => (code === 0 ? ok() : fail(new Error(`${cmd} ${args.join(" ")} failed (${signal ?? `exit ${code}`}): ${err.trim()}`)))),
    );
    exited.catch((e: unknown) => {
      if (!started) reject(e instanceof Error ? e : new Error(String(e)));
    });
    child.on("error", reject);
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const nl = out.indexOf("\n");
      if (started || nl < 0) return;
      const port = Number(out.slice(0, nl));
      if (!Number.isInteger(port) || port <= 0) return reject(new Error(`${cmd}: printed ${JSON.stringify(out.slice(0, nl))}, not a port`));
      started = true;
      resolve({ port, exited });
    });
  });
}

/** A server contender: a fresh server and driver per run; every contender's k-th run drives the same sequence. */
function serverContender(name: string, driver: string, n: number, cmd: string, args: readonly string[]): Contender {
  let run = 0;
  return {
    name,
    async run(): Promise<Sample> {
      const seed = (SEED ^ (n * 7919) ^ ++run) >>> 0;
      const { port, exited } = await startServer(cmd, args);
      const { stdout } = await runChild(driver, [String(port), String(n), String(WARMUP), String(WAKEUPS), String(seed)]);
      await exited;
      const r = JSON.parse(stdout.trim()) as { wakeups: number; serverCpuUs: number; wallUs: number; driverCpuUs: number };
      return { ns: r.serverCpuUs * 1e3, work: r.wakeups, extra: { wallNs: r.wallUs * 1e3, driverCpuUs: r.driverCpuUs } };
    },
  };
}

async function main(): Promise<void> {
  const build = await buildC();
  const driver = path.join(build, "select_driver");
  const cServer = path.join(build, "select_server");
  const nodeServer = path.join(here, "select-sockets-server.ts");
  console.log(
    `select-sockets: N = ${SIZES.join(", ")} loopback TCP connections; ${WAKEUPS} wake-ups per run after ${WARMUP} unmeasured; ` +
      `CPU time of the server process; ${opts.rounds} rounds (+${opts.warmup} warm-up), a fresh server and driver per run${opts.tiny ? ", TINY" : ""}`,
  );
  const cases: BenchCaseResult[] = [];
  for (const n of SIZES) {
    const node = (mode: string): Contender => serverContender(mode, driver, n, process.execPath, [...process.execArgv, nodeServer, mode, String(n)]);
    const c = (mode: string): Contender => serverContender(`c-${mode === "prot" ? "prot_select" : mode}`, driver, n, cServer, [mode, String(n)]);
    const contenders = [node("ours"), node("node-data"), ...(n <= SELECT_MAX_N ? [c("prot"), c("select")] : []), c("epoll")];
    const scale = { name: "N", value: n };
    const spec = { name: `N=${n}, CPU`, ours: "ours", contenders, metric: cpuPerWakeup, scale };
    const samples = await runRounds(spec, opts);
    const cpu = summarize(spec, samples);
    const wall = summarize({ ...spec, name: `N=${n}, wall`, metric: wallPerWakeup }, samples);
    printCase(cpu);
    printCase(wall);
    cases.push(cpu, wall);
  }

  const cpuCases = cases.filter((r) => r.metric === cpuPerWakeup.label);
  const med = (r: BenchCaseResult, name: string): number => statsOf(r, name).median;
  const first = cpuCases[0] as BenchCaseResult;
  const last = cpuCases[cpuCases.length - 1] as BenchCaseResult;
  console.log("\nserver CPU per wake-up, ours ÷ peer:");
  for (const r of cpuCases) {
    console.log(
      `  ${r.name}: ${Object.keys(r.contenders)
        .filter((p) => p !== "ours")
        .map((p) => `÷ ${p} ${fmt(med(r, "ours") / med(r, p))}`)
        .join(", ")}`,
    );
  }
  console.log(
    `growth from ${first.name} to ${last.name}: ${Object.keys(last.contenders)
      .map((p) => `${p} ${fmt(med(last, p) / med(first, p))}x`)
      .join(", ")}`,
  );
  const goals = [goal(`ours ${last.name.replace(", CPU", "")} ÷ ${first.name.replace(", CPU", "")} (server CPU per wake-up)`, med(last, "ours") / med(first, "ours"), 2, false)];
  const out = writeResults("select-sockets", opts, { warmupWakeups: WARMUP, wakeupsPerRun: WAKEUPS, cases, goals });
  console.log(`\nresults: ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
