/**
 * An indexed binary min-heap. Items carry their own position so that a
 * changed key or a removal costs O(log n) instead of a scan; this is what
 * keeps one firing, one select wake-up and one reschedule logarithmic in the
 * number of events or streams.
 *
 * @internal
 */
// @ts-nocheck

export interface HeapItem {
  /** Position in the heap, or -1 when the item is not in it. */
  heapIndex: number;
}

/** @internal */
export class IndexedHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  readonly #less: (a: T, b: T) => boolean;

  constructor(less: (a: T, b: T) => boolean) {
    this.#less = less;
  }

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  /** The item at heap position `i` (0 is the least; 1 and 2 its children). */
  item(i: number): T | undefined {
    return this.#items[i];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.#items[item.heapIndex] === item;
  }

  push(item: T): void {
    item.heapIndex = this.#items.length;
    this.#items.push(item);
    this.#up(item.heapIndex);
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    if (top === undefined) return undefined;
    this.delete(top);
    return top;
  }

  delete(item: T): void {
    if (!this.has(item)) return;
    const items = this.#items;
    const i = item.heapIndex;
    const last = items.pop() as T;
    item.heapIndex = -1;
    if (last === item) return;
    items[i] = last;
    last.heapIndex = i;
    this.#up(i);
    this.#down(last.heapIndex);
  }

  /** Restores order after the key of `item` changed. */
  update(item: T): void {
    if (!this.has(item)) return;
    this.#up(item.heapIndex);
    this.#down(item.heapIndex);
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
    this.#items.length = 0;
  }

  #up(i: number): void {
    const items = this.#items;
    const item = items[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as T;
      if (!this.#less(item, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(items[r] as T, items[l] as T)) c = r;
      const child = items[c] as T;
      if (!this.#less(child, item)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
