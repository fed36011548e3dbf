import { once } from "node:events";
import type { Duplex } from "node:stream";
import { SystemClock, type Timer } from "./clock.js";
import tls from "node:tls";
import { ProtStream } from "./prot-stream.js";
import type { ProtStreamOptions } from "./stream-options.js";
import { ProtWriter, type ProtWriterOptions } from "./prot-writer.js";

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
  /** Writes to the connection. */
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
 * @throws RangeError when `closeGrace` is negative or not a number.
 */
export function protSocket<B extends boolean = true>(socket: Duplex, options: ProtSocketOptions<B> = {}): ProtConnection<B> {
  // A connection's reads wait; blockingOnly types them so, unless the caller asks otherwise.
  const input = new ProtStream<B>(socket, { destroyOnClose: false, blockingOnly: true as B, ...options.input });
  const output = new ProtWriter(socket, { endOnClose: false, ...options.output });
  const clock = input.clock;
  const grace = options.closeGrace ?? (clock instanceof SystemClock ? 5000 / clock.tick : 5000);
  if (typeof grace !== "number" || !(grace >= 0)) {
    throw new RangeError(`protSocket: closeGrace must be a number of ticks >= 0, got ${String(grace)}`);
  }
  input.setFlushOnRead(output);
  return new Connection(input, output, socket, grace);
}

/**
 * What few connections need, made when first needed: the TLS socket once
 * upgraded, and `close` and `startTls` once asked for.
 */
interface Extra {
  tls: tls.TLSSocket | null;
  close: (() => Promise<void>) | null;
  startTls: ((options?: StartTlsOptions) => Promise<tls.TLSSocket>) | null;
}

/**
 * A connection as {@link protSocket} makes it. `close` and `startTls` are
 * made when first asked for, each a function of its own that needs no
 * `this`: an idle connection that never asks holds neither, nor a closure
 * over its state. They are enumerable accessors of the connection itself,
 * so that taking them off it (`const { close } = protSocket(socket)`) and
 * spreading it (`{ ...conn }`) work as with a plain object.
 */
class Connection<B extends boolean> implements ProtConnection<B> {
  readonly input: ProtStream<B>;
  readonly output: ProtWriter;
  readonly #socket: Duplex;
  readonly #grace: number;
  #extra: Extra | null = null;

  constructor(input: ProtStream<B>, output: ProtWriter, socket: Duplex, grace: number) {
    this.input = input;
    this.output = output;
    this.#socket = socket;
    this.#grace = grace;
    // Accessors shared by every connection: its shape, not a field, holds them.
    Object.defineProperties(this, Connection.#methods);
  }

  declare readonly close: (this: void) => Promise<void>;
  declare readonly startTls: (this: void, options?: StartTlsOptions) => Promise<tls.TLSSocket>;

  static readonly #methods: PropertyDescriptorMap = {
    close: {
      get(this: Connection<boolean>) {
        return (this.#more.close ??= () => this.#closeNow());
      },
      enumerable: true,
    },
    startTls: {
      get(this: Connection<boolean>) {
        return (this.#more.startTls ??= (options) => this.#upgrade(options));
      },
      enumerable: true,
    },
  };

  get #more(): Extra {
    return (this.#extra ??= { tls: null, close: null, startTls: null });
  }

  /** The socket the streams are on: the one given, or the TLS socket over it. */
  get #current(): Duplex {
    return this.#extra?.tls ?? this.#socket;
  }

  async #closeNow(): Promise<void> {
    const { input, output } = this;
    if (output.error === null && output.pending > 0 && !this.#current.destroyed) {
      const clock = input.clock;
      let timer: Timer | null = null;
      const expired = new Promise<void>((resolve) => (timer = clock.schedule(clock.now() + this.#grace, resolve)));
      // The peer is gone or not reading; there is nobody left to tell.
      await Promise.race([output.flush().catch(() => {}), expired]);
      (timer as Timer | null)?.cancel();
    }
    input.close();
    // Destroyed first, so the writer's close finds the sink gone rather than waiting for it.
    this.#current.destroy();
    this.#socket.destroy();
    await output.close().catch(() => {});
  }

  async #upgrade(tlsOptions: StartTlsOptions = {}): Promise<tls.TLSSocket> {
    const { input, output } = this;
    const socket = this.#socket;
    if (this.#current !== socket) throw new Error(`${input.name}.startTls: refused, the connection is already upgraded`);
    if (input.buffered > 0) {
      throw new Error(`${input.name}.startTls: refused, ${input.buffered} bytes of input are buffered: they came before TLS and must not pass for protected input`);
    }
    await output.flush();
    const { isServer = true, ...rest } = tlsOptions;
    const secure = isServer ? new tls.TLSSocket(socket, { ...rest, isServer: true }) : tls.connect({ ...rest, socket });
    input.switchSource(secure, { destroyOnClose: false });
    output.switchSink(secure);
    this.#more.tls = secure;
    await once(secure, isServer ? "secure" : "secureConnect");
    return secure;
  }
}
