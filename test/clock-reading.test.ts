import { afterEach, describe, expect, it, vi } from "vitest";
import { SystemClock } from "prot-events";

// How the system clock reads the time during a firing: through the
// `performance` in place when its Node timer was made.

afterEach(() => {
  vi.useRealTimers();
});

/** Counts the reads of the `performance` global while `run` runs. */
async function countingReads(run: (reads: () => number) => Promise<void>): Promise<void> {
  const own = Object.getOwnPropertyDescriptor(globalThis, "performance") as PropertyDescriptor;
  const fake = performance;
  let reads = 0;
  Object.defineProperty(globalThis, "performance", {
    configurable: true,
    get: () => {
      reads++;
      return fake;
    },
  });
  try {
    await run(() => reads);
  } finally {
    Object.defineProperty(globalThis, "performance", own);
  }
}

describe("SystemClock reading the time in a firing", () => {
  it("reads the performance global when it makes its Node timer, not at the firings of a timer it restarts", async () => {
    vi.useFakeTimers({ now: 0 });
    await countingReads(async (reads) => {
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
