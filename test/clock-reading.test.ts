import { afterEach, describe, expect, it, vi } from "vitest";
import { SystemClock } from "prot-events";
import { countingPerformanceReads } from "./helpers.js";

// How the system clock reads the time: Node's own clock, read the cheap
// way, and during a firing through the `performance` in place when its Node
// timer was made.

afterEach(() => {
  vi.useRealTimers();
});

describe("SystemClock reading the time", () => {
  it("reads Node's timeOrigin + performance.now(), whichever way it reads the clock", () => {
    for (const tick of [1, 0.001]) {
      const clock = new SystemClock({ tick });
      for (let i = 0; i < 100; i++) {
        const before = performance.timeOrigin + performance.now();
        const now = clock.now();
        const after = performance.timeOrigin + performance.now();
        // Ten microseconds either way: the two readings of one clock may differ by a constant of a few.
        expect(now).toBeGreaterThanOrEqual(Math.floor((before - 0.01) / tick));
        expect(now).toBeLessThanOrEqual(Math.floor((after + 0.01) / tick));
      }
    }
  });
  it("reads Node's own clock without calling performance.now(), which checks its receiver first", () => {
    const clock = new SystemClock();
    const now = vi.spyOn(performance, "now");
    try {
      clock.now();
      clock.now();
      expect(now).not.toHaveBeenCalled();
    } finally {
      now.mockRestore();
    }
  });
});

describe("SystemClock reading the time in a firing", () => {
  it("reads the performance global when it makes its Node timer, not at the firings of a timer it restarts", async () => {
    vi.useFakeTimers({ now: 0 });
    await countingPerformanceReads(async (reads) => {
      const clock = new SystemClock();
      const fired: number[] = [];
      const t = clock.schedule(1, () => {
        fired.push(clock.now());
        if (fired.length < 5) t.reschedule?.(clock.now() + 1);
      });
      const armed = reads();
      await vi.advanceTimersByTimeAsync(10);
      expect(fired).toEqual([1, 2, 3, 4, 5]);
      expect(reads() - armed).toBe(0);
    });
  });
});
