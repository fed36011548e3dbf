/**
 * The runner's side of the driver protocol (conformance/DRIVERS.md): runs
 * cases through a program in any language over JSON lines, and survives
 * whatever that program does. Every process it starts is the leader of its
 * own process group, and the whole group is killed when the runner is done
 * with it, so nothing a driver starts outlives the run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import type { ImplementationInfo } from "./adapter.js";
import type { Case } from "./case.js";
import type { Run } from "./interpreter.js";
import { caseRequest, printable, protocolProblem, PROTOCOL_VERSION, type RunAnswer, type StartAnswer } from "./protocol.js";
import { DEFAULT_CASE_TIMEOUT_MS, type CaseExecutor } from "./runner.js";

export { PROTOCOL_VERSION } from "./protocol.js";

/** The longest line either side may send. */
const MAX_LINE = 16 * 1024 * 1024;
/** Output an implementation may write during one case before it counts as a flood. */
const MAX_OUTPUT_PER_CASE = 1024 * 1024;
const OUTPUT_TAIL = 4000;
/** How long a driver asked to stop may take before it is killed. */
const STOP_GRACE_MS = 1000;
/** How long a driver may take to answer the start, unless told otherwise. */
export const DEFAULT_START_TIMEOUT_MS = 60_000;

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

/** How to start a driver. */
export interface DriverCommand {
  /** The program and its arguments. */
  argv: string[];
  /**
   * Answers come on file descriptor 3 instead of standard output, which is
   * then the implementation's own to write to, like standard error (the
   * adapter host does this, so that an adapter's `console.log` cannot pass
   * for an answer).
   */
  answersOnFd3?: boolean;
  /** What the implementation's output is called in reports. Default "standard error of the driver". */
  outputLabel?: string;
  /** What the process is called in reports. Default "the driver". */
  role?: string;
}

/** Every process group started and not yet known to be gone, killed if the runner exits first. */
const live = new Set<DriverProcess>();
process.once("exit", () => {
  for (const p of live) p.kill();
});

/** Kills every driver process group still running. For signal handlers: the exit handler does it otherwise. */
export function killAllDrivers(): void {
  for (const p of live) p.kill();
}

type Waiter = (line: string | Error) => void;

/** One running driver process. */
class DriverProcess {
  readonly child: ChildProcess;
  readonly #answers: Readable;
  readonly #stdin: Writable;
  #lines: string[] = [];
  #waiter: Waiter | null = null;
  #outputTail = "";
  outputBytes = 0;
  #dead: Error | null = null;
  readonly exited: Promise<void>;

  constructor(command: DriverCommand) {
    const role = command.role ?? "the driver";
    const [cmd, ...args] = command.argv;
    if (cmd === undefined) throw new DriverStartError("the driver command is empty");
    const fd3 = command.answersOnFd3 === true;
    // Its own process group (and session): the group can be killed whole, grandchildren included.
    this.child = spawn(cmd, args, { stdio: fd3 ? ["pipe", "pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe"], detached: true });
    live.add(this);
    this.#stdin = this.child.stdin as Writable;
    this.#answers = (fd3 ? this.child.stdio[3] : this.child.stdout) as Readable;
    const outputs = (fd3 ? [this.child.stdout, this.child.stderr] : [this.child.stderr]) as Readable[];
    this.#answers.setEncoding("utf8");
    this.#answers.on("data", (chunk: string) => this.#take(chunk));
    this.#answers.on("error", () => {});
    for (const o of outputs) {
      o.setEncoding("utf8");
      o.on("error", () => {});
      o.on("data", (chunk: string) => {
        this.outputBytes += Buffer.byteLength(chunk);
        this.#outputTail = (this.#outputTail + chunk).slice(-OUTPUT_TAIL);
        // Stopped as the flood comes, not at the end of the case.
        if (this.outputBytes > MAX_OUTPUT_PER_CASE) this.kill();
      });
    }
    this.#stdin.on("error", () => {});
    this.exited = new Promise((resolve) => {
      this.child.on("error", (err) => {
        this.#die(new Error(`crashed: cannot start ${role}: ${err.message}`));
        live.delete(this);
        resolve();
      });
      this.child.on("exit", () => {
        // What it started dies with it: a grandchild holding its pipes would otherwise keep the run waiting.
        this.#killGroup();
        // One that left the group is not waited for either.
        setTimeout(() => {
          for (const s of this.child.stdio) s?.destroy();
        }, STOP_GRACE_MS).unref();
      });
      // Once its pipes are closed, so that an answer written just before it exited is still read.
      this.child.on("close", (code, signal) => {
        // Each reason reads as the fault it is reported as.
        this.#die(new Error(`crashed: ${role} exited with ${signal !== null ? `signal ${signal}` : `code ${code}`}`));
        live.delete(this);
        resolve();
      });
    });
  }

