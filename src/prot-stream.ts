import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";
import { systemClock, type Clock } from "./clock.js";
import { kindOf } from "./bytes.js";
import { InputBuffer, type InputOwner } from "./input-buffer.js";
import { describe, Messages } from "./messages.js";
import { Op, ReadLimits, ReadWait, type Flushable, type WaitHost } from "./read-wait.js";
import { bytesOfChunk, listenTo, notBytes, stopListening, type ByteSink, type ByteSource, type ReadableListener, type ReadableSourceOptions } from "./source.js";
import { positiveInt, shareSettings, WOULD_BLOCK, type ProtStreamOptions, type ReadOptions, type ReadResult } from "./stream-options.js";
import { checkMark, WaitEventList, type ListedEvent } from "./wait-event.js";

/**
 * Called once, the next time a stream is about to wait for input; see
 * {@link ProtStream.setReadCallback}.
 */
export type ReadCallback<R = unknown> = (stream: ProtStream, rock: R) => void;

/**
 * A wait-event callback. It runs while `stream` waits for input, once the
 * clock has reached `event.mark`.
 *
 * It returns `event` to keep the event (after setting a new `event.mark` to
 * run again later), or `null` once it has removed the event with
 * {@link ProtStream.removeWaitEvent}. A stream takes `null` at its word: an
 * event whose callback returns `null` (or, from JavaScript, `undefined`) is
 * removed even if the callback forgot to remove it, so it can never fire
 * again. Any other return value (a stray number, the Promise of an `async`
 * function) fails the stream as a throw does, with a message naming what
 * was returned; a Promise's rejection is caught, never left unhandled. A
 * callback runs synchronously: start asynchronous work from it, but return
 * the event or `null`.
 *
 * A callback may remove or reschedule any event of the stream, and add new
 * ones; an event removed during a pass does not run later in it, and events
 * added during a pass first run at the next pass. If the callback throws, the
 * event is removed and the stream fails: the read in progress and every later
 * read return `null`, {@link ProtStream.error} is
 * `"wait event callback failed: <message>"` and
 * {@link ProtStream.errorCause} is what was thrown.
 */
export type WaitEventProc<R = unknown> = (stream: ProtStream, event: WaitEvent<R>, rock: R) => WaitEvent<R> | null;

/**
 * The handle of an event hung on a stream by {@link ProtStream.addWaitEvent}.
 *
 * `mark`, `proc` and `rock` may be changed at any time, also from inside any
 * callback of the stream; a new `mark` takes effect at once, also for a read
 * that is already waiting. The stream never examines or releases `rock`:
 * what it refers to belongs to the application.
 */
export class WaitEvent<R = unknown> {
  /** @internal */
  heapIndex = -1;
  /** @internal */
  list: WaitEventList | null;
  /** @internal */
  readonly seq: number;
  // A number from the start: declared bare, the field would hold undefined
  // first, and V8 would then keep any value in it, putting each mark that is
  // not a small integer (every mark on the system clock) in a new heap
  // number at every set. A number field keeps one box and rewrites it.
  #mark = 0;
  /** The callback; see {@link WaitEventProc}. */
  proc: WaitEventProc<R>;
  /** The application's value, passed to every call of `proc`. */
  rock: R;

  /** @internal */
  constructor(list: WaitEventList, seq: number, mark: number, proc: WaitEventProc<R>, rock: R) {
    this.list = list;
    this.seq = seq;
    this.#mark = mark;
    this.proc = proc;
    this.rock = rock;
  }

  /**
   * The absolute clock time at which the event becomes due (not an
   * interval). Set it to reschedule.
   */
  get mark(): number {
    return this.#mark;
  }

  set mark(mark: number) {
    checkMark(mark, "WaitEvent.mark");
    const old = this.#mark;
    this.#mark = mark;
    this.list?.markChanged(this, old);
  }

