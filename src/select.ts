import { kindOf } from "./bytes.js";
import { RESOLVED, systemClock, type Clock, type Timer } from "./clock.js";
import { IndexedHeap, type HeapItem } from "./heap.js";
import type { ProtStream, StreamWatcher } from "./prot-stream.js";

/** What a group does when a member's stream tells it of a change. */
interface MemberHooks {
  readable(m: Member): void;
  deadline(m: Member): void;
  closed(m: Member): void;
}

/**
 * A stream's place in one group, and the group's watcher on that stream:
 * a stream tells the member itself of its changes, so the group has no
 * lookup to make for each one (19,000 idle timeouts coming due at once are
 * 19,000 deadline changes).
 */
class Member implements HeapItem, StreamWatcher {
  heapIndex = -1;
  deadline = Infinity;
  constructor(
    readonly stream: ProtStream,
    readonly seq: number,
    readonly hooks: MemberHooks,
  ) {}
  onReadable(): void {
    this.hooks.readable(this);
  }
  onDeadline(): void {
    this.hooks.deadline(this);
  }
  onClosed(): void {
    this.hooks.closed(this);
  }
}

const byDeadlineThenSeq = (a: Member, b: Member): boolean => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);

const bySeq = (a: Member, b: Member): number => a.seq - b.seq;

// Rejected by resolving with a rejected promise, so that a select holds one function, not two.
type Settle = (ready: ProtStream[] | Promise<never>) => void;

/** Options of {@link ProtGroup}. */
export interface ProtGroupOptions {
  /** The clock of the group's streams. Default: that of the first stream added, else {@link systemClock}. */
  clock?: Clock;
}

/**
 * A set of read streams to {@link select} over, like C's `struct protgroup`.
 *
 * The group learns from its streams when input arrives and when their next
 * deadline moves, so a select costs O(log n) per change and per wake-up,
 * not a scan of every stream. A stream that is closed stays in its groups
 * and is ready at every select until it is deleted, as a stream whose input
 * ended is (reading it returns `null` at once): a kept group answers as a
 * group made afresh from the same streams would (WE-SELECT-7).
 */
export class ProtGroup implements Iterable<ProtStream> {
  readonly #members = new Map<ProtStream, Member>();
  readonly #deadlines = new IndexedHeap<Member>(byDeadlineThenSeq);
  // Streams that became readable since the last select looked; checked, not trusted.
  readonly #candidates = new Set<Member>();
  // Closed members: no deadline, no watcher, ready until deleted.
  readonly #closed = new Set<Member>();
  readonly #hooks: MemberHooks;
  #clock: Clock | undefined;
  #seq = 0;
  // The waiting select: its resolve function, its limit, and when it last
  // went to sleep until (a wake with no select waiting does nothing). A select is one
  // promise and these fields, so that a loop over the group pays no async
  // frame and no promise of its own at each wake-up.
  #resolve: Settle | null = null;
  #limit = Infinity;
  #sleepUntil = Infinity;
  // A look at the streams is queued: wakes before it runs add nothing.
  #woken = false;
  // Made on the first sleep, then moved (cancelled, not dropped, on waking).
  #timer: Timer | null = null;
  // Made once, when first needed: the timer's callback, and the look a wake queues.
  #wakeFn: (() => void) | null = null;
  #lookFn: (() => void) | null = null;

