import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";
import { systemClock, type Clock, type Timer } from "./clock.js";
import { kindOf } from "./bytes.js";
import { InputBuffer } from "./input-buffer.js";
import { describe, Messages } from "./messages.js";
import { readableSource, type ByteSink, type ByteSource, type ReadableSourceOptions } from "./source.js";
import { checkMark, WaitEvent, WaitEventList, type WaitEventProc } from "./wait-event.js";

/**
 * What a read in non-blocking mode returns when it would have had to wait.
 * Distinct from `null`, which means the input ended or failed.
 */
export const WOULD_BLOCK: unique symbol = Symbol("prot-events.WOULD_BLOCK");

/** The type of {@link WOULD_BLOCK}. */
export type WouldBlock = typeof WOULD_BLOCK;

/**
 * The result of a read: the data, `null` when the input ended or failed
 * (see {@link ProtStream.error}), or {@link WOULD_BLOCK} in non-blocking
 * mode. On a stream made with `blockingOnly: true` (`B` is `true`), which
 * can never be non-blocking, the type has no {@link WOULD_BLOCK}: a
 * `string | null` annotation on `await s.readLine()` type-checks.
 */
export type ReadResult<T, B extends boolean = boolean> = B extends true ? T | null : T | null | WouldBlock;

/** Options of the reads that wait ({@link ProtStream.readLine} and the others). */
export interface ReadOptions {
  /**
   * Cancels the read if it is still waiting when the signal aborts: it
   * rejects with the signal's reason, having consumed nothing; buffered
   * input, events, timeouts and the stream itself are left as they were,
   * so a new read may start at once. A signal aborted already rejects the
   * read before it looks at the buffer.
   */
  signal?: AbortSignal;
}

/**
 * Called once, the next time a stream is about to wait for input; see
 * {@link ProtStream.setReadCallback}.
 */
export type ReadCallback<R = unknown> = (stream: ProtStream, rock: R) => void;

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

/** Options of {@link ProtStream}; `B` is the type of `blockingOnly`. */
export interface ProtStreamOptions<B extends boolean = boolean> {
  /** The clock that marks and timeouts are measured on. Default {@link systemClock}. */
  clock?: Clock;
  /** A name used in error messages. Default `"ProtStream"`. */
  name?: string;
  /** Longest line the line readers return, in bytes, terminator excluded. Default 65,536. */
  maxLine?: number;
  /** How lines and strings are decoded. Default `"utf8"`; `"latin1"` maps bytes one to one. */
  encoding?: BufferEncoding;
  /** Buffered bytes above which the source is paused. Default 65,536. */
  highWaterMark?: number;
  /** Read timeout in clock ticks, as {@link ProtStream.setTimeout}. Default 0 (none). */
  timeout?: number;
  /** Start in non-blocking mode. Default `false`. */
  nonBlocking?: boolean;
  /**
   * The stream is never switched to non-blocking mode (setting
   * {@link ProtStream.nonBlocking} throws), so its reads are typed without
   * {@link WOULD_BLOCK}. Default `false`; {@link protSocket} sets it.
   */
  blockingOnly?: B;
  /** For a Node `Readable`: destroy it on {@link ProtStream.close}. Default `true`. */
  destroyOnClose?: boolean;
}

/**
 * Told about a stream's changes by the stream itself, so that a group can
 * keep its ready set and deadline heap without scanning.
 * @internal
 */
export interface StreamWatcher {
  /** Input arrived, the input ended, or the stream failed or closed. */
  onReadable(stream: ProtStream): void;
  /** {@link ProtStream.nextDeadline} may have changed. */
  onDeadline(stream: ProtStream): void;
  /** The stream was closed. */
  onClosed(stream: ProtStream): void;
}

const RESOLVED = Promise.resolve();
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

/** The read waiting on a stream: what it returns once enough is buffered. */
const enum Op {
  Line,
  LineBytes,
  Getc,
  Peek,
  Read,
  Fill,
  Skip,
  Exact,
}

type Settle = (value: unknown) => void;

function isByteSource(x: Readable | ByteSource): x is ByteSource {
  return typeof (x as ByteSource).attach === "function";
}

/**
 * A buffered protocol read stream with wait events: the reference
 * implementation of the Cyrus prot layer's read side.
 *
 * Reads come in two forms. The `try` forms (`tryReadLine`, `tryGetc`,
 * `tryRead`, `tryPeek`) are synchronous: they take only what is already
 * buffered, never wait, never run events, and allocate no promise. The
 * plain forms (`readLine`, `getc`, `read`, `peek`, `fill`) return a promise
 * and, when nothing usable is buffered, wait for input. Waiting is where wait
 * events run:
 *
 * 1. The read callback, if one is set, runs once and is cleared.
 * 2. A pass runs: every event that was on the list when the pass began,
 *    is still on it, and has `mark <= now`, is called in list order.
 *    Events added during a pass wait for the next one.
 * 3. The flush-on-read writer, if any, is flushed (what the callbacks wrote
 *    included). In non-blocking mode the read returns {@link WOULD_BLOCK}.
 *    Otherwise, if the read timeout has expired, the read fails with
 *    "idle for too long"; if the {@link ProtStream.deadline} has come, with
 *    "deadline passed".
 * 4. The stream sleeps until input arrives (the read returns it), the read
 *    timeout expires, the deadline comes, or the earliest mark; but at least
 *    one tick, so an event left due (rescheduled to now or the past) fires
 *    once per tick and never keeps input out. Then it goes back to step 2.
 *
 * A read returns `null` when the input has ended or the stream has failed;
 * {@link ProtStream.error} then says why. Only one read may wait at a time.
 * If something the wait calls throws (the clock, the source's `resume`,
 * the flush-on-read writer's `flush`), the read rejects with that error and
 * the stream is not failed.
 */
