/**
 * Benchmark: many idle loopback connections held by a server.
 *
 * Two servers, each in its own child process (node --expose-gc), clients in
 * a third child process, all on 127.0.0.1:
 *
 *  - ours: per connection `protSocket(socket)`, one idle-timeout wait event
 *    (mark = Date.now() + 30 s, on the shared system clock) and a pending
 *    `readLine()`;
 *  - bare: a plain `net` server, per connection `socket.setTimeout(30_000)`
 *    and `readline.createInterface({ input: socket })`.
 *
 * For each: memory per connection (heapUsed and RSS, after gc, minus the
 * same taken before any client connected, divided by the connections), CPU
 * used by the server while every connection idles (process.cpuUsage), and
 * then the lateness of the idle timeout: every connection's timeout is
 * re-armed to fire FIRE_MS from now, and each firing records
 * Date.now() - its due time (ms; the system clock's tick is 1 ms).
 *
 * Usage: tsx bench/idle-connections.ts [--tiny]   (or BENCH_TINY=1)
 * Writes bench/results/idle-connections.json.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const self = fileURLToPath(import.meta.url);
const tiny = process.argv.includes("--tiny") || process.env.BENCH_TINY === "1";
const CONNECTIONS = tiny ? 200 : 10_000;
const IDLE_MS = tiny ? 1_000 : 5_000;
const FIRE_MS = 2_000;
const STEP_TIMEOUT_MS = 120_000; // any single step of the protocol below
const HOST = "127.0.0.1";

type Kind = "ours" | "bare";
type Msg = { type: string; [k: string]: unknown };

// ---- helpers -------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function gcHard(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc");
  for (let i = 0; i < 3; i++) gc();
}

function send(m: Msg): void {
  (process.send as (m: Msg) => void)(m);
}

/** Waits for the next message of `type` from `child`, within a bound. */
function expect(child: ChildProcess, type: string, what: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { cleanup(); reject(new Error(`${what}: no "${type}" within ${STEP_TIMEOUT_MS} ms`)); }, STEP_TIMEOUT_MS);
    const onMsg = (m: Msg): void => {
      if (m.type === "error") { cleanup(); reject(new Error(`${what}: ${String(m.message)}`)); }
      else if (m.type === type) { cleanup(); resolve(m); }
    };
    const onExit = (code: number | null): void => { cleanup(); reject(new Error(`${what}: exited (${code}) before "${type}"`)); };
    const cleanup = (): void => { clearTimeout(t); child.off("message", onMsg); child.off("exit", onExit); };
    child.on("message", onMsg);
    child.on("exit", onExit);
  });
}

// ---- server child --------------------------------------------------------

