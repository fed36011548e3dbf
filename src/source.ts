import net from "node:net";
import type { Readable } from "node:stream";
import { bytesOf, kindOf } from "./bytes.js";
import type { Clock, Timer } from "./clock.js";
import { Messages } from "./messages.js";

/**
 * Where a {@link ByteSource} delivers what it produces. A {@link ProtStream}
 * is the sink of its source. Call the methods on the sink (`sink.push(chunk)`):
 * they are not bound, so pass `(c) => sink.push(c)`, not `sink.push`, as a
 * listener.
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
 * chunks (from a Readable with an encoding set) are taken as UTF-8, and
 * typed arrays by the bytes they cover. Any other chunk (an object from an
 * objectMode stream) fails the stream with a message naming it; nothing is
 * thrown into the Readable. A Readable feeds one source (or stream) at a time. A pause
 * takes effect when the next chunk arrives, which is still delivered: a
 * stream that reads what it holds before then never pauses the Readable.
 */
export function readableSource(readable: Readable, options: ReadableSourceOptions = {}): ByteSource {
  return new ReadableByteSource(readable, options.destroyOnClose ?? true);
}

// The listeners are shared by every source and find theirs through a tag on
// the Readable: per connection that is one property instead of a closure per
// listener, which is most of what an idle connection costs.
const kSource = Symbol("prot-events.readableSource");
const FEEDS_ANOTHER = "readableSource: this Readable already feeds another source";

/**
 * What a Readable's listeners deliver to: a {@link readableSource}, or a
 * stream that listens to its Readable itself, holding no source of its own.
 * @internal
 */
export interface ReadableListener {
  /** The Readable emitted `chunk`. */
  data(chunk: unknown): void;
  /** The input is over: ended when `err` is null, else failed. */
  finish(err: Error | null): void;
}

interface Tagged {
  [kSource]?: ReadableListener | undefined;
}

function onData(this: Readable, chunk: unknown): void {
  (this as Tagged)[kSource]?.data(chunk);
}

function onEnd(this: Readable): void {
  (this as Tagged)[kSource]?.finish(null);
}

/** Node's 'end' listener of every net.Socket with onEnd riding on it: see {@link listenForEnd}. */
interface Rider {
  (this: Readable): void;
  /** Node's listener, which `listeners()` and `removeListener()` see in the rider's place, as for `once()`. */
  readonly listener: (this: Readable) => void;
}

/** The name of the 'end' listener Node's net.Socket gives itself, one function for every socket. */
const SOCKET_END_LISTENER = "onReadableStreamEnd";

let rider: Rider | undefined;

/**
 * Makes onEnd hear the Readable's 'end'. Every net.Socket has one 'end'
 * listener of Node's own, and a second one would make the socket hold an
 * array of the two: 64 bytes per connection, a fifth of what the stream
 * over it costs. So on a socket Node's listener is swapped for a rider
 * that calls it and then onEnd, one rider for every socket; the socket
 * keeps it after the source lets go, when onEnd finds no source on it.
 * Only Node's listener is ridden on: nothing but Node removes it, where a
 * user removing a listener of their own would take the source's end with
 * it. 'end' is emitted once the data has been read, so the rider's onEnd
 * runs where a listener of its own would.
 */
function listenForEnd(r: Readable): void {
  const all = r.rawListeners("end") as Array<(this: Readable) => void>;
  // A rider left by an earlier source serves this one as well.
  if (rider !== undefined && all.includes(rider)) return;
  const node = all.length === 1 && r instanceof net.Socket ? all[0] : undefined;
  if (node === undefined || node.name !== SOCKET_END_LISTENER || (rider !== undefined && rider.listener !== node)) {
    r.on("end", onEnd);
    return;
  }
  rider ??= Object.assign(
    function rider(this: Readable): void {
      node.call(this);
      onEnd.call(this);
    },
    { listener: node },
  );
  r.removeListener("end", node);
  r.on("end", rider);
}

function onError(this: Readable, err: Error): void {
  (this as Tagged)[kSource]?.finish(err);
}

// 'close' after 'end' or 'error' finds the source detached; before them, the
// Readable was destroyed with input still to come, which is no clean end: a
// partial line must not pass for a whole one.
function onClose(this: Readable): void {
  (this as Tagged)[kSource]?.finish(new Error(Messages.closedEarly));
}

/**
 * The 'error' listener of a Node stream that nobody else listens to any
 * more (a source let go) or yet (a writer's bare sink): without one, a late
 * failure such as a reset connection would crash the process as an unheard
 * 'error'. Its owners learn of the failure from the stream's state. One
 * function for all, so that a stream never gets it twice.
 * @internal
 */
export function ignoreError(): void {}

/** Where a {@link ReadableByteSource} is in pausing its Readable: the low bits of its #state. */
const enum Pausing {
  /** Delivering. */
  No,
  /** Asked to pause: the Readable is paused when its next chunk comes, unless resumed first. */
  Asked,
  /** The Readable is paused. */
  Done,
}

const PAUSING = 3;
/** The bit of a {@link ReadableByteSource}'s #state above its Pausing: closing destroys the Readable. */
const DESTROY_ON_CLOSE = 4;

const pausingOf = (state: number): Pausing => state & PAUSING;