export class ProtStream<out B extends boolean = boolean> {
  /** The clock marks and timeouts are measured on. */
  readonly clock: Clock;
  /** The name used in error messages. */
  readonly name: string;
  /** Longest line, in bytes, that the line readers return. */
  readonly maxLine: number;
  /** How lines and strings are decoded. */
  readonly encoding: BufferEncoding;
  /** Buffered bytes above which the source is paused. */
  readonly highWaterMark: number;

  #source: ByteSource;
  readonly #events: WaitEventList;
  readonly #input: InputBuffer;
  #arrivals = 0;
  #paused = false;
  #ended = false;
  #eof = false;
  #closed = false;
  #error: string | null = null;
  #cause: unknown = undefined;
  #readTimeout = 0;
  #timeoutMark = Infinity;
  #nonBlocking: boolean;
  readonly #blockingOnly: boolean;
  // Counts the reads that waited, so a late abort knows whether its read is still the one waiting.
  #waits = 0;
  #unlisten: (() => void) | null = null;
  #readCallback: ReadCallback<unknown> | null = null;
  #readCallbackRock: unknown = undefined;
  #flushOnRead: Flushable | null = null;
  // The waiting read holds: the paired writer is blocked, so input that
  // arrives does not end the wait and the source stays paused.
  #holding = false;
  #deadline = Infinity;
  // The waiting read, if any: one promise and these fields, no async frames,
  // so a connection idle in a read holds little more than the promise.
  #waiting = false;
  #sleeping = false;
  #woken = false;
  #op: Op = Op.Line;
  #opSize = 0;
  #arrivalsAtWait = 0;
  #resolve: Settle | null = null;
  #reject: Settle | null = null;
  // Made on the first sleep, then moved by #arm (cancelled, not dropped, on waking).
  #timer: Timer | null = null;
  #watchers: StreamWatcher[] | null = null;

  /**
   * @param source - a Node `Readable` (socket, pipe, any `Duplex`) or a {@link ByteSource}.
   * @param options - see {@link ProtStreamOptions}.
   * @throws RangeError naming the option whose value is out of range.
   * @throws Error when the Readable already feeds another stream.
   */
  constructor(source: Readable | ByteSource, options: ProtStreamOptions<B> = {}) {
    this.clock = options.clock ?? systemClock;
    this.name = options.name ?? "ProtStream";
    this.maxLine = positiveInt(options.maxLine ?? 65536, "maxLine");
    this.encoding = options.encoding ?? "utf8";
    if (!Buffer.isEncoding(this.encoding)) throw new RangeError(`ProtStream: unknown encoding ${String(this.encoding)}`);
    this.highWaterMark = positiveInt(options.highWaterMark ?? 65536, "highWaterMark");
    this.#nonBlocking = options.nonBlocking ?? false;
    this.#blockingOnly = options.blockingOnly ?? false;
    if (this.#blockingOnly && this.#nonBlocking) throw new RangeError("ProtStream: nonBlocking and blockingOnly cannot both be true");
    this.#input = new InputBuffer(this);
    this.#events = new WaitEventList(this);
    this.#source = isByteSource(source) ? source : readableSource(source, { destroyOnClose: options.destroyOnClose ?? true });
    if (options.timeout !== undefined) this.setTimeout(options.timeout);
    this.#source.attach(new ProtStream.#Sink(this));
  }

  // One small object per stream rather than a closure per method.
  static readonly #Sink = class implements ByteSink {
    readonly #stream: ProtStream;
    constructor(stream: ProtStream) {
      this.#stream = stream;
    }
    push(chunk: Buffer): void {
      this.#stream.#push(chunk);
    }
    end(): void {
      this.#stream.#inputEnded();
    }
    fail(message: string, cause?: unknown): void {
      this.#stream.#sourceFailed(message, cause);
    }
  };

  // ---- state --------------------------------------------------------------

