// The indexed heap under every wait event, timer and select member, checked
// against a plain list: for random runs of push, delete and changed keys
// (up, down, unchanged, on items in the heap or not), taking the least
// (peek, then delete, as a firing does), the least item, membership,
// `collect` and the order things come out in must be the list's.
// Keys repeat often, so ties go through the comparator's second key.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { IndexedHeap, type HeapItem } from "../src/heap.js";

interface Item extends HeapItem {
  readonly id: number;
  key: number;
}

const less = (a: Item, b: Item): boolean => a.key < b.key || (a.key === b.key && a.id < b.id);
const byOrder = (a: Item, b: Item): number => a.key - b.key || a.id - b.id;

type Op = { op: "push"; key: number } | { op: "take" } | { op: "delete"; pick: number } | { op: "rekey"; pick: number; key: number };

const KEY = fc.integer({ min: 0, max: 12 });
const OP: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("push" as const), key: KEY }),
  fc.record({ op: fc.constant("take" as const) }),
  fc.record({ op: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("rekey" as const), pick: fc.nat(), key: KEY }),
);

function check(heap: IndexedHeap<Item>, live: Item[], all: Item[]): void {
  const sorted = [...live].sort(byOrder);
  expect(heap.peek()).toBe(sorted[0]);
  for (const item of all) expect(heap.has(item)).toBe(live.includes(item));
  const bound = sorted[Math.floor(sorted.length / 2)]?.key ?? 0;
  expect(heap.collect((i) => i.key <= bound, []).sort(byOrder)).toEqual(sorted.filter((i) => i.key <= bound));
}

describe("IndexedHeap against a sorted list", () => {
  it("agrees after every push, deletion, taking of the least and changed key", () => {
    fc.assert(
      fc.property(fc.array(OP, { maxLength: 120 }), (ops) => {
        const heap = new IndexedHeap<Item>(less);
        const live: Item[] = [];
        const all: Item[] = [];
        for (const o of ops) {
          if (o.op === "push") {
            const item: Item = { id: all.length, key: o.key, heapIndex: -1 };
            all.push(item);
            live.push(item);
            heap.push(item);
          } else if (o.op === "take") {
            const least = heap.peek();
            expect(least).toBe([...live].sort(byOrder)[0]);
            if (least !== undefined) {
              heap.delete(least);
              live.splice(live.indexOf(least), 1);
            }
          } else {
            // Any item ever made: deleting or re-keying one that left the heap must change nothing.
            const item = all[o.pick % Math.max(all.length, 1)];
            if (item === undefined) continue;
            if (o.op === "delete") {
              heap.delete(item);
              if (live.includes(item)) live.splice(live.indexOf(item), 1);
            } else {
              item.key = o.key;
              heap.update(item);
            }
          }
          check(heap, live, all);
        }
        const out: Item[] = [];
        for (let i = heap.peek(); i !== undefined; i = heap.peek()) {
          out.push(i);
          heap.delete(i);
        }
        expect(out).toEqual([...live].sort(byOrder));
      }),
      { numRuns: 500 },
    );
  });
});