// What readableSource makes. A ProtStream given a Readable makes none: it
// listens to the Readable itself, as the same kind of ReadableListener.
class ReadableByteSource implements ByteSource {
  readonly #readable: Readable;
  #sink: ByteSink | null = null;
  // A pause takes effect when the next chunk arrives, not when asked: a
  // reader that keeps up reads what it has before that and resumes, and
  // pausing a Node stream and resuming it costs about as much as reading a
  // 64 KiB chunk of lines, which a line straddling two chunks made happen
  // for nearly every chunk (measured). The chunk that finds the pause asked
  // is still taken, as the Readable would hold it if paused already, so
  // the bytes held are the same, just held here. One field with
  // destroyOnClose, as each connection has a source.
  #state: number;

  constructor(readable: Readable, destroyOnClose: boolean) {
    this.#readable = readable;
    this.#state = destroyOnClose ? DESTROY_ON_CLOSE : Pausing.No;
  }

  attach(sink: ByteSink): void {
    const r = this.#readable;
    if ((r as Tagged)[kSource] !== undefined) throw new Error(FEEDS_ANOTHER);
    this.#sink = sink;
    listenTo(r, this);
  }

  data(chunk: unknown): void {
    const state = this.#state;
    if (pausingOf(state) === Pausing.Asked) {
      this.#state = (state & ~PAUSING) | Pausing.Done;
      this.#readable.pause();
    }
    const bytes = bytesOfChunk(chunk);
    if (bytes !== undefined) this.#sink?.push(bytes);
    else this.finish(notBytes(chunk));
  }

  /** The input is over: ended when `err` is null, else failed. */
  finish(err: Error | null): void {
    const sink = this.#sink;
    if (sink === null) return;
    this.#sink = null;
    stopListening(this.#readable, this);
    if (err === null) sink.end();
    else sink.fail(err.message, err);
  }

  pause(): void {
    if (pausingOf(this.#state) === Pausing.No) this.#state |= Pausing.Asked;
  }

  resume(): void {
    const state = this.#state;
    this.#state = state & ~PAUSING;
    if (pausingOf(state) === Pausing.Done) this.#readable.resume();
  }

  close(): void {
    // Lets go of the stream, which may outlive its old source by long.
    this.#sink = null;
    stopListening(this.#readable, this);
    if ((this.#state & DESTROY_ON_CLOSE) !== 0) this.#readable.destroy();
  }
}

/**
 * Makes `r`'s listeners deliver to `to`, and tells it at once if `r` has
 * ended or been destroyed already.
 * @throws Error when `r` already feeds a source or a stream.
 * @internal
 */
export function listenTo(r: Readable, to: ReadableListener): void {
  if ((r as Tagged)[kSource] !== undefined) throw new Error(FEEDS_ANOTHER);
  (r as Tagged)[kSource] = to;
  r.on("data", onData);
  listenForEnd(r);
  r.on("error", onError);
  r.on("close", onClose);
  if (r.readableEnded) to.finish(null);
  else if (r.destroyed) to.finish(r.errored ?? new Error(Messages.closedEarly));
}

/**
 * Stops `r`'s listeners delivering to `from`; does nothing when they
 * deliver to another (or to none).
 * @internal
 */
export function stopListening(r: Readable, from: ReadableListener): void {
  if ((r as Tagged)[kSource] !== from) return;
  (r as Tagged)[kSource] = undefined;
  r.off("data", onData);
  r.off("end", onEnd);
  r.off("error", onError);
  r.off("close", onClose);
  // Keep a late 'error' from becoming an uncaught exception once we stop listening.
  if (!r.listeners("error").includes(ignoreError)) r.on("error", ignoreError);
}

/**
 * The bytes of a chunk a Readable emitted: string chunks as UTF-8, typed
 * arrays by the bytes they cover; undefined for anything else.
 * @internal
 */
export function bytesOfChunk(chunk: unknown): Buffer | undefined {
  return typeof chunk === "string" ? Buffer.from(chunk, "utf8") : bytesOf(chunk);
}

/**
 * Why a Readable's chunk that {@link bytesOfChunk} refused fails its input.
 * @internal
 */
export function notBytes(chunk: unknown): Error {
  return new Error(`readableSource: the Readable emitted ${kindOf(chunk)}, not bytes or a string (an objectMode stream?)`);
}

/** One step of a {@link ScriptedSource}: bytes that arrive at a time. */
export interface Arrival {
  /** Absolute clock time of the arrival. */
  at: number;
  /** The bytes (any typed array, by the bytes it covers); a string is taken as UTF-8. */
  data: string | ArrayBufferView;
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
   * @throws TypeError naming the arrival whose data is neither a string nor bytes.
   */
  constructor(clock: Clock, arrivals: readonly Arrival[], end?: ScriptEnd) {
    arrivals.forEach((a, i) => {
      if (!Number.isFinite(a.at)) throw new RangeError(`ScriptedSource: arrival ${i} has time ${a.at}, not a finite number`);
      if (typeof a.data !== "string" && bytesOf(a.data) === undefined) {
        throw new TypeError(`ScriptedSource: arrival ${i} has data ${kindOf(a.data)}, not a string or bytes`);
      }
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
      // A copy: the script may be played again.
      const chunk = typeof a.data === "string" ? Buffer.from(a.data, "utf8") : Buffer.from(bytesOf(a.data) as Buffer);
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