  /** The stream the event is on, or `null` once it has been removed. */
  get stream(): ProtStream | null {
    // Only a stream makes event lists.
    return this.list === null ? null : (this.list.owner as ProtStream);
  }
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
  readonly #o: StreamSettings;
  // A ByteSource, or the Readable the stream was given, which it listens
  // to itself (its OwnReadable flag): no source object per connection.
  #source: ByteSource | Readable;
  // Unread input, or InputBuffer.none while there is none: a buffer is made
  // when input arrives and let go once it is read (see #letGoOfInput). The
  // bytes read are counted in #inner.consumed, which outlives the buffers.
  #input = InputBuffer.none;
  // The stream's wait events, and what the source, the wait and the input
  // buffer call back, with the settings the wait reads as fields of its own.
  readonly #inner: WaitEventList & ByteSink & ReadableListener & WaitHost & InputOwner;
  // Paused, ended, eof, failed, closed, non-blocking: one field of bits
  // rather than six, as each connection has a stream.
  #flags = 0;
  // Why the stream failed and what caused it, and the read callback, as one
  // field made when first needed: most streams never fail (until closed)
  // or set a callback. The Failed bit of #flags says whether it failed.
  #rare: Rare | null = null;
  // Most streams are in one group at most: that one watcher itself, an array only for more.
  #watchers: StreamWatcher | StreamWatcher[] | null = null;

  /**
   * @param source - a Node `Readable` (socket, pipe, any `Duplex`) or a {@link ByteSource}.
   * @param options - see {@link ProtStreamOptions}.
   * @throws RangeError naming the option whose value is out of range.
   * @throws Error when the Readable already feeds another stream.
   */
  constructor(source: Readable | ByteSource, options: ProtStreamOptions<B> = {}) {
    const encoding = options.encoding ?? "utf8";
    if (!Buffer.isEncoding(encoding)) throw new RangeError(`ProtStream: unknown encoding ${String(encoding)}`);
    const o: StreamSettings = {
      clock: options.clock ?? systemClock,
      name: options.name ?? "ProtStream",
      maxLine: positiveInt(options.maxLine ?? 65536, "maxLine"),
      encoding,
      highWaterMark: positiveInt(options.highWaterMark ?? 65536, "highWaterMark"),
      blockingOnly: options.blockingOnly ?? false,
    };
    const nonBlocking = options.nonBlocking ?? false;
    if (o.blockingOnly && nonBlocking) throw new RangeError("ProtStream: nonBlocking and blockingOnly cannot both be true");
    this.#o = lastSettings = shareSettings(lastSettings, o);
    if (nonBlocking) this.#flags = Flag.NonBlocking;
    this.#inner = new ProtStream.#Inner(this);
    this.#source = source;
    if (options.timeout !== undefined) this.setTimeout(options.timeout);
    ProtStream.#attach(this, source, options.destroyOnClose ?? true);
  }