  /** The last few kilobytes of the implementation's output, from a line start, made safe to print. */
  get outputTail(): string {
    const t = this.#outputTail;
    const nl = t.length < OUTPUT_TAIL ? -1 : t.indexOf("\n");
    return printable((nl < 0 ? t : t.slice(nl + 1)).trim());
  }

  /** Forgets the output seen so far, at the start of a case. */
  clearOutput(): void {
    this.outputBytes = 0;
    this.#outputTail = "";
  }

  // The unterminated tail of the answers, in the pieces it came in: a
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

  /** The next line, or the reason there will be none: `timeout` when none came within `ms`. */
  next(ms: number, timeout: () => Error): Promise<string | Error> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        resolve(timeout());
      }, ms);
      this.#waiter = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.#deliver();
    });
  }

  send(message: object): void {
    if (this.#dead === null && this.#stdin.writable) this.#stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Asks the driver to stop: no more requests will come. */
  endInput(): void {
    this.#stdin.end();
  }

  /** Kills the driver's whole process group; what it still sends is read and dropped. */
  kill(): void {
    this.#answers.removeAllListeners("data");
    this.#answers.resume();
    this.#killGroup();
  }

  #killGroup(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // The group is gone already.
    }
  }
}

function parseObject(line: string): Record<string, unknown> | string {
  try {
    const v: unknown = JSON.parse(line);
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // Fall through to the complaint below.
  }
  return `protocol error: not a JSON object: ${printable(JSON.stringify(line.slice(0, 120)))}`;
}

/**
 * Runs cases through a driver program, restarting it after every fault.
 * A restart is not counted in the time of the case that follows it; it has
 * the start's own time limit.
 */
export class DriverExecutor implements CaseExecutor {
  info: ImplementationInfo = { name: "?", version: "?", language: "?", profile: "core" };
  readonly #command: DriverCommand;
  readonly #startTimeoutMs: number;
  #proc: DriverProcess | null = null;
  #seq = 0;
  /** Why a restart failed: the driver is not started again, and every later case fails at once with this. */
  #broken: string | undefined;

  private constructor(command: DriverCommand, startTimeoutMs: number) {
    this.#command = command;
    this.#startTimeoutMs = startTimeoutMs;
  }

  /**
   * Starts the driver and performs the handshake. `command` is a command
   * line (split on spaces, no shell) or a {@link DriverCommand}.
   * @throws DriverStartError saying why the driver cannot be used.
   */
  static async start(command: string | DriverCommand, startTimeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<DriverExecutor> {
    const exec = new DriverExecutor(typeof command === "string" ? { argv: splitCommand(command) } : command, startTimeoutMs);
    exec.info = await exec.#spawn();
    return exec;
  }

  get #label(): string {
    return this.#command.outputLabel ?? "standard error of the driver";
  }