async function serverMain(kind: Kind): Promise<void> {
  // Imported here so that the bare server's process never loads prot-events.
  const prot = kind === "ours" ? await import("../src/index.js") : null;
  let accepted = 0;
  let closed = 0;
  const lateness: number[] = [];
  // Per connection: how to re-arm its idle timeout to fire at a given time.
  const rearm: Array<(due: number) => void> = [];
  const closers: Array<() => void> = [];

  const server = net.createServer((socket) => {
    accepted++;
    if (prot !== null) {
      const conn = prot.protSocket(socket);
      const { input } = conn;
      // The idle timeout: the event fires at its mark while readLine waits.
      // In a real server it would close the connection; here it records how
      // late it ran and removes itself.
      input.addWaitEvent(Date.now() + 30_000, (s, ev) => {
        lateness.push(Date.now() - ev.mark);
        s.removeWaitEvent(ev);
        return null;
      }, null);
      const ev = input.waitEvents[0];
      rearm.push((due) => { if (ev !== undefined) ev.mark = due; });
      closers.push(() => void conn.close());
      void (async () => {
        for (;;) {
          const line = input.tryReadLine() ?? (await input.readLine());
          if (typeof line !== "string") break;
        }
        closed++;
        await conn.close();
      })();
    } else {
      socket.setTimeout(30_000);
      let due = Infinity;
      socket.on("timeout", () => {
        lateness.push(Date.now() - due);
        socket.setTimeout(0);
      });
      const rl = readline.createInterface({ input: socket, crlfDelay: Infinity });
      rl.on("line", () => {});
      socket.on("error", () => {});
      socket.on("close", () => { closed++; rl.close(); });
      rearm.push((d) => { due = d; socket.setTimeout(Math.max(0, d - Date.now())); });
      closers.push(() => socket.destroy());
    }
  });
  server.maxConnections = CONNECTIONS + 100;

  process.on("message", (m: Msg) => {
    void (async () => {
      try {
        if (m.type === "measure") {
          const want = m.connections as number;
          for (let i = 0; accepted < want && i < 6000; i++) await sleep(10);
          if (accepted < want) throw new Error(`only ${accepted} of ${want} connections accepted`);
          await sleep(500);
          gcHard();
          await sleep(100);
          gcHard();
          const mem = process.memoryUsage();
          send({ type: "memory", accepted, heapUsed: mem.heapUsed, rss: mem.rss, external: mem.external, arrayBuffers: mem.arrayBuffers });
        } else if (m.type === "idle") {
          const c0 = process.cpuUsage();
          const w0 = process.hrtime.bigint();
          await sleep(m.ms as number);
          const c = process.cpuUsage(c0);
          send({ type: "idle", userUs: c.user, systemUs: c.system, wallMs: Number(process.hrtime.bigint() - w0) / 1e6 });
        } else if (m.type === "fire") {
          lateness.length = 0;
          const base = Date.now() + (m.ms as number);
          for (const r of rearm) r(base);
          const c0 = process.cpuUsage();
          for (let i = 0; lateness.length < rearm.length && i < 2000; i++) await sleep(10);
          const c = process.cpuUsage(c0);
          send({ type: "fired", lateness, expected: rearm.length, cpuUs: c.user + c.system });
        } else if (m.type === "close") {
          for (const c of closers) c();
          for (let i = 0; closed < accepted && i < 1000; i++) await sleep(10);
          await new Promise<void>((r) => server.close(() => r()));
          send({ type: "closed", closed, accepted });
          process.disconnect();
        }
      } catch (err) {
        send({ type: "error", message: String(err) });
      }
    })();
  });

  await new Promise<void>((r) => server.listen(0, HOST, () => r()));
  await sleep(200);
  gcHard();
  const mem = process.memoryUsage();
  send({ type: "ready", port: (server.address() as net.AddressInfo).port, heapUsed: mem.heapUsed, rss: mem.rss });
}

// ---- client child --------------------------------------------------------

async function clientMain(port: number, count: number): Promise<void> {
  const sockets: net.Socket[] = [];
  const BATCH = 500;
  for (let i = 0; i < count; i += BATCH) {
    const batch: Array<Promise<void>> = [];
    for (let j = i; j < Math.min(count, i + BATCH); j++) {
      batch.push(new Promise<void>((resolve, reject) => {
        const s = net.connect({ port, host: HOST }, () => resolve());
        s.on("error", reject);
        sockets.push(s);
      }));
    }
    await Promise.all(batch);
  }
  send({ type: "connected", count: sockets.length });
  process.on("message", (m: Msg) => {
    if (m.type === "close") {
      for (const s of sockets) s.destroy();
      send({ type: "closed" });
      process.disconnect();
    }
  });
}

// ---- orchestrator --------------------------------------------------------

/** Spawns this file in a child with the fd limit raised to the hard limit. */
function child(args: string[]): ChildProcess {
  const node = [process.execPath, "--expose-gc", "--import", "tsx", self, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return spawn("sh", ["-c", `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${node}`], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    cwd: join(here, ".."),
  });
}

interface Result {
  kind: Kind;
  connections: number;
  heapPerConnB: number;
  rssPerConnB: number;
  idleCpuMs: number;
  idleWallMs: number;
  fired: number;
  latenessMs: { p50: number; p99: number; max: number; min: number };
  fireCpuMs: number;
}

