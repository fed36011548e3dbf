import { afterAll, afterEach, beforeEach, expect } from "vitest";
import net from "node:net";
import { once } from "node:events";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { DriverExecutor, type LoadedCase, type RunReport } from "prot-conformance";
import { ProtStream, ScriptedSource, VirtualClock, type Arrival, type ByteSink, type ProtStreamOptions, type ScriptEnd } from "prot-events";

/** A stream whose input the test pushes by hand, chunk by chunk, through the sink it returns. */
export function handFed(options: ProtStreamOptions = {}): { s: ProtStream; sink: ByteSink } {
  let sink: ByteSink | undefined;
  const s = new ProtStream(
    {
      attach: (k) => {
        sink = k;
      },
      pause() {},
      resume() {},
      close() {},
    },
    { clock: new VirtualClock(), ...options },
  );
  return { s, sink: sink as ByteSink };
}

/** One step of a run of reads against a model: input pushed, or one of the stream's reads that never waits. */
export type ReadOp = { k: "push"; bytes: number[] } | { k: "line" } | { k: "lineBytes" } | { k: "getc" } | { k: "ungetc"; byte: number } | { k: "read"; n: number } | { k: "skip" };

/** Takes step `o` on a {@link handFed} stream: what the read returned, or undefined for a push or an ungetc. */
export function readStep(s: ProtStream, sink: ByteSink, o: ReadOp): unknown {
  switch (o.k) {
    case "push":
      sink.push(Buffer.from(o.bytes));
      return undefined;
    case "line":
      return s.tryReadLine();
    case "lineBytes":
      return s.tryReadLineBytes();
    case "getc":
      return s.tryGetc();
    case "ungetc":
      s.ungetc(o.byte);
      return undefined;
    case "read":
      return s.tryRead(o.n);
    case "skip":
      return s.trySkipLine();
  }
}

/** Counts the reads of the `performance` global while `run` runs (each read gives the real one). */
export async function countingPerformanceReads(run: (reads: () => number) => Promise<void>): Promise<void> {
  const own = Object.getOwnPropertyDescriptor(globalThis, "performance") as PropertyDescriptor;
  const real = performance;
  let reads = 0;
  Object.defineProperty(globalThis, "performance", {
    configurable: true,
    get: () => {
      reads++;
      return real;
    },
  });
  try {
    await run(() => reads);
  } finally {
    Object.defineProperty(globalThis, "performance", own);
  }
}

/** A stream over scripted input on a fresh virtual clock. */
export function scripted(arrivals: Arrival[], end?: ScriptEnd, options: ProtStreamOptions = {}): { clock: VirtualClock; s: ProtStream } {
  const clock = new VirtualClock();
  const s = new ProtStream(new ScriptedSource(clock, arrivals, end), { clock, ...options });
  return { clock, s };
}

/** Reads lines until the stream ends or fails, noting when each arrived. */
export async function readAll(s: ProtStream): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const line = await s.readLine();
    if (typeof line !== "string") {
      out.push(`${String(line)}: ${s.error}`);
      return out;
    }
    out.push(`${s.clock.now()} ${line}`);
  }
}

/**
 * A full garbage collection, so that heap figures mean live memory. Without
 * `--expose-gc` on the worker (vitest's execArgv applies to a whole project),
 * the flag is set at run time and `gc` taken from a fresh context, as
 * jest-leak-detector does.
 */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

let gc: (() => void) | undefined;

/** Live bytes after full collections (twice: Buffers are freed by a second pass): the JS heap and the Buffers outside it. */
export function liveBytes(): number {
  gc ??= collector();
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * A starter of driver processes for one test file: each driver it starts is
 * closed once the file's tests are done, whether they passed or not.
 */
export function driversClosedAfterAll(): (command: string, startTimeoutMs?: number) => Promise<DriverExecutor> {
  const started: DriverExecutor[] = [];
  afterAll(async () => {
    for (const d of started) await d.close();
  });
  return async (command, startTimeoutMs) => {
    const d = await DriverExecutor.start(command, startTimeoutMs);
    started.push(d);
    return d;
  };
}

/**
 * Makes every test of the calling file fail if it leaves a rejection nobody
 * handled: what would bring down a server under Node's default
 * --unhandled-rejections=throw.
 */
export function leaveNoUnhandledRejections(): void {
  let unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  beforeEach(() => {
    unhandled = [];
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(async () => {
    // Node reports unhandled rejections once the microtask queue drains.
    await new Promise((r) => setImmediate(r));
    process.off("unhandledRejection", onUnhandled);
    expect(unhandled).toEqual([]);
  });
}

/** A connected loopback pair: the client socket and the server's side of it. */
export interface LoopbackPair {
  client: net.Socket;
  server: net.Socket;
}

/**
 * Returns `loopbackPairs(n)`, which makes `n` connected pairs through one
 * listening server of its own on 127.0.0.1; after each test of the calling
 * file the pairs' sockets are destroyed and then the servers closed (a
 * server's close waits for its connections to end).
 */
export function loopback(): (n: number) => Promise<LoopbackPair[]> {
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });
  return async (n) => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((s) => void accepted.push(s));
    servers.push(server);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const out: LoopbackPair[] = [];
    for (let i = 0; i < n; i++) {
      const client = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
      client.on("error", () => {});
      await once(client, "connect");
      while (accepted.length <= i) await once(server, "connection");
      const pair = { client, server: accepted[i] as net.Socket };
      sockets.push(pair.client, pair.server);
      out.push(pair);
    }
    return out;
  };
}

/** How a command ended. */
export interface Exit {
  /** Its exit code; -1 when it was killed (by the hang guard, or a signal). */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (conformance/dist/, built by the processes project's global
 * setup: node starts it in a fraction of the time tsx takes). A run still
 * going after `guardMs` is killed and reads as code -1: a hang, reported
 * as a failure rather than a test timeout.
 */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}, guardMs = 180_000): Promise<Exit> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "conformance", "dist", "conformance", "src", "cli.js"), ...args],
      { cwd: root, timeout: guardMs, killSignal: "SIGKILL", maxBuffer: 64 << 20, env: { ...process.env, ...env } },
      (err, stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : -1, stdout, stderr }),
    );
  });
}

/**
 * What a report holds besides passes and the skips of the cases tagged
 * `unsupported` (a feature the implementation declares it lacks), a
 * "source: id" line and its message each; beside it, how many cases carry
 * that tag and how many the report skipped in all, which a test holds equal.
 */
export function failedButUnsupported(report: RunReport, cases: readonly LoadedCase[], unsupported: string): { failed: string[]; tagged: number; skipped: number } {
  const tagged = new Set(cases.filter((c) => c.tags.includes(unsupported)).map((c) => c.id));
  const failed = report.results.filter((r) => r.status !== "pass" && !(r.status === "skip" && tagged.has(r.id))).map((r) => `${r.source}: ${r.id}\n${r.message ?? ""}`);
  return { failed, tagged: tagged.size, skipped: report.results.filter((r) => r.status === "skip").length };
}