  get #role(): string {
    return this.#command.role ?? "the driver";
  }

  async #spawn(): Promise<ImplementationInfo> {
    const timeoutMs = this.#startTimeoutMs;
    const proc = new DriverProcess(this.#command);
    this.#seq = 0;
    proc.send({ cmd: "start", version: PROTOCOL_VERSION });
    const line = await proc.next(timeoutMs, () => new Error(`no answer to the start after ${timeoutMs} ms`));
    const fail = async (why: string): Promise<never> => {
      proc.kill();
      await proc.exited;
      const tail = proc.outputTail;
      throw new DriverStartError(`${why}${tail === "" ? "" : `\n${this.#label}:\n${tail}`}`);
    };
    if (line instanceof Error) return fail(line.message);
    const msg = parseObject(line);
    if (typeof msg === "string") return fail(msg);
    const problem = protocolProblem("startAnswer", msg);
    if (problem !== undefined) return fail(`protocol error: the answer to the start: ${printable(problem)}`);
    const answer = msg as StartAnswer;
    if (!answer.ok) return fail(`${this.#role} refused to start: ${printable(answer.error)}`);
    if (answer.version !== PROTOCOL_VERSION) return fail(`${this.#role} speaks protocol version ${answer.version}; this runner speaks ${PROTOCOL_VERSION}`);
    this.#proc = proc;
    return sanitizedInfo(answer.implementation);
  }

  /** {@inheritDoc CaseExecutor.run} */
  async run(c: Case, timeoutMs = DEFAULT_CASE_TIMEOUT_MS): Promise<Run> {
    if (this.#broken !== undefined) return { trace: [], crash: this.#broken };
    if (this.#proc === null) {
      try {
        await this.#spawn();
      } catch (err) {
        this.#broken = `crashed: ${this.#role} could not be restarted: ${(err as Error).message}`;
        return { trace: [], crash: this.#broken };
      }
    }
    const proc = this.#proc as DriverProcess;
    const seq = ++this.#seq;
    proc.clearOutput();
    proc.send({ cmd: "run", seq, case: caseRequest(c) });
    const line = await proc.next(timeoutMs, () => new Error(`hung: no answer after ${timeoutMs} ms`));
    const withOutput = (run: Run): Run => {
      const output = proc.outputTail;
      return output === "" ? run : { ...run, output: `${this.#label}:\n${output}` };
    };
    const fault = async (why: string): Promise<Run> => {
      proc.kill();
      if (this.#proc === proc) this.#proc = null;
      await proc.exited;
      return withOutput({ trace: [], crash: why });
    };
    if (proc.outputBytes > MAX_OUTPUT_PER_CASE) return fault(`flooded its output: more than ${MAX_OUTPUT_PER_CASE} bytes during the case`);
    if (line instanceof Error) return fault(line.message);
    const msg = parseObject(line);
    if (typeof msg === "string") return fault(msg);
    // JSON, so that a seq sent as the string "7" does not read as the number expected.
    if (msg.seq === undefined) return fault(`protocol error: an answer without a seq, expected seq ${seq}`);
    if (msg.seq !== seq) return fault(`protocol error: answer for seq ${printable(JSON.stringify(msg.seq))}, expected ${seq}`);
    const problem = protocolProblem("runAnswer", msg);
    if (problem !== undefined) return fault(`protocol error: ${printable(problem)}`);
    // Give late output (valgrind writes after the fact) a moment to arrive.
    await new Promise((r) => setImmediate(r));
    const answer = msg as RunAnswer;
    const trace = answer.trace ?? [];
    if ("error" in answer) return withOutput({ trace, crash: `${this.#role} could not run the case: ${printable(answer.error)}` });
    return withOutput({ trace });
  }

  /** Asks the driver to stop, and kills its process group if it does not within a second; kills the group anyway once it exited. */
  async close(): Promise<void> {
    const proc = this.#proc;
    this.#proc = null;
    if (proc === null) return;
    proc.send({ cmd: "stop" });
    proc.endInput();
    const timer = setTimeout(() => proc.kill(), STOP_GRACE_MS);
    await proc.exited;
    clearTimeout(timer);
  }
}

/** The implementation's own words, made safe to print. */
function sanitizedInfo(info: ImplementationInfo): ImplementationInfo {
  const out: ImplementationInfo = { name: printable(info.name), version: printable(info.version), language: printable(info.language), profile: info.profile };
  if (info.deviations !== undefined) out.deviations = info.deviations.map((d) => ({ id: printable(d.id), reason: printable(d.reason) }));
  if (info.unsupported !== undefined) out.unsupported = info.unsupported.map((u) => ({ tag: printable(u.tag), reason: printable(u.reason) }));
  if (info.quirks !== undefined) out.quirks = [...info.quirks];
  return out;
}
