import { once } from "node:events";
import type { Duplex } from "node:stream";
import { SystemClock, type Timer } from "./clock.js";
import tls from "node:tls";
import { ProtStream } from "./prot-stream.js";
import type { Flushable } from "./read-wait.js";
import type { ProtStreamOptions } from "./stream-options.js";
import { ProtWriter, writerSettings, type ProtWriterOptions, type WriterSettings } from "./prot-writer.js";

/** Options of {@link protSocket}; `B` is the type of the input's `blockingOnly`. */
export interface ProtSocketOptions<B extends boolean = true> {
  /** Options of the read stream. `blockingOnly` defaults to `true` here. */
  input?: ProtStreamOptions<B>;
  /** Options of the writer. */
  output?: ProtWriterOptions;
  /**
   * How long {@link ProtConnection.close} lets buffered output drain to a
   * peer that is not reading before it destroys the connection anyway, in
   * ticks of the input's clock. Default 5 seconds (5000 ticks, or
   * 5000 / tick on a {@link SystemClock} with another tick).
   */
  closeGrace?: number;
}

/** Options of {@link ProtConnection.startTls}: Node's TLS socket options, and which end this is. */
export interface StartTlsOptions extends tls.TLSSocketOptions {
  /** This end is the server (the usual case for STARTTLS). Default `true`. */
  isServer?: boolean;
}

/** The two protocol streams over one connection; `B` as in {@link ProtSocketOptions}. */
export interface ProtConnection<B extends boolean = true> {
  /** Reads from the connection; its buffered replies are flushed before it waits. */
  readonly input: ProtStream<B>;
  /**
   * Writes to the connection. Made when first used: an idle connection that
   * has written nothing holds no writer. `input` flushes it whenever a read
   * is about to wait, unless {@link ProtStream.setFlushOnRead} pairs the
   * input otherwise.
   */
  readonly output: ProtWriter;
  /**
   * Flushes what is buffered for the peer (if it can still be sent) for at
   * most the close grace, then closes both streams and destroys the
   * connection. Always settles within the grace, however the peer behaves:
   * a peer that stops reading cannot keep a connection, its descriptor or
   * its buffers alive. Never rejects. Works taken off the connection
   * (`const { close } = protSocket(socket)`).
   */
  close(this: void): Promise<void>;
  /**
   * Upgrades the connection to TLS in place (STARTTLS): flushes the output
   * (the "OK, begin TLS" reply), wraps the socket in a `tls.TLSSocket`, and
   * moves both streams onto it with {@link ProtStream.switchSource} and
   * {@link ProtWriter.switchSink}: wait events, timeouts, deadline, counters
   * and the flush-on-read pairing carry over, and no listener of the streams
   * is left on the plain socket. Resolves once the handshake is done.
   *
   * Refuses, before anything is sent or changed, when input is buffered:
   * plain text that followed the STARTTLS command must not be read as if it
   * came over TLS. A server answers such a client with an error.
   * @throws Error (as a rejection) when input is buffered, the connection
   * was upgraded already, or the handshake fails (the connection is then
   * unusable: close it).
   */
  startTls(this: void, options?: StartTlsOptions): Promise<tls.TLSSocket>;
}

/**
 * Wraps a connection (a `net.Socket`, a TLS socket, any `Duplex`) in a read
 * stream and a writer, paired so that replies are flushed whenever the read
 * side is about to wait: the usual shape of a protocol server's connection,
 * like Cyrus's `protin`/`protout`.
 * @throws RangeError when `closeGrace` is negative or not a number, or an
 * option of `input` or `output` is out of range.
 */
export function protSocket<B extends boolean = true>(socket: Duplex, options: ProtSocketOptions<B> = {}): ProtConnection<B> {
  // Checked before the input listens to the socket; the writer itself is made when first used.
  const writer = writerSettings({ endOnClose: false, ...options.output });
  const grace = options.closeGrace ?? null;
  if (grace !== null && (typeof grace !== "number" || !(grace >= 0))) {
    throw new RangeError(`protSocket: closeGrace must be a number of ticks >= 0, got ${String(grace)}`);
  }
  // A connection's reads wait; blockingOnly types them so, unless the caller asks otherwise.
  const input = new ProtStream<B>(socket, { destroyOnClose: false, blockingOnly: true as B, ...options.input });
  return new Connection(input, socket, writer, grace);
}

/**
 * What few connections need, made when first needed: the TLS socket once
 * upgraded, `close` and `startTls` once asked for, and a close grace other
 * than the default when one was given. It holds the socket given, which
 * the connection held until then: one field of the connection for both.
 */
class Extra {
  tls: tls.TLSSocket | null = null;
  close: (() => Promise<void>) | null = null;
  startTls: ((options?: StartTlsOptions) => Promise<tls.TLSSocket>) | null = null;
  grace: number | null = null;
  readonly socket: Duplex;
  constructor(socket: Duplex) {
    this.socket = socket;
  }
}

/**
 * A connection as {@link protSocket} makes it. Its writer is made when
 * first used: an idle connection that has written nothing holds none. The
 * connection is its input's flush-on-read writer, and stands for its own
 * writer there: nothing to flush until the writer is made, then the
 * writer's output, with no pairing to make when it is.
 * `close` and `startTls` are made when first asked for, each a function of
 * its own that needs no `this`: an idle connection that never asks holds
 * neither, nor a closure over its state. `output`, `close` and `startTls`
 * are enumerable accessors of the connection itself, so that taking them
 * off it (`const { close } = protSocket(socket)`) and spreading it
 * (`{ ...conn }`) work as with a plain object. Its private helpers are
 * static, so that its instances carry no private brand.
 */
