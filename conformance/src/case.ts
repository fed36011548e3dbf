/**
 * The conformance case format, version 1: language-neutral data (JSON, or
 * YAML in the spec's `scenario` blocks and in `conformance/cases/`),
 * described by `conformance/schema/case-v1.schema.json`. The types here
 * mirror the schema.
 */

/** The version of the case format this runner reads. */
export const CASE_FORMAT_VERSION = 1;

/** Virtual time a case may not pass: a case that needs more is broken. */
export const HORIZON = 1_000_000;

/** An event's scripts: `on` is one script, or a list of them, one per firing (none without a callback). */
export function scriptsOf(on: Script | Script[] | null): Script[] {
  if (on === null) return [];
  return on.length > 0 && Array.isArray(on[0]) ? (on as Script[]) : [on as Script];
}

/** The mark a `MarkSpec` gives at time `now`, for an event whose mark was `old`. */
export function markFrom(spec: MarkSpec, now: number, old: number): number {
  if (spec.at !== undefined) return spec.at;
  if (spec.now !== undefined) return now + spec.now;
  return old + (spec.mark ?? 0);
}

/** A value handed to a callback as its rock. */
export type Rock = string | number | null;

/** One stream of a case. */
export interface StreamSpec {
  /** Read timeout in ticks; 0 (default) means none. */
  timeout?: number;
  /** Start in non-blocking mode. */
  nonBlocking?: boolean;
  /** Bytes arriving at virtual times. `data` holds one byte per character (U+0000 to U+00FF). */
  input?: Array<{ at: number; data: string }>;
  /** The virtual time at which the input ends; without it the input stays open. */
  end?: number;
  /** With `end`: the input fails at that time with this message instead of ending (the error a read reports). */
  error?: string;
  /** Pair a writer that is flushed before the stream sleeps; what it hands on is traced as `flush`. */
  flushOnRead?: boolean;
  /** With `flushOnRead`: the peer echoes, so what the writer hands on arrives as input at the same instant. */
  echo?: boolean;
  /**
   * With `flushOnRead`: the peer reads nothing before this time. Output
   * handed on earlier waits and reaches the peer (the trace's `flush`) then;
   * until it does, the writer is held back and a waiting read holds (WE-FLUSH-3).
   */
  peerReadsAt?: number;
}

/** Where a set-mark or add takes its new mark from: exactly one key. */
export interface MarkSpec {
  /** An absolute time. */
  at?: number;
  /** Relative to the current time. */
  now?: number;
  /** Relative to the event's mark before the change. */
  mark?: number;
}

/** One action of a callback script. A script ends at its first `return` (default: return the event). */
export type Action =
  | { "set-mark": MarkSpec & { event?: string } }
  | { remove: string }
  | { add: MarkSpec & { event: string } }
  | { rock: Rock }
  | { "reset-timeout": true }
  | { throw: string }
  | { write: string }
  | { spend: number }
  | { return: "event" | null };

/** A callback script: the actions of one firing. */
export type Script = Action[];

/** An event of a case; its name is its key in `events`. */
export interface EventSpec {
  /** The stream it hangs on. */
  stream: string;
  /** With a mark, the event is added when the case starts (in declaration order); without, only by an `add`. */
  mark?: number;
  /** Its rock. Default null. */
  rock?: Rock;
  /**
   * What the callback does: one script for every firing, or a list whose i-th
   * entry is the i-th firing's (the last repeats). `null`: the event has no
   * callback (a null `proc`), which an implementation refuses to add (WE-API-7).
   */
  on: Script | Script[] | null;
}

/** One operation of a case, run in order. */
export type Step =
  | { "read-line": string }
  | { getc: string }
  | { read: { stream: string; n: number } }
  | { peek: string }
  | { fill: string }
  | { "skip-line": string }
  | { "read-exactly": { stream: string; n: number } }
  | { select: { streams: string[]; timeout: number | null; group?: string } }
  | { advance: number }
  | { "set-timeout": { stream: string; ticks: number } }
  | { "reset-timeout": string }
  | { nonblocking: { stream: string; value: boolean } }
  | OutsideStep
  | { events: string }
  | { write: { stream: string; data: string } }
  | { "read-callback": string | ReadCallbackSpec }
  | { close: string }
  | { meanwhile: { at: number; do: OutsideStep } };

