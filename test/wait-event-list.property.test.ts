// A stream's list of wait events, which keeps its events in a heap of its
// own, checked against a plain list: for random runs of adding, removing
// and re-marking events (earlier, later, unchanged, also on events no
// longer listed) and passes of due events, the earliest event and mark,
// the list order, the events a pass runs and their order, and the order a
// drain takes them in must be the plain list's; and the owner must hear of
// a change exactly when the earliest mark changed or, for a new mark, when
// the event holds the earliest once it is set (WE-API-8), the first added of
// those with that mark. Marks repeat often, so ties go through the sequence
// number.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { WaitEventList, type EventListOwner, type ListedEvent, type PassHost } from "../src/wait-event.js";

interface Ev extends ListedEvent {
  mark: number;
}

const byMarkThenSeq = (a: Ev, b: Ev): number => (a.mark === b.mark ? a.seq - b.seq : a.mark < b.mark ? -1 : 1);
const bySeq = (a: Ev, b: Ev): number => a.seq - b.seq;

type Op = { op: "add"; mark: number } | { op: "remove"; pick: number } | { op: "mark"; pick: number; mark: number } | { op: "pass"; now: number; later: number };

const MARK = fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 12 }) }, { weight: 1, arbitrary: fc.constant(Infinity) });
const OP: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("add" as const), mark: MARK }),
  fc.record({ op: fc.constant("remove" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("mark" as const), pick: fc.nat(), mark: MARK }),
  fc.record({ op: fc.constant("pass" as const), now: fc.integer({ min: 0, max: 12 }), later: fc.integer({ min: 1, max: 6 }) }),
);

function earliestOf(live: Ev[]): number {
  return live.reduce((m, e) => Math.min(m, e.mark), Infinity);
}

describe("WaitEventList against a plain list", () => {
  it("agrees after every add, removal, new mark and pass", () => {
    fc.assert(
      fc.property(fc.array(OP, { maxLength: 120 }), (ops) => {
        let told = 0;
        const owner: EventListOwner = { earliestMarkChanged: () => told++ };
        const list = new WaitEventList(owner);
        const live: Ev[] = [];
        const all: Ev[] = [];
        const firstOf = (): Ev | undefined => [...live].sort(byMarkThenSeq)[0];
        // The owner hears once of a change that moves the earliest mark or, for a new mark, leaves the event holding it; else not at all.
        const expectTold = (change: () => void, ev?: Ev): void => {
          const earliest = earliestOf(live);
          const toldBefore = told;
          change();
          expect(told - toldBefore).toBe(earliestOf(live) !== earliest || (ev !== undefined && firstOf() === ev) ? 1 : 0);
        };
        const setMark = (ev: Ev, mark: number): void => {
          const old = ev.mark;
          expectTold(
            () => {
              ev.mark = mark;
              // As the mark setter does: only a listed event tells its list.
              if (ev.list !== null) list.markChanged(ev, old);
            },
            ev.list !== null ? ev : undefined,
          );
        };
        for (const o of ops) {
          if (o.op === "add") {
            const ev: Ev = { heapIndex: -1, list, seq: list.nextSeq(), mark: o.mark };
            all.push(ev);
            expectTold(() => {
              live.push(ev);
              list.add(ev);
            });
          } else if (o.op === "pass") {
            // A pass runs what is due when it begins, in list order; each event that ran is moved later, as a timeout re-armed.
            const due = live.filter((e) => e.mark <= o.now).sort(bySeq);
            const ran: Ev[] = [];
            const host: PassHost = {
              fire(ev) {
                ran.push(ev);
                return true;
              },
            };
            list.fireDue(o.now, host);
            expect(ran).toEqual(due);
            for (const ev of ran) setMark(ev, o.now + o.later);
          } else {
            // Any event ever made: removing or re-marking one that left the list must change nothing in it.
            const ev = all[o.pick % Math.max(all.length, 1)];
            if (ev === undefined) continue;
            if (o.op === "remove") {
              expectTold(() => {
                expect(list.remove(ev)).toBe(live.includes(ev));
                if (live.includes(ev)) live.splice(live.indexOf(ev), 1);
              });
              expect(ev.list).toBeNull();
            } else setMark(ev, o.mark);
          }
          const sorted = [...live].sort(byMarkThenSeq);
          expect(list.first()).toBe(sorted[0]);
          expect(list.earliest()).toBe(earliestOf(live));
          expect(list.list()).toEqual([...live].sort(bySeq));
        }
        const out: ListedEvent[] = [];
        for (let ev = list.first(); ev !== undefined; ev = list.first()) {
          out.push(ev);
          list.remove(ev);
        }
        expect(out).toEqual([...live].sort(byMarkThenSeq));
      }),
      { numRuns: 500 },
    );
  });

  it("clear() lets go of every event", () => {
    const list = new WaitEventList({ earliestMarkChanged: () => {} });
    const evs: Ev[] = [3, 1, 2].map((mark) => ({ heapIndex: -1, list, seq: list.nextSeq(), mark }));
    for (const ev of evs) list.add(ev);
    list.clear();
    expect(list.first()).toBeUndefined();
    expect(list.list()).toEqual([]);
    for (const ev of evs) expect([ev.list, ev.heapIndex]).toEqual([null, -1]);
  });
});