class Connection<B extends boolean> implements ProtConnection<B>, Flushable {
  readonly input: ProtStream<B>;
  // The writer's settings (shared by connections made alike) until the writer is made, then the writer.
  #output: WriterSettings | ProtWriter;
  // The socket given, until the connection needs its Extra, which then holds it.
  #socket: Duplex | Extra;

  constructor(input: ProtStream<B>, socket: Duplex, writer: WriterSettings, grace: number | null) {
    this.input = input;
    this.#output = writer;
    this.#socket = socket;
    if (grace !== null) Connection.#more(this).grace = grace;
    // Accessors shared by every connection: its shape, not a field, holds them.
    Object.defineProperties(this, Connection.#methods);
    input.setFlushOnRead(this);
  }

  // The Flushable the input flushes before it waits: the writer's, once made.

  get buffered(): number {
    return Connection.#madeWriter(this)?.buffered ?? 0;
  }

  get blocked(): boolean {
    return Connection.#madeWriter(this)?.blocked ?? false;
  }

  get fatal(): string | null {
    return Connection.#madeWriter(this)?.fatal ?? null;
  }

  flush(): Promise<void> {
    return Connection.#madeWriter(this)?.flush() ?? Promise.resolve();
  }

  declare readonly output: ProtWriter;
  declare readonly close: (this: void) => Promise<void>;
  declare readonly startTls: (this: void, options?: StartTlsOptions) => Promise<tls.TLSSocket>;

  static readonly #methods: PropertyDescriptorMap = {
    output: {
      get(this: Connection<boolean>) {
        return Connection.#writer(this);
      },
      enumerable: true,
    },
    close: {
      get(this: Connection<boolean>) {
        return (Connection.#more(this).close ??= () => Connection.#closeNow(this));
      },
      enumerable: true,
    },
    startTls: {
      get(this: Connection<boolean>) {
        return (Connection.#more(this).startTls ??= (options) => Connection.#upgrade(this, options));
      },
      enumerable: true,
    },
  };

  /** The writer, made on the socket the connection is on now if it has none yet. */
  static #writer(c: Connection<boolean>): ProtWriter {
    const held = c.#output;
    if (held instanceof ProtWriter) return held;
    return (c.#output = new ProtWriter(Connection.#current(c), held));
  }

  /** The writer, if it was made. */
  static #madeWriter(c: Connection<boolean>): ProtWriter | null {
    const held = c.#output;
    return held instanceof ProtWriter ? held : null;
  }

  static #more(c: Connection<boolean>): Extra {
    const held = c.#socket;
    return held instanceof Extra ? held : (c.#socket = new Extra(held));
  }

  /** The connection's Extra, if it was made. */
  static #extra(c: Connection<boolean>): Extra | null {
    const held = c.#socket;
    return held instanceof Extra ? held : null;
  }

  /** The socket given to {@link protSocket}. */
  static #plain(c: Connection<boolean>): Duplex {
    const held = c.#socket;
    return held instanceof Extra ? held.socket : held;
  }

  /** How long close lets output drain, in ticks of the input's clock: 5 seconds unless the connection was given another grace. */
  static #grace(c: Connection<boolean>): number {
    const clock = c.input.clock;
    return Connection.#extra(c)?.grace ?? (clock instanceof SystemClock ? 5000 / clock.tick : 5000);
  }

  /** The socket the streams are on: the one given, or the TLS socket over it. */
  static #current(c: Connection<boolean>): Duplex {
    return Connection.#extra(c)?.tls ?? Connection.#plain(c);
  }

  static async #closeNow(c: Connection<boolean>): Promise<void> {
    const { input } = c;
    // A connection that never wrote has no writer, and nothing of its own to flush.
    const output = Connection.#madeWriter(c);
    if (output !== null && output.error === null && output.pending > 0 && !Connection.#current(c).destroyed) {
      const clock = input.clock;
      let timer: Timer | null = null;
      const expired = new Promise<void>((resolve) => (timer = clock.schedule(clock.now() + Connection.#grace(c), resolve)));
      // The peer is gone or not reading; there is nobody left to tell.
      await Promise.race([output.flush().catch(() => {}), expired]);
      (timer as Timer | null)?.cancel();
    }
    input.close();
    // Destroyed first, so the writer's close finds the sink gone rather than waiting for it.
    Connection.#current(c).destroy();
    Connection.#plain(c).destroy();
    await output?.close().catch(() => {});
  }

  static async #upgrade(c: Connection<boolean>, tlsOptions: StartTlsOptions = {}): Promise<tls.TLSSocket> {
    const { input } = c;
    const socket = Connection.#plain(c);
    if (Connection.#current(c) !== socket) throw new Error(`${input.name}.startTls: refused, the connection is already upgraded`);
    if (input.buffered > 0) {
      throw new Error(`${input.name}.startTls: refused, ${input.buffered} bytes of input are buffered: they came before TLS and must not pass for protected input`);
    }
    const output = Connection.#madeWriter(c);
    if (output !== null) await output.flush();
    const { isServer = true, ...rest } = tlsOptions;
    const secure = isServer ? new tls.TLSSocket(socket, { ...rest, isServer: true }) : tls.connect({ ...rest, socket });
    input.switchSource(secure, { destroyOnClose: false });
    output?.switchSink(secure);
    Connection.#more(c).tls = secure;
    await once(secure, isServer ? "secure" : "secureConnect");
    return secure;
  }
}
