// Changes made from outside at the very instant a read wakes (WE-API-8,
// WE-API-3), and marks that are not numbers: what the conformance cases do
// not yet show of the stream's list of events.
import { describe, expect, it } from "vitest";
import { ProtStream, ScriptedSource, VirtualClock, type WaitEvent } from "prot-events";

/** A stream that never gets input, the times its events ran, and a callback that notes them and keeps its event. */
function sleeper(): { clock: VirtualClock; s: ProtStream; ran: string[]; note: (name: string) => <R>(s: ProtStream, ev: WaitEvent<R>) => null } {
  const clock = new VirtualClock();
  const s = new ProtStream(new ScriptedSource(clock, []), { clock, name: "s" });
  const ran: string[] = [];
  const note =
    (name: string) =>
    <R>(_s: ProtStream, _ev: WaitEvent<R>): null => {
      ran.push(`${clock.now()} ${name}`);
      return null;
    };
  return { clock, s, ran, note };
}

describe("a change from outside at the instant a read wakes", () => {
  it("leaves the wake as it was when it removes an event that does not hold the earliest mark", async () => {
    const { clock, s, ran, note } = sleeper();
    s.addWaitEvent(50, note("e"), null);
    const f = s.addWaitEvent(70, note("f"), null);
    // Made before the read sleeps, so it runs first at 50.
    clock.schedule(50, () => s.removeWaitEvent(f));
    const read = s.readLine();
    await clock.advanceTo(60);
    expect(ran).toEqual(["50 e"]);
    s.close();
    expect(await read).toBeNull();
  });

  it("leaves the wake as it was when it sets its own mark again on an event added after the one holding it", async () => {
    const { clock, s, ran, note } = sleeper();
    s.addWaitEvent(50, note("e"), null);
    const f = s.addWaitEvent(50, note("f"), null);
    clock.schedule(50, () => (f.mark = 50));
    const read = s.readLine();
    await clock.advanceTo(60);
    expect(ran).toEqual(["50 e", "50 f"]);
    s.close();
    expect(await read).toBeNull();
  });

  it("puts the wake a tick later when it sets its own mark again on the event added first of those holding it", async () => {
    const { clock, s, ran, note } = sleeper();
    const e = s.addWaitEvent(50, note("e"), null);
    s.addWaitEvent(50, note("f"), null);
    clock.schedule(50, () => (e.mark = 50));
    const read = s.readLine();
    await clock.advanceTo(60);
    expect(ran).toEqual(["51 e", "51 f"]);
    s.close();
    expect(await read).toBeNull();
  });
});

describe("which of the events of one mark holds the earliest", () => {
  // A mark set again at the instant the read wakes puts the wake a tick later only on the event that holds the earliest mark (WE-API-8): the first added of those that have it.
  it("is the first added of them once the event before them moves later", async () => {
    const { clock, s, ran, note } = sleeper();
    s.addWaitEvent(40, (_s, ev) => ((ev.mark = 60), ev), null);
    const a = s.addWaitEvent(50, note("a"), null);
    s.addWaitEvent(50, note("b"), null);
    clock.schedule(50, () => (a.mark = 50));
    const read = s.readLine();
    await clock.advanceTo(55);
    expect(ran).toEqual(["51 a", "51 b"]);
    s.close();
    expect(await read).toBeNull();
  });

  it("is an event moved onto the mark of one added after it", async () => {
    const { clock, s, ran, note } = sleeper();
    const e = s.addWaitEvent(60, note("e"), null);
    s.addWaitEvent(50, note("f"), null);
    clock.schedule(50, () => (e.mark = 50));
    const read = s.readLine();
    await clock.advanceTo(55);
    expect(ran).toEqual(["51 e", "51 f"]);
    s.close();
    expect(await read).toBeNull();
  });
});

describe("a mark that is not a number", () => {
  it("is refused with a TypeError that names it, NaN or a string", () => {
    const { s, note } = sleeper();
    const ev = s.addWaitEvent(1, note("e"), null);
    for (const bad of [Number.NaN, "5" as unknown as number]) {
      expect(() => s.addWaitEvent(bad, note("bad"), null)).toThrow(TypeError);
      expect(() => (ev.mark = bad)).toThrow(new TypeError(`WaitEvent.mark: mark must be a number (an absolute clock time), got ${String(bad)}`));
    }
    expect(ev.mark).toBe(1);
    expect(s.waitEvents).toEqual([ev]);
  });
});
