import { RESOLVED, type Clock, type Timer } from "./clock.js";
import { Messages } from "./messages.js";
import { WOULD_BLOCK } from "./stream-options.js";
import type { PassHost, WaitEventList } from "./wait-event.js";

/**
 * Something that can be flushed before a stream waits; a {@link ProtWriter}.
 * See {@link ProtStream.setFlushOnRead}.
 */
export interface Flushable {
  /** Bytes written but not yet handed on. */
  readonly buffered: number;
  /** Hands the buffered bytes on. */
  flush(): Promise<void>;
  /**
   * True while too much output waits for the peer: the waiting read holds
   * (reads no input, its read timeout still counting) until `flush()`
   * resolves. See {@link ProtWriter.blocked}.
   */
  readonly blocked?: boolean;
  /** Set when the output failed for good (see {@link ProtWriter.fatal}): the stream fails with it. */
  readonly fatal?: string | null;
}

/** The read waiting on a stream: what it returns once enough is buffered. @internal */
export const enum Op {
  Line,
  LineBytes,
  Getc,
  Peek,
  Read,
  Fill,
  Skip,
  Exact,
}

/** How a turn of a wait ended. */
const enum Outcome {
  /** Input arrived. */
  Data,
  /** The input ended, or the stream failed or was closed. */
  End,
  /** Non-blocking: the read would have had to wait. */
  Block,
  /** Nothing to settle now: the stream sleeps, or the read was rejected already. */
  Pending,
}

/**
 * A stream's read timeout and deadline, made when first set: most streams
 * have neither, and three numbers that are not small integers cost a
 * stream 56 bytes.
 * @internal
 */
export class ReadLimits {
  /** The read timeout in ticks; 0 means none. */
  readTimeout = 0;
  /** When a waiting read fails with "idle for too long", if there is a read timeout. */
  timeoutMark = Infinity;
  /** When a read that would wait fails with "deadline passed". */
  deadline = Infinity;

  /** The earliest of `at`, the timeout mark (with a read timeout) and the deadline. */
  earliest(at: number): number {
    if (this.readTimeout > 0 && this.timeoutMark < at) at = this.timeoutMark;
    return this.deadline < at ? this.deadline : at;
  }
}

/**
 * What a wait needs of its stream: its input, its failure, its source, its
 * settings, its wait events (the host is their list), and the callbacks it
 * runs with the stream as their argument.
 * @internal
 */
export interface WaitHost extends PassHost, Pick<WaitEventList, "earliest" | "fireDue"> {
  readonly clock: Clock;
  /** The stream's name, for error messages. */
  readonly name: string;
  /** No more input will come: it ended, or the stream failed or was closed. */
  readonly over: boolean;
  /** The stream has failed or was closed. */
  readonly failed: boolean;
  /** See {@link ProtStream.nonBlocking}; a bit of the stream's, as streams are many. */
  readonly nonBlocking: boolean;
  // The stream's settings that a wait reads, held here as fields rather
  // than reached through getters: a wait reads them each time it begins.
  /** The read timeout and deadline, or null when neither was ever set. */
  limits: ReadLimits | null;
  /** The writer flushed before the stream waits; see {@link ProtStream.setFlushOnRead}. */
  flushOnRead: Flushable | null;
  /** The stream's wait, kept by the stream between reads when it has one. */
  wait: ReadWait | null;
  /** What `op` returns from what is buffered now, or `undefined` if it has to wait. */
  tryOp(op: Op, n: number): unknown;
  /** The answer of a read that found the input over. */
  ending(): null;
  /** Fails the stream, buffered input included. */
  failStream(message: string, cause?: unknown): void;
  /** Pauses or resumes the source; nothing when it is so already. */
  pauseSource(paused: boolean): void;
  /** Runs the read callback once, if one is set, and clears it. */
  runReadCallback(): void;
}

/** Where a wait is: the low bits of its #bits. */
const enum State {
  /** No read waits. */
  Idle,
  /** A read waits and the wait is in a turn (or between turns, settling). */
  Turning,
  /** A read waits and sleeps until a timer, input or a change wakes it. */
  Sleeping,
  /** Woken: the wait goes on once the firing in progress is over, or in a promise job. */
  Woken,
}

