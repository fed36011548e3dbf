import { describe, expect, it } from "vitest";
import { ProtGroup, ProtStream, ScriptedSource, VirtualClock, select, type Arrival, type Clock, type Timer } from "prot-events";

function streams(clock: VirtualClock, scripts: Arrival[][]): ProtStream[] {
  return scripts.map((arrivals, i) => new ProtStream(new ScriptedSource(clock, arrivals), { clock, name: `s${i}` }));
}

const names = (ss: ProtStream[]): string[] => ss.map((s) => s.name);

describe("select", () => {
  it("returns the streams with buffered input at once, in group order", async () => {
    const clock = new VirtualClock();
    const [a, b, c] = streams(clock, [[{ at: 0, data: "a\n" }], [], [{ at: 0, data: "c\n" }]]);
    await clock.advanceTo(0);
    const g = new ProtGroup([c, b, a] as ProtStream[]);
    expect(names(await select(g, 0))).toEqual(["s2", "s0"]);
  });

  it("waits for the first stream to get input", async () => {
    const clock = new VirtualClock();
    const ss = streams(clock, [[{ at: 30, data: "a\n" }], [{ at: 20, data: "b\n" }]]);
    const g = new ProtGroup(ss);
    const ready = await clock.runUntil(select(g));
    expect(names(ready)).toEqual(["s1"]);
    expect(clock.now()).toBe(20);
  });

  it("returns [] when the timeout passes first", async () => {
    const clock = new VirtualClock();
    const g = new ProtGroup(streams(clock, [[{ at: 30, data: "a\n" }]]));
    expect(await clock.runUntil(select(g, 10))).toEqual([]);
    expect(clock.now()).toBe(10);
  });

  it("reports the stream whose event deadline expires first, and runs no callback", async () => {
    const clock = new VirtualClock();
    const [a, b] = streams(clock, [[], []]) as [ProtStream, ProtStream];
    const fired: string[] = [];
    a.addWaitEvent(50, (_s, e) => (fired.push("a"), e), null);
    b.addWaitEvent(15, (_s, e) => (fired.push("b"), e), null);
    const g = new ProtGroup([a, b]);
    const ready = await clock.runUntil(select(g, 100));
    expect(names(ready)).toEqual(["s1"]);
    expect(clock.now()).toBe(15);
    expect(fired).toEqual([]);
    // Reading the reported stream is what runs its due event.
    b.nonBlocking = true;
    await b.readLine();
    expect(fired).toEqual(["b"]);
  });

  it("reports a stream whose read timeout expires", async () => {
    const clock = new VirtualClock();
    const [a, b] = streams(clock, [[], []]) as [ProtStream, ProtStream];
    b.setTimeout(40);
    const g = new ProtGroup([a, b]);
    expect(names(await clock.runUntil(select(g)))).toEqual(["s1"]);
    expect(clock.now()).toBe(40);
    expect(await clock.runUntil(b.readLine())).toBeNull();
    expect(b.error).toBe("idle for too long");
  });

  it("reports together the streams with input and those whose deadline has passed", async () => {
    const clock = new VirtualClock();
    const [a, b, c] = streams(clock, [[], [{ at: 10, data: "b\n" }], []]) as [ProtStream, ProtStream, ProtStream];
    a.addWaitEvent(5, (_s, e) => e, null);
    c.addWaitEvent(100, (_s, e) => e, null);
    await clock.advanceTo(10);
    expect(names(await select(new ProtGroup([a, b, c]), 0))).toEqual(["s0", "s1"]);
  });

  it("wakes earlier when a deadline moves closer while it sleeps", async () => {
    const clock = new VirtualClock();
    const [a] = streams(clock, [[]]) as [ProtStream];
    const ev = a.addWaitEvent(100, (_s, e) => e, null);
    const pending = select(new ProtGroup([a]));
    await clock.advanceTo(10);
    ev.mark = 20;
    expect(names(await clock.runUntil(pending))).toEqual(["s0"]);
    expect(clock.now()).toBe(20);
  });

  it("reports ended, failed and closed streams as ready until they are deleted", async () => {
    const clock = new VirtualClock();
    const a = new ProtStream(new ScriptedSource(clock, [], { at: 5 }), { clock, name: "ends" });
    const b = new ProtStream(new ScriptedSource(clock, [], { at: 7, error: "reset" }), { clock, name: "fails" });
    const c = new ProtStream(new ScriptedSource(clock, []), { clock, name: "closed" });
    const g = new ProtGroup([a, b, c]);
    expect(names(await clock.runUntil(select(g)))).toEqual(["ends"]);
    g.delete(a);
    expect(names(await clock.runUntil(select(g)))).toEqual(["fails"]);
    g.delete(b);
    const pending = select(g);
    c.close();
    expect(g.size).toBe(1);
    expect(g.has(c)).toBe(true);
    expect(names(await clock.runUntil(pending))).toEqual(["closed"]);
    // WE-SELECT-7: a kept group answers as one made afresh, which would hold the closed stream.
    expect(names(await select(g))).toEqual(["closed"]);
    expect(names(await select(new ProtGroup([c])))).toEqual(["closed"]);
    expect(g.delete(c)).toBe(true);
    expect(g.size).toBe(0);
    expect(await select(g)).toEqual([]);
    expect(await clock.runUntil(select(g, 10))).toEqual([]);
    expect(clock.now()).toBe(17);
  });

  it("scales to 10,000 streams, one becoming ready at a time", async () => {
    const clock = new VirtualClock();
    const N = 10_000;
    const ss = Array.from({ length: N }, (_, i) => new ProtStream(new ScriptedSource(clock, [{ at: 1 + ((i * 7) % N), data: `${i}\n` }]), { clock, name: `${i}` }));
    const g = new ProtGroup(ss);
    let got = 0;
    let last = 0;
    while (got < N) {
      const ready = await clock.runUntil(select(g));
      expect(ready).toHaveLength(1);
      const s = ready[0] as ProtStream;
      expect(clock.now()).toBeGreaterThan(last);
      last = clock.now();
      expect(s.tryReadLine()).toBe(s.name);
      g.delete(s);
      s.close();
      got++;
    }
  });

  it("rejects mixing clocks, a negative timeout and a second select", async () => {
    const c1 = new VirtualClock();
    const c2 = new VirtualClock();
    const [a] = streams(c1, [[]]) as [ProtStream];
    const [b] = streams(c2, [[]]) as [ProtStream];
    const g = new ProtGroup([a]);
    expect(() => g.add(b)).toThrow(/runs on another clock than the group/);
    await expect(select(g, -1)).rejects.toThrow(/timeout must be null or a number >= 0, got -1/);
    const first = select(g, 10);
    await expect(select(g, 10)).rejects.toThrow(/another select is already waiting/);
    expect(await c1.runUntil(first)).toEqual([]);
  });

  it("reports together the streams that become ready at one instant", async () => {
    const clock = new VirtualClock();
    const ss = streams(clock, [[{ at: 20, data: "a\n" }], [], [{ at: 20, data: "c\n" }]]);
    const g = new ProtGroup(ss);
    expect(names(await clock.runUntil(select(g)))).toEqual(["s0", "s2"]);
    expect(clock.now()).toBe(20);
  });

  it("sleeps again, until its deadline, when it wakes for a deadline that moved later", async () => {
    const clock = new VirtualClock();
    const [a, b] = streams(clock, [[], [{ at: 70, data: "b\n" }]]) as [ProtStream, ProtStream];
    const ev = a.addWaitEvent(30, (_s, e) => e, null);
    const pending = select(new ProtGroup([a, b]));
    await clock.advanceTo(10);
    ev.mark = 50;
    await clock.advanceTo(30);
    ev.mark = 60;
    expect(names(await clock.runUntil(pending))).toEqual(["s0"]);
    expect(clock.now()).toBe(60);
  });

  it("waits the same on a clock whose timers cannot be rescheduled", async () => {
    const virtual = new VirtualClock();
    let made = 0;
    // Timers with cancel() only, as Clock allows.
    const clock: Clock = {
      now: () => virtual.now(),
      schedule(at: number, callback: () => void): Timer {
        made++;
        const t = virtual.schedule(at, callback);
        return { cancel: () => t.cancel() };
      },
    };
    const [a, b] = [0, 1].map((i) => new ProtStream(new ScriptedSource(clock, i === 1 ? [{ at: 45, data: "b\n" }] : []), { clock, name: `s${i}` })) as [ProtStream, ProtStream];
    const ev = a.addWaitEvent(100, (_s, e) => e, null);
    const g = new ProtGroup([a, b]);
    const first = select(g);
    await virtual.advanceTo(10);
    ev.mark = 40;
    expect(names(await virtual.runUntil(first))).toEqual(["s0"]);
    expect(virtual.now()).toBe(40);
    ev.mark = 90;
    expect(names(await virtual.runUntil(select(g, 100)))).toEqual(["s1"]);
    expect(virtual.now()).toBe(45);
    expect(await virtual.runUntil(select(new ProtGroup([a]), 5))).toEqual([]);
    expect(virtual.now()).toBe(50);
    expect(made).toBeGreaterThan(0);
  });

  it("rejects with the clock's error when the clock fails, at once or while it waits", async () => {
    const virtual = new VirtualClock();
    let broken = false;
    const clock: Clock = {
      now: () => {
        if (broken) throw new Error("clock broke");
        return virtual.now();
      },
      schedule: (at, callback) => virtual.schedule(at, callback),
    };
    const a = new ProtStream(new ScriptedSource(clock, [{ at: 20, data: "a\n" }]), { clock, name: "a" });
    const b = new ProtStream(new ScriptedSource(clock, []), { clock, name: "b" });
    const g = new ProtGroup([a, b]);
    const rejected = expect(select(g)).rejects.toThrow("clock broke");
    await virtual.advanceTo(10);
    broken = true;
    await virtual.advanceTo(20);
    await rejected;
    const again = select(g);
    expect(again).toBeInstanceOf(Promise);
    await expect(again).rejects.toThrow("clock broke");
    // The failed select no longer waits: the next one may.
    broken = false;
    g.delete(a);
    expect(await virtual.runUntil(select(g, 5))).toEqual([]);
    expect(virtual.now()).toBe(25);
  });

  it("leaves the group free when the clock cannot schedule its sleep", async () => {
    const virtual = new VirtualClock();
    let broken = true;
    const clock: Clock = {
      now: () => virtual.now(),
      schedule: (at, callback) => {
        if (broken) throw new Error("no timer");
        return virtual.schedule(at, callback);
      },
    };
    const g = new ProtGroup([new ProtStream(new ScriptedSource(clock, []), { clock, name: "a" })]);
    await expect(select(g, 5)).rejects.toThrow("no timer");
    broken = false;
    expect(await virtual.runUntil(select(g, 5))).toEqual([]);
    expect(virtual.now()).toBe(5);
  });

  it("leaves no timer behind once it returns", async () => {
    const clock = new VirtualClock();
    const [a, b] = streams(clock, [[], [{ at: 20, data: "b\n" }]]) as [ProtStream, ProtStream];
    a.addWaitEvent(100, (_s, e) => e, null);
    const g = new ProtGroup([a, b]);
    expect(names(await clock.runUntil(select(g, 500)))).toEqual(["s1"]);
    expect(clock.pendingTimers).toBe(0);
    b.tryReadLine();
    expect(names(await clock.runUntil(select(g, 50)))).toEqual([]);
    expect(clock.now()).toBe(70);
    expect(clock.pendingTimers).toBe(0);
    // With no deadline and no timeout, it waits on no timer at all.
    g.delete(a);
    const pending = select(g);
    await clock.advance(10);
    expect(clock.pendingTimers).toBe(0);
    b.close();
    expect(names(await pending)).toEqual(["s1"]);
  });
});
