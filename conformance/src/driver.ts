/**
 * The runner's side of the driver protocol (conformance/DRIVERS.md): runs
 * cases through a program in any language over JSON lines, and survives
 * whatever that program does.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { ImplementationInfo } from "./adapter.js";
import type { LoadedCase, TraceEntry } from "./case.js";
import type { Run } from "./interpreter.js";
import type { CaseExecutor } from "./runner.js";

/** The protocol version this runner speaks. */
export const PROTOCOL_VERSION = 1;
/** The longest line either side may send. */
const MAX_LINE = 16 * 1024 * 1024;
/** Standard error a driver may write during one case before it counts as a flood. */
const MAX_STDERR_PER_CASE = 1024 * 1024;
const STDERR_TAIL = 4000;

/** Splits a command line on spaces; single or double quotes keep an argument whole. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) out.push(m[1] ?? m[2] ?? (m[3] as string));
  return out;
}

/** The driver could not be started or failed its start: the run cannot go on. */
export class DriverStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DriverStartError";
  }
}

type Waiter = (line: string | Error) => void;

/** One running driver process. */
class DriverProcess {
  readonly child: ChildProcessWithoutNullStreams;
  #lines: string[] = [];
  #waiter: Waiter | null = null;
  #stderrTail = "";
  stderrBytes = 0;
  #dead: Error | null = null;

  constructor(argv: string[]) {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new DriverStartError("the driver command is empty");
    this.child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => this.#take(chunk));
    this.child.stderr.on("data", (chunk: string) => {
      this.stderrBytes += Buffer.byteLength(chunk);
      this.#stderrTail = (this.#stderrTail + chunk).slice(-STDERR_TAIL);
      // Stopped as the flood comes, not at the end of the case.
      if (this.stderrBytes > MAX_STDERR_PER_CASE) this.kill();
    });
    this.child.stdin.on("error", () => {});
    // Each reason reads as the fault it is reported as.
    this.child.on("error", (err) => this.#die(new Error(`crashed: cannot start the driver: ${err.message}`)));
    this.child.on("exit", (code, signal) => this.#die(new Error(`crashed: the driver exited with ${signal !== null ? `signal ${signal}` : `code ${code}`}`)));
  }

  /** The last few kilobytes of standard error, from a line start. */
  get stderrTail(): string {
    const t = this.#stderrTail;
    const nl = t.length < STDERR_TAIL ? -1 : t.indexOf("\n");
    return nl < 0 ? t : t.slice(nl + 1);
  }

  /** Forgets the standard error seen so far, at the start of a case. */
  clearStderr(): void {
    this.stderrBytes = 0;
    this.#stderrTail = "";
  }

  // The unterminated tail of standard output, in the pieces it came in: a
  // line is joined once, when its LF arrives, and a chunk is searched for LF
  // once, so a driver sending a huge line costs its length, not its square.
  #pieces: string[] = [];
  #pendingBytes = 0;

  #take(chunk: string): void {
    let from = 0;
    for (let nl = chunk.indexOf("\n"); nl >= 0; nl = chunk.indexOf("\n", from)) {
      const piece = chunk.slice(from, nl);
      this.#pieces.push(piece);
      this.#pendingBytes += Buffer.byteLength(piece);
      if (this.#pendingBytes > MAX_LINE) return this.#tooLong();
      this.#lines.push(this.#pieces.length === 1 ? piece : this.#pieces.join(""));
      this.#pieces = [];
      this.#pendingBytes = 0;
      from = nl + 1;
    }
    if (from < chunk.length) {
      const rest = from === 0 ? chunk : chunk.slice(from);
      this.#pieces.push(rest);
      this.#pendingBytes += Buffer.byteLength(rest);
      if (this.#pendingBytes > MAX_LINE) return this.#tooLong();
    }
    this.#deliver();
  }

  #tooLong(): void {
    let start = "";
    for (const p of this.#pieces) {
      if (start.length >= 80) break;
      start += p.slice(0, 80 - start.length);
    }
    this.#pieces = [];
    this.#die(new Error(`protocol error: a line longer than ${MAX_LINE} bytes, starting ${JSON.stringify(start)}`));
    this.kill();
  }

  #deliver(): void {
    const w = this.#waiter;
    if (w === null) return;
    const line = this.#lines.shift();
    if (line !== undefined) {
      this.#waiter = null;
      w(line);
    } else if (this.#dead !== null) {
      this.#waiter = null;
      w(this.#dead);
    }
  }

  #die(err: Error): void {
    if (this.#dead === null) this.#dead = err;
    this.#deliver();
  }

  /** The next line, or the reason there will be none. */
  next(): Promise<string | Error> {
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#deliver();
    });
  }