/** A wait's #bits: its state, what it saw since it began, and the waiting read's op above them. */
const enum Bits {
  /** The mask of its {@link State}. */
  State = 3,
  /** Input arrived (or was pushed back) since the wait began. */
  Arrived = 4,
  /** The waiting read holds: the paired writer is blocked, so input that arrives does not end the wait and the source stays paused. */
  Holding = 8,
}

function stateOf(bits: number): State {
  return bits & Bits.State;
}

/** The {@link Op} of the waiting read is in a wait's #bits shifted by this many bits. */
const OP_SHIFT = 4;

type Settle = (value: unknown) => void;

function ignore(): void {}

/**
 * The wait of a stream's read: the loop documented on ProtStream, as a
 * state machine, with the read timeout, the deadline and the paired writer
 * it consults. beginWait and step each return how the wait ended, or
 * Pending when the stream went to sleep (to go on in the wake function) or the read
 * was rejected already (abandon); waitOn settles the read or, when new
 * input was not enough, waits again, in a loop rather than by recursion,
 * as a source may deliver any number of chunks synchronously while it is
 * resumed. The waiting read is one promise and these fields, no async
 * frames, so a connection idle in a read holds little more than the promise.
 *
 * A stream has one only from its first read that has to wait, and keeps it
 * from its first sleep on, with the timer and the wake function it made
 * for it; until then each such read makes one and lets it go when it
 * settles. A non-blocking read that would block never sleeps: a stream in a
 * select loop has no wait between its reads.
 *
 * Its helpers are private to TypeScript, not `#` methods: a class with
 * `#` methods gives each instance a hidden brand field, and a connection
 * waiting in a read holds a wait.
 * @internal
 */
export class ReadWait {
  readonly #host: WaitHost;
  // The state, whether input arrived, whether the read holds, and the read's
  // op, as bits of one field (see Bits) rather than three: each stream has a
  // wait. Masked in place rather than through accessors, which a wait woken
  // at every tick would call several times per firing.
  #bits: number = State.Idle;
  #opSize = 0;
  // The waiting read's resolve function; it is rejected by resolving it
  // with a rejected promise, so that it holds one function, not two.
  #resolve: Settle | null = null;
  // Removes the abort listener of the waiting read; a late abort knows by it whether its read still waits.
  #unlisten: (() => void) | null = null;
  // Made on the first sleep, then moved by arm (cancelled, not dropped, on waking).
  #timer: Timer | null = null;
  // The one function a wait needs: its timer's callback and, once woken,
  // what goes on with the wait. Bound rather than an arrow,
  // which would hold a context of its own for `this`: 48 bytes, not 96.
  // Made when first needed; once made, the stream keeps this wait.
  #wakeFn: (() => void) | null = null;

  private constructor(host: WaitHost) {
    this.#host = host;
  }

