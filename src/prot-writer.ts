import type { Writable } from "node:stream";
import { imapForm } from "./imap-quote.js";
import { describe } from "./messages.js";
import { formatC } from "./printf.js";

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
 * A buffered protocol write stream over a Node `Writable`: the write side of
 * the prot layer. Writes go to a buffer and never wait; the buffer is handed
 * to the sink when it fills, on {@link ProtWriter.flush}, and before a paired
 * {@link ProtStream} waits for input (see `setFlushOnRead`).
 *
 * Backpressure: when the sink asks to slow down, nothing more is handed to it
 * until it drains; `await writer.flush()` resolves only then, so a producer
 * that awaits its flushes never outruns its peer.
 */
export class ProtWriter {
  /** The name used in error messages. */
  readonly name: string;
  /** Whether literals are sent as `{n+}`. */
  isClient: boolean;
  readonly #sink: Writable;
  readonly #size: number;
  readonly #encoding: "utf8" | "latin1" | "ascii";
  readonly #endOnClose: boolean;
  // Allocated at the first write after a hand-on: an idle connection holds no buffer.
  #buf: Buffer | null = null;
  #len = 0;
  #bytesOut = 0;
  #error: string | null = null;
  #closed = false;
  #drain: Promise<void> | null = null;
  readonly #held: Buffer[] = [];