  /**
   * Why reads return `null`: the failure message ("idle for too long", the
   * source's error, ...), or "end of file reached" once a read found the
   * input ended; `null` while the stream is fine. Like C's `prot_error`.
   */
  get error(): string | null {
    if (this.#error !== null) return this.#error;
    return this.#eof ? Messages.eof : null;
  }

  /** What was thrown or emitted behind {@link ProtStream.error}, if anything. */
  get errorCause(): unknown {
    return this.#cause;
  }

  /**
   * True once a read found the input ended (and nothing buffered), until the
   * stream is closed: then reads report "stream closed", and `eof` agrees
   * with {@link ProtStream.error}.
   */
  get eof(): boolean {
    return this.#eof && this.#error === null;
  }

  /** True after {@link ProtStream.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes consumed by reads so far. */
  get bytesIn(): number {
    return this.#input.bytesIn;
  }

  /** Bytes buffered and not yet read. */
  get buffered(): number {
    return this.#input.buffered;
  }

  /**
   * True when a read would return without waiting: input is buffered, the
   * input has ended, or the stream has failed or closed. What select reports.
   */
  get readable(): boolean {
    return this.#input.contiguous > 0 || this.#over;
  }

  // ---- settings -----------------------------------------------------------

  /** The read timeout in ticks; 0 means none. */
  get readTimeout(): number {
    return this.#readTimeout;
  }

  /**
   * The clock time at which a waiting read fails with "idle for too long";
   * Infinity without a read timeout. Input arriving moves it to
   * `now + readTimeout`.
   */
  get timeoutMark(): number {
    return this.#timeoutMark;
  }

  /**
   * Sets the read timeout to `ticks` (0 turns it off) and restarts it from
   * now. A read that waits until `now + ticks` without input fails with
   * "idle for too long" (events due at that instant still run first).
   * @throws RangeError when `ticks` is negative or not finite.
   */
  setTimeout(ticks: number): void {
    if (!Number.isFinite(ticks) || ticks < 0) {
      throw new RangeError(`${this.name}.setTimeout: ticks must be a finite number >= 0, got ${ticks}`);
    }
    this.#readTimeout = ticks;
    this.#timeoutMark = ticks > 0 ? this.clock.now() + ticks : Infinity;
    this.#deadlineChanged();
  }

  /** Restarts the read timeout from now, as input arriving does. */
  resetTimeout(): void {
    if (this.#readTimeout > 0) {
      this.#timeoutMark = this.clock.now() + this.#readTimeout;
      this.#deadlineChanged();
    }
  }

  /** The overall read deadline (an absolute clock time); Infinity when none. */
  get deadline(): number {
    return this.#deadline;
  }

  /**
   * Sets an overall read deadline at the absolute clock time `at`
   * (Infinity removes it): a read that would wait at or after `at` fails
   * with "deadline passed", however recently input arrived. The read timeout
   * catches a silent peer; this catches a slow one that sends a byte just
   * often enough to keep restarting the read timeout. Input does not move
   * it; events due at that instant still run first, and what is already
   * buffered (a whole line, say) is still returned. Not part of the C
   * contract: set it per connection (`now + limit`) or per command.
   * @throws RangeError when `at` is NaN.
   */
  setDeadline(at: number): void {
    if (typeof at !== "number" || Number.isNaN(at)) {
      throw new RangeError(`${this.name}.setDeadline: at must be an absolute clock time or Infinity, got ${String(at)}`);
    }
    this.#deadline = at;
    this.#deadlineChanged();
  }

  /**
   * Non-blocking mode: a read that would wait runs one pass of due events
   * and returns {@link WOULD_BLOCK} instead; neither the read timeout nor the
   * deadline applies.
   */
  get nonBlocking(): boolean {
    return this.#nonBlocking;
  }

  set nonBlocking(value: boolean) {
    if (value === this.#nonBlocking) return;
    if (this.#blockingOnly) throw new TypeError(`${this.name}: the stream was made blockingOnly and cannot be non-blocking`);
    this.#nonBlocking = value;
    // The read timeout and the deadline count towards the next deadline of blocking streams only.
    if (this.#readTimeout > 0 || this.#deadline !== Infinity) this.#deadlineChanged();
  }

  /**
   * Sets a callback to run once, the next time a read is about to wait
   * (before the pass of wait events), and then be cleared. `null` clears it.
   * If it throws, the stream fails as for a throwing wait event.
   */
  setReadCallback<R>(callback: ReadCallback<R> | null, rock?: R): void {
    this.#readCallback = callback as ReadCallback<unknown> | null;
    this.#readCallbackRock = rock;
  }

  /**
   * Pairs a writer whose buffered output is flushed whenever a read is about
   * to wait (after each pass of events, before sleeping), so a reply is
   * never stuck in a buffer while the stream waits for the next command.
   * While the writer is `blocked` (a peer that sends but does not read) the
   * waiting read holds: it reads no input and returns nothing until the
   * output drains, as C's blocking `prot_flush` would, while events still
   * run and the read timeout keeps counting. When the writer reports a
   * `fatal` failure (its `maxBuffered` passed) the stream fails with it.
   * `null` unpairs.
   */
  setFlushOnRead(writer: Flushable | null): void {
    this.#flushOnRead = writer;
  }

  // ---- wait events --------------------------------------------------------

  /**
   * Hangs an event on the stream, at the end of its list. `proc` runs while
   * the stream waits for input, once the clock reaches `mark` (an absolute
   * clock value, not an interval).
   * @returns the handle, for rescheduling (set `mark`) and for removal.
   * @throws TypeError when `mark` is not a number or `proc` not a function.
   */
  addWaitEvent<R>(mark: number, proc: WaitEventProc<R>, rock: R): WaitEvent<R> {
    checkMark(mark, `${this.name}.addWaitEvent`);
    if (typeof proc !== "function") {
      throw new TypeError(`${this.name}.addWaitEvent: proc must be a function, got ${typeof proc}`);
    }
    if (this.#closed) throw new Error(`${this.name}.addWaitEvent: the stream is closed`);
    return this.#events.add(mark, proc, rock);
  }

  /**
   * Unlinks `event` from the stream; it will not run again. Its rock is
   * neither examined nor released. An event that is not on this stream
   * (already removed, or another stream's) is left alone. Safe from inside
   * any callback of the stream, the event's own included.
   */
  removeWaitEvent<R>(event: WaitEvent<R>): void {
    this.#events.remove(event as unknown as WaitEvent);
  }

  /** The events on the stream, in list order. */
  get waitEvents(): WaitEvent[] {
    return this.#events.list();
  }

  /**
   * The earliest time at which something is due on the stream: the earliest
   * event mark or, for a blocking stream with a read timeout, the timeout
   * mark or the {@link ProtStream.deadline}. Infinity if none.
   */
  get nextDeadline(): number {
    let at = this.#events.earliest();
    if (this.#nonBlocking) return at;
    if (this.#readTimeout > 0 && this.#timeoutMark < at) at = this.#timeoutMark;
    return this.#deadline < at ? this.#deadline : at;
  }

  // ---- synchronous reads --------------------------------------------------

  /**
   * Returns the next line if a whole one is buffered (or the input has ended
   * after an unterminated last line), without its LF or CRLF; otherwise
   * `undefined`. Never waits.
   *
   * Where each byte decodes to one character (latin1, or ASCII input in
   * utf8), the lines of a chunk are slices of one string decoded from it, as
   * readline's lines are: a line kept for long keeps that string alive.
   * @throws LineTooLongError when the line is longer than `maxLine`.
   */
  tryReadLine(): string | undefined {
    return this.#input.readLine();
  }

  /**
   * The byte form of {@link ProtStream.tryReadLine}: the same line as bytes,
   * a view of the stream's buffer rather than a decoded string (no copy, no
   * decoding), for binary input or a parser that works on bytes. For text
   * whose bytes are its characters, `tryReadLine` is as fast: it slices each
   * line from one string decoded per chunk. The stream never writes into bytes it has handed out, so the
   * view stays valid; copy it only to keep it small.
   * @throws LineTooLongError when the line is longer than `maxLine`.
   */
  tryReadLineBytes(): Buffer | undefined {
    return this.#input.readLineBytes();
  }

  /** Returns the next byte (0-255) if one is buffered, else -1. Never waits. */
  tryGetc(): number {
    return this.#input.getc();
  }

  /** Returns the next byte without consuming it, or -1 if none is buffered. */
  tryPeek(): number {
    return this.#input.peek();
  }

  /**
   * Returns up to `n` buffered bytes (a copy), or `undefined` when none are
   * buffered. Never waits.
   * @throws RangeError when `n` is not a positive integer.
   */
  tryRead(n: number): Buffer | undefined {
    positiveInt(n, "read: n");
    return this.#input.read(n);
  }

  /**
   * Pushes `byte` back so that the next read returns it first, as C's
   * `prot_ungetc`. Meant for the byte just read; any byte works. Like
   * arriving input, it ends the wait of a read in progress (from a wait
   * event, say), which returns what it now finds buffered.
   * @throws RangeError when `byte` is not an integer 0-255.
   * @throws Error when the stream is closed.
   */
  ungetc(byte: number): void {
    if (!Number.isInteger(byte) || byte < 0 || byte > 255) {
      throw new RangeError(`${this.name}.ungetc: byte must be an integer 0-255, got ${byte}`);
    }
    if (this.#closed) throw new Error(`${this.name}.ungetc: the stream is closed`);
    this.#input.ungetc(byte);
    this.#arrivals++;
    this.#notifyReadable();
    this.#wake();
  }

  /**
   * Discards buffered bytes up to and including the next LF: the rest of a
   * line that {@link LineTooLongError} cut short, or a line not wanted.
   * True once the end of the line was discarded; false when everything
   * buffered was discarded and the line goes on. Never waits.
   */
  trySkipLine(): boolean {
    return this.#input.skipLine();
  }

  // ---- reads that wait ----------------------------------------------------

  /**
   * Reads a line, waiting (and running due events) as needed. The line comes
   * without its LF or CRLF. At the end of input an unterminated last line is
   * returned as it is; if the input failed instead, its bytes stay buffered
   * for {@link ProtStream.read} and the result is `null`.
   * @throws LineTooLongError (as a rejection) for a line over `maxLine`.
   */
  readLine(options?: ReadOptions): Promise<ReadResult<string, B>> {
    return this.#read(Op.Line, 0, options?.signal) as Promise<ReadResult<string, B>>;
  }

  /** The byte form of {@link ProtStream.readLine}: the line as bytes; see {@link ProtStream.tryReadLineBytes}. */
  readLineBytes(options?: ReadOptions): Promise<ReadResult<Buffer, B>> {
    return this.#read(Op.LineBytes, 0, options?.signal) as Promise<ReadResult<Buffer, B>>;
  }

  /**
   * Discards input up to and including the next LF, waiting (and running
   * due events) as needed; keeps nothing of it, so any length of line costs
   * no memory. Resolves `true` once the line's end was passed, or `null`
   * when the input ended or failed first. After a {@link LineTooLongError}
   * it makes the next read begin with the next line.
   */
  skipLine(): Promise<ReadResult<true>> {
    return this.#read(Op.Skip, 0) as Promise<ReadResult<true>>;
  }

  /** Reads one byte (0-255), waiting as needed. */
  getc(options?: ReadOptions): Promise<ReadResult<number, B>> {
    return this.#read(Op.Getc, 0, options?.signal) as Promise<ReadResult<number, B>>;
  }

  /** Returns the next byte without consuming it, waiting as needed. */
  peek(options?: ReadOptions): Promise<ReadResult<number, B>> {
    return this.#read(Op.Peek, 0, options?.signal) as Promise<ReadResult<number, B>>;
  }

  /**
   * Reads up to `n` bytes, as C's `prot_read`: whatever is buffered, up to
   * `n`, waiting only when nothing is.
   * @throws RangeError (as a rejection) when `n` is not a positive integer.
   */
  read(n: number, options?: ReadOptions): Promise<ReadResult<Buffer, B>> {
    return this.#read(Op.Read, n, options?.signal) as Promise<ReadResult<Buffer, B>>;
  }

  /**
   * Reads exactly `n` bytes, waiting (and running due events) until that
   * many are buffered: an IMAP literal, a length-prefixed frame. The bytes
   * are buffered until all have come, past `highWaterMark` if need be, so
   * bound `n` first (a literal's announced size comes from the peer); relay
   * a large body in pieces with {@link ProtStream.read} instead. If the
   * input ends or fails first the result is `null` and the bytes that came
   * stay buffered for {@link ProtStream.read}.
   * @throws RangeError (as a rejection) when `n` is not a positive integer.
   */
  readExactly(n: number, options?: ReadOptions): Promise<ReadResult<Buffer, B>> {
    if (!Number.isInteger(n) || n <= 0) {
      return Promise.reject(new RangeError(`${this.name}.readExactly: n must be a positive integer, got ${n}`));
    }
    return this.#read(Op.Exact, n, options?.signal) as Promise<ReadResult<Buffer, B>>;
  }

  /**
   * Waits until input is buffered, running due events while it waits, and
   * returns how many bytes are buffered; consumes nothing. Returns at once
   * when something is buffered already.
   */
  fill(options?: ReadOptions): Promise<ReadResult<number, B>> {
    return this.#read(Op.Fill, 0, options?.signal) as Promise<ReadResult<number, B>>;
  }

  /**
   * Moves the stream onto another source, keeping everything else: its wait
   * events, read timeout, deadline, counters and paired writer. This is the
   * read half of STARTTLS (see {@link ProtConnection.startTls}): the new
   * source is the TLS socket wrapping the old one. The old source is closed
   * as {@link ProtStream.close} would close it (a Readable is destroyed
   * unless `destroyOnClose` was false).
   *
   * Refused while input is buffered: bytes that came over the old source
   * after the command that asked for the switch would otherwise be read as
   * if they came over the new one (the STARTTLS command injection of
   * CVE-2011-0411 and its kin).
   * @param source - a Node `Readable` or a {@link ByteSource}.
   * @param options - for a Readable: whether closing the stream destroys it.
   * @throws Error naming the stream when input is buffered, a read is
   * waiting, or the stream is closed, failed or at its end.
   */
  switchSource(source: Readable | ByteSource, options: ReadableSourceOptions = {}): void {
    const refuse = (why: string): never => {
      throw new Error(`${this.name}.switchSource: refused, ${why}`);
    };
    if (this.#over) refuse(`the stream is over (${this.error ?? "input ended"})`);
    if (this.#waiting) refuse("a read is waiting");
    const buffered = this.#input.contiguous;
    if (buffered > 0) refuse(`${buffered} bytes of input are buffered from the old source`);
    this.#source.close();
    this.#paused = false;
    this.#source = isByteSource(source) ? source : readableSource(source, { destroyOnClose: options.destroyOnClose ?? true });
    this.#source.attach(new ProtStream.#Sink(this));
  }

  /**
   * The lines of the stream, for `for await (const line of stream)`: each
   * line as {@link ProtStream.readLine} returns it, until the input ends or
   * the stream fails or closes (then {@link ProtStream.error} says which).
   * A {@link LineTooLongError} is thrown out of the loop. Breaking out of
   * the loop leaves the stream open. Each line costs a promise and an
   * iterator result; the loop `s.tryReadLine() ?? (await s.readLine())`
   * costs neither while lines are buffered.
   * @throws TypeError when the stream is in non-blocking mode.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<string, void, undefined> {
    for (;;) {
      const line = this.tryReadLine() ?? (await this.readLine());
      if (line === null) return;
      if (line === WOULD_BLOCK) throw new TypeError(`${this.name}: a non-blocking stream cannot be iterated with for await`);
      yield line;
    }
  }

  // ---- closing ------------------------------------------------------------

  /**
   * Closes the stream: removes every event (their handles are detached),
   * cancels every timer, settles a waiting read with `null`, leaves every
   * group, and closes the source. Nothing of the stream keeps the process
   * alive afterwards. Closing twice does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#error === null) this.#error = Messages.closed;
    this.#events.clear();
    this.#readCallback = null;
    this.#readCallbackRock = undefined;
    this.#flushOnRead = null;
    this.#input.drop();
    this.#source.close();
    this.#wake();
    const watchers = this.#watchers;
    this.#watchers = null;
    if (watchers !== null) for (const w of watchers) w.onClosed(this);
  }

  /** @internal */
  watch(w: StreamWatcher): void {
    (this.#watchers ??= []).push(w);
  }

  /** @internal */
  unwatch(w: StreamWatcher): void {
    const ws = this.#watchers;
    const i = ws === null ? -1 : ws.indexOf(w);
    if (i >= 0) (ws as StreamWatcher[]).splice(i, 1);
  }

  /** @internal Called by the input buffer when everything buffered has been read. */
  inputDrained(): void {
    if (this.#paused) this.#resume();
  }

  /** @internal Called by the event list when its earliest mark changed. */
  earliestMarkChanged(): void {
    this.#deadlineChanged();
  }

  // ---- internals ----------------------------------------------------------

  /** No more input will come: it ended, or the stream failed or was closed (closing sets the error). */
  get #over(): boolean {
    return this.#error !== null || this.#ended;
  }

  #ending(): null {
    if (this.#error === null) this.#eof = true;
    return null;
  }

  #push(chunk: Buffer): void {
    const n = chunk.length;
    if (this.#over || n === 0) return;
    this.#input.push(chunk);
    this.#arrivals++;
    if (this.#readTimeout > 0) this.#timeoutMark = this.clock.now() + this.#readTimeout;
    if (!this.#paused && this.buffered > this.highWaterMark) {
      this.#paused = true;
      this.#source.pause();
    }
    this.#notifyReadable();
    if (this.#readTimeout > 0) this.#notifyDeadline();
    this.#wake();
  }

  #inputEnded(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#input.lastLineWhole = this.#error === null;
    this.#notifyReadable();
    this.#wake();
  }

  #sourceFailed(message: string, cause: unknown): void {
    this.#ended = true;
    // What arrived before the input failed stays readable.
    this.#fail(message, cause);
  }

  /** The stream itself failed (timeout, callback): it is over, buffered bytes included. */
  #failStream(message: string, cause?: unknown): void {
    if (this.#error !== null) return;
    this.#input.drop();
    this.#fail(message, cause);
  }

  #fail(message: string, cause?: unknown): void {
    if (this.#error !== null) return;
    this.#error = message;
    this.#input.lastLineWhole = false;
    this.#cause = cause;
    this.#notifyReadable();
    this.#wake();
  }

  #resume(): void {
    this.#paused = false;
    this.#source.resume();
  }

  #notifyReadable(): void {
    const ws = this.#watchers;
    if (ws !== null) for (let i = 0; i < ws.length; i++) (ws[i] as StreamWatcher).onReadable(this);
  }

  #notifyDeadline(): void {
    const ws = this.#watchers;
    if (ws !== null) for (let i = 0; i < ws.length; i++) (ws[i] as StreamWatcher).onDeadline(this);
  }

  #deadlineChanged(): void {
    if (this.#sleeping) this.#arm(this.clock.now());
    this.#notifyDeadline();
  }

  /** Ends the sleep of the waiting read, if it sleeps; it goes on in a microtask. */
  #wake(): void {
    if (!this.#sleeping) return;
    this.#sleeping = false;
    this.#timer?.cancel();
    this.#woken = true;
    // Not at once: every timer and arrival due at this instant lands first.
    // A promise job, not queueMicrotask, which makes an async resource per call.
    void RESOLVED.then(this.#onWake);
  }

  // The one closure a stream needs: its timer's callback and, once woken,
  // the microtask that goes on with the wait.
  readonly #onWake = (): void => {
    if (this.#sleeping) this.#wake();
    else if (this.#woken) {
      this.#woken = false;
      const outcome = this.#settled();
      this.#waitOn(outcome === Outcome.Pending ? this.#step() : outcome);
    }
  };

  /** Arms the timer of a sleeping read for its next reason to wake. */
  #arm(now: number): void {
    let at = this.#events.earliest();
    if (this.#readTimeout > 0 && this.#timeoutMark < at) at = this.#timeoutMark;
    if (this.#deadline < at) at = this.#deadline;
    if (at <= now) at = now + 1;
    const timer = this.#timer;
    if (at === Infinity) timer?.cancel();
    // The same timer, moved: a wait makes no timer where the clock allows it.
    else if (timer?.reschedule !== undefined) timer.reschedule(at);
    else {
      timer?.cancel();
      this.#timer = this.clock.schedule(at, this.#onWake);
    }
  }

  /** What `op` returns from what is buffered now, or `undefined` if it has to wait. */
  #try(op: Op, n: number): unknown {
    switch (op) {
      case Op.Line:
        return this.tryReadLine();
      case Op.LineBytes:
        return this.tryReadLineBytes();
      case Op.Getc: {
        const c = this.tryGetc();
        return c >= 0 ? c : undefined;
      }
      case Op.Peek: {
        const c = this.tryPeek();
        return c >= 0 ? c : undefined;
      }
      case Op.Read:
        return this.tryRead(n);
      case Op.Fill:
        return this.buffered > 0 ? this.buffered : undefined;
      case Op.Skip:
        return this.trySkipLine() ? true : undefined;
      case Op.Exact:
        return this.#input.contiguous >= n ? this.tryRead(n) : undefined;
    }
  }

  /** A read that waits: settles at once when it can, else becomes the waiting read. */
  #read(op: Op, n: number, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    let got: unknown;
    // While the paired writer is blocked, even buffered input waits for the output to drain;
    // once it failed for good, the wait fails the stream.
    const flush = this.#flushOnRead;
    if (flush === null || (flush.blocked !== true && typeof flush.fatal !== "string") || this.#nonBlocking || this.#waiting || this.#over) {
      try {
        got = this.#try(op, n);
      } catch (err) {
        return Promise.reject(err);
      }
    }
    if (got !== undefined) return Promise.resolve(got);
    if (this.#over) return Promise.resolve(this.#ending());
    if (this.#waiting) return Promise.reject(new Error(`${this.name}: another read is already waiting on this stream`));
    this.#op = op;
    this.#opSize = n;
    const promise = new Promise(ProtStream.#capture);
    this.#resolve = ProtStream.#captured[0];
    this.#reject = ProtStream.#captured[1];
    this.#waits++;
    if (signal !== undefined) this.#listen(signal);
    this.#waitOn(this.#beginWait());
    return promise;
  }

  // A shared executor, so that a waiting read allocates no closure of its own.
  static readonly #captured: [Settle | null, Settle | null] = [null, null];
  static #capture(resolve: Settle, reject: Settle): void {
    ProtStream.#captured[0] = resolve;
    ProtStream.#captured[1] = reject;
  }

  /*
   * The wait of a read that needs more input than is buffered is the loop
   * documented on the class, as a state machine: #beginWait and #step each
   * return how the wait ended, or Pending when the stream went to sleep (to
   * go on in #onWake) or the read was rejected already (#abandon); #waitOn
   * settles the read or, when new input was not enough, waits again, in a
   * loop rather than by recursion, as a source may deliver any number of
   * chunks synchronously while it is resumed.
   */

  /** Settles the read as `outcome` says, waiting again as long as the new input is not enough. */
  #waitOn(outcome: Outcome): void {
    while (outcome !== Outcome.Pending) {
      this.#waiting = false;
      if (outcome === Outcome.Block) return this.#resolveWith(WOULD_BLOCK);
      let got: unknown;
      try {
        got = this.#try(this.#op, this.#opSize);
      } catch (err) {
        return this.#rejectWith(err);
      }
      if (got !== undefined) return this.#resolveWith(got);
      if (outcome === Outcome.End) return this.#resolveWith(this.#ending());
      outcome = this.#beginWait();
    }
  }

  /** How the wait ended while it was not looking (input, end, failure, close), or Pending. */
  #settled(): Outcome {
    if (this.#arrivals !== this.#arrivalsAtWait && !this.#holding) return Outcome.Data;
    if (this.#over) return Outcome.End;
    return Outcome.Pending;
  }

  /** Begins a wait: the read callback, then the first turn. */
  #beginWait(): Outcome {
    if (this.#over) return Outcome.End;
    this.#waiting = true;
    this.#holding = false;
    this.#arrivalsAtWait = this.#arrivals;
    try {
      if (this.#paused) this.#resume();
      const cb = this.#readCallback;
      if (cb !== null) {
        const rock = this.#readCallbackRock;
        this.#readCallback = null;
        this.#readCallbackRock = undefined;
        try {
          const result: unknown = cb(this, rock);
          // An async callback: its rejection fails the stream rather than the process.
          if (isThenable(result)) result.then(undefined, (err: unknown) => this.#failStream(`read callback failed: ${describe(err)}`, err));
        } catch (err) {
          this.#failStream(`read callback failed: ${describe(err)}`, err);
        }
      }
    } catch (err) {
      return this.#abandon(err);
    }
    // A failed read callback fails the stream as a failed event does: no pass runs after it.
    if (this.#error !== null) return Outcome.End;
    return this.#step();
  }

  /** One turn of the wait: a pass, then the end of the wait or a sleep. */
  #step(): Outcome {
    try {
      const now = this.clock.now();
      this.#runPass(now);
      let ended = this.#settled();
      if (ended !== Outcome.Pending) return ended;
      // After the pass, so that what its callbacks wrote goes out too.
      const flush = this.#flushOnRead;
      if (flush !== null) {
        const blocked = flush.blocked === true;
        if (flush.buffered > 0 || blocked) {
          const flushed = flush.flush();
          // Held: woken when the output has drained (or failed), to look again.
          if (blocked) flushed.then(this.#onWake, this.#onWake);
          else flushed.catch(ignore);
        }
        const fatal = flush.fatal;
        if (typeof fatal === "string") {
          this.#failStream(fatal);
          return Outcome.End;
        }
        const held = this.#holding;
        this.#holding = blocked && flush.blocked === true;
        if (this.#holding) {
          if (!this.#paused) {
            this.#paused = true;
            this.#source.pause();
          }
        } else if (this.#paused) this.#resume();
        // The hold is over: what was buffered meanwhile (or before) may be enough now.
        if (held && !this.#holding) return Outcome.Data;
        // Flushing can close the stream or bring input (an echo over one pipe).
        ended = this.#settled();
        if (ended !== Outcome.Pending) return ended;
      }
      if (this.#nonBlocking) return Outcome.Block;
      if (this.#readTimeout > 0 && now >= this.#timeoutMark) {
        this.#failStream(Messages.idle);
        return Outcome.End;
      }
      if (now >= this.#deadline) {
        this.#failStream(Messages.deadline);
        return Outcome.End;
      }
      this.#sleeping = true;
      this.#arm(now);
      return Outcome.Pending;
    } catch (err) {
      return this.#abandon(err);
    }
  }

  /**
   * Something the wait called (the clock, the source, the flushable) threw:
   * the read rejects with it; the stream itself is not failed.
   */
  #abandon(err: unknown): Outcome.Pending {
    this.#waiting = false;
    this.#sleeping = false;
    this.#woken = false;
    this.#timer?.cancel();
    this.#rejectWith(err);
    return Outcome.Pending;
  }

  #resolveWith(value: unknown): void {
    const resolve = this.#resolve as Settle;
    this.#resolve = this.#reject = null;
    if (this.#unlisten !== null) this.#stopListening();
    resolve(value);
  }

  #rejectWith(err: unknown): void {
    const reject = this.#reject as Settle;
    this.#resolve = this.#reject = null;
    if (this.#unlisten !== null) this.#stopListening();
    reject(err);
  }

  #stopListening(): void {
    const unlisten = this.#unlisten as () => void;
    this.#unlisten = null;
    unlisten();
  }

  /** Cancels the waiting read when `signal` aborts, if it still waits then. */
  #listen(signal: AbortSignal): void {
    const wait = this.#waits;
    const onAbort = (): void => {
      // After the turn that aborted: a pass or a settlement in progress finishes first.
      void RESOLVED.then(() => {
        if (this.#waits === wait && this.#resolve !== null) this.#abandon(signal.reason);
      });
    };
    signal.addEventListener("abort", onAbort, { once: true });
    this.#unlisten = () => signal.removeEventListener("abort", onAbort);
  }

  /** One pass: the events due at `now` that were on the list when it began, in list order. */
  #runPass(now: number): void {
    const events = this.#events;
    const first = events.peek();
    if (first === undefined || first.mark > now) return;
    // Most passes run one event (a timeout, a ping): no list to build for it.
    if (events.onlyFirstDue(now)) {
      this.#fire(first, now);
      return;
    }
    const due = events.due(now);
    for (let i = 0; i < due.length; i++) {
      if (!this.#fire(due[i] as WaitEvent, now)) return;
    }
  }

  /** Runs one event of a pass; false when the pass has to stop. */
  #fire(ev: WaitEvent, now: number): boolean {
    // Skip what an earlier callback of this pass removed or moved into the future.
    if (ev.list !== this.#events || ev.mark > now) return true;
    let kept: unknown;
    try {
      kept = ev.proc(this, ev, ev.rock);
    } catch (err) {
      this.#events.remove(ev);
      this.#failStream(`wait event callback failed: ${describe(err)}`, err);
      return false;
    }
    if (kept === null || kept === undefined) this.#events.remove(ev);
    else if (!(kept instanceof WaitEvent)) {
      // Neither "keep" nor "removed": an async callback's promise, a stray value.
      this.#events.remove(ev);
      if (isThenable(kept)) kept.then(undefined, ignore);
      const what = isThenable(kept) ? "a Promise (a callback runs synchronously; an async function cannot be one)" : kindOf(kept);
      this.#failStream(`wait event callback failed: it returned ${what}, not the event or null`, kept);
      return false;
    }
    return this.#error === null;
  }
}

function ignore(): void {}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === "object" || typeof x === "function") && x !== null && typeof (x as PromiseLike<unknown>).then === "function";
}

function positiveInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`ProtStream: ${what} must be a positive integer, got ${n}`);
  return n;
}
