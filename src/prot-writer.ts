import { Socket } from "node:net";
import type { Writable } from "node:stream";
import { bytesOf, kindOf } from "./bytes.js";
import { RESOLVED } from "./clock.js";
import { imapForm } from "./imap-quote.js";
import { describe } from "./messages.js";
import { formatC } from "./printf.js";
import { ignoreError } from "./source.js";
import { shareSettings } from "./stream-options.js";

/** Options of {@link ProtWriter}. */
export interface ProtWriterOptions {
  /** A name used in error messages. Default `"ProtWriter"`. */
  name?: string;
  /** Bytes buffered before they are handed to the sink on their own. Default 4096. */
  bufferSize?: number;
  /**
   * How strings are encoded. Default `"utf8"`. Only encodings that keep
   * ASCII as it is are offered: the protocol's own punctuation (quotes,
   * `{n}`, CRLF) goes through the same encoding.
   */
  encoding?: "utf8" | "latin1" | "ascii";
  /**
   * This end is an IMAP client: literals go out as `{n+}` (LITERAL+,
   * RFC 7888), which the server takes without a continuation. Default `false`.
   */
  isClient?: boolean;
  /** End the sink on {@link ProtWriter.close}. Default `true`. */
  endOnClose?: boolean;
  /**
   * Bytes waiting for the peer (buffered here or queued in the sink) above
   * which the writer is {@link ProtWriter.blocked}: a paired
   * {@link ProtStream} then holds its waiting read, and reads no more input,
   * until the output drains. Default 1 MiB.
   */
  highWaterMark?: number;
  /**
   * Bytes waiting for the peer that a write may never go beyond: the write
   * that would throws {@link ProtOutputLimitError}, the writer fails, what it
   * holds is released, and a paired stream fails with the same message.
   * It stops a peer that sends requests but never reads the replies from
   * filling the server's memory. Default 16 MiB; await
   * {@link ProtWriter.flush} between larger pieces of output.
   */
  maxBuffered?: number;
}

/**
 * Thrown by a {@link ProtWriter} whose sink is closed or failed; the message
 * says which writer and why.
 */
export class ProtWriteError extends Error {
  /** @internal */
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "ProtWriteError";
  }
}

/**
 * Thrown by a write that would take the output waiting for the peer past
 * the writer's `maxBuffered`: the peer is not reading. The writer has failed
 * with the same message.
 */
export class ProtOutputLimitError extends ProtWriteError {
  /** The writer's `maxBuffered`. */
  readonly limit: number;
  /** @internal */
  constructor(message: string, limit: number) {
    super(message);
    this.name = "ProtOutputLimitError";
    this.limit = limit;
  }
}

/**
 * A buffered protocol write stream over a Node `Writable`: the write side of
 * the prot layer. Writes go to a buffer and never wait; the buffer is handed
 * to the sink when it fills, on {@link ProtWriter.flush}, and before a paired
 * {@link ProtStream} waits for input (see `setFlushOnRead`).
 *
 * Backpressure: when the sink asks to slow down, nothing more is handed to it
 * until it drains; `await writer.flush()` resolves only then, so a producer
 * that awaits its flushes never outruns its peer. A server that writes
 * replies without awaiting them is bounded too: past `highWaterMark` bytes
 * waiting for the peer a paired stream's waiting read holds until they
 * drain, and past `maxBuffered` the write throws
 * {@link ProtOutputLimitError} and the connection's read fails.
 *
 * Arguments are checked before anything changes: a write of something that
 * is neither a string nor bytes throws a TypeError and leaves the writer as
 * it was.
 */
export class ProtWriter {
  #sink: Writable;
  readonly #o: WriterSettings;
  // Taken at the first write after a hand-on: an idle connection holds no buffer.
  #buf: Buffer | null = null;
  #len = 0;
  #bytesOut = 0;
  // Closed, in a message, overflowed, a client: one field of bits, as every connection that writes has a writer.
  #flags = 0;
  // What few writers need, made when first needed: an idle connection holds none.
  #rare: Rare | null = null;

