/**
 * The waits of a case, as the executable model makes them: when each read
 * waited and on which stream, the passes over its event list, and why it
 * woke each time. The trace of a case shows only what the waits produced;
 * the timelines draw the waits themselves from this.
 */
import { expectedTrace, type Case, type Stream, type World } from "prot-conformance/browser";

/** Why a sleeping wait woke. */
export type WakeReason = "input" | "end" | "mark" | "timeout";

/** One wait of a read on a stream. */
export interface Wait {
  /** The stream's name. */
  stream: string;
  /** When the read began to wait. */
  from: number;
  /** When the read returned (or the case stopped). */
  to: number;
  /** When each pass over the event list ran. */
  passes: number[];
  /** Each time the wait woke, and why. */
  wakes: Array<{ t: number; why: WakeReason }>;
}

/** Runs the model on `c` and returns its waits, in the order they began. */
export function waitsOf(c: Case): Wait[] {
  const waits: Wait[] = [];
  const open = new Map<string, Wait>();
  const asleep = new Map<string, { taken: number }>();
  const close = (w: World, s: Stream): void => {
    const wait = open.get(s.name);
    if (wait === undefined) return;
    wait.to = w.now;
    open.delete(s.name);
  };
  expectedTrace(c, {
    waitBegins: (w, s) => {
      const wait: Wait = { stream: s.name, from: w.now, to: w.now, passes: [], wakes: [] };
      waits.push(wait);
      open.set(s.name, wait);
    },
    passBegins: (w, s) => open.get(s.name)?.passes.push(w.now),
    sleeps: (_w, s) => void asleep.set(s.name, { taken: s.taken }),
    woke: (w, s) => {
      const before = asleep.get(s.name);
      const why: WakeReason = before !== undefined && s.taken !== before.taken ? "input" : s.ended ? "end" : s.timeout > 0 && w.now >= s.timeoutMark ? "timeout" : "mark";
      open.get(s.name)?.wakes.push({ t: w.now, why });
    },
    readEnds: (w, s) => close(w, s),
  });
  // A wait the case never saw end (it blocks for ever) lasts to the last thing that happened.
  const last = Math.max(0, ...waits.flatMap((w) => [w.from, ...w.passes, ...w.wakes.map((k) => k.t)]));
  for (const wait of open.values()) wait.to = Math.max(wait.from, last);
  return waits;
}
