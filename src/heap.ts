/**
 * An indexed binary min-heap. Items carry their own position so that a
 * changed key or a removal costs O(log n) instead of a scan; this is what
 * keeps one firing, one select wake-up and one reschedule logarithmic in the
 * number of events or streams.
 *
 * @internal
 */
export interface HeapItem {
  /** Position in the heap, or -1 when the item is not in it. */
  heapIndex: number;
}

// Shared by every heap until its first push: an array grows to room for 17
// items at its first push, and most heaps (a stream's events) hold one.
const NO_ITEMS: never[] = [];

/** @internal */
export class IndexedHeap<T extends HeapItem> {
  #items: T[] = NO_ITEMS;
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.#items[item.heapIndex] === item;
  }

  push(item: T): void {
    if (this.#items === NO_ITEMS) {
      item.heapIndex = 0;
      this.#items = [item];
      return;
    }
    const items = this.#items;
    items.push(item);
    this.#up(item, items.length - 1, 0);
  }

  delete(item: T): void {
    if (!this.has(item)) return;
    const items = this.#items;
    const i = item.heapIndex;
    const last = items.pop() as T;
    item.heapIndex = -1;
    if (last === item) return;
    this.#place(last, i);
  }

  /** Restores order after the key of `item` changed. */
  update(item: T): void {
    if (!this.has(item)) return;
    this.#place(item, item.heapIndex);
  }

  /**
   * Appends to `out` every item for which `pred` holds, visiting only the
   * subtree where it can hold: `pred` must be monotone with the heap order
   * (true for an item implies true for every item less than it).
   */
  collect(pred: (item: T) => boolean, out: T[]): T[] {
    const items = this.#items;
    if (items.length === 0) return out;
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop() as number;
      const item = items[i];
      if (item === undefined || !pred(item)) continue;
      out.push(item);
      stack.push(2 * i + 1, 2 * i + 2);
    }
    return out;
  }

  clear(): void {
    for (const item of this.#items) item.heapIndex = -1;
    if (this.#items !== NO_ITEMS) this.#items.length = 0;
  }

  /** Puts `item`, whose place is `i` (a hole), where it belongs: up when it is less than its parent, else down. */
  #place(item: T, i: number): void {
    if (i > 0 && this.#less(item, this.#items[(i - 1) >> 1] as T)) this.#up(item, i, 0);
    else this.#down(item, i);
  }

  /** Moves `item` up from the hole at `i` to where it belongs, no higher than position `top`. */
  #up(item: T, i: number, top: number): void {
    const items = this.#items;
    const less = this.#less;
    while (i > top) {
      const p = (i - 1) >> 1;
      const parent = items[p] as T;
      if (!less(item, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  /**
   * Moves `item` down from the hole at `i` to where it belongs. The hole
   * first goes down to a leaf along the lesser children, each moved up into
   * it, and `item` then rises from there: an item moved down (a mark moved
   * later, the last item put in a deleted one's place) mostly belongs near
   * the bottom, so this takes one comparison per level where looking for
   * its place on the way down takes two.
   */
  #down(item: T, i: number): void {
    const items = this.#items;
    const less = this.#less;
    const n = items.length;
    const top = i;
    for (let l = 2 * i + 1; l < n; l = 2 * i + 1) {
      const c = l + 1 < n && less(items[l + 1] as T, items[l] as T) ? l + 1 : l;
      const child = items[c] as T;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    this.#up(item, i, top);
  }
}