  send(message: object): void {
    if (this.#dead === null) this.child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  kill(): void {
    this.child.stdout.removeAllListeners("data");
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

function parseObject(line: string): Record<string, unknown> | string {
  try {
    const v: unknown = JSON.parse(line);
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // Fall through to the complaint below.
  }
  return `protocol error: not a JSON object: ${JSON.stringify(line.slice(0, 120))}`;
}

/** Runs cases through a driver program, restarting it after every fault. */
export class DriverExecutor implements CaseExecutor {
  info: ImplementationInfo = { name: "?", version: "?", language: "?", profile: "core" };
  readonly #argv: string[];
  #proc: DriverProcess | null = null;
  #seq = 0;

  // A restart after a fault gets the same time to start as the first start.
  readonly #startTimeoutMs: number;

  private constructor(argv: string[], startTimeoutMs: number) {
    this.#argv = argv;
    this.#startTimeoutMs = startTimeoutMs;
  }

  /**
   * Starts the driver and performs the handshake.
   * @throws DriverStartError saying why the driver cannot be used.
   */
  static async start(commandLine: string, timeoutMs = 10_000): Promise<DriverExecutor> {
    const exec = new DriverExecutor(splitCommand(commandLine), timeoutMs);
    exec.info = await exec.#spawn();
    return exec;
  }

  async #spawn(): Promise<ImplementationInfo> {
    const timeoutMs = this.#startTimeoutMs;
    const proc = new DriverProcess(this.#argv);
    this.#proc = proc;
    this.#seq = 0;
    proc.send({ cmd: "start", version: PROTOCOL_VERSION });
    let timer: NodeJS.Timeout | undefined;
    const line = await Promise.race([
      proc.next(),
      new Promise<Error>((r) => (timer = setTimeout(() => r(new Error(`no answer to the start after ${timeoutMs} ms`)), timeoutMs))),
    ]);
    clearTimeout(timer);
    const fail = (why: string): never => {
      proc.kill();
      this.#proc = null;
      const tail = proc.stderrTail.trim();
      throw new DriverStartError(`${why}${tail === "" ? "" : `\nstandard error of the driver:\n${tail}`}`);
    };
    if (line instanceof Error) return fail(line.message);
    const msg = parseObject(line);
    if (typeof msg === "string") return fail(msg);
    if (msg.ok !== true) return fail(`the driver refused to start: ${String(msg.error ?? JSON.stringify(msg))}`);
    if (msg.version !== PROTOCOL_VERSION) return fail(`the driver speaks protocol version ${String(msg.version)}; this runner speaks ${PROTOCOL_VERSION}`);
    const info = msg.implementation as ImplementationInfo | undefined;
    if (info === undefined || typeof info.name !== "string" || typeof info.profile !== "string") {
      return fail("protocol error: the start answer has no implementation with a name and a profile");
    }
    return info;
  }

  /** {@inheritDoc CaseExecutor.run} */
  async run(c: LoadedCase): Promise<Run> {
    if (this.#proc === null) {
      try {
        await this.#spawn();
      } catch (err) {
        return { trace: [], crash: `crashed: the driver could not be restarted: ${(err as Error).message}` };
      }
    }
    const proc = this.#proc as DriverProcess;
    const seq = ++this.#seq;
    const { source: _source, ...plain } = c;
    proc.clearStderr();
    proc.send({ cmd: "run", seq, case: plain });
    const line = await proc.next();
    const fault = (why: string): Run => {
      proc.kill();
      if (this.#proc === proc) this.#proc = null;
      const tail = proc.stderrTail.trim();
      return { trace: [], crash: `${why}${tail === "" ? "" : `\nstandard error (tail):\n${tail}`}` };
    };
    if (proc.stderrBytes > MAX_STDERR_PER_CASE) return fault(`flooded standard error: more than ${MAX_STDERR_PER_CASE} bytes during the case`);
    if (line instanceof Error) return fault(line.message);
    const msg = parseObject(line);
    if (typeof msg === "string") return fault(msg);
    // JSON, so that a seq sent as the string "7" does not read as the number expected.
    if (msg.seq === undefined) return fault(`protocol error: an answer without a seq, expected seq ${seq}`);
    if (msg.seq !== seq) return fault(`protocol error: answer for seq ${JSON.stringify(msg.seq)}, expected ${seq}`);
    // Give late standard error (valgrind writes after the fact) a moment to arrive.
    await new Promise((r) => setImmediate(r));
    const stderr = proc.stderrTail.trim();
    const extra = stderr === "" ? {} : { stderr };
    if (typeof msg.error === "string") return { trace: [], crash: `the driver could not run the case: ${msg.error}`, ...extra };
    if (!Array.isArray(msg.trace)) return fault("protocol error: the answer has neither trace nor error");
    return { trace: msg.trace as TraceEntry[], ...extra };
  }

  /** Kills a driver that hung; the next run starts a fresh one. */
  async reset(): Promise<void> {
    this.#proc?.kill();
    this.#proc = null;
  }

  /** Asks the driver to stop, and kills it if it does not within a second. */
  async close(): Promise<void> {
    const proc = this.#proc;
    this.#proc = null;
    if (proc === null) return;
    proc.send({ cmd: "stop" });
    proc.child.stdin.end();
    const exited = new Promise<void>((r) => proc.child.once("exit", () => r()));
    const timer = setTimeout(() => proc.kill(), 1000);
    if (proc.child.exitCode === null && proc.child.signalCode === null) await exited;
    clearTimeout(timer);
  }
}
