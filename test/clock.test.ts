import { afterEach, describe, expect, it, vi } from "vitest";
import { SystemClock, VirtualClock } from "prot-events";
import { countingPerformanceReads } from "./helpers.js";

describe("VirtualClock", () => {
  it("runs timers in time order, same-time ones in scheduling order, each at its time", async () => {
    const clock = new VirtualClock(5);
    const log: string[] = [];
    clock.schedule(20, () => log.push(`b@${clock.now()}`));
    clock.schedule(10, () => log.push(`a@${clock.now()}`));
    clock.schedule(20, () => log.push(`c@${clock.now()}`));
    const t = clock.schedule(15, () => log.push("cancelled"));
    t.cancel();
    t.cancel();
    expect(clock.nextTimerAt()).toBe(10);
    await clock.advanceTo(30);
    expect(log).toEqual(["a@10", "b@20", "c@20"]);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers).toBe(0);
  });

  it("keeps scheduling order at one time however the times interleave, and moves a timer by reschedule", async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    const at = (name: string) => () => log.push(`${name}@${clock.now()}`);
    const a = clock.schedule(10, at("a"));
    clock.schedule(20, at("b"));
    clock.schedule(10, at("c"));
    clock.schedule(20, at("d"));
    const e = clock.schedule(30, at("e"));
    // Pending: moved behind c, the last scheduled for 10.
    a.reschedule?.(10);
    // Cancelled, then rescheduled: pending again, at 5, now the earliest.
    e.cancel();
    e.reschedule?.(5);
    expect(clock.nextTimerAt()).toBe(5);
    expect(clock.pendingTimers).toBe(5);
    await clock.advanceTo(25);
    expect(log).toEqual(["e@5", "c@10", "a@10", "b@20", "d@20"]);
    // Ran already: runs again at its new time.
    a.reschedule?.(40);
    expect(clock.nextTimerAt()).toBe(40);
    await clock.advanceTo(50);
    expect(log.slice(5)).toEqual(["a@40"]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("lets promise callbacks run between timer times", async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    const wait = (at: number) => new Promise<void>((r) => clock.schedule(at, r));
    const task = (async () => {
      await wait(10);
      seen.push(clock.now());
      await wait(clock.now() + 5);
      seen.push(clock.now());
    })();
    await clock.advance(100);
    await task;
    expect(seen).toEqual([10, 15]);
  });

  it("runs a timer scheduled in the past at once, at the current time", async () => {
    const clock = new VirtualClock(50);
    const log: number[] = [];
    clock.schedule(10, () => log.push(clock.now()));
    await clock.advance(0);
    expect(log).toEqual([50]);
  });

  it("refuses to go back in time and reports a stuck or endless run", async () => {
    const clock = new VirtualClock(10);
    await expect(clock.advanceTo(5)).rejects.toThrow(/5 is before the current time 10/);
    await expect(clock.runUntil(new Promise(() => {}))).rejects.toThrow(/stuck at time 10: the promise is pending and no timer is scheduled/);
    const tick = (): void => void clock.schedule(clock.now() + 1, tick);
    tick();
    await expect(clock.runUntil(new Promise(() => {}), { until: 100 })).rejects.toThrow(/still pending at the time limit 100/);
    await expect(clock.runUntil(new Promise(() => {}), { maxSteps: 3 })).rejects.toThrow(/after 3 timer steps/);
    expect(() => new VirtualClock(Number.NaN)).toThrow(/not finite/);
  });

  it("runs what a timer asks afterFiring once every timer due at its firing has run, before their promise jobs", async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.schedule(10, () => clock.spend(5));
    clock.schedule(12, () => {
      log.push(`a@${clock.now()}`);
      clock.afterFiring(() => {
        log.push("after a");
        clock.afterFiring(() => log.push("after after a"));
      });
    });
    clock.schedule(15, () => {
      log.push("b");
      void Promise.resolve().then(() => log.push("job of b"));
      clock.afterFiring(() => log.push("after b"));
    });
    clock.schedule(16, () => log.push("c@16"));
    await clock.advanceTo(20);
    expect(log).toEqual(["a@15", "b", "after a", "after b", "after after a", "job of b", "c@16"]);
    // Asked while no timer runs: in a promise job, not at once.
    clock.afterFiring(() => log.push("outside"));
    expect(log).toHaveLength(7);
    await Promise.resolve();
    expect(log.slice(7)).toEqual(["outside"]);
  });

  it("settles with the promise's rejection", async () => {
    const clock = new VirtualClock();
    const p = new Promise((_r, j) => clock.schedule(3, () => j(new Error("nope"))));
    await expect(clock.runUntil(p)).rejects.toThrow("nope");
  });
});