  /**
   * @param sink - a Node `Writable`: a socket, a pipe, any `Duplex`.
   * @param options - see {@link ProtWriterOptions}.
   */
  constructor(sink: Writable, options: ProtWriterOptions = {}) {
    this.name = options.name ?? "ProtWriter";
    this.isClient = options.isClient ?? false;
    this.#size = options.bufferSize ?? 4096;
    if (!Number.isInteger(this.#size) || this.#size <= 0) {
      throw new RangeError(`ProtWriter: bufferSize must be a positive integer, got ${this.#size}`);
    }
    this.#encoding = options.encoding ?? "utf8";
    if (!["utf8", "latin1", "ascii"].includes(this.#encoding)) {
      throw new RangeError(`ProtWriter: encoding must be utf8, latin1 or ascii, got ${String(this.#encoding)}`);
    }
    this.#endOnClose = options.endOnClose ?? true;
    this.#sink = sink;
    sink.on("error", (err: Error) => this.#fail(`${this.name}: the sink failed: ${err.message}`));
    sink.on("close", () => this.#fail(`${this.name}: the sink is closed`));
  }

  /** Bytes accepted by writes so far. */
  get bytesOut(): number {
    return this.#bytesOut;
  }

  /** Bytes written but not yet handed to the sink. */
  get buffered(): number {
    let n = this.#len;
    for (const b of this.#held) n += b.length;
    return n;
  }

  /** Why writes fail, or `null` while the writer is usable. */
  get error(): string | null {
    return this.#error;
  }

  /**
   * Appends bytes, or a string in the writer's encoding.
   * @throws ProtWriteError when the sink is closed or failed.
   */
  write(data: string | Uint8Array): this {
    this.#usable();
    if (typeof data === "string") {
      const n = Buffer.byteLength(data, this.#encoding);
      if (this.#len + n > this.#size) this.#handOn();
      if (n > this.#size) this.#send(Buffer.from(data, this.#encoding));
      else this.#len += (this.#buf ??= Buffer.allocUnsafe(this.#size)).write(data, this.#len, this.#encoding);
      this.#bytesOut += n;
    } else {
      const n = data.length;
      if (this.#len + n > this.#size) this.#handOn();
      if (n > this.#size) this.#send(Buffer.from(data));
      else {
        (this.#buf ??= Buffer.allocUnsafe(this.#size)).set(data, this.#len);
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

  /** Writes `data` as an IMAP literal: `{n}\r\n` then the bytes (`{n+}` on a client). */
  printLiteral(data: string | Uint8Array): this {
    const bytes = typeof data === "string" ? Buffer.from(data, this.#encoding) : data;
    this.write(this.isClient ? `{${bytes.length}+}\r\n` : `{${bytes.length}}\r\n`);
    return this.write(bytes);
  }

  /** Writes `s` as `NIL` (null), a quoted string or a literal. */
  printString(s: string | null): this {
    return this.#print(s === null ? null : Buffer.from(s, this.#encoding), false);
  }

  /** Writes `s` as `NIL` (null), a bare atom, a quoted string or a literal. */
  printAstring(s: string | null): this {
    return this.#print(s === null ? null : Buffer.from(s, this.#encoding), true);
  }

  /** Writes bytes as `NIL` (null), a quoted string or a literal; NULs are kept. */
  printMap(bytes: Uint8Array | null): this {
    return this.#print(bytes, false);
  }

  /** Writes bytes as `NIL` (null), a bare atom, a quoted string or a literal. */
  printAmap(bytes: Uint8Array | null): this {
    return this.#print(bytes, true);
  }

  /**
   * Hands everything buffered to the sink and resolves once the sink has
   * taken it without asking to slow down (after its `drain`, if it asked).
   * @throws ProtWriteError (as a rejection) when the sink is closed or failed.
   */
  async flush(): Promise<void> {
    this.#usable();
    this.#handOn();
    while (this.#drain !== null) await this.#drain;
    if (this.#error !== null) throw new ProtWriteError(this.#error);
  }

  /**
   * Flushes, then ends the sink (unless `endOnClose` is false). Closing twice
   * does nothing.
   * @throws ProtWriteError (as a rejection) when buffered bytes could not be
   * delivered because the sink had failed or closed.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#error === null) await this.flush();
    this.#closed = true;
    const lost = this.buffered;
    if (this.#error !== null && lost > 0) {
      this.#len = 0;
      this.#held.length = 0;
      throw new ProtWriteError(`${this.#error}; ${lost} buffered bytes were not delivered`);
    }
    this.#error ??= `${this.name}: the writer is closed`;
    if (this.#endOnClose) this.#sink.end();
  }

  #print(bytes: Uint8Array | null, astring: boolean): this {
    switch (imapForm(bytes, astring)) {
      case "nil":
        return this.write("NIL");
      case "atom":
        return this.write(bytes as Uint8Array);
      case "quoted":
        return this.write('"').write(bytes as Uint8Array).write('"');
      default:
        return this.printLiteral(bytes as Uint8Array);
    }
  }

  #usable(): void {
    if (this.#error !== null) throw new ProtWriteError(this.#error);
    if (this.#sink.destroyed || this.#sink.writableEnded) {
      this.#fail(`${this.name}: the sink is closed`);
      throw new ProtWriteError(this.#error as unknown as string);
    }
  }

  #handOn(): void {
    if (this.#len === 0) return;
    if (this.#buf === null) return;
    const out = this.#buf.subarray(0, this.#len);
    this.#buf = null;
    this.#len = 0;
    this.#send(out);
  }

  #send(chunk: Buffer): void {
    if (this.#error !== null) return;
    // While the sink drains, hold chunks back rather than pile them into it.
    if (this.#drain !== null) {
      this.#held.push(chunk);
      return;
    }
    let ok: boolean;
    try {
      ok = this.#sink.write(chunk);
    } catch (err) {
      this.#fail(`${this.name}: the sink failed: ${describe(err)}`);
      return;
    }
    if (!ok) {
      this.#drain = new Promise<void>((resolve) => {
        const done = (): void => {
          this.#sink.off("drain", done);
          this.#sink.off("close", done);
          this.#sink.off("error", done);
          this.#drain = null;
          const held = this.#held.splice(0);
          for (let i = 0; i < held.length; i++) this.#send(held[i] as Buffer);
          resolve();
        };
        this.#sink.on("drain", done);
        this.#sink.on("close", done);
        // A sink without autoDestroy reports a failed write by 'error' alone.
        this.#sink.on("error", done);
      });
    }
  }

  #fail(message: string): void {
    this.#error ??= message;
  }
}
