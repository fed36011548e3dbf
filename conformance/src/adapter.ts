/**
 * What an implementation in JavaScript or TypeScript provides to be tested
 * in process: an {@link Adapter}, the default export of a module given to
 * `prot-conformance --impl`. Like promises-aplus-tests' adapter, it maps a
 * handful of neutral operations onto the implementation's own API; the
 * runner does the rest (virtual time, callback scripts, the trace).
 *
 * What the host must provide is listed in `conformance/README.md`.
 */
import type { Clock } from "../../src/clock.js";
import type { Rock } from "./case.js";

/** A deviation an implementation declares: it knowingly fails these cases. */
export interface Deviation {
  /** A case ID, or a requirement ID (every case citing it). */
  id: string;
  /** Why the implementation behaves differently. */
  reason: string;
}

/** A feature an implementation does not offer: cases with this tag are skipped. */
export interface Unsupported {
  /** A case tag. */
  tag: string;
  /** Why it is not offered. */
  reason: string;
}

/** Who the implementation is and what it claims. */
export interface ImplementationInfo {
  /** Its name. */
  name: string;
  /** Its version. */
  version: string;
  /** The language it is written in. */
  language: string;
  /** The profile it claims: `core`, or a vendor profile such as `cyrus-3.6`. */
  profile: string;
  /** Known deviations from the core rules. */
  deviations?: Deviation[];
  /** Features it does not offer. */
  unsupported?: Unsupported[];
  /**
   * Conditions it needs before it runs events (conformance/src/quirks.ts),
   * such as `events-need-read-timeout`: the runner also runs each case in
   * the form that meets them.
   */
  quirks?: string[];
}

/** The input of one stream: bytes at virtual times, and when it ends. */
export interface ScriptedInput {
  /** Arrivals, in time order. */
  arrivals: Array<{ at: number; bytes: Uint8Array }>;
  /** When the input ends, if it does. */
  end?: number;
  /** With `end`: the input fails then with this message instead of ending; reads report it as their error. */
  error?: string;
}

/** An event as the runner handles it: its mark and rock, readable and writable. */
export interface EventHandle {
  /** The absolute clock time at which the event is due. */
  mark: number;
  /** The value passed to its callback. */
  rock: Rock;
}

/**
 * The runner's side of a callback: given the handle and the rock the
 * implementation passed, it returns the handle (keep) or `null` (removed),
 * or throws.
 */
export type EventCallback = (event: EventHandle, rock: Rock) => EventHandle | null;

/** The outcome of a read. */
export type ReadOutcome<T> = { kind: "data"; value: T } | { kind: "eof" } | { kind: "error"; message: string } | { kind: "wouldblock" };

/** A read stream of the implementation, as the adapter exposes it. */
export interface StreamUnderTest {
  /**
   * Hangs an event on the stream; `callback` must be called as the
   * implementation calls its callbacks. `null` hands the implementation an
   * event without a callback (a null `proc`), which it must refuse by
   * throwing, leaving its list as it was (WE-API-7).
   */
  addWaitEvent(mark: number, callback: EventCallback | null, rock: Rock): EventHandle;
  /** Removes an event. */
  removeWaitEvent(event: EventHandle): void;
  /** The events on the stream, in list order. */
  events(): EventHandle[];
  /** Reads a line, without its LF or CRLF. */
  readLine(): Promise<ReadOutcome<string>>;
  /** Reads a byte. */
  getc(): Promise<ReadOutcome<number>>;
  /** Reads up to `n` bytes. */
  read(n: number): Promise<ReadOutcome<Uint8Array>>;
  /** Returns the next byte without taking it, waiting (and running events) as a read does. */
  peek(): Promise<ReadOutcome<number>>;
  /**
   * Waits, running events, as a read does, until input is buffered; takes
   * none of it. Its value is the next byte, left for the next read (WE-READ-7).
   * Optional, as the two reads below: an adapter without it declares the tag
   * `fill` unsupported, and one written before these reads existed runs on.
   */
  fill?(): Promise<ReadOutcome<number>>;
  /**
   * Discards input up to and including the next LF, waiting as a read does;
   * its value is `true` once the end of a line was passed (WE-READ-8).
   * Without it, declare the tag `skip-line` unsupported.
   */
  skipLine?(): Promise<ReadOutcome<true>>;
  /**
   * Reads exactly `n` bytes, waiting as a read does until all have come
   * (WE-READ-9). Without it, declare the tag `read-exactly` unsupported.
   */
  readExactly?(n: number): Promise<ReadOutcome<Uint8Array>>;
  /** Sets the read timeout (0: none). */
  setTimeout(ticks: number): void;
  /** Restarts the read timeout. */
  resetTimeout(): void;
  /** Sets non-blocking mode. */
  setNonBlocking(value: boolean): void;
  /** Writes bytes to the stream's paired writer (buffered until it is flushed). */
  write(bytes: Uint8Array): void;
  /**
   * Sets a read callback, to run once the next time a read is about to wait;
   * `null` takes away the one set (WE-RCB-2). A callback that throws fails
   * the stream as a failing wait event does, its error `read callback
   * failed: ` and the thrown message, and no pass runs in that wait (WE-RCB-3).
   */
  setReadCallback(callback: (() => void) | null): void;
  /** Closes the stream. */
  close(): void;
}

/** Options of {@link Adapter.openStream}. */
export interface OpenOptions {
  /** The runner's virtual clock; the stream must measure marks and timeouts on it. */
  clock: Clock;
  /** What arrives on the stream. */
  input: ScriptedInput;
  /** Read timeout in ticks; 0 means none. */
  timeout: number;
  /** Start in non-blocking mode. */
  nonBlocking: boolean;
  /** The stream's name in the case. */
  name: string;
  /**
   * Set when the case pairs a writer with the stream for flush on read: the
   * writer's sink. Everything the writer hands on must reach it, when it is
   * handed on.
   */
  flushSink?: (bytes: Uint8Array) => void;
  /**
   * Set with `flushSink` when the case's peer echoes: everything the writer
   * hands on must also arrive as the stream's input, at that instant, after
   * it has reached the sink.
   */
  echo?: boolean;
  /**
   * Set with `flushSink` when the case's peer reads nothing before this
   * clock time: output handed on earlier must reach `flushSink` only then,
   * and until it has, the writer counts as held back (a blocking write would
   * block), so that a waiting read holds (WE-FLUSH-3).
   */
  peerReadsAt?: number;
}

/** A group of streams kept across selects, as C's `struct protgroup`. */
export interface GroupUnderTest {
  /** Waits as {@link Adapter.select} does, over the group's streams; returns the ready ones, in the group's order. */
  select(timeout: number | null): Promise<StreamUnderTest[]>;
}

/** An implementation under test, in process. */
export interface Adapter {
  /** Who it is and what it claims. */
  info: ImplementationInfo;
  /** Opens a read stream over scripted input on the runner's clock. */
  openStream(options: OpenOptions): StreamUnderTest;
  /** Waits until some of `streams` are ready or `timeout` ticks pass; returns the ready ones, in the order given. */
  select(streams: StreamUnderTest[], timeout: number | null): Promise<StreamUnderTest[]>;
  /**
   * Makes a group of `streams` that later selects reuse, so that what the
   * group keeps between selects is tested (cases tagged `group`). An adapter
   * without it declares the tag `group` unsupported.
   */
  group?(streams: StreamUnderTest[]): GroupUnderTest;
}
