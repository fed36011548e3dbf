/**
 * The overall read deadline (ProtStream.setDeadline), the defence against a
 * slow client: one that sends a byte just before each read timeout would
 * expire, so the read timeout alone never drops it.
 */
import { describe, expect, it } from "vitest";
import { ProtGroup, ProtStream, ScriptedSource, VirtualClock, WOULD_BLOCK, select, type Arrival } from "prot-events";

const TIMEOUT = 10;

/** One byte every TIMEOUT - 1 ticks, never a line end, until `until`. */
function trickle(until: number): Arrival[] {
  const out: Arrival[] = [];
  for (let t = TIMEOUT - 1; t < until; t += TIMEOUT - 1) out.push({ at: t, data: "x" });
  return out;
}

function slowClient(until = 100_000): { clock: VirtualClock; s: ProtStream } {
  const clock = new VirtualClock();
  const s = new ProtStream(new ScriptedSource(clock, trickle(until)), { clock, timeout: TIMEOUT });
  return { clock, s };
}

describe("the overall read deadline", () => {
  it("keeps a trickling client forever without it: the read timeout keeps restarting", async () => {
    const { clock, s } = slowClient();
    let settled = false;
    void s.readLine().then(() => {
      settled = true;
    });
    await clock.advanceTo(50_000);
    expect(settled).toBe(false);
    expect(s.error).toBeNull();
    expect(s.buffered).toBeGreaterThan(5_000);
    s.close();
  });

  it("drops the trickling client at the deadline, whatever still trickles in", async () => {
    const { clock, s } = slowClient();
    s.setDeadline(100);
    expect(s.deadline).toBe(100);
    const events: number[] = [];
    s.addWaitEvent(
      100,
      (_s, ev) => {
        events.push(clock.now());
        return ev.stream?.removeWaitEvent(ev) ?? null;
      },
      null,
    );
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(clock.now()).toBe(100);
    expect(s.error).toBe("deadline passed");
    // An event due at the deadline still runs first, as at a read timeout.
    expect(events).toEqual([100]);
    // The stream failed: what the client had sent is dropped with it.
    expect(s.buffered).toBe(0);
  });

  it("still returns a whole line that is already buffered", async () => {
    const clock = new VirtualClock();
    const s = new ProtStream(new ScriptedSource(clock, [{ at: 1, data: "a1 NOOP\r\nb" }]), { clock });
    await clock.advanceTo(5);
    s.setDeadline(3);
    expect(await s.readLine()).toBe("a1 NOOP");
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(s.error).toBe("deadline passed");
    expect(clock.now()).toBe(5);
  });

  it("can be moved or removed while a read waits", async () => {
    const { clock, s } = slowClient();
    s.setDeadline(100);
    const read = s.readLine();
    await clock.advanceTo(50);
    s.setDeadline(Infinity);
    await clock.advanceTo(500);
    s.setDeadline(clock.now() + 20);
    expect(await clock.runUntil(read)).toBeNull();
    expect(clock.now()).toBe(520);
  });

  it("wakes a select, and is ignored by non-blocking reads as the read timeout is", async () => {
    const { clock, s } = slowClient();
    s.setDeadline(30);
    expect(s.nextDeadline).toBe(TIMEOUT);
    const group = new ProtGroup([s]);
    s.nonBlocking = true;
    expect(s.nextDeadline).toBe(Infinity);
    await clock.advanceTo(40);
    expect(await s.readLine()).toBe(WOULD_BLOCK);
    expect(s.error).toBeNull();
    s.nonBlocking = false;
    // Blocking again, the deadline has passed: select reports the stream.
    expect(s.readable).toBe(true);
    expect(await clock.runUntil(select(group, 0))).toEqual([s]);
    expect(await s.readLine()).toBeNull();
    expect(s.error).toBe("deadline passed");
  });

  it("names a bad deadline", () => {
    const { s } = slowClient(0);
    expect(() => s.setDeadline(Number.NaN)).toThrow("ProtStream.setDeadline: at must be an absolute clock time or Infinity, got NaN");
    expect(s.deadline).toBe(Infinity);
  });
});