describe("SystemClock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // Monotonic, and never early at any tick.
  it("is not moved by steps of the wall clock, back or forward", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const clock = new SystemClock();
    const fired: number[] = [];
    clock.schedule(clock.now() + 300, () => fired.push(1));
    vi.setSystemTime(1_000_000 - 3000);
    await vi.advanceTimersByTimeAsync(300);
    expect(fired).toEqual([1]);
    clock.schedule(clock.now() + 300, () => fired.push(2));
    vi.setSystemTime(Date.now() + 10_000);
    await vi.advanceTimersByTimeAsync(299);
    expect(fired).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toEqual([1, 2]);
  });

  it("with tick 1000, a mark set to now() + 3 late in a second fires after 3 seconds, not 2.03", async () => {
    vi.useFakeTimers({ now: 5_000_000 });
    const clock = new SystemClock({ tick: 1000 });
    await vi.advanceTimersByTimeAsync(970);
    const start = performance.now();
    let firedAfter = -1;
    clock.schedule(clock.now() + 3, () => (firedAfter = performance.now() - start));
    await vi.advanceTimersByTimeAsync(2999);
    expect(firedAfter).toBe(-1);
    await vi.advanceTimersByTimeAsync(1);
    expect(firedAfter).toBe(3000);
  });

  it("with 1 ms ticks, fires a timer once its millisecond has begun, whatever part of a millisecond had gone when it was scheduled", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const log: string[] = [];
    clock.schedule(3, () => log.push(`a@${performance.now()}`));
    await vi.advanceTimersByTimeAsync(1.6);
    clock.schedule(3, () => log.push(`b@${performance.now()}`));
    await vi.advanceTimersByTimeAsync(1.4);
    expect(log).toEqual(["a@3", "b@3"]);
  });

  it("never fires before its tick has begun, with a tick that is not whole milliseconds", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock({ tick: 2.5 });
    await vi.advanceTimersByTimeAsync(7.7);
    const at = clock.now() + 1;
    let firedAt = -1;
    clock.schedule(at, () => (firedAt = clock.now()));
    await vi.advanceTimersByTimeAsync(10);
    expect(firedAt).toBe(at);
  });

  it("runs timers due at one tick in the order they were scheduled", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock({ tick: 1000 });
    const log: string[] = [];
    await vi.advanceTimersByTimeAsync(900);
    clock.schedule(3, () => log.push("first"));
    await vi.advanceTimersByTimeAsync(200);
    clock.schedule(3, () => log.push("second"));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(log).toEqual(["first", "second"]);
  });

  it("with tick 1000, holds each timer of one tick for its own whole seconds, however the others of that tick were set", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock({ tick: 1000 });
    const firedAt = new Map<string, number>();
    const at3 = (name: string) => clock.schedule(3, () => firedAt.set(name, performance.now()));
    await vi.advanceTimersByTimeAsync(100);
    at3("a");
    // Later in the same second: due later than a.
    await vi.advanceTimersByTimeAsync(800);
    at3("b");
    // In the next second: due earlier than b.
    await vi.advanceTimersByTimeAsync(200);
    at3("c");
    await vi.advanceTimersByTimeAsync(10_000);
    expect([...firedAt.keys()]).toEqual(["a", "b", "c"]);
    expect(firedAt.get("a")).toBeGreaterThanOrEqual(3100);
    expect(firedAt.get("b")).toBeGreaterThanOrEqual(3900);
    expect(firedAt.get("c")).toBeGreaterThanOrEqual(3100);
  });

  it("counts milliseconds, or whole seconds with a tick of 1000, and fires on time", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const ms = new SystemClock();
    const sec = new SystemClock({ tick: 1000 });
    expect(ms.now()).toBe(1_000_000);
    expect(sec.now()).toBe(1000);
    const log: string[] = [];
    ms.schedule(1_000_250, () => log.push(`ms@${Date.now()}`));
    sec.schedule(1002, () => log.push(`sec@${Date.now()}`));
    ms.schedule(1_000_100, () => log.push(`first@${Date.now()}`));
    await vi.advanceTimersByTimeAsync(3000);
    expect(log).toEqual(["first@1000100", "ms@1000250", "sec@1002000"]);
    expect(() => new SystemClock({ tick: 0 })).toThrow(/tick must be a positive number/);
  });

  it("keeps its other timers running after a callback throws", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const log: number[] = [];
    clock.schedule(10, () => {
      throw new Error("boom");
    });
    clock.schedule(10, () => log.push(10));
    clock.schedule(80, () => log.push(80));
    // The throw escapes the Node timer, as a throwing setTimeout callback's would.
    await expect(vi.advanceTimersByTimeAsync(10)).rejects.toThrow("boom");
    clock.schedule(50, () => log.push(50));
    await vi.advanceTimersByTimeAsync(100);
    expect(log).toEqual([10, 50, 80]);
  });

  it("runs what a timer asks afterFiring once the other timers of its firing have run", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const log: string[] = [];
    clock.schedule(10, () => {
      log.push("a");
      clock.afterFiring(() => log.push("after a"));
    });
    clock.schedule(9, () => log.push("b"));
    clock.schedule(10, () => log.push("c"));
    clock.schedule(11, () => log.push("d"));
    await vi.advanceTimersByTimeAsync(10);
    expect(log).toEqual(["b", "a", "c", "after a"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(log.slice(4)).toEqual(["d"]);
  });

  it("still runs, in a promise job, what was asked afterFiring when a callback of the firing throws", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const log: string[] = [];
    clock.schedule(10, () => clock.afterFiring(() => log.push("after a")));
    clock.schedule(10, () => {
      clock.afterFiring(() => log.push("after b"));
      throw new Error("boom");
    });
    clock.schedule(10, () => log.push("c"));
    // The throw escapes the Node timer and ends the firing.
    await expect(vi.advanceTimersByTimeAsync(10)).rejects.toThrow("boom");
    expect(log).toEqual(["after a", "after b"]);
    // The timer the throw left runs at the next firing.
    await vi.advanceTimersByTimeAsync(1);
    expect(log.slice(2)).toEqual(["c"]);
    clock.schedule(20, () => {
      clock.afterFiring(() => {
        throw new Error("after d");
      });
      clock.afterFiring(() => log.push("after e"));
    });
    await expect(vi.advanceTimersByTimeAsync(10)).rejects.toThrow("after d");
    expect(log.slice(3)).toEqual(["after e"]);
  });

  it("reads the performance global once per firing, however often the firing reads the time, and again after it", async () => {
    vi.useFakeTimers({ now: 0 });
    await countingPerformanceReads(async (reads) => {
      const clock = new SystemClock();
      const inFiring: number[] = [];
      const t = clock.schedule(5, () => {
        const before = reads();
        t.reschedule?.(clock.now() + clock.now() - clock.now() + 5);
        inFiring.push(reads() - before);
      });
      await vi.advanceTimersByTimeAsync(10);
      expect(inFiring).toEqual([0, 0]);
      const before = reads();
      clock.now();
      expect(reads() - before).toBe(1);
      t.cancel();
    });
  });

  it("keeps a single Node timer for all its timers and none once they are cancelled", () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const timers = Array.from({ length: 1000 }, (_, i) => clock.schedule(100 + i, () => {}));
    expect(vi.getTimerCount()).toBe(1);
    for (const t of timers) t.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("restarts the Node timer that fired when a firing re-arms it with the same delay, rather than making another", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const log: number[] = [];
    const arm = vi.spyOn(globalThis, "setTimeout");
    const t = clock.schedule(1, () => {
      log.push(Date.now());
      if (log.length < 5) t.reschedule?.(clock.now() + 1);
      else if (log.length === 5) t.reschedule?.(clock.now() + 3);
    });
    await vi.advanceTimersByTimeAsync(20);
    expect(log).toEqual([1, 2, 3, 4, 5, 8]);
    // One Node timer for the five firings a millisecond apart, another for the delay of 3.
    expect(arm.mock.calls.map((c) => c[1])).toEqual([1, 3]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("re-arms its Node timer when a rescheduled timer becomes the earliest or stops being it", () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const log: number[] = [];
    const late = clock.schedule(500, () => log.push(500));
    const early = clock.schedule(100, () => log.push(Date.now()));
    const arm = vi.spyOn(globalThis, "setTimeout");
    early.reschedule?.(700);
    // Armed again for the timer now the earliest, not left at 100 to wake for nothing.
    expect(arm.mock.lastCall?.[1]).toBe(500);
    vi.advanceTimersByTime(499);
    expect(log).toEqual([]);
    late.reschedule?.(50);
    vi.advanceTimersByTime(1);
    expect(log).toEqual([500]);
    vi.advanceTimersByTime(200);
    expect(log).toEqual([500, 700]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
