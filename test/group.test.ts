// What a group keeps of its streams, and the one timer a group's selects
// sleep on: what the conformance cases cannot show, as a case names each
// stream once, never deletes one that is not in its group, runs every stream
// on one clock, and cannot count a clock's timers.
import { describe, expect, it } from "vitest";
import { ProtGroup, ProtStream, ScriptedSource, VirtualClock, select, type Arrival, type Clock } from "prot-events";

function stream(clock: Clock, name: string, arrivals: Arrival[] = []): ProtStream {
  return new ProtStream(new ScriptedSource(clock, arrivals), { clock, name });
}

const names = (ss: ProtStream[]): string[] => ss.map((s) => s.name);

describe("ProtGroup", () => {
  it("holds a stream added twice once, and forgets it wholly when it is deleted", async () => {
    const clock = new VirtualClock();
    const a = stream(clock, "a", [{ at: 10, data: "a\n" }]);
    const b = stream(clock, "b", [{ at: 20, data: "b\n" }]);
    const g = new ProtGroup([a, a]);
    g.add(b).add(a);
    expect(g.size).toBe(2);
    expect([...g]).toEqual([a, b]);
    expect(names(await clock.runUntil(select(g)))).toEqual(["a"]);
    expect(g.delete(a)).toBe(true);
    // a's line is still buffered: a group that forgot it reports b, when its line comes.
    expect(names(await clock.runUntil(select(g)))).toEqual(["b"]);
    expect(clock.now()).toBe(20);
  });

  it("says whether the stream it deletes was in the group, open or closed", () => {
    const clock = new VirtualClock();
    const [a, b, c] = ["a", "b", "c"].map((n) => stream(clock, n)) as [ProtStream, ProtStream, ProtStream];
    c.close();
    const g = new ProtGroup([a, c]);
    expect(g.delete(b)).toBe(false);
    expect(g.delete(a)).toBe(true);
    expect(g.delete(a)).toBe(false);
    expect(g.delete(c)).toBe(true);
    expect(g.size).toBe(0);
  });

  it("keeps a stream closed before it is added, whatever its clock, and takes its clock from an open one", async () => {
    const mine = new VirtualClock();
    const other = new VirtualClock();
    const closed = stream(other, "closed");
    closed.close();
    const g = new ProtGroup([closed, stream(mine, "open")]);
    expect(g.clock).toBe(mine);
    expect(names(await select(g))).toEqual(["closed"]);
    expect(() => g.add(stream(other, "open elsewhere"))).toThrow(/runs on another clock than the group/);
  });

  it("sleeps on one timer of the clock, moved from one select to the next", async () => {
    const virtual = new VirtualClock();
    let made = 0;
    const clock: Clock = {
      now: () => virtual.now(),
      schedule(at, callback) {
        made++;
        return virtual.schedule(at, callback);
      },
    };
    const a = stream(clock, "a");
    const b = stream(clock, "b");
    const ev = a.addWaitEvent(30, (_s, e) => e, null);
    const g = new ProtGroup([a, b]);
    const before = made;
    expect(await virtual.runUntil(select(g, 10))).toEqual([]);
    expect(await virtual.runUntil(select(g, 10))).toEqual([]);
    expect(names(await virtual.runUntil(select(g)))).toEqual(["a"]);
    expect(virtual.now()).toBe(30);
    ev.mark = 45;
    expect(names(await virtual.runUntil(select(g)))).toEqual(["a"]);
    expect(virtual.now()).toBe(45);
    expect(made - before).toBe(1);
    expect(virtual.pendingTimers).toBe(0);
  });
});

describe("a select whose timer is overdue", () => {
  // After a slow callback (clock.spend), timers due meanwhile have not run yet: a deadline moved then, not before the select's own timer, leaves the wake to that timer, which runs with the others then due.
  for (const mark of [10, 14]) {
    it(`wakes with every timer then due when a deadline moves to ${mark}, not sooner than its sleep's 10`, async () => {
      const clock = new VirtualClock();
      const a = stream(clock, "a");
      const b = stream(clock, "b", [{ at: 12, data: "b\n" }]);
      const ev = a.addWaitEvent(10, (_s, e) => e, null);
      const pending = select(new ProtGroup([a, b]));
      await clock.advanceTo(5);
      clock.spend(10);
      ev.mark = mark;
      expect(names(await clock.runUntil(pending))).toEqual(["a", "b"]);
      expect(clock.now()).toBe(15);
    });
  }
});
