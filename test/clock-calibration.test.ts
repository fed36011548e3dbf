import { afterEach, describe, expect, it, vi } from "vitest";

// How the system clock finds the constant between process.hrtime() and
// Node's timeOrigin + performance.now(): both are scripted here, so each
// bracket of the calibration has a width and a constant of its own, and the
// constant the clock took shows in what it reads afterwards. The module is
// loaded afresh, as it keeps the constant (and the hrtime it found when it
// was loaded) for the life of the process.

const ORIGIN = 1_000_000;

/** `ms` as process.hrtime() gives it: whole seconds and nanoseconds. */
function hr(ms: number): [number, number] {
  return [Math.floor(ms / 1e3), Math.round((ms % 1e3) * 1e6)];
}

afterEach(() => {
  vi.restoreAllMocks();
  Reflect.deleteProperty(performance, "timeOrigin");
  vi.resetModules();
});

/**
 * A fresh clock module whose hrtime and `performance.now()` give, in turn,
 * the readings listed; the `performance` in place stays Node's own.
 */
async function scriptedClock(hrtimes: number[], nows: number[]): Promise<{ now: () => number; hrLeft: () => number; nowLeft: () => number; nowReads: () => number }> {
  vi.spyOn(process, "hrtime").mockImplementation(() => {
    const ms = hrtimes.shift();
    if (ms === undefined) throw new Error("hrtime read more often than scripted");
    return hr(ms);
  });
  const nowSpy = vi.spyOn(performance, "now").mockImplementation(() => {
    const ms = nows.shift();
    if (ms === undefined) throw new Error("performance.now() read more often than scripted");
    return ms;
  });
  Object.defineProperty(performance, "timeOrigin", { value: ORIGIN, configurable: true });
  vi.resetModules();
  const { SystemClock } = await import("../src/clock.js");
  // An eighth of a millisecond a tick: readings taken at either end of a bracket, not its middle, show.
  const clock = new SystemClock({ tick: 0.125 });
  return { now: () => clock.now(), hrLeft: () => hrtimes.length, nowLeft: () => nows.length, nowReads: () => nowSpy.mock.calls.length };
}

describe("SystemClock calibrating process.hrtime() against Node's performance", () => {
  it("takes the constant from the first of the narrowest of five brackets, at its middle, after one reading of each to warm them", async () => {
    // Brackets of hrtime readings (ms), each around one reading of now(): widths 0.5, 0.25, 0.375, 0.25, 0.4375,
    // and constants (now() - middle) of 1, 2, 3, 4 and 5 ms. The narrowest are the second and the fourth.
    const before = [100, 200, 300, 400, 500];
    const width = [0.5, 0.25, 0.375, 0.25, 0.4375];
    const constant = [1, 2, 3, 4, 5];
    const hrtimes = [7]; // the warming reading
    const nows = [9]; // the warming reading
    for (let i = 0; i < 5; i++) {
      const b = before[i] as number;
      const w = width[i] as number;
      hrtimes.push(b, b + w);
      nows.push(b + w / 2 + (constant[i] as number));
    }
    hrtimes.push(1000); // what now() then reads
    const clock = await scriptedClock(hrtimes, nows);
    // The second bracket's constant, in eighths of a millisecond.
    expect(clock.now()).toBe((ORIGIN + 1000 + 2) * 8);
    expect(clock.hrLeft()).toBe(0);
    expect(clock.nowLeft()).toBe(0);
    // Later readings take hrtime alone, with the same constant.
    hrtimes.push(2000.5);
    expect(clock.now()).toBe((ORIGIN + 2000.5 + 2) * 8);
    expect(clock.nowReads()).toBe(6);
  });
});

describe("SystemClock reading a performance that is not Node's own", () => {
  it("reads its now() once a reading, calibrating nothing against it", async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      // Loaded while the fake is in place: it is not the `performance` the module takes for Node's own.
      vi.resetModules();
      const { SystemClock } = await import("../src/clock.js");
      const clock = new SystemClock();
      const now = vi.spyOn(performance, "now");
      await vi.advanceTimersByTimeAsync(5);
      expect(clock.now()).toBe(5);
      expect(now).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