/**
 * The object form of a `read-callback` step: a read callback that records
 * that it ran and then throws `throw` (where the language can throw), or
 * `clear: true`, which takes away the read callback set (a null one, as C's
 * `prot_setreadcallback(s, NULL, NULL)`).
 */
export type ReadCallbackSpec = { stream: string; throw: string } | { stream: string; clear: true };

/** What a `read-callback` step sets: its stream, and whether the callback throws or is cleared. */
export function readCallbackOf(arg: string | ReadCallbackSpec): { stream: string; throw?: string; clear?: true } {
  return typeof arg === "string" ? { stream: arg } : arg;
}

/**
 * What a `meanwhile` step does from outside at its time, whatever the case is
 * doing then (a read waiting, a select, an advance).
 */
export type OutsideStep = { "add-event": MarkSpec & { event: string } } | { "remove-event": string | { event: string; stream: string } } | { "set-mark": MarkSpec & { event: string } };

/** The event a `remove-event` step removes, and the stream it asks (default: the event's own). */
export function removeTarget(arg: string | { event: string; stream: string }, events: Record<string, EventSpec>): { event: string; stream: string | undefined } {
  if (typeof arg !== "string") return arg;
  return { event: arg, stream: events[arg]?.stream };
}

/** The result part of a read's trace entry: exactly one of these keys. */
export interface ReadResultEntry {
  /** A line read, without its LF or CRLF. */
  line?: string;
  /** A byte read (or, for `peek` and `fill`, the next byte, left in place). */
  byte?: number;
  /** Bytes read, one per character. */
  data?: string;
  /** A `skip-line` passed the end of a line. */
  skipped?: true;
  /** The input had ended. */
  eof?: true;
  /** The read failed with this text. */
  error?: string;
  /** A non-blocking read would have had to wait. */
  wouldblock?: true;
  /** The read can never complete: no input, no end, no timer. The case stops there. */
  blocked?: true;
}

/** One entry of an observable trace. `t` is the virtual time it happened. */
export type TraceEntry =
  | { t: number; fire: string; mark: number; rock?: Rock }
  | ({ t: number; "read-line": string } & ReadResultEntry)
  | ({ t: number; getc: string } & ReadResultEntry)
  | ({ t: number; read: string } & ReadResultEntry)
  | ({ t: number; peek: string } & ReadResultEntry)
  | ({ t: number; fill: string } & ReadResultEntry)
  | ({ t: number; "skip-line": string } & ReadResultEntry)
  | ({ t: number; "read-exactly": string } & ReadResultEntry)
  | { t: number; select: string[] }
  | { t: number; "read-callback": string }
  | { t: number; flush: string; data: string }
  | { t: number; events: string; list: string[] }
  | { t: number; refused: string };

/** A conformance case. */
export interface Case {
  /** Unique, kebab-case. */
  id: string;
  /** One line saying what the case shows. */
  title: string;
  /** The requirement IDs the case checks. */
  requirements: string[];
  /** Feature tags, for filtering and for implementations to declare unsupported features. */
  tags: string[];
  /** The streams, by name. */
  streams: Record<string, StreamSpec>;
  /** The events, by name. */
  events?: Record<string, EventSpec>;
  /** What the case does. */
  steps: Step[];
  /** The observable trace a conforming implementation produces. */
  expect: TraceEntry[];
}

/** Where a case was written. */
export interface CaseSource {
  /** Path relative to the repository root, e.g. `spec/firing.md`. */
  file: string;
  /** 1-based line of the case's first line. */
  line: number;
}

/** A case as loaded, with where it came from. */
export interface LoadedCase extends Case {
  /** Where it was written. */
  source: CaseSource;
}
