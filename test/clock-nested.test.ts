import { afterEach, describe, expect, it, vi } from "vitest";
import { Messages, ProtStream, ScriptedSource, SystemClock, VirtualClock } from "prot-events";

// A firing run from inside another: fake timers advanced by a callback of
// the clock, which runs the clock's next firing before that callback returns.
// Each firing runs the callbacks asked for by its own timers, once, after
// its timers, whatever other firing runs meanwhile.

afterEach(() => {
  vi.useRealTimers();
});

describe("SystemClock, a firing run from inside another", () => {
  it("from an afterFiring callback: the callbacks of the outer firing run once each, after those of the inner one", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const log: string[] = [];
    clock.schedule(10, () => {
      log.push("a");
      clock.afterFiring(() => {
        log.push("after a begins");
        clock.schedule(12, () => {
          log.push(`b@${Date.now()}`);
          clock.afterFiring(() => log.push("after b"));
        });
        vi.advanceTimersByTime(2);
        log.push("after a ends");
      });
    });
    clock.schedule(10, () => {
      log.push("c");
      clock.afterFiring(() => log.push("after c"));
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(log).toEqual(["a", "c", "after a begins", "b@12", "after b", "after a ends", "after c"]);
    await vi.advanceTimersByTimeAsync(10);
    expect(log).toHaveLength(7);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("from a timer's callback: the outer firing's afterFiring callbacks wait for its own timers, and later ones still run in it", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const log: string[] = [];
    clock.schedule(10, () => {
      log.push("a");
      clock.afterFiring(() => log.push("after a"));
    });
    clock.schedule(10, () => {
      log.push("b begins");
      clock.schedule(12, () => {
        log.push(`c@${Date.now()}`);
        clock.afterFiring(() => log.push("after c"));
      });
      vi.advanceTimersByTime(2);
      // Scheduled for the outer firing's time once the inner one is over: it runs in the outer firing.
      clock.schedule(10, () => {
        log.push("d");
        clock.afterFiring(() => log.push("after d"));
      });
      void Promise.resolve().then(() => log.push("job of b"));
      log.push("b ends");
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(log).toEqual(["a", "b begins", "c@12", "after c", "b ends", "d", "after a", "after d", "job of b"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a callback that throws in the inner firing leaves the outer firing's callbacks to the outer firing", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const log: string[] = [];
    clock.schedule(10, () => {
      clock.afterFiring(() => log.push("after a"));
      void Promise.resolve().then(() => log.push("job of a"));
      clock.schedule(11, () => {
        clock.afterFiring(() => log.push("after b"));
        throw new Error("inner");
      });
      expect(() => vi.advanceTimersByTime(1)).toThrow("inner");
      log.push("a ends");
    });
    await vi.advanceTimersByTimeAsync(10);
    // The outer firing's callback runs in it; the inner one's, left by the throw, in a promise job.
    expect(log).toEqual(["a ends", "after a", "job of a", "after b"]);
  });
});

describe("VirtualClock, a firing run from inside another", () => {
  it("from an afterFiring callback: no callback runs twice or is skipped", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.schedule(10, () => {
      log.push("a");
      clock.afterFiring(() => {
        log.push("after a begins");
        void clock.advanceTo(12);
        vi.advanceTimersByTime(1);
        log.push("after a ends");
      });
      clock.afterFiring(() => log.push("after a, second"));
    });
    clock.schedule(12, () => {
      log.push(`b@${clock.now()}`);
      clock.afterFiring(() => log.push("after b"));
    });
    const done = clock.advanceTo(10);
    await vi.advanceTimersByTimeAsync(0);
    await done;
    expect(log).toEqual(["a", "after a begins", "b@12", "after b", "after a ends", "after a, second"]);
  });

  it("from a timer's callback: the outer firing's afterFiring callbacks run after its own timers, in it", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.schedule(10, () => {
      log.push("a");
      clock.afterFiring(() => log.push("after a"));
    });
    clock.schedule(10, () => {
      void clock.advanceTo(12);
      vi.advanceTimersByTime(1);
      clock.schedule(10, () => {
        log.push(`d@${clock.now()}`);
        clock.afterFiring(() => log.push("after d"));
      });
      log.push("b ends");
    });
    clock.schedule(12, () => {
      log.push("c");
      clock.afterFiring(() => log.push("after c"));
    });
    const done = clock.advanceTo(10);
    await vi.advanceTimersByTimeAsync(0);
    await done;
    expect(log).toEqual(["a", "c", "after c", "b ends", "d@12", "after a", "after d"]);
  });
});

describe("a woken read whose pass advances fake timers", () => {
  it("goes on once, and the clock's next firing runs inside its pass", async () => {
    vi.useFakeTimers({ now: 0 });
    const clock = new SystemClock();
    const s = new ProtStream(new ScriptedSource(clock, []), { clock });
    const log: string[] = [];
    s.addWaitEvent(
      10,
      () => {
        log.push(`event@${Date.now()}`);
        clock.schedule(12, () => {
          log.push(`timer@${Date.now()}`);
          clock.afterFiring(() => log.push("after timer"));
        });
        vi.advanceTimersByTime(2);
        s.close();
        return null;
      },
      null,
    );
    const read = s.getc();
    await vi.advanceTimersByTimeAsync(10);
    await expect(read).resolves.toBeNull();
    expect(s.error).toBe(Messages.closed);
    expect(log).toEqual(["event@10", "timer@12", "after timer"]);
  });
});