  /**
   * @param streams - streams to add at once.
   * @param options - see {@link ProtGroupOptions}.
   */
  constructor(streams: Iterable<ProtStream> = [], options: ProtGroupOptions = {}) {
    this.#clock = options.clock;
    this.#hooks = {
      readable: (m) => {
        this.#candidates.add(m);
        this.#wake();
      },
      deadline: (m) => this.#placeDeadline(m),
      closed: (m) => {
        this.#deadlines.delete(m);
        this.#candidates.delete(m);
        this.#closed.add(m);
        this.#wake();
      },
    };
    for (const s of streams) this.add(s);
  }

  /** The clock the group's streams share. */
  get clock(): Clock {
    return this.#clock ?? systemClock;
  }

  /** How many streams the group holds. */
  get size(): number {
    return this.#members.size;
  }

  /**
   * Adds `stream` (adding it twice does nothing).
   * A stream that is already closed is kept as one closed while in the
   * group: ready at every select until deleted.
   * @throws Error when the stream runs on another clock than the group.
   */
  add(stream: ProtStream): this {
    if (this.#members.has(stream)) return this;
    if (stream.closed) {
      const m = new Member(stream, this.#seq++, this.#hooks);
      this.#members.set(stream, m);
      this.#closed.add(m);
      return this;
    }
    if (this.#clock === undefined) this.#clock = stream.clock;
    else if (stream.clock !== this.#clock) {
      throw new Error(`ProtGroup.add: ${stream.name} runs on another clock than the group`);
    }
    const m = new Member(stream, this.#seq++, this.#hooks);
    this.#members.set(stream, m);
    stream.watch(m);
    this.#placeDeadline(m);
    if (stream.readable) this.#candidates.add(m);
    return this;
  }

  /** Removes `stream`; returns whether it was in the group. */
  delete(stream: ProtStream): boolean {
    const m = this.#members.get(stream);
    if (m === undefined) return false;
    this.#members.delete(stream);
    if (this.#closed.delete(m)) return true;
    this.#deadlines.delete(m);
    this.#candidates.delete(m);
    stream.unwatch(m);
    return true;
  }

  /** Whether `stream` is in the group. */
  has(stream: ProtStream): boolean {
    return this.#members.has(stream);
  }

  /** The streams, in the order they were added. */
  [Symbol.iterator](): Iterator<ProtStream> {
    return this.#members.keys();
  }

  /**
   * The select of {@link select}, its timeout checked: resolves at once
   * when a stream is ready, else becomes the group's waiting select.
   * @internal
   */
  wait(timeout: number | null): Promise<ProtStream[]> {
    const now = this.clock.now();
    const limit = timeout === null ? Infinity : now + timeout;
    const ready = this.#readyNow(now);
    if (this.#done(ready, now, limit)) return Promise.resolve(ready);
    if (this.#resolve !== null) return Promise.reject(new Error("select: another select is already waiting on this group"));
    this.#limit = limit;
    // Asleep before it waits: a clock that fails to schedule leaves no select waiting on the group.
    this.#sleep();
    const promise = new Promise<ProtStream[]>(ProtGroup.#capture);
    this.#resolve = ProtGroup.#captured;
    // Not kept past its capture: it would hold a returned select's result.
    ProtGroup.#captured = null;
    return promise;
  }

  // A shared executor, so that a select allocates no closure of its own.
  static #captured: Settle | null = null;
  static #capture(resolve: Settle): void {
    ProtGroup.#captured = resolve;
  }

  /** Whether a select that found `ready` at `now` returns: an empty group can never become ready, and waiting without a limit would hang. */
  #done(ready: ProtStream[], now: number, limit: number): boolean {
    return ready.length > 0 || now >= limit || (this.#members.size === 0 && limit === Infinity);
  }

  #readyNow(now: number): ProtStream[] {
    const ready: Member[] = [];
    for (const m of this.#candidates) {
      if (m.stream.readable) ready.push(m);
      else this.#candidates.delete(m);
    }
    const first = this.#deadlines.peek();
    if (first !== undefined && first.deadline <= now) {
      for (const m of this.#deadlines.collect((x) => x.deadline <= now, [])) if (!this.#candidates.has(m)) ready.push(m);
    }
    for (const m of this.#closed) ready.push(m);
    if (ready.length === 0) return [];
    if (ready.length === 1) return [(ready[0] as Member).stream];
    return ready.sort(bySeq).map((m) => m.stream);
  }

  /** Sleeps until the earliest deadline or the limit, whichever is first, or until woken before. */
  #sleep(): void {
    const first = this.#deadlines.peek();
    const deadline = first === undefined ? Infinity : first.deadline;
    const until = deadline < this.#limit ? deadline : this.#limit;
    this.#sleepUntil = until;
    // A select's timer is cancelled when it wakes, so there is none pending here to cancel.
    if (until === Infinity) return;
    const timer = this.#timer;
    if (timer?.reschedule !== undefined) timer.reschedule(until);
    else this.#timer = this.clock.schedule(until, (this.#wakeFn ??= () => this.#wake()));
  }

  /**
   * Ends the sleep of the waiting select. It looks again in a promise job,
   * not at once: every timer and arrival due at this instant lands first.
   */
  #wake(): void {
    if (this.#resolve === null || this.#woken) return;
    this.#woken = true;
    // Cancelled, so that a select that returned leaves no timer to keep the process alive.
    this.#timer?.cancel();
    void RESOLVED.then((this.#lookFn ??= () => this.#look()));
  }

  /** The waiting select looks at its streams again: it returns what is ready, or sleeps again. */
  #look(): void {
    this.#woken = false;
    const resolve = this.#resolve;
    if (resolve === null) return;
    try {
      const now = this.clock.now();
      const ready = this.#readyNow(now);
      if (!this.#done(ready, now, this.#limit)) return this.#sleep();
      this.#resolve = null;
      resolve(ready);
    } catch (err) {
      // The clock failed: the select rejects with its error, as a read does.
      this.#resolve = null;
      resolve(Promise.reject(err));
    }
  }

  #placeDeadline(m: Member): void {
    const d = m.stream.nextDeadline;
    const had = this.#deadlines.has(m);
    m.deadline = d;
    if (d === Infinity) {
      if (had) this.#deadlines.delete(m);
    } else if (had) this.#deadlines.update(m);
    else this.#deadlines.push(m);
    // A sleeping select must wake earlier if this deadline moved before its timer.
    if (d < this.#sleepUntil) this.#wake();
  }
}

/**
 * Waits until some stream of `group` is ready and returns the ready ones, in
 * the order they were added to the group; `[]` when `timeout` ticks pass
 * first. A stream is ready when a read on it would return without waiting
 * (input buffered, input ended, stream failed), or when its next deadline
 * (earliest event mark or read timeout mark) has come: reading it then runs
 * its due events. A closed stream is ready until it is deleted from the group.
 * Select itself runs no callbacks. On an empty group without a timeout it
 * returns `[]` at once.
 *
 * @param timeout - ticks to wait at most; `null` or omitted waits without limit.
 * @throws RangeError when `timeout` is not a number (a string included), is negative or NaN.
 */
export function select(group: ProtGroup, timeout: number | null = null): Promise<ProtStream[]> {
  if (timeout !== null && (typeof timeout !== "number" || !(timeout >= 0))) {
    return Promise.reject(new RangeError(`select: timeout must be null or a number >= 0, got ${kindOf(timeout)}`));
  }
  try {
    return group.wait(timeout);
  } catch (err) {
    // The clock failed.
    return Promise.reject(err);
  }
}
