import type { Readable } from "node:stream";
import type { Clock, Timer } from "./clock.js";

/**
 * Where a {@link ByteSource} delivers what it produces. A {@link ProtStream}
 * is the sink of its source.
 */
export interface ByteSink {
  /** Bytes have arrived. The sink owns `chunk` from now on. */
  push(chunk: Buffer): void;
  /** No more bytes will arrive. */
  end(): void;
  /** The source failed; `message` says why. No more bytes will arrive. */
  fail(message: string, cause?: unknown): void;
}

/**
 * Anything a {@link ProtStream} can read from. Node streams are adapted with
 * {@link readableSource}; {@link ScriptedSource} plays bytes at virtual
 * times. Implement this interface to read from anything else.
 */
export interface ByteSource {
  /** Starts delivering to `sink`; called once, by the stream's constructor. */
  attach(sink: ByteSink): void;
  /** Asks the source to stop delivering for now (the stream's buffer is full). */
  pause(): void;
  /** Lets a paused source deliver again. */
  resume(): void;
  /** Stops delivering for good and releases what the source holds. */
  close(): void;
}

/** Options of {@link readableSource}. */
export interface ReadableSourceOptions {
  /**
   * Destroy the Node stream when the source is closed. Default `true`; pass
   * `false` when the same socket is still written through a {@link ProtWriter}
   * that closes it.
   */
  destroyOnClose?: boolean;
}

/**
 * Adapts a Node `Readable` (a `net.Socket`, a pipe, any `Duplex`) into a
 * {@link ByteSource}. Bytes are taken as the stream emits them; string
 * chunks (from a Readable with an encoding set) are taken as UTF-8.
 */
export function readableSource(readable: Readable, options: ReadableSourceOptions = {}): ByteSource {
  const destroyOnClose = options.destroyOnClose ?? true;
  let sink: ByteSink | null = null;
  let done = false;
  const onData = (chunk: Buffer | string): void => {
    if (done || sink === null) return;
    sink.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  };
  const onEnd = (): void => {
    if (done || sink === null) return;
    done = true;
    sink.end();
  };
  const onError = (err: Error): void => {
    if (done || sink === null) return;
    done = true;
    sink.fail(err.message, err);
  };
  // A socket destroyed without 'end' or 'error' still ends the input.
  const onClose = onEnd;
  const detach = (): void => {
    readable.off("data", onData);
    readable.off("end", onEnd);
    readable.off("error", onError);
    readable.off("close", onClose);
  };
  return {
    attach(s: ByteSink): void {
      sink = s;
      readable.on("data", onData);
      readable.on("end", onEnd);
      readable.on("error", onError);
      readable.on("close", onClose);
      if (readable.readableEnded || readable.destroyed) onEnd();
    },
    pause(): void {
      readable.pause();
    },
    resume(): void {
      readable.resume();
    },
    close(): void {
      done = true;
      detach();
      // Keep a late 'error' from becoming an uncaught exception once we stop listening.
      readable.on("error", () => {});
      if (destroyOnClose) readable.destroy();
    },
  };
}

/** One step of a {@link ScriptedSource}: bytes that arrive at a time. */
export interface Arrival {
  /** Absolute clock time of the arrival. */
  at: number;
  /** The bytes; a string is taken as UTF-8. */
  data: string | Uint8Array;
}

/** How a {@link ScriptedSource} ends. */
export interface ScriptEnd {
  /** Absolute clock time at which the input ends. */
  at: number;
  /** When given, the input fails with this message instead of ending cleanly. */
  error?: string;
}

/**
 * An in-memory source that delivers scripted bytes at given clock times,
 * for tests and for the conformance suite. Use it with a
 * {@link VirtualClock} to make every arrival exact and repeatable.
 */
export class ScriptedSource implements ByteSource {
  readonly #clock: Clock;
  readonly #arrivals: Arrival[];
  readonly #end: ScriptEnd | undefined;
  readonly #timers: Timer[] = [];
  readonly #held: Array<() => void> = [];
  #sink: ByteSink | null = null;
  #paused = false;
  #closed = false;

  /**
   * @param clock - the clock whose time the arrivals are given in.
   * @param arrivals - bytes and when they arrive; any order.
   * @param end - when the input ends or fails; without it the input stays open.
   * @throws RangeError naming the arrival whose time is not a finite number.
   */
  constructor(clock: Clock, arrivals: readonly Arrival[], end?: ScriptEnd) {
    arrivals.forEach((a, i) => {
      if (!Number.isFinite(a.at)) throw new RangeError(`ScriptedSource: arrival ${i} has time ${a.at}, not a finite number`);
    });
    if (end !== undefined && !Number.isFinite(end.at)) {
      throw new RangeError(`ScriptedSource: end time ${end.at} is not a finite number`);
    }
    this.#clock = clock;
    this.#arrivals = [...arrivals].sort((a, b) => a.at - b.at);
    this.#end = end;
  }

  /** {@inheritDoc ByteSource.attach} */
  attach(sink: ByteSink): void {
    this.#sink = sink;
    for (const a of this.#arrivals) {
      const chunk = typeof a.data === "string" ? Buffer.from(a.data, "utf8") : Buffer.from(a.data);
      this.#timers.push(this.#clock.schedule(a.at, () => this.#deliver(() => sink.push(chunk))));
    }
    const end = this.#end;
    if (end !== undefined) {
      const finish = end.error === undefined ? () => sink.end() : () => sink.fail(end.error as string);
      this.#timers.push(this.#clock.schedule(end.at, () => this.#deliver(finish)));
    }
  }

  /** {@inheritDoc ByteSource.pause} */
  pause(): void {
    this.#paused = true;
  }

  /** {@inheritDoc ByteSource.resume} */
  resume(): void {
    this.#paused = false;
    while (!this.#paused && this.#held.length > 0) (this.#held.shift() as () => void)();
  }

  /** {@inheritDoc ByteSource.close} */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    this.#held.length = 0;
  }

  #deliver(step: () => void): void {
    if (this.#closed || this.#sink === null) return;
    if (this.#paused || this.#held.length > 0) this.#held.push(step);
    else step();
  }
}
