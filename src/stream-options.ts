import type { Clock } from "./clock.js";

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

/** Checks a count given to a stream: a positive integer. @internal */
export function positiveInt(n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`ProtStream: ${what} must be a positive integer, got ${n}`);
  return n;
}

/**
 * `last` when it holds the same settings as `next`, else `next`: streams
 * made alike one after another (a server's connections) share one record
 * of their settings rather than holding a field for each.
 * @internal
 */
export function shareSettings<T extends object>(last: T | null, next: T): T {
  if (last === null) return next;
  for (const key in next) if (next[key] !== last[key]) return next;
  return last;
}
