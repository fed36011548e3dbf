import { IndexedHeap } from "./heap.js";
import type { ProtStream } from "./prot-stream.js";

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
 * Checks that `mark` is a usable clock value.
 * @internal
 */
export function checkMark(mark: number, where: string): void {
  if (typeof mark !== "number" || Number.isNaN(mark)) {
    throw new TypeError(`${where}: mark must be a number (an absolute clock time), got ${String(mark)}`);
  }
}

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
  #mark: number;
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
    this.#mark = mark;
    this.list?.markChanged(this as unknown as WaitEvent);
  }

  /** The stream the event is on, or `null` once it has been removed. */
  get stream(): ProtStream | null {
    return this.list === null ? null : this.list.stream;
  }
}

const byMarkThenSeq = (a: WaitEvent, b: WaitEvent): boolean => a.mark < b.mark || (a.mark === b.mark && a.seq < b.seq);

const bySeq = (a: WaitEvent, b: WaitEvent): number => a.seq - b.seq;

/**
 * The events of one stream, in a heap by mark for finding the due ones and
 * the earliest without scanning. List order is the order of adding, kept as
 * each event's sequence number, so no second structure is needed. The list
 * is the heap itself: one object less per stream.
 * @internal
 */
export class WaitEventList extends IndexedHeap<WaitEvent> {
  #seq = 0;

  constructor(readonly stream: ProtStream) {
    super(byMarkThenSeq);
  }

  add<R>(mark: number, proc: WaitEventProc<R>, rock: R): WaitEvent<R> {
    const ev = new WaitEvent<R>(this, this.#seq++, mark, proc, rock);
    const before = this.earliest();
    this.push(ev as unknown as WaitEvent);
    if (this.earliest() !== before) this.stream.earliestMarkChanged();
    return ev;
  }

  remove(ev: WaitEvent): boolean {
    if (ev.list !== this) return false;
    const before = this.earliest();
    ev.list = null;
    this.delete(ev);
    if (this.earliest() !== before) this.stream.earliestMarkChanged();
    return true;
  }

  markChanged(ev: WaitEvent): void {
    const before = this.earliest();
    this.update(ev);
    // The mark is already new, so `before` misses a change of the event at the top itself.
    if (this.earliest() !== before || this.peek() === ev) this.stream.earliestMarkChanged();
  }

  /** The earliest mark, or Infinity when there are no events. */
  earliest(): number {
    const first = this.peek();
    return first === undefined ? Infinity : first.mark;
  }

  /** Whether the first event is the only one due at `now` (it is due). */
  onlyFirstDue(now: number): boolean {
    const a = this.item(1);
    const b = this.item(2);
    return (a === undefined || a.mark > now) && (b === undefined || b.mark > now);
  }

  /** The events due at `now`, in list order. */
  due(now: number): WaitEvent[] {
    const first = this.peek();
    if (first === undefined || first.mark > now) return NONE;
    return this.collect((ev) => ev.mark <= now, []).sort(bySeq);
  }

  list(): WaitEvent[] {
    return this.collect(() => true, []).sort(bySeq);
  }

  override clear(): void {
    for (const ev of this.list()) ev.list = null;
    super.clear();
  }
}

const NONE: WaitEvent[] = [];
