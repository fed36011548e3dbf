import { IndexedHeap } from "./heap.js";

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
 * An event as its list sees it: {@link WaitEvent}, which is declared with
 * ProtStream, as each names the other in its public type.
 * @internal
 */
export interface ListedEvent {
  heapIndex: number;
  list: WaitEventList | null;
  readonly seq: number;
  readonly mark: number;
}

/**
 * Told by a list when its earliest mark changed: the stream, whose wait
 * and whose groups follow the earliest mark.
 * @internal
 */
export interface EventListOwner {
  earliestMarkChanged(): void;
}

const byMarkThenSeq = (a: ListedEvent, b: ListedEvent): boolean => a.mark < b.mark || (a.mark === b.mark && a.seq < b.seq);

const bySeq = (a: ListedEvent, b: ListedEvent): number => a.seq - b.seq;

// Sequence numbers come from one counter for all lists: increasing within
// each list, which is all list order needs, and no field per stream.
let lastSeq = 0;

/**
 * The events of one stream, in a heap by mark for finding the due ones and
 * the earliest without scanning. List order is the order of adding, kept as
 * each event's sequence number, so no second structure is needed. The list
 * is the heap itself: one object less per stream.
 * @internal
 */
export class WaitEventList extends IndexedHeap<ListedEvent> {
  constructor(readonly owner: EventListOwner) {
    super(byMarkThenSeq);
  }

  /** The sequence number of the next event added. */
  nextSeq(): number {
    return ++lastSeq;
  }

  add(ev: ListedEvent): void {
    const before = this.earliest();
    this.push(ev);
    if (this.earliest() !== before) this.owner.earliestMarkChanged();
  }

  remove(ev: ListedEvent): boolean {
    if (ev.list !== this) return false;
    const before = this.earliest();
    ev.list = null;
    this.delete(ev);
    if (this.earliest() !== before) this.owner.earliestMarkChanged();
    return true;
  }

  markChanged(ev: ListedEvent): void {
    const before = this.earliest();
    this.update(ev);
    // The mark is already new, so `before` misses a change of the event at the top itself.
    if (this.earliest() !== before || this.peek() === ev) this.owner.earliestMarkChanged();
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
  due(now: number): ListedEvent[] {
    const first = this.peek();
    if (first === undefined || first.mark > now) return NONE;
    return this.collect((ev) => ev.mark <= now, []).sort(bySeq);
  }

  list(): ListedEvent[] {
    return this.collect(() => true, []).sort(bySeq);
  }

  override clear(): void {
    for (const ev of this.list()) ev.list = null;
    super.clear();
  }
}

const NONE: ListedEvent[] = [];