  /**
   * @param sink - a Node `Writable`: a socket, a pipe, any `Duplex`.
   * @param options - see {@link ProtWriterOptions}.
   */
  constructor(sink: Writable, options: ProtWriterOptions = {}) {
    const o = writerSettings(options);
    if (o.isClient) this.#flags = Flags.Client;
    this.#o = o;
    this.#sink = sink;
    guard(sink);
  }

  /** The name used in error messages. */
  get name(): string {
    return this.#o.name;
  }

  /** Whether literals are sent as `{n+}`. Set from the `isClient` option; may be changed. */
  get isClient(): boolean {
    return (this.#flags & Flags.Client) !== 0;
  }

  set isClient(value: boolean) {
    this.#flags = value ? this.#flags | Flags.Client : this.#flags & ~Flags.Client;
  }

  static #more(w: ProtWriter): Rare {
    return (w.#rare ??= { error: null, backlog: null, between: null });
  }

  /** Why the writer failed or closed, as far as it knows yet (see #failure). */
  static #error(w: ProtWriter): string | null {
    return w.#rare?.error ?? null;
  }

  static #backlog(w: ProtWriter): Backlog | null {
    return w.#rare?.backlog ?? null;
  }

  /**
   * Why writes fail, the sink's state included. The writer listens to no
   * event of its sink, as an idle connection would pay for each listener (a
   * closure, and an array of listeners beside its read side's): a Node
   * stream that failed or closed says so in `errored` and `destroyed`, set
   * before it emits 'error' or 'close'.
   */
  static #failure(w: ProtWriter): string | null {
    const known = ProtWriter.#error(w);
    if (known !== null) return known;
    const sink = w.#sink;
    const err: unknown = sink.errored;
    if (err !== null && err !== undefined) return (ProtWriter.#more(w).error = `${w.name}: the sink failed: ${describe(err)}`);
    if (sink.destroyed) return (ProtWriter.#more(w).error = `${w.name}: the sink is closed`);
    return null;
  }

  /**
   * Moves the writer onto another sink (the write half of STARTTLS: the TLS
   * socket wrapping the old one), keeping its counters and settings. The old
   * sink is left open and without the writer's listeners. Flush first.
   * @throws Error naming the writer when bytes are still buffered or held
   * back for a drain, or a message is open.
   * @throws ProtWriteError when the writer is closed or failed.
   */
  switchSink(sink: Writable): void {
    const failure = ProtWriter.#failure(this);
    if (failure !== null) throw new ProtWriteError(failure);
    const refuse = (why: string): never => {
      throw new Error(`${this.name}.switchSink: refused, ${why}`);
    };
    if (this.buffered > 0 || ProtWriter.#backlog(this) !== null) refuse("output is still buffered; flush first");
    if (this.inMessage) refuse("a message is open");
    // The old sink keeps its no-op listener, if it has one: the read side may have let go of it too.
    this.#sink = sink;
    guard(sink);
  }

  /** Bytes accepted by writes so far. */
  get bytesOut(): number {
    return this.#bytesOut;
  }

  /** Bytes written but not yet handed to the sink. */
  get buffered(): number {
    return this.#len + ProtWriter.#heldBytes(this);
  }

  /** Bytes held back while the sink drains. */
  static #heldBytes(w: ProtWriter): number {
    const backlog = ProtWriter.#backlog(w);
    return backlog === null ? 0 : backlog.heldBytes;
  }

  /**
   * Bytes waiting for the peer: {@link ProtWriter.buffered} plus what the
   * sink has taken but not yet sent.
   */
  get pending(): number {
    return this.#len + ProtWriter.#heldBytes(this) + (this.#sink.writableLength ?? 0);
  }

  /**
   * True while more than `highWaterMark` bytes wait for the peer: a paired
   * stream's waiting read holds (its read timeout still counting) until
   * they drain.
   */
  get blocked(): boolean {
    return ProtWriter.#failure(this) === null && this.pending > this.#o.highWaterMark;
  }

  /**
   * Set once a write went past `maxBuffered`: the message of the
   * {@link ProtOutputLimitError}, with which a paired stream fails too.
   */
  get fatal(): string | null {
    return (this.#flags & Flags.Overflowed) !== 0 ? ProtWriter.#error(this) : null;
  }

  /** Why writes fail, or `null` while the writer is usable. */
  get error(): string | null {
    return ProtWriter.#failure(this);
  }

  /**
   * Appends bytes, or a string in the writer's encoding. Bytes may be any
   * typed array or DataView, taken by the bytes it covers.
   * @throws TypeError when `data` is neither; nothing is written.
   * @throws ProtWriteError when the sink is closed or failed.
   * @throws ProtOutputLimitError when the write would take the output
   * waiting for the peer past `maxBuffered`.
   */
  write(data: string | ArrayBufferView): this {
    if (typeof data === "string") {
      ProtWriter.#usable(this);
      const n = Buffer.byteLength(data, this.#o.encoding);
      ProtWriter.#room(this, n);
      if (this.#len + n > this.#o.bufferSize) ProtWriter.#handOn(this);
      if (n > this.#o.bufferSize) ProtWriter.#send(this, Buffer.from(data, this.#o.encoding));
      else this.#len += (this.#buf ??= takeBuffer(this.#o.bufferSize)).write(data, this.#len, this.#o.encoding);
      this.#bytesOut += n;
    } else {
      const bytes = bytesOf(data);
      if (bytes === undefined) throw new TypeError(`${this.name}.write: data must be a string or bytes (a Uint8Array), got ${kindOf(data)}`);
      ProtWriter.#usable(this);
      const n = bytes.length;
      ProtWriter.#room(this, n);
      if (this.#len + n > this.#o.bufferSize) ProtWriter.#handOn(this);
      if (n > this.#o.bufferSize) ProtWriter.#send(this, Buffer.from(bytes));
      else {
        (this.#buf ??= takeBuffer(this.#o.bufferSize)).set(bytes, this.#len);
        this.#len += n;
      }
      this.#bytesOut += n;
    }
    return this;
  }

  /**
   * Appends `args` formatted by the C format string `fmt` (see
   * {@link formatC} for what it supports).
   * @throws RangeError or TypeError naming the offset of a bad conversion.
   */
  printf(fmt: string, ...args: unknown[]): this {
    return this.write(formatC(fmt, args));
  }

  /**
   * Writes `data` as an IMAP literal: `{n}\r\n` then the bytes (`{n+}` on a client).
   * @throws TypeError when `data` is neither a string nor bytes; nothing is written.
   */
  printLiteral(data: string | Uint8Array): this {
    const bytes = ProtWriter.#bytes(this, data, "printLiteral", "data");
    this.write(this.isClient ? `{${bytes.length}+}\r\n` : `{${bytes.length}}\r\n`);
    return this.write(bytes);
  }

  /*
   * The four IMAP print helpers take a string (printed by the bytes of its
   * encoding) or bytes, and choose the form by those bytes alone, so no
   * value can come out as an unbalanced quote or an unannounced CR or LF.
   */

  /**
   * Writes `s` as `NIL` (null), a quoted string or a literal.
   * @throws TypeError when `s` is not a string, bytes or null; nothing is written.
   */
  printString(s: string | Uint8Array | null): this {
    ProtWriter.#print(this, s, false, "printString");
    return this;
  }

  /**
   * Writes `s` as `NIL` (null), a bare atom, a quoted string or a literal.
   * @throws TypeError when `s` is not a string, bytes or null; nothing is written.
   */
  printAstring(s: string | Uint8Array | null): this {
    ProtWriter.#print(this, s, true, "printAstring");
    return this;
  }

  /**
   * Writes bytes as `NIL` (null), a quoted string or a literal; NULs are kept.
   * A string is printed by the bytes of its encoding.
   * @throws TypeError when `bytes` is not bytes, a string or null; nothing is written.
   */
  printMap(bytes: Uint8Array | string | null): this {
    ProtWriter.#print(this, bytes, false, "printMap");
    return this;
  }

  /**
   * Writes bytes as `NIL` (null), a bare atom, a quoted string or a literal.
   * A string is printed by the bytes of its encoding.
   * @throws TypeError when `bytes` is not bytes, a string or null; nothing is written.
   */
  printAmap(bytes: Uint8Array | string | null): this {
    ProtWriter.#print(this, bytes, true, "printAmap");
    return this;
  }

  /**
   * Hands everything buffered to the sink and resolves once the sink has
   * taken it without asking to slow down (after its `drain`, if it asked).
   * @throws ProtWriteError (as a rejection) when the sink is closed or failed.
   */
  flush(): Promise<void> {
    try {
      ProtWriter.#usable(this);
      ProtWriter.#handOn(this);
    } catch (err) {
      return Promise.reject(err);
    }
    // A sink that took everything: no async frame and no promise of its own,
    // as a server flushes at every reply.
    if (ProtWriter.#backlog(this) === null && ProtWriter.#failure(this) === null) return RESOLVED;
    return ProtWriter.#flushed(this);
  }

  static async #flushed(w: ProtWriter): Promise<void> {
    for (let b = ProtWriter.#backlog(w); b !== null; b = ProtWriter.#backlog(w)) await b.drain;
    const failure = ProtWriter.#failure(w);
    if (failure !== null) throw new ProtWriteError(failure);
  }

  /**
   * Flushes, then ends the sink (unless `endOnClose` is false). Closing twice
   * does nothing.
   * @throws ProtWriteError (as a rejection) when buffered bytes could not be
   * delivered because the sink had failed or closed.
   */
  async close(): Promise<void> {
    if ((this.#flags & Flags.Closed) !== 0) return;
    if (ProtWriter.#failure(this) === null) await this.flush();
    this.#flags |= Flags.Closed;
    const lost = this.buffered;
    const error = ProtWriter.#error(this);
    if (error !== null && lost > 0) {
      this.#len = 0;
      ProtWriter.#backlog(this)?.release();
      throw new ProtWriteError(`${error}; ${lost} buffered bytes were not delivered`);
    }
    ProtWriter.#fail(this, `${this.name}: the writer is closed`);
    if (this.#o.endOnClose) this.#sink.end();
  }

  /** True between {@link ProtWriter.beginMessage} and {@link ProtWriter.endMessage}. */
  get inMessage(): boolean {
    return (this.#flags & Flags.InMessage) !== 0;
  }

  /**
   * Opens a message: a response that one task writes in several steps (a
   * line, a literal relayed chunk by chunk while it waits for more input).
   * Until {@link ProtWriter.endMessage}, what {@link ProtWriter.writeBetween}
   * is given waits, so a wait event that fires meanwhile (the stream it
   * hangs on waits while the message is written) cannot land inside it.
   * Plain writes are not held back: they belong to the message.
   * @throws Error when a message is already open.
   */
  beginMessage(): this {
    if (this.inMessage) throw new Error(`${this.name}.beginMessage: a message is already open`);
    this.#flags |= Flags.InMessage;
    return this;
  }

  /**
   * Closes the open message, then writes what {@link ProtWriter.writeBetween}
   * held back meanwhile, in order.
   * @throws Error when no message is open.
   * @throws ProtWriteError when the sink is closed or failed.
   */
  endMessage(): this {
    if (!this.inMessage) throw new Error(`${this.name}.endMessage: no message is open`);
    this.#flags &= ~Flags.InMessage;
    const rare = this.#rare;
    const held = rare === null ? null : rare.between;
    if (rare !== null) rare.between = null;
    if (held !== null) for (let i = 0; i < held.length; i++) this.write(held[i] as string | Uint8Array);
    return this;
  }

  /**
   * Writes `data` as a message of its own: at once when no message is open,
   * else just after the open one ends. What wait events write (a keep-alive,
   * a notice) goes through here, never through {@link ProtWriter.write}.
   * @throws ProtWriteError when the sink is closed or failed.
   */
  writeBetween(data: string | Uint8Array): this {
    if (!this.inMessage) return this.write(data);
    ProtWriter.#usable(this);
    (ProtWriter.#more(this).between ??= []).push(data);
    return this;
  }

  static #bytes(w: ProtWriter, value: unknown, method: string, arg: string): Buffer {
    if (typeof value === "string") return Buffer.from(value, w.#o.encoding);
    const bytes = bytesOf(value);
    if (bytes === undefined) throw new TypeError(`${w.name}.${method}: ${arg} must be a string or bytes (a Uint8Array), got ${kindOf(value)}`);
    return bytes;
  }

  static #print(w: ProtWriter, value: unknown, astring: boolean, method: string): void {
    const bytes = value === null ? null : ProtWriter.#bytes(w, value, method, "its argument");
    switch (imapForm(bytes, astring)) {
      case "nil":
        w.write("NIL");
        return;
      case "atom":
        w.write(bytes as Uint8Array);
        return;
      case "quoted":
        w.write('"')
          .write(bytes as Uint8Array)
          .write('"');
        return;
      default:
        w.printLiteral(bytes as Uint8Array);
    }
  }

  /** Fails the writer, releasing what it holds, when `n` more bytes would pass `maxBuffered`. */
  static #room(w: ProtWriter, n: number): void {
    if (n <= w.#o.maxBuffered - w.pending) return;
    const message = `${w.name}: more than ${w.#o.maxBuffered} bytes of output are waiting for the peer (maxBuffered); it is not reading`;
    w.#flags |= Flags.Overflowed;
    ProtWriter.#fail(w, message);
    w.#buf = null;
    w.#len = 0;
    ProtWriter.#backlog(w)?.release();
    throw new ProtOutputLimitError(message, w.#o.maxBuffered);
  }

  static #usable(w: ProtWriter): void {
    const failure = ProtWriter.#failure(w);
    if (failure !== null) throw new ProtWriteError(failure);
    if (w.#sink.destroyed || w.#sink.writableEnded) {
      ProtWriter.#fail(w, `${w.name}: the sink is closed`);
      throw new ProtWriteError(ProtWriter.#error(w) as string);
    }
  }

  static #handOn(w: ProtWriter): void {
    const buf = w.#buf;
    const len = w.#len;
    if (len === 0 || buf === null) return;
    w.#buf = null;
    w.#len = 0;
    const sink = w.#sink;
    // A socket that took the chunk and queued nothing has copied its bytes
    // out (to the kernel, or into TLS): the buffer may serve the next reply,
    // of any writer. Any other sink may keep the chunk it was given (a
    // PassThrough hands that very chunk to its reader), and a socket that
    // queued it reads it later, so their buffers are left to them.
    if (ProtWriter.#send(w, buf.subarray(0, len)) && sink instanceof Socket && sink.writableLength === 0) spare = buf;
  }

  /** Hands `chunk` to the sink, or holds it back while the sink drains; true when the sink took it. */
  static #send(w: ProtWriter, chunk: Buffer): boolean {
    if (ProtWriter.#failure(w) !== null) return false;
    // While the sink drains, hold chunks back rather than pile them into it.
    const backlog = ProtWriter.#backlog(w);
    if (backlog !== null) {
      backlog.held.push(chunk);
      backlog.heldBytes += chunk.length;
      return false;
    }
    let ok: boolean;
    try {
      ok = w.#sink.write(chunk);
    } catch (err) {
      ProtWriter.#fail(w, `${w.name}: the sink failed: ${describe(err)}`);
      return false;
    }
    if (!ok) ProtWriter.#more(w).backlog = new Backlog(w.#sink, () => ProtWriter.#drained(w));
    return true;
  }

  /** The sink drained (or closed, or failed): what was held back goes to it. */
  static #drained(w: ProtWriter): void {
    const rare = w.#rare as Rare;
    const held = (rare.backlog as Backlog).held;
    rare.backlog = null;
    for (let i = 0; i < held.length; i++) ProtWriter.#send(w, held[i] as Buffer);
  }

  static #fail(w: ProtWriter, message: string): void {
    ProtWriter.#more(w).error ??= message;
  }
}

/** A writer's states that are true or false, as bits of one field. */
const enum Flags {
  Closed = 1,
  InMessage = 2,
  /** A write went past maxBuffered: the error is fatal. */
  Overflowed = 4,
  /** Literals go out as `{n+}`. */
  Client = 8,
}

/** What few writers need: made when a writer first fails or closes, its sink asks to slow down, or a write waits for a message to end. */
interface Rare {
  /** Why writes fail, once known: see ProtWriter's #failure. */
  error: string | null;
  /** The wait for the sink to drain, and the writes held back meanwhile. */
  backlog: Backlog | null;
  /** What writeBetween held back for the end of the open message. */
  between: Array<string | Uint8Array> | null;
}

/**
 * A writer's wait for its sink to drain, and the chunks held back
 * meanwhile; made when the sink asks to slow down, dropped once it drained.
 */
class Backlog {
  /** Settles once the sink drained, closed or failed, after `onDrained` ran. */
  readonly drain: Promise<void>;
  held: Buffer[] = [];
  heldBytes = 0;

  constructor(sink: Writable, onDrained: () => void) {
    this.drain = new Promise<void>((resolve) => {
      const done = (): void => {
        sink.off("drain", done);
        sink.off("close", done);
        sink.off("error", done);
        onDrained();
        resolve();
      };
      sink.on("drain", done);
      sink.on("close", done);
      // A sink without autoDestroy reports a failed write by 'error' alone.
      sink.on("error", done);
    });
  }

  /** Drops the chunks held back: they will not be delivered. */
  release(): void {
    this.held = [];
    this.heldBytes = 0;
  }
}

/**
 * A buffer a socket has copied the bytes out of (see #handOn), for the next
 * writer that needs one: a busy server reuses it reply after reply, and an
 * idle connection holds none.
 */
let spare: Buffer | null = null;

/** A buffer of `size` bytes: the spare one if it fits, else a new one. */
function takeBuffer(size: number): Buffer {
  const buf = spare;
  if (buf !== null && buf.length === size) {
    spare = null;
    return buf;
  }
  return Buffer.allocUnsafe(size);
}

/**
 * A writer's settings: its options checked, with every default filled in.
 * Shared by writers made alike one after another, and itself a
 * {@link ProtWriterOptions} that makes a writer with the same settings.
 * @internal
 */
export interface WriterSettings {
  readonly name: string;
  readonly bufferSize: number;
  readonly encoding: "utf8" | "latin1" | "ascii";
  readonly isClient: boolean;
  readonly endOnClose: boolean;
  readonly highWaterMark: number;
  readonly maxBuffered: number;
}

/**
 * The settings of a writer made with `options`: what `protSocket`
 * checks when the connection is made and keeps until its writer is.
 * @throws RangeError naming the option whose value is out of range.
 * @internal
 */
export function writerSettings(options: ProtWriterOptions): WriterSettings {
  const encoding = options.encoding ?? "utf8";
  if (!["utf8", "latin1", "ascii"].includes(encoding)) {
    throw new RangeError(`ProtWriter: encoding must be utf8, latin1 or ascii, got ${String(encoding)}`);
  }
  const o: WriterSettings = {
    name: options.name ?? "ProtWriter",
    bufferSize: limit(options.bufferSize ?? 4096, "bufferSize"),
    encoding,
    isClient: options.isClient ?? false,
    endOnClose: options.endOnClose ?? true,
    highWaterMark: limit(options.highWaterMark ?? 1024 * 1024, "highWaterMark"),
    maxBuffered: limit(options.maxBuffered ?? 16 * 1024 * 1024, "maxBuffered"),
  };
  if (o.maxBuffered < o.highWaterMark) {
    throw new RangeError(`ProtWriter: maxBuffered (${o.maxBuffered}) must not be below highWaterMark (${o.highWaterMark})`);
  }
  return (lastSettings = shareSettings(lastSettings, o));
}

let lastSettings: WriterSettings | null = null;

// A sink nobody else watches gets the shared no-op listener; the writer
// reads the sink's failure from its state.
function guard(sink: Writable): void {
  if (sink.listenerCount("error") === 0) sink.on("error", ignoreError);
}

function limit(n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`ProtWriter: ${what} must be a positive integer, got ${n}`);
  return n;
}