  // One small object per stream rather than a closure per method: what the
  // source and the wait call back, with the stream's private state in reach.
  // It is the stream's list of wait events too, which it extends: one
  // object and one field to the stream fewer per connection. The list's
  // owner is the stream.
  static readonly #Inner = class extends WaitEventList implements ByteSink, ReadableListener, WaitHost, InputOwner {
    // The wait of a read, made when a read first has to wait; see ReadWait.
    wait: ReadWait | null = null;
    consumed = 0;
    flushOnRead: Flushable | null = null;
    limits: ReadLimits | null = null;
    constructor(stream: ProtStream) {
      super(stream);
    }
    push(chunk: Buffer): void {
      ProtStream.#push(this.owner as ProtStream, chunk);
    }
    end(): void {
      ProtStream.#inputEnded(this.owner as ProtStream);
    }
    fail(message: string, cause?: unknown): void {
      ProtStream.#sourceFailed(this.owner as ProtStream, message, cause);
    }
    // What the stream's own Readable delivers: as a readableSource would,
    // to push, end and fail, pausing the Readable when a chunk comes that
    // finds a pause asked (see source.ts's ReadableByteSource for why then).
    data(chunk: unknown): void {
      const s = this.owner as ProtStream;
      const flags = s.#flags;
      if ((flags & Flag.Paused) !== 0 && (flags & Flag.ReadablePaused) === 0) {
        s.#flags |= Flag.ReadablePaused;
        (s.#source as Readable).pause();
      }
      const bytes = bytesOfChunk(chunk);
      if (bytes !== undefined) ProtStream.#push(s, bytes);
      else this.finish(notBytes(chunk));
    }
    finish(err: Error | null): void {
      const s = this.owner as ProtStream;
      // Heard once: the listeners find the stream no more.
      stopListening(s.#source as Readable, this);
      if (err === null) ProtStream.#inputEnded(s);
      else ProtStream.#sourceFailed(s, err.message, err);
    }
    get clock(): Clock {
      return (this.owner as ProtStream).clock;
    }
    get name(): string {
      return (this.owner as ProtStream).name;
    }
    get over(): boolean {
      return ((this.owner as ProtStream).#flags & (Flag.Failed | Flag.Ended)) !== 0;
    }
    get nonBlocking(): boolean {
      return ((this.owner as ProtStream).#flags & Flag.NonBlocking) !== 0;
    }
    get failed(): boolean {
      return ((this.owner as ProtStream).#flags & Flag.Failed) !== 0;
    }
    get encoding(): BufferEncoding {
      return (this.owner as ProtStream).encoding;
    }
    get maxLine(): number {
      return (this.owner as ProtStream).maxLine;
    }
    get lastLineWhole(): boolean {
      const s = this.owner as ProtStream;
      return (s.#flags & Flag.Ended) !== 0 && (s.#flags & Flag.Failed) === 0;
    }
    inputDrained(): void {
      const s = this.owner as ProtStream;
      // Let go first: resuming may deliver input at once, into a buffer of
      // its own. The buffer has counted what was read of it.
      s.#input = InputBuffer.none;
      if ((s.#flags & Flag.Paused) !== 0) ProtStream.#resume(s);
    }
    tryOp(op: Op, n: number): unknown {
      return ProtStream.#try(this.owner as ProtStream, op, n);
    }
    ending(): null {
      return ProtStream.#ending(this.owner as ProtStream);
    }
    failStream(message: string, cause?: unknown): void {
      ProtStream.#failStream(this.owner as ProtStream, message, cause);
    }
    pauseSource(paused: boolean): void {
      const s = this.owner as ProtStream;
      if (paused === ((s.#flags & Flag.Paused) !== 0)) return;
      if (paused) ProtStream.#pause(s);
      else ProtStream.#resume(s);
    }
    runReadCallback(): void {
      ProtStream.#runReadCallback(this.owner as ProtStream);
    }
    fire(ev: ListedEvent, now: number): boolean {
      return ProtStream.#fire(this.owner as ProtStream, ev as WaitEvent, now);
    }
  };

  // ---- settings, shared by streams made alike ------------------------------

  /** The clock marks and timeouts are measured on. */
  get clock(): Clock {
    return this.#o.clock;
  }

  /** The name used in error messages. */
  get name(): string {
    return this.#o.name;
  }

  /** Longest line, in bytes, that the line readers return. */
  get maxLine(): number {
    return this.#o.maxLine;
  }

  /** How lines and strings are decoded. */
  get encoding(): BufferEncoding {
    return this.#o.encoding;
  }

  /** Buffered bytes above which the source is paused. */
  get highWaterMark(): number {
    return this.#o.highWaterMark;
  }

  // ---- state --------------------------------------------------------------

  /**
   * Why reads return `null`: the failure message ("idle for too long", the
   * source's error, ...), or "end of file reached" once a read found the
   * input ended; `null` while the stream is fine. Like C's `prot_error`.
   */
  get error(): string | null {
    if ((this.#flags & Flag.Failed) !== 0) return (this.#rare as Rare).error;
    return ProtStream.#eof(this) ? Messages.eof : null;
  }

  /** What was thrown or emitted behind {@link ProtStream.error}, if anything. */
  get errorCause(): unknown {
    return this.#rare?.cause;
  }

  /**
   * True once a read found the input ended (and nothing buffered), until the
   * stream is closed: then reads report "stream closed", and `eof` agrees
   * with {@link ProtStream.error}.
   */
  get eof(): boolean {
    return (this.#flags & Flag.Eof) !== 0 && (this.#flags & Flag.Failed) === 0;
  }

  /** True after {@link ProtStream.close}. */
  get closed(): boolean {
    return ProtStream.#closed(this);
  }

  /** Bytes consumed by reads so far. */
  get bytesIn(): number {
    return this.#inner.consumed + this.#input.readInBuf;
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
    return this.#input.contiguous > 0 || ProtStream.#isOver(this);
  }

  // ---- settings -----------------------------------------------------------

  /** The read timeout in ticks; 0 means none. */
  get readTimeout(): number {
    return this.#inner.limits?.readTimeout ?? 0;
  }

  /**
   * The clock time at which a waiting read fails with "idle for too long";
   * Infinity without a read timeout. Input arriving moves it to
   * `now + readTimeout`.
   */
  get timeoutMark(): number {
    return this.#inner.limits?.timeoutMark ?? Infinity;
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
    if (ticks > 0 || this.#inner.limits !== null) {
      const limits = (this.#inner.limits ??= new ReadLimits());
      limits.readTimeout = ticks;
      limits.timeoutMark = ticks > 0 ? this.clock.now() + ticks : Infinity;
    }
    ProtStream.#deadlineChanged(this);
  }

  /** Restarts the read timeout from now, as input arriving does. */
  resetTimeout(): void {
    const limits = this.#inner.limits;
    if (limits !== null && limits.readTimeout > 0) {
      limits.timeoutMark = this.clock.now() + limits.readTimeout;
      ProtStream.#deadlineChanged(this);
    }
  }

  /** The overall read deadline (an absolute clock time); Infinity when none. */
  get deadline(): number {
    return this.#inner.limits?.deadline ?? Infinity;
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
    if (at !== Infinity || this.#inner.limits !== null) (this.#inner.limits ??= new ReadLimits()).deadline = at;
    ProtStream.#deadlineChanged(this);
  }

  /**
   * Non-blocking mode: a read that would wait runs one pass of due events
   * and returns {@link WOULD_BLOCK} instead; neither the read timeout nor the
   * deadline applies.
   */
  get nonBlocking(): boolean {
    return (this.#flags & Flag.NonBlocking) !== 0;
  }

  set nonBlocking(value: boolean) {
    if (value === this.nonBlocking) return;
    if (this.#o.blockingOnly) throw new TypeError(`${this.name}: the stream was made blockingOnly and cannot be non-blocking`);
    this.#flags = value ? this.#flags | Flag.NonBlocking : this.#flags & ~Flag.NonBlocking;
    // The read timeout and the deadline count towards the next deadline of blocking streams only.
    if (this.readTimeout > 0 || this.deadline !== Infinity) ProtStream.#deadlineChanged(this);
  }

  /**
   * Sets a callback to run once, the next time a read is about to wait
   * (before the pass of wait events), and then be cleared. `null` clears it.
   * If it throws, the stream fails as for a throwing wait event.
   */
  setReadCallback<R>(callback: ReadCallback<R> | null, rock?: R): void {
    if (callback !== null) {
      const rare = ProtStream.#more(this);
      rare.readCallback = callback as ReadCallback<unknown>;
      rare.rock = rock;
    } else ProtStream.#clearReadCallback(this);
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
    this.#inner.flushOnRead = writer;
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
    if (ProtStream.#closed(this)) throw new Error(`${this.name}.addWaitEvent: the stream is closed`);
    const events = this.#inner;
    const ev = new WaitEvent<R>(events, events.nextSeq(), mark, proc, rock);
    events.add(ev);
    return ev;
  }

  /**
   * Unlinks `event` from the stream; it will not run again. Its rock is
   * neither examined nor released. An event that is not on this stream
   * (already removed, or another stream's) is left alone. Safe from inside
   * any callback of the stream, the event's own included.
   */
  removeWaitEvent<R>(event: WaitEvent<R>): void {
    this.#inner.remove(event);
  }

  /** The events on the stream, in list order. */
  get waitEvents(): WaitEvent[] {
    return this.#inner.list() as WaitEvent[];
  }

  /**
   * The earliest time at which something is due on the stream: the earliest
   * event mark or, for a blocking stream with a read timeout, the timeout
   * mark or the {@link ProtStream.deadline}. Infinity if none.
   */
  get nextDeadline(): number {
    const at = this.#inner.earliest();
    const limits = this.#inner.limits;
    return limits === null || this.nonBlocking ? at : limits.earliest(at);
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
    if (ProtStream.#closed(this)) throw new Error(`${this.name}.ungetc: the stream is closed`);
    ProtStream.#inputToWrite(this).ungetc(byte);
    this.#inner.wait?.inputArrived();
    ProtStream.#notifyReadable(this);
    this.#inner.wait?.wake();
  }

  /**
   * Discards buffered bytes up to and including the next LF: the rest of a
   * line that {@link LineTooLongError} cut short, or a line not wanted.
   * True once the end of the line was discarded; false when everything
   * buffered was discarded and the line goes on. Never waits.
   */
  trySkipLine(): boolean {
    for (;;) {
      const input = this.#input;
      if (input.skipLine()) return true;
      // Reading it all let the buffer go, and the source, resumed, may have
      // brought more at once, into a new buffer. This ends: each turn
      // discards a whole buffer of at least one byte, and a new one comes
      // only from a source that was paused and delivered during its resume,
      // which gives what it holds (a Readable delivers later, never within
      // resume); a source that made input without end inside resume would
      // keep any reader going as long.
      if (this.#input === input) return false;
    }
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
    return ReadWait.read(this.#inner, Op.Line, 0, options?.signal) as Promise<ReadResult<string, B>>;
  }

  /** The byte form of {@link ProtStream.readLine}: the line as bytes; see {@link ProtStream.tryReadLineBytes}. */
  readLineBytes(options?: ReadOptions): Promise<ReadResult<Buffer, B>> {
    return ReadWait.read(this.#inner, Op.LineBytes, 0, options?.signal) as Promise<ReadResult<Buffer, B>>;
  }

  /**
   * Discards input up to and including the next LF, waiting (and running
   * due events) as needed; keeps nothing of it, so any length of line costs
   * no memory. Resolves `true` once the line's end was passed, or `null`
   * when the input ended or failed first. After a {@link LineTooLongError}
   * it makes the next read begin with the next line.
   */
  skipLine(): Promise<ReadResult<true>> {
    return ReadWait.read(this.#inner, Op.Skip, 0) as Promise<ReadResult<true>>;
  }

  /** Reads one byte (0-255), waiting as needed. */
  getc(options?: ReadOptions): Promise<ReadResult<number, B>> {
    return ReadWait.read(this.#inner, Op.Getc, 0, options?.signal) as Promise<ReadResult<number, B>>;
  }

  /** Returns the next byte without consuming it, waiting as needed. */
  peek(options?: ReadOptions): Promise<ReadResult<number, B>> {
    return ReadWait.read(this.#inner, Op.Peek, 0, options?.signal) as Promise<ReadResult<number, B>>;
  }

  /**
   * Reads up to `n` bytes, as C's `prot_read`: whatever is buffered, up to
   * `n`, waiting only when nothing is.
   * @throws RangeError (as a rejection) when `n` is not a positive integer.
   */
  read(n: number, options?: ReadOptions): Promise<ReadResult<Buffer, B>> {
    return ReadWait.read(this.#inner, Op.Read, n, options?.signal) as Promise<ReadResult<Buffer, B>>;
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
    return ReadWait.read(this.#inner, Op.Exact, n, options?.signal) as Promise<ReadResult<Buffer, B>>;
  }

  /**
   * Waits until input is buffered, running due events while it waits, and
   * returns how many bytes are buffered; consumes nothing. Returns at once
   * when something is buffered already.
   */
  fill(options?: ReadOptions): Promise<ReadResult<number, B>> {
    return ReadWait.read(this.#inner, Op.Fill, 0, options?.signal) as Promise<ReadResult<number, B>>;
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
    if (ProtStream.#isOver(this)) refuse(`the stream is over (${this.error ?? "input ended"})`);
    if (this.#inner.wait?.waiting === true) refuse("a read is waiting");
    const buffered = this.#input.contiguous;
    if (buffered > 0) refuse(`${buffered} bytes of input are buffered from the old source`);
    ProtStream.#closeSource(this);
    this.#flags &= ~Flag.Paused;
    this.#source = source;
    ProtStream.#attach(this, source, options.destroyOnClose ?? true);
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
    if (ProtStream.#closed(this)) return;
    this.#flags |= Flag.Closed;
    if ((this.#flags & Flag.Failed) === 0) ProtStream.#setError(this, Messages.closed, undefined);
    this.#inner.clear();
    ProtStream.#clearReadCallback(this);
    this.#inner.flushOnRead = null;
    ProtStream.#letGoOfInput(this);
    ProtStream.#closeSource(this);
    this.#inner.wait?.wake();
    const watchers = this.#watchers;
    this.#watchers = null;
    if (Array.isArray(watchers)) for (const w of watchers) w.onClosed(this);
    else watchers?.onClosed(this);
  }

  /** @internal */
  watch(w: StreamWatcher): void {
    const ws = this.#watchers;
    if (ws === null) this.#watchers = w;
    // A literal: an array made empty and pushed to has room for 17.
    else if (Array.isArray(ws)) ws.push(w);
    else this.#watchers = [ws, w];
  }

  /** @internal */
  unwatch(w: StreamWatcher): void {
    const ws = this.#watchers;
    if (ws === w) this.#watchers = null;
    else if (Array.isArray(ws)) {
      const i = ws.indexOf(w);
      if (i >= 0) ws.splice(i, 1);
    }
  }

  /** @internal Called by the event list when its earliest mark changed. */
  earliestMarkChanged(): void {
    ProtStream.#deadlineChanged(this);
  }

  // ---- internals ----------------------------------------------------------

  static #more(s: ProtStream): Rare {
    return (s.#rare ??= { error: "", cause: undefined, readCallback: null, rock: undefined });
  }

  /** The stream fails with `message`: reads return null, and error says why. */
  static #setError(s: ProtStream, message: string, cause: unknown): void {
    s.#flags |= Flag.Failed;
    const rare = ProtStream.#more(s);
    rare.error = message;
    rare.cause = cause;
  }

  static #clearReadCallback(s: ProtStream): void {
    const rare = s.#rare;
    if (rare === null) return;
    rare.readCallback = null;
    // The stream keeps nothing of the application's once the callback is gone.
    rare.rock = undefined;
  }

  /** No more input will come from the source. */
  static #hasEnded(s: ProtStream): boolean {
    return (s.#flags & Flag.Ended) !== 0;
  }

  /** A read found the input ended and nothing buffered. */
  static #eof(s: ProtStream): boolean {
    return (s.#flags & Flag.Eof) !== 0;
  }

  static #closed(s: ProtStream): boolean {
    return (s.#flags & Flag.Closed) !== 0;
  }

  /**
   * No more input will come: it ended, or the stream failed or was closed
   * (closing sets the error). The per-chunk path (#push, the inner's `over`)
   * tests the bits in place: called there, this was compiled on its own.
   */
  static #isOver(s: ProtStream): boolean {
    return (s.#flags & (Flag.Failed | Flag.Ended)) !== 0;
  }

  static #ending(s: ProtStream): null {
    if ((s.#flags & Flag.Failed) === 0) s.#flags |= Flag.Eof;
    return null;
  }

  static #push(s: ProtStream, chunk: Buffer): void {
    const n = chunk.length;
    if ((s.#flags & (Flag.Failed | Flag.Ended)) !== 0 || n === 0) return;
    const input = ProtStream.#inputToWrite(s);
    input.push(chunk);
    s.#inner.wait?.inputArrived();
    const limits = s.#inner.limits;
    const timed = limits !== null && limits.readTimeout > 0;
    if (timed) limits.timeoutMark = s.#o.clock.now() + limits.readTimeout;
    if ((s.#flags & Flag.Paused) === 0 && input.buffered > s.#o.highWaterMark) ProtStream.#pause(s);
    ProtStream.#notifyReadable(s);
    if (timed) ProtStream.#notifyDeadline(s);
    s.#inner.wait?.wake();
  }

  static #inputEnded(s: ProtStream): void {
    if (ProtStream.#hasEnded(s)) return;
    s.#flags |= Flag.Ended;
    ProtStream.#notifyReadable(s);
    s.#inner.wait?.wake();
  }

  static #sourceFailed(s: ProtStream, message: string, cause: unknown): void {
    s.#flags |= Flag.Ended;
    // What arrived before the input failed stays readable.
    ProtStream.#fail(s, message, cause);
  }

  /** The stream itself failed (timeout, callback): it is over, buffered bytes included. */
  static #failStream(s: ProtStream, message: string, cause?: unknown): void {
    if ((s.#flags & Flag.Failed) !== 0) return;
    ProtStream.#letGoOfInput(s);
    ProtStream.#fail(s, message, cause);
  }

  static #fail(s: ProtStream, message: string, cause?: unknown): void {
    if ((s.#flags & Flag.Failed) !== 0) return;
    ProtStream.#setError(s, message, cause);
    ProtStream.#notifyReadable(s);
    s.#inner.wait?.wake();
  }

  /** The input buffer, made if the stream has none. */
  static #inputToWrite(s: ProtStream): InputBuffer {
    const input = s.#input;
    return input !== InputBuffer.none ? input : (s.#input = new InputBuffer(s.#inner));
  }

  /** Forgets the buffered input, if any, and the buffer with it. */
  static #letGoOfInput(s: ProtStream): void {
    const input = s.#input;
    if (input === InputBuffer.none) return;
    // Counts what was read of it.
    input.drop();
    s.#input = InputBuffer.none;
  }

  /** The read timeout, the deadline or the earliest mark may have moved. */
  static #deadlineChanged(s: ProtStream): void {
    s.#inner.wait?.rearm();
    ProtStream.#notifyDeadline(s);
  }

  /** Starts reading from `source`, the stream's #source now: a Readable the stream listens to itself. */
  static #attach(s: ProtStream, source: Readable | ByteSource, destroyOnClose: boolean): void {
    s.#flags &= ~(Flag.OwnReadable | Flag.ReadablePaused | Flag.DestroyOnClose);
    if (isByteSource(source)) source.attach(s.#inner);
    else {
      s.#flags |= destroyOnClose ? Flag.OwnReadable | Flag.DestroyOnClose : Flag.OwnReadable;
      listenTo(source, s.#inner);
    }
  }

  // An own Readable is paused when its next chunk comes (see #Inner.data): nothing to do yet.
  static #pause(s: ProtStream): void {
    s.#flags |= Flag.Paused;
    if ((s.#flags & Flag.OwnReadable) === 0) (s.#source as ByteSource).pause();
  }

  static #resume(s: ProtStream): void {
    const flags = s.#flags;
    s.#flags = flags & ~(Flag.Paused | Flag.ReadablePaused);
    if ((flags & Flag.OwnReadable) === 0) (s.#source as ByteSource).resume();
    else if ((flags & Flag.ReadablePaused) !== 0) (s.#source as Readable).resume();
  }

  /** Stops reading from the source for good, and lets it go (destroys an own Readable, if asked to). */
  static #closeSource(s: ProtStream): void {
    const source = s.#source;
    if ((s.#flags & Flag.OwnReadable) === 0) (source as ByteSource).close();
    else {
      stopListening(source as Readable, s.#inner);
      if ((s.#flags & Flag.DestroyOnClose) !== 0) (source as Readable).destroy();
    }
  }

  static #notifyReadable(s: ProtStream): void {
    const ws = s.#watchers;
    if (ws === null) return;
    if (!Array.isArray(ws)) ws.onReadable(s);
    else for (let i = 0; i < ws.length; i++) (ws[i] as StreamWatcher).onReadable(s);
  }

  static #notifyDeadline(s: ProtStream): void {
    const ws = s.#watchers;
    if (ws === null) return;
    if (!Array.isArray(ws)) ws.onDeadline(s);
    else for (let i = 0; i < ws.length; i++) (ws[i] as StreamWatcher).onDeadline(s);
  }

  /** What `op` returns from what is buffered now, or `undefined` if it has to wait. */
  static #try(s: ProtStream, op: Op, n: number): unknown {
    switch (op) {
      case Op.Line:
        return s.tryReadLine();
      case Op.LineBytes:
        return s.tryReadLineBytes();
      case Op.Getc: {
        const c = s.tryGetc();
        return c >= 0 ? c : undefined;
      }
      case Op.Peek: {
        const c = s.tryPeek();
        return c >= 0 ? c : undefined;
      }
      case Op.Read:
        return s.tryRead(n);
      case Op.Fill:
        return s.buffered > 0 ? s.buffered : undefined;
      case Op.Skip:
        return s.trySkipLine() ? true : undefined;
      case Op.Exact:
        return s.#input.contiguous >= n ? s.tryRead(n) : undefined;
    }
  }

  /** Runs the read callback, if one is set, once; a callback that fails fails the stream. */
  static #runReadCallback(s: ProtStream): void {
    const rare = s.#rare;
    const cb = rare?.readCallback ?? null;
    if (rare === null || cb === null) return;
    const rock = rare.rock;
    ProtStream.#clearReadCallback(s);
    try {
      const result: unknown = cb(s, rock);
      // An async callback: its rejection fails the stream rather than the process.
      if (isThenable(result)) result.then(undefined, (err: unknown) => ProtStream.#failStream(s, `read callback failed: ${describe(err)}`, err));
    } catch (err) {
      ProtStream.#failStream(s, `read callback failed: ${describe(err)}`, err);
    }
  }

  /** Runs one event of a pass; false when the pass has to stop. */
  static #fire(s: ProtStream, ev: WaitEvent, now: number): boolean {
    // Skip what an earlier callback of s pass removed or moved into the future.
    const events = s.#inner;
    if (ev.list !== events || ev.mark > now) return true;
    let kept: unknown;
    try {
      kept = ev.proc(s, ev, ev.rock);
    } catch (err) {
      events.remove(ev);
      ProtStream.#failStream(s, `wait event callback failed: ${describe(err)}`, err);
      return false;
    }
    if (kept === null || kept === undefined) events.remove(ev);
    else if (kept !== ev && !(kept instanceof WaitEvent)) {
      // Neither "keep" nor "removed": an async callback's promise, a stray value.
      events.remove(ev);
      if (isThenable(kept)) kept.then(undefined, ignore);
      const what = isThenable(kept) ? "a Promise (a callback runs synchronously; an async function cannot be one)" : kindOf(kept);
      ProtStream.#failStream(s, `wait event callback failed: it returned ${what}, not the event or null`, kept);
      return false;
    }
    return (s.#flags & Flag.Failed) === 0;
  }
}

/** The bits of a stream's #flags. */
const enum Flag {
  /** The source was asked to pause: the buffer is over highWaterMark. */
  Paused = 1,
  Ended = 2,
  Eof = 4,
  Closed = 8,
  /** The source is a Readable the stream listens to itself. */
  OwnReadable = 16,
  /** Reads that would wait return WOULD_BLOCK. */
  NonBlocking = 32,
  /** The stream failed or was closed: its Rare part holds the error. */
  Failed = 64,
  /** The own Readable was paused, by a chunk that found Paused set. */
  ReadablePaused = 128,
  /** Closing the stream destroys its own Readable. */
  DestroyOnClose = 256,
}

/** What few streams hold: why the stream failed and its cause, and a read callback with its rock. */
interface Rare {
  /** Meaningful once the stream's Failed bit is set. */
  error: string;
  cause: unknown;
  readCallback: ReadCallback<unknown> | null;
  rock: unknown;
}

/** A stream's settings, shared by streams made alike one after another. */
interface StreamSettings {
  readonly clock: Clock;
  readonly name: string;
  readonly maxLine: number;
  readonly encoding: BufferEncoding;
  readonly highWaterMark: number;
  readonly blockingOnly: boolean;
}

let lastSettings: StreamSettings | null = null;

function ignore(): void {}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === "object" || typeof x === "function") && x !== null && typeof (x as PromiseLike<unknown>).then === "function";
}
