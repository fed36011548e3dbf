/**
 * Checks that `mark` is a usable clock value.
 * @internal
 */
export function checkMark(mark: number, where: string): void {
  // Small enough for V8 to inline into the mark setter, which runs at most firings; the error is made apart.
  if (typeof mark !== "number" || Number.isNaN(mark)) throw badMark(mark, where);
}

function badMark(mark: unknown, where: string): TypeError {
  return new TypeError(`${where}: mark must be a number (an absolute clock time), got ${String(mark)}`);
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

const bySeq = (a: ListedEvent, b: ListedEvent): number => a.seq - b.seq;

// Sequence numbers come from one counter for all lists: increasing within
// each list, which is all list order needs, and no field per stream.
let lastSeq = 0;

/**
 * The events of one stream, in a heap by mark for finding the due ones and
 * the earliest without scanning. List order is the order of adding, kept as
 * each event's sequence number, so no second structure is needed. Most
 * streams have one event (an idle timeout) or none: the list holds a lone
 * event itself and makes its heap for a second one, then keeps it.
 *
 * The heap is an array of the events with sifting of its own, not the
 * IndexedHeap of the clock and of groups, whose comparator is a call
 * through a field and whose loads of an item's fields see three kinds of
 * item: with marks compared inline, a firing among 100 events, which moves
 * the event that fired to its new place, takes some 260 instructions fewer
 * (of about 2,900 that the stream and the clock add to Node's own per tick,
 * by bench/event-dispatch.ts's callgrind window).
 * @internal
 */
export class WaitEventList {
  readonly owner: EventListOwner;
  #lone: ListedEvent | null = null;
  #heap: ListedEvent[] | null = null;

  constructor(owner: EventListOwner) {
    this.owner = owner;
  }

  /** The sequence number of the next event added. */
  nextSeq(): number {
    return ++lastSeq;
  }

  add(ev: ListedEvent): void {
    const before = this.earliest();
    const heap = this.#heap;
    const lone = this.#lone;
    if (heap !== null) {
      heap.push(ev);
      siftUp(heap, ev, heap.length - 1, 0);
    } else if (lone === null) {
      ev.heapIndex = 0;
      this.#lone = ev;
    } else {
      const made = (this.#heap = [lone]);
      this.#lone = null;
      made.push(ev);
      siftUp(made, ev, 1, 0);
    }
    if (this.earliest() !== before) this.owner.earliestMarkChanged();
  }

  remove(ev: ListedEvent): boolean {
    if (ev.list !== this) return false;
    const before = this.earliest();
    ev.list = null;
    const heap = this.#heap;
    const i = ev.heapIndex;
    ev.heapIndex = -1;
    if (this.#lone === ev) this.#lone = null;
    else if (heap !== null) {
      const last = heap.pop() as ListedEvent;
      if (last !== ev) place(heap, last, i);
    }
    if (this.earliest() !== before) this.owner.earliestMarkChanged();
    return true;
  }

  /** The mark of `ev`, which is on this list, is now its `mark`; it was `old`. */
  markChanged(ev: ListedEvent, old: number): void {
    const heap = this.#heap;
    // A lone event is the first.
    if (heap === null) return this.owner.earliestMarkChanged();
    // The mark is already new: the earliest before is `old` when the event was the first.
    const top = heap[0] as ListedEvent;
    const before = top === ev ? old : top.mark;
    place(heap, ev, ev.heapIndex);
    const first = heap[0] as ListedEvent;
    // The first event given a mark, even its own again, re-arms what waits on it (WE-API-8).
    if (first.mark !== before || first === ev) this.owner.earliestMarkChanged();
  }

  /** The earliest mark, or Infinity when there are no events. */
  earliest(): number {
    const first = this.first();
    return first === undefined ? Infinity : first.mark;
  }

  /** The event with the earliest mark (the first added of those), if any. */
  first(): ListedEvent | undefined {
    const heap = this.#heap;
    return heap !== null ? heap[0] : (this.#lone ?? undefined);
  }

  /**
   * One pass: `host.fire` for each event due at `now` when the pass begins,
   * in list order, until it answers false. The events due are taken into a
   * lent array, so that a pass allocates nothing; a callback may start a
   * pass of another stream, which borrows another.
   */
  fireDue(now: number, host: PassHost): void {
    const heap = this.#heap;
    const first = heap !== null ? heap[0] : this.#lone;
    if (first === undefined || first === null || first.mark > now) return;
    // Most passes run one event (a timeout, a ping): no list to build for it.
    const a = heap?.[1];
    const b = heap?.[2];
    if (heap === null || ((a === undefined || a.mark > now) && (b === undefined || b.mark > now))) {
      host.fire(first, now);
      return;
    }
    const due = lent.pop() ?? [];
    const n = collectDue(heap, now, due);
    try {
      for (let i = 0; i < n; i++) {
        if (!host.fire(due[i] as ListedEvent, now)) return;
      }
    } finally {
      // Nothing kept alive by the array until its next pass; a very long one is let go.
      due.fill(null, 0, n);
      if (due.length <= LENT_MAX) lent.push(due);
    }
  }

  list(): ListedEvent[] {
    const heap = this.#heap;
    if (heap === null) return this.#lone === null ? [] : [this.#lone];
    return heap.slice().sort(bySeq);
  }

  clear(): void {
    const lone = this.#lone;
    if (lone !== null) {
      lone.list = null;
      lone.heapIndex = -1;
      this.#lone = null;
    }
    const heap = this.#heap;
    if (heap === null) return;
    for (const ev of heap) {
      ev.list = null;
      ev.heapIndex = -1;
    }
    heap.length = 0;
  }
}

/** `a` comes before `b`: by mark, then by insertion. */
function before(a: ListedEvent, b: ListedEvent): boolean {
  const am = a.mark;
  const bm = b.mark;
  return am < bm || (am === bm && a.seq < b.seq);
}

/** Puts `ev`, whose place is `i` (a hole), where it belongs in `heap`: up when it comes before its parent, else down. */
function place(heap: ListedEvent[], ev: ListedEvent, i: number): void {
  if (i > 0 && before(ev, heap[(i - 1) >> 1] as ListedEvent)) siftUp(heap, ev, i, 0);
  else siftDown(heap, ev, i);
}

/** Moves `ev` up from the hole at `i` to where it belongs, no higher than position `top`. */
function siftUp(heap: ListedEvent[], ev: ListedEvent, i: number, top: number): void {
  const mark = ev.mark;
  const seq = ev.seq;
  while (i > top) {
    const p = (i - 1) >> 1;
    const parent = heap[p] as ListedEvent;
    const pm = parent.mark;
    if (!(mark < pm || (mark === pm && seq < parent.seq))) break;
    heap[i] = parent;
    parent.heapIndex = i;
    i = p;
  }
  heap[i] = ev;
  ev.heapIndex = i;
}

/**
 * Moves `ev` down from the hole at `i` to where it belongs. The hole first
 * goes down to a leaf along the earlier children, each moved up into it,
 * and `ev` then rises from there: an event moved down (mostly the one that
 * fired, rescheduled) belongs near the bottom, so this takes one
 * comparison per level where looking for its place on the way down takes
 * two.
 */
function siftDown(heap: ListedEvent[], ev: ListedEvent, i: number): void {
  const n = heap.length;
  const top = i;
  for (let l = 2 * i + 1; l < n; l = 2 * i + 1) {
    let child = heap[l] as ListedEvent;
    let c = l;
    if (l + 1 < n) {
      const r = heap[l + 1] as ListedEvent;
      if (before(r, child)) {
        child = r;
        c = l + 1;
      }
    }
    heap[i] = child;
    child.heapIndex = i;
    i = c;
  }
  siftUp(heap, ev, i, top);
}

/**
 * Puts the events of `heap` due at `now` in `out[0..n)`, in list order,
 * and returns n. The heap is walked breadth first from its top, down only
 * through due events (the children of one not due are not due either),
 * with `out` itself as the queue of events whose children are still to see.
 */
function collectDue(heap: ListedEvent[], now: number, out: (ListedEvent | null)[]): number {
  let n = 0;
  out[n++] = heap[0] as ListedEvent;
  for (let i = 0; i < n; i++) {
    const at = (out[i] as ListedEvent).heapIndex * 2 + 1;
    const l = heap[at];
    if (l !== undefined && l.mark <= now) out[n++] = l;
    const r = heap[at + 1];
    if (r !== undefined && r.mark <= now) out[n++] = r;
  }
  sortBySeq(out, n);
  return n;
}

/** What a pass runs each due event with: the stream. */
export interface PassHost {
  /** Runs one event of a pass; false when the pass has to stop. */
  fire(ev: ListedEvent, now: number): boolean;
}

/**
 * Events sorted by insertion before runs are merged. Short: beyond a few
 * events merging costs no more than insertion (a bunch of 100 due events
 * took as many instructions per event with runs of 4 as with runs of 32),
 * and a pass of a handful already goes through both.
 */
const RUN = 4;

/**
 * Puts `a[0..n)` in list order (by sequence number), comparing inline
 * rather than through a comparator's calls: runs of {@link RUN} sorted by
 * insertion, then merged pairwise, to and fro between `a[0..n)` and
 * `a[n..2n)`, which is cleared after.
 */
function sortBySeq(a: (ListedEvent | null)[], n: number): void {
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const ev = a[i] as ListedEvent;
      let j = i - 1;
      for (; j >= lo && (a[j] as ListedEvent).seq > ev.seq; j--) a[j + 1] = a[j] as ListedEvent;
      a[j + 1] = ev;
    }
  }
  if (n <= RUN) return;
  let from = 0;
  let to = n;
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const x = a[from + i] as ListedEvent;
        const y = a[from + j] as ListedEvent;
        if (y.seq < x.seq) {
          a[to + k++] = y;
          j++;
        } else {
          a[to + k++] = x;
          i++;
        }
      }
      while (i < mid) a[to + k++] = a[from + i++] as ListedEvent;
      while (j < hi) a[to + k++] = a[from + j++] as ListedEvent;
    }
    const t = from;
    from = to;
    to = t;
  }
  if (from !== 0) for (let k = 0; k < n; k++) a[k] = a[from + k] as ListedEvent;
  a.fill(null, n, 2 * n);
}

/** Arrays for passes to take their due events into, lent and given back. */
const lent: (ListedEvent | null)[][] = [];

/** The longest array given back after a pass: one that held more is left to the collector. */
const LENT_MAX = 4096;
