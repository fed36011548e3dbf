import { kindOf } from "./bytes.js";
import { systemClock, type Clock, type Timer } from "./clock.js";
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
  #waker: (() => void) | null = null;
  #sleepUntil = Infinity;

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

  /** @internal */
  readyNow(now: number): ProtStream[] {
    const ready: Member[] = [];
    for (const m of this.#candidates) {
      if (m.stream.readable) ready.push(m);
      else this.#candidates.delete(m);
    }
    const expired = this.#deadlines.collect((m) => m.deadline <= now, []);
    for (const m of expired) if (!this.#candidates.has(m)) ready.push(m);
    for (const m of this.#closed) ready.push(m);
    return ready.sort(bySeq).map((m) => m.stream);
  }

  /** @internal */
  earliestDeadline(): number {
    const first = this.#deadlines.peek();
    return first === undefined ? Infinity : first.deadline;
  }

  /** @internal */
  sleep(until: number): Promise<void> {
    if (this.#waker !== null) throw new Error("select: another select is already waiting on this group");
    this.#sleepUntil = until;
    return new Promise<void>((resolve) => {
      let timer: Timer | null = null;
      this.#waker = () => {
        this.#waker = null;
        this.#sleepUntil = Infinity;
        timer?.cancel();
        resolve();
      };
      if (until !== Infinity) timer = this.clock.schedule(until, () => this.#wake());
    });
  }

  #wake(): void {
    this.#waker?.();
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
export async function select(group: ProtGroup, timeout: number | null = null): Promise<ProtStream[]> {
  if (timeout !== null && (typeof timeout !== "number" || !(timeout >= 0))) {
    throw new RangeError(`select: timeout must be null or a number >= 0, got ${kindOf(timeout)}`);
  }
  const clock = group.clock;
  const limit = timeout === null ? Infinity : clock.now() + timeout;
  for (;;) {
    const now = clock.now();
    const ready = group.readyNow(now);
    // An empty group can never become ready: waiting without a limit would hang.
    if (ready.length > 0 || now >= limit || (group.size === 0 && limit === Infinity)) return ready;
    const deadline = group.earliestDeadline();
    await group.sleep(deadline < limit ? deadline : limit);
  }
}