async function runOne(kind: Kind): Promise<Result> {
  const server = child(["server", kind]);
  let client: ChildProcess | null = null;
  try {
    const ready = await expect(server, "ready", `${kind} server`);
    client = child(["client", String(ready.port), String(CONNECTIONS)]);
    await expect(client, "connected", "clients");
    server.send({ type: "measure", connections: CONNECTIONS });
    const mem = await expect(server, "memory", `${kind} server`);
    server.send({ type: "idle", ms: IDLE_MS });
    const idle = await expect(server, "idle", `${kind} server`);
    server.send({ type: "fire", ms: FIRE_MS });
    const fired = await expect(server, "fired", `${kind} server`);
    client.send({ type: "close" });
    await expect(client, "closed", "clients");
    server.send({ type: "close" });
    const closed = await expect(server, "closed", `${kind} server`);
    if (closed.closed !== closed.accepted) console.log(`  ${kind}: ${String(closed.closed)} of ${String(closed.accepted)} connections saw the close`);
    const lat = [...(fired.lateness as number[])].sort((a, b) => a - b);
    if (lat.length !== fired.expected) console.log(`  ${kind}: only ${lat.length} of ${String(fired.expected)} timeouts fired`);
    return {
      kind,
      connections: CONNECTIONS,
      heapPerConnB: ((mem.heapUsed as number) - (ready.heapUsed as number)) / CONNECTIONS,
      rssPerConnB: ((mem.rss as number) - (ready.rss as number)) / CONNECTIONS,
      idleCpuMs: ((idle.userUs as number) + (idle.systemUs as number)) / 1e3,
      idleWallMs: idle.wallMs as number,
      fired: lat.length,
      latenessMs: { min: lat[0] ?? NaN, p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat[lat.length - 1] ?? NaN },
      fireCpuMs: (fired.cpuUs as number) / 1e3,
    };
  } finally {
    for (const c of [client, server]) {
      if (c !== null && c.exitCode === null && c.signalCode === null) {
        const done = new Promise((r) => c.once("exit", r));
        const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
        await done;
        clearTimeout(t);
      }
    }
  }
}

async function main(): Promise<void> {
  console.log(`idle-connections${tiny ? " (tiny)" : ""}: ${CONNECTIONS} loopback connections, idle ${IDLE_MS} ms, timeouts re-armed to fire in ${FIRE_MS} ms; node ${process.version}`);
  const results: Result[] = [];
  for (const kind of ["ours", "bare"] as const) {
    const r = await runOne(kind);
    results.push(r);
    console.log(
      `  ${kind.padEnd(4)}: heap ${(r.heapPerConnB / 1024).toFixed(2)} KiB/conn, RSS ${(r.rssPerConnB / 1024).toFixed(2)} KiB/conn;` +
        ` idle CPU ${r.idleCpuMs.toFixed(1)} ms over ${r.idleWallMs.toFixed(0)} ms;` +
        ` timeouts fired ${r.fired}/${r.connections}, late by p50 ${r.latenessMs.p50} ms, p99 ${r.latenessMs.p99} ms, max ${r.latenessMs.max} ms (min ${r.latenessMs.min}); CPU while firing ${r.fireCpuMs.toFixed(1)} ms`,
    );
  }
  const [ours, bare] = results as [Result, Result];
  const heapRatio = ours.heapPerConnB / bare.heapPerConnB;
  const rssRatio = ours.rssPerConnB / bare.rssPerConnB;
  console.log(`\n  memory ratio ours/bare: heap ${heapRatio.toFixed(2)}x, RSS ${rssRatio.toFixed(2)}x (goal <= 1.2x)`);
  console.log(`  idle CPU: ours ${ours.idleCpuMs.toFixed(1)} ms, bare ${bare.idleCpuMs.toFixed(1)} ms over ${IDLE_MS} ms (goal ~0)`);
  console.log(`  timeout lateness: ours max ${ours.latenessMs.max} ms / p99 ${ours.latenessMs.p99} ms; bare max ${bare.latenessMs.max} ms / p99 ${bare.latenessMs.p99} ms (goal: within a tick, a few ms)`);
  const outDir = join(here, "results");
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `idle-connections${tiny ? ".tiny" : ""}.json`);
  writeFileSync(file, `${JSON.stringify({ bench: "idle-connections", tiny, node: process.version, date: new Date().toISOString(), idleMs: IDLE_MS, fireMs: FIRE_MS, results, heapRatio, rssRatio }, null, 2)}\n`);
  console.log(`  wrote ${file}`);
}

const [role, a1, a2] = process.argv.slice(2).filter((a) => a !== "--tiny");
if (role === "server") await serverMain(a1 as Kind);
else if (role === "client") await clientMain(Number(a1), Number(a2));
else await main();