  /** A read is waiting. */
  get waiting(): boolean {
    return stateOf(this.#bits) !== State.Idle;
  }

  /** The read timeout, the deadline or the earliest mark may have moved. */
  rearm(): void {
    if (stateOf(this.#bits) === State.Sleeping) this.arm(this.#host.clock.now());
  }

  /** A read that waits: settles at once when it can, else becomes the waiting read of `host`. */
  static read(host: WaitHost, op: Op, n: number, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    const current = host.wait;
    const busy = current !== null && stateOf(current.#bits) !== State.Idle;
    let got: unknown;
    // While the paired writer is blocked, even buffered input waits for the output to drain;
    // once it failed for good, the wait fails the stream.
    const flush = host.flushOnRead;
    if (flush === null || (flush.blocked !== true && typeof flush.fatal !== "string") || host.nonBlocking || busy || host.over) {
      try {
        got = host.tryOp(op, n);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (got !== undefined) return Promise.resolve(got);
    if (host.over) return Promise.resolve(host.ending());
    if (busy) return Promise.reject(new Error(`${host.name}: another read is already waiting on this stream`));
    const wait = current ?? (host.wait = new ReadWait(host));
    // Idle, with nothing seen yet, and the read's op.
    wait.#bits = op << OP_SHIFT;
    wait.#opSize = n;
    const promise = new Promise(ReadWait.#capture);
    wait.#resolve = ReadWait.#captured;
    if (signal !== undefined) wait.listen(signal);
    wait.waitOn(wait.beginWait());
    return promise;
  }

  // A shared executor, so that a waiting read allocates no closure of its own.
  static #captured: Settle | null = null;
  static #capture(resolve: Settle): void {
    ReadWait.#captured = resolve;
  }

  /** Input arrived: a waiting read looks at it once woken. */
  inputArrived(): void {
    this.#bits |= Bits.Arrived;
  }

  /**
   * Ends the sleep of the waiting read, if it sleeps. It goes on, but not at
   * once: every timer and arrival due at this instant lands first
   * (WE-FIRE-6, WE-FIRE-7, WE-API-3). So it goes on once the clock's timers
   * of the firing in progress have run, where the clock can say when that
   * is, and otherwise in a promise job (not queueMicrotask, which makes an
   * async resource per call).
   */
  wake(): void {
    if (stateOf(this.#bits) !== State.Sleeping) return;
    this.#bits = (this.#bits & ~Bits.State) | State.Woken;
    this.#timer?.cancel();
    const clock = this.#host.clock;
    if (clock.afterFiring !== undefined) clock.afterFiring(this.onWake());
    else void RESOLVED.then(this.onWake());
  }

  private onWake(): () => void {
    return (this.#wakeFn ??= this.goOn.bind(this));
  }

  private goOn(): void {
    if (stateOf(this.#bits) === State.Sleeping) this.wake();
    else if (stateOf(this.#bits) === State.Woken) {
      this.#bits = (this.#bits & ~Bits.State) | State.Turning;
      const outcome = this.settled();
      this.waitOn(outcome === Outcome.Pending ? this.step() : outcome);
    }
  }

  /** Arms the timer of a sleeping read for its next reason to wake. */
  private arm(now: number): void {
    const host = this.#host;
    let at = host.earliest();
    const limits = host.limits;
    if (limits !== null) at = limits.earliest(at);
    if (at <= now) at = now + 1;
    const timer = this.#timer;
    if (at === Infinity) timer?.cancel();
    // The same timer, moved: a wait makes no timer where the clock allows it.
    else if (timer?.reschedule !== undefined) timer.reschedule(at);
    else {
      timer?.cancel();
      this.#timer = host.clock.schedule(at, this.onWake());
    }
  }

  /** Settles the read as `outcome` says, waiting again as long as the new input is not enough. */
  private waitOn(outcome: Outcome): void {
    while (outcome !== Outcome.Pending) {
      this.#bits = (this.#bits & ~Bits.State) | State.Idle;
      if (outcome === Outcome.Block) return this.resolveWith(WOULD_BLOCK);
      let got: unknown;
      try {
        got = this.#host.tryOp(this.#bits >> OP_SHIFT, this.#opSize);
      } catch (err) {
        return this.rejectWith(err);
      }
      if (got !== undefined) return this.resolveWith(got);
      if (outcome === Outcome.End) return this.resolveWith(this.#host.ending());
      outcome = this.beginWait();
    }
  }

  private isHolding(): boolean {
    return (this.#bits & Bits.Holding) !== 0;
  }

  /** How the wait ended while it was not looking (input, end, failure, close), or Pending. */
  private settled(): Outcome {
    if ((this.#bits & Bits.Arrived) !== 0 && !this.isHolding()) return Outcome.Data;
    if (this.#host.over) return Outcome.End;
    return Outcome.Pending;
  }

  /** Begins a wait: the read callback, then the first turn. */
  private beginWait(): Outcome {
    const host = this.#host;
    if (host.over) return Outcome.End;
    // Turning, with nothing seen yet.
    this.#bits = (this.#bits & ~(Bits.State | Bits.Arrived | Bits.Holding)) | State.Turning;
    try {
      host.pauseSource(false);
      host.runReadCallback();
    } catch (err) {
      return this.abandon(err);
    }
    // A failed read callback fails the stream as a failed event does: no pass runs after it.
    if (host.failed) return Outcome.End;
    return this.step();
  }

  /** One turn of the wait: a pass, then the end of the wait or a sleep. */
  private step(): Outcome {
    const host = this.#host;
    try {
      const now = host.clock.now();
      // One pass: the events due at `now` that were on the list when it began, in list order.
      host.fireDue(now, host);
      let ended = this.settled();
      if (ended !== Outcome.Pending) return ended;
      // After the pass, so that what its callbacks wrote goes out too.
      const flush = host.flushOnRead;
      if (flush !== null) {
        const blocked = flush.blocked === true;
        if (flush.buffered > 0 || blocked) {
          const flushed = flush.flush();
          // Held: woken when the output has drained (or failed), to look again.
          if (blocked) flushed.then(this.onWake(), this.onWake());
          else flushed.catch(ignore);
        }
        const fatal = flush.fatal;
        if (typeof fatal === "string") {
          host.failStream(fatal);
          return Outcome.End;
        }
        const held = this.isHolding() || blocked;
        const holding = blocked && flush.blocked === true;
        this.#bits = holding ? this.#bits | Bits.Holding : this.#bits & ~Bits.Holding;
        host.pauseSource(holding);
        // The hold is over, or the flush ended it at once: what was buffered
        // meanwhile (or before, which a read that began held did not take) may be enough now.
        if (held && !holding) return Outcome.Data;
        // Flushing can close the stream or bring input (an echo over one pipe).
        ended = this.settled();
        if (ended !== Outcome.Pending) return ended;
      }
      if (host.nonBlocking) return Outcome.Block;
      const limits = host.limits;
      if (limits !== null && limits.readTimeout > 0 && now >= limits.timeoutMark) {
        host.failStream(Messages.idle);
        return Outcome.End;
      }
      if (limits !== null && now >= limits.deadline) {
        host.failStream(Messages.deadline);
        return Outcome.End;
      }
      this.#bits = (this.#bits & ~Bits.State) | State.Sleeping;
      this.arm(now);
      return Outcome.Pending;
    } catch (err) {
      return this.abandon(err);
    }
  }

  /**
   * Something the wait called (the clock, the source, the flushable) threw:
   * the read rejects with it; the stream itself is not failed.
   */
  private abandon(err: unknown): Outcome.Pending {
    this.#bits = (this.#bits & ~Bits.State) | State.Idle;
    this.#timer?.cancel();
    this.rejectWith(err);
    return Outcome.Pending;
  }

  private resolveWith(value: unknown): void {
    const resolve = this.#resolve as Settle;
    this.release();
    resolve(value);
  }

  private rejectWith(err: unknown): void {
    const resolve = this.#resolve as Settle;
    this.release();
    resolve(Promise.reject(err));
  }

  /** The read is settled: what it held goes, and so does the wait, unless it ever slept. */
  private release(): void {
    this.#resolve = null;
    if (this.#unlisten !== null) this.stopListening();
    // Nothing can call back into a wait that never made its wake function: letting it go changes nothing.
    const host = this.#host;
    if (this.#wakeFn === null && host.wait === this) host.wait = null;
  }

  private stopListening(): void {
    const unlisten = this.#unlisten as () => void;
    this.#unlisten = null;
    unlisten();
  }

  /** Cancels the waiting read when `signal` aborts, if it still waits then. */
  private listen(signal: AbortSignal): void {
    const onAbort = (): void => {
      // After the turn that aborted: a pass or a settlement in progress finishes first.
      void RESOLVED.then(() => {
        if (this.#unlisten === unlisten && this.#resolve !== null) this.abandon(signal.reason);
      });
    };
    const unlisten = (): void => signal.removeEventListener("abort", onAbort);
    signal.addEventListener("abort", onAbort, { once: true });
    this.#unlisten = unlisten;
  }
}
