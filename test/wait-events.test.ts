import { describe, expect, it } from "vitest";
import { ProtGroup, ProtStream, ProtWriter, ScriptedSource, VirtualClock, WOULD_BLOCK, select, type Clock, type WaitEvent, type WaitEventProc } from "prot-events";
import { PassThrough } from "node:stream";
import { readAll, scripted } from "./helpers.js";

/** A callback that logs and reschedules itself `every` ticks later. */
function every(log: string[], name: string, every: number) {
  return <R>(st: ProtStream, ev: WaitEvent<R>): WaitEvent<R> => {
    log.push(`${st.clock.now()} ${name}`);
    ev.mark = st.clock.now() + every;
    return ev;
  };
}

/** A callback that logs and removes itself. */
function once(log: string[], name: string) {
  return <R>(st: ProtStream, ev: WaitEvent<R>): null => {
    log.push(`${st.clock.now()} ${name}`);
    st.removeWaitEvent(ev);
    return null;
  };
}

describe("when events fire", () => {
  it("fires at the mark, not before, and only while a read waits", async () => {
    const { clock, s } = scripted(
      [
        { at: 0, data: "early\n" },
        { at: 30, data: "late\n" },
      ],
      { at: 40 },
    );
    const log: string[] = [];
    s.addWaitEvent(10, once(log, "e"), null);
    await clock.advanceTo(20);
    // Nobody reads yet: the event is due but nothing waits, so it has not fired.
    expect(log).toEqual([]);
    expect(s.tryReadLine()).toBe("early");
    expect(log).toEqual([]);
    const lines = await clock.runUntil(readAll(s));
    expect(lines).toEqual(["30 late", "null: end of file reached"]);
    expect(log).toEqual(["20 e"]);
  });

  it("does not fire while input is buffered", async () => {
    const { clock, s } = scripted([{ at: 0, data: "a\nb\nc\n" }], { at: 50 });
    const log: string[] = [];
    s.addWaitEvent(0, every(log, "e", 100), null);
    await clock.advanceTo(5);
    expect(await s.readLine()).toBe("a");
    expect(await s.readLine()).toBe("b");
    expect(await s.readLine()).toBe("c");
    expect(log).toEqual([]);
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["5 e"]);
  });

  it("is due exactly when now >= mark", async () => {
    const { clock, s } = scripted([], { at: 12 });
    const log: string[] = [];
    s.addWaitEvent(10, once(log, "e"), null);
    const read = s.readLine();
    await clock.advanceTo(9);
    expect(log).toEqual([]);
    await clock.advanceTo(10);
    expect(log).toEqual(["10 e"]);
    await clock.runUntil(read);
  });

  it("takes the mark as an absolute time, not an interval", async () => {
    const clock = new VirtualClock(1000);
    const s = new ProtStream(new ScriptedSource(clock, [], { at: 1100 }), { clock });
    const log: string[] = [];
    s.addWaitEvent(1005, once(log, "abs"), null);
    s.addWaitEvent(5, once(log, "past"), null);
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["1000 past", "1005 abs"]);
  });

  it("runs the due events of a pass in list order, not mark order", async () => {
    const { clock, s } = scripted([], { at: 50 });
    const log: string[] = [];
    s.addWaitEvent(30, once(log, "c"), null);
    s.addWaitEvent(10, once(log, "a"), null);
    s.addWaitEvent(20, once(log, "b"), null);
    await clock.advanceTo(40);
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["40 c", "40 a", "40 b"]);
  });

  it("keeps list order in passes of a few and of a few dozen events, whatever their marks", async () => {
    for (const n of [5, 33, 40]) {
      const { clock, s } = scripted([], { at: 100 });
      const log: string[] = [];
      for (let i = 0; i < n; i++) s.addWaitEvent(50 - ((i * 17) % 41), once(log, `e${i}`), null);
      await clock.advanceTo(60);
      await clock.runUntil(s.readLine());
      expect(log).toEqual(Array.from({ length: n }, (_, i) => `60 e${i}`));
    }
  });

  it("finishes a pass in list order after a callback ran another stream's pass", async () => {
    const a = scripted([], { at: 100 });
    const b = new ProtStream(new ScriptedSource(a.clock, [], { at: 100 }), { clock: a.clock });
    const log: string[] = [];
    for (let i = 0; i < 3; i++) b.addWaitEvent(30 - i, once(log, `b${i}`), null);
    a.s.addWaitEvent(
      20,
      (st, ev) => {
        log.push("a0");
        void b.readLine();
        st.removeWaitEvent(ev);
        return null;
      },
      null,
    );
    for (let i = 1; i < 4; i++) a.s.addWaitEvent(20 - i, once(log, `a${i}`), null);
    await a.clock.advanceTo(40);
    await a.clock.runUntil(a.s.readLine());
    expect(log).toEqual(["a0", "40 b0", "40 b1", "40 b2", "40 a1", "40 a2", "40 a3"]);
    b.close();
  });

  it("sleeps until the earliest mark and wakes for each", async () => {
    const { clock, s } = scripted([], { at: 100 });
    const log: string[] = [];
    s.addWaitEvent(70, once(log, "x"), null);
    s.addWaitEvent(25, once(log, "y"), null);
    s.addWaitEvent(25, once(log, "z"), null);
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["25 y", "25 z", "70 x"]);
  });

  it("returns input that arrives at the very mark, and fires the event at the next wait", async () => {
    const { clock, s } = scripted([{ at: 10, data: "hello\n" }], { at: 20 });
    const log: string[] = [];
    s.addWaitEvent(10, once(log, "e"), null);
    expect(await clock.runUntil(s.readLine())).toBe("hello");
    expect(log).toEqual([]);
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["10 e"]);
  });

  it("returns input that a timer scheduled after the stream's brings at its mark, on a clock with afterFiring or without", async () => {
    for (const afterFiring of [true, false]) {
      const virtual = new VirtualClock();
      let asked = 0;
      // Without afterFiring, the clock a user may write, which cannot say when a firing's timers have all run.
      const clock: Clock = { now: () => virtual.now(), schedule: (at, callback) => virtual.schedule(at, callback) };
      if (afterFiring) {
        clock.afterFiring = (callback) => {
          asked++;
          virtual.afterFiring(callback);
        };
      }
      const s = new ProtStream(new ScriptedSource(clock, []), { clock });
      const log: string[] = [];
      s.addWaitEvent(10, once(log, "e"), null);
      const read = s.getc();
      await virtual.advanceTo(5);
      // The stream's timer for 10 is the older: it runs first, and the read looks after this one.
      clock.schedule(10, () => s.ungetc(65));
      expect(await virtual.runUntil(read)).toBe(65);
      expect(log).toEqual([]);
      // The one wake, by the stream's timer.
      expect(asked).toBe(afterFiring ? 1 : 0);
      s.close();
    }
  });

  it("does not run one stream's events while another stream is read", async () => {
    const clock = new VirtualClock();
    const a = new ProtStream(new ScriptedSource(clock, [{ at: 50, data: "x\n" }]), { clock });
    const b = new ProtStream(new ScriptedSource(clock, []), { clock });
    const log: string[] = [];
    b.addWaitEvent(10, once(log, "b"), null);
    a.addWaitEvent(20, once(log, "a"), null);
    expect(await clock.runUntil(a.readLine())).toBe("x");
    expect(log).toEqual(["20 a"]);
    b.close();
    a.close();
  });
});

describe("rescheduling", () => {
  it("fires again at a new mark in the future", async () => {
    const { clock, s } = scripted([], { at: 35 });
    const log: string[] = [];
    s.addWaitEvent(10, every(log, "tick", 10), null);
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["10 tick", "20 tick", "30 tick"]);
  });

  it("fires an event rescheduled to now or the past once per tick, and input still gets in", async () => {
    const { clock, s } = scripted([{ at: 5, data: "in\n" }]);
    const log: string[] = [];
    let n = 0;
    s.addWaitEvent(
      0,
      (st, ev) => {
        n++;
        log.push(`${st.clock.now()}`);
        ev.mark = n % 2 === 0 ? st.clock.now() : st.clock.now() - 1000;
        return ev;
      },
      null,
    );
    expect(await clock.runUntil(s.readLine())).toBe("in");
    expect(log).toEqual(["0", "1", "2", "3", "4"]);
    s.close();
  });

  it("takes a new mark set from outside while a read waits", async () => {
    const { clock, s } = scripted([], { at: 100 });
    const log: string[] = [];
    const ev = s.addWaitEvent(80, once(log, "moved"), null);
    const read = s.readLine();
    await clock.advanceTo(10);
    ev.mark = 15;
    await clock.advanceTo(16);
    expect(log).toEqual(["15 moved"]);
    await clock.runUntil(read);
  });

  it("does not fire an event that an earlier callback of the pass moved into the future", async () => {
    const { clock, s } = scripted([], { at: 30 });
    const log: string[] = [];
    const later = s.addWaitEvent(0, once(log, "later"), null);
    s.removeWaitEvent(later);
    const first = s.addWaitEvent(
      0,
      (st, ev) => {
        log.push(`${st.clock.now()} first`);
        second.mark = 20;
        st.removeWaitEvent(ev);
        return null;
      },
      null,
    );
    const second = s.addWaitEvent(0, once(log, "second"), null);
    await clock.runUntil(s.readLine());
    expect(first.stream).toBeNull();
    expect(log).toEqual(["0 first", "20 second"]);
  });
});

describe("the earliest mark as a group sees it", () => {
  it("moves later when the earliest event moves to the mark of one added before it", async () => {
    // The stream's deadline goes from 5 to 10: a group must not report the stream at 5 (nor at any time before 10).
    const { clock, s } = scripted([]);
    s.nonBlocking = true;
    s.addWaitEvent(10, (_s, e) => e, null);
    const early = s.addWaitEvent(5, (_s, e) => e, null);
    const g = new ProtGroup([s]);
    early.mark = 10;
    expect(s.nextDeadline).toBe(10);
    expect(await clock.runUntil(select(g, 7))).toEqual([]);
    expect(clock.now()).toBe(7);
    expect(await clock.runUntil(select(g))).toEqual([s]);
    expect(clock.now()).toBe(10);
    s.close();
  });
});

describe("removing and adding inside callbacks", () => {
  it("removes the event of a callback that returns undefined, as null, even if it did not remove it", async () => {
    const { clock, s } = scripted([], { at: 30 });
    const log: string[] = [];
    // A JavaScript callback that forgot its return statement.
    const forgetful = ((st: ProtStream) => void log.push(`${st.clock.now()} forgetful`)) as unknown as WaitEventProc<null>;
    const ev = s.addWaitEvent(5, forgetful, null);
    s.addWaitEvent(20, once(log, "later"), null);
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(log).toEqual(["5 forgetful", "20 later"]);
    expect(ev.stream).toBeNull();
    // Removed, not failed: the read ends with the input.
    expect(s.eof).toBe(true);
  });

  it("never fires a later event that a callback removed", async () => {
    const { clock, s } = scripted([], { at: 30 });
    const log: string[] = [];
    s.addWaitEvent(
      0,
      (st, ev) => {
        log.push("killer");
        st.removeWaitEvent(victim);
        st.removeWaitEvent(ev);
        return null;
      },
      null,
    );
    const victim = s.addWaitEvent(0, once(log, "victim"), null);
    s.addWaitEvent(0, once(log, "bystander"), null);
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["killer", "0 bystander"]);
    expect(victim.stream).toBeNull();
  });

  it("lets a callback remove an earlier event", async () => {
    const { clock, s } = scripted([], { at: 30 });
    const log: string[] = [];
    const early = s.addWaitEvent(0, every(log, "early", 10), null);
    s.addWaitEvent(
      5,
      (st, ev) => {
        log.push(`${st.clock.now()} remover`);
        st.removeWaitEvent(early);
        st.removeWaitEvent(ev);
        return null;
      },
      null,
    );
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["0 early", "5 remover"]);
  });

  it("runs an event added by a callback at the next pass, not in the same one", async () => {
    const { clock, s } = scripted([], { at: 30 });
    const log: string[] = [];
    s.addWaitEvent(
      10,
      (st, ev) => {
        log.push(`${st.clock.now()} parent`);
        st.addWaitEvent(st.clock.now(), once(log, "due child"), null);
        st.addWaitEvent(st.clock.now() + 5, once(log, "later child"), null);
        st.removeWaitEvent(ev);
        return null;
      },
      null,
    );
    s.addWaitEvent(10, once(log, "sibling"), null);
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["10 parent", "10 sibling", "11 due child", "15 later child"]);
  });

  it("keeps a callback that adds an event every time bounded to one pass per tick", async () => {
    const { clock, s } = scripted([{ at: 100, data: "x\n" }]);
    let fired = 0;
    const spawn = (st: ProtStream): null => {
      fired++;
      st.addWaitEvent(0, spawn, null);
      return null;
    };
    s.addWaitEvent(0, spawn, null);
    expect(await clock.runUntil(s.readLine())).toBe("x");
    expect(fired).toBe(100);
    expect(s.waitEvents).toHaveLength(1);
    s.close();
  });

  it("removes an event whose callback returns null without removing it", async () => {
    const { clock, s } = scripted([], { at: 30 });
    const log: string[] = [];
    const ev = s.addWaitEvent(
      0,
      (st) => {
        log.push(`${st.clock.now()} forgetful`);
        return null;
      },
      null,
    );
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["0 forgetful"]);
    expect(ev.stream).toBeNull();
    expect(s.waitEvents).toEqual([]);
  });

  it("ignores the removal of an event that is not on the stream", async () => {
    const { clock, s } = scripted([], { at: 30 });
    const other = scripted([]).s;
    const foreign = other.addWaitEvent(0, (_s, e) => e, null);
    const log: string[] = [];
    s.addWaitEvent(5, once(log, "mine"), null);
    s.removeWaitEvent(foreign);
    expect(foreign.stream).toBe(other);
    const gone = s.addWaitEvent(1, once(log, "gone"), null);
    s.removeWaitEvent(gone);
    s.removeWaitEvent(gone);
    await clock.runUntil(s.readLine());
    expect(log).toEqual(["5 mine"]);
    other.close();
  });

  it("passes the rock untouched and lets the callback change it", async () => {
    const { clock, s } = scripted([], { at: 30 });
    const seen: unknown[] = [];
    const rock = { n: 1 };
    s.addWaitEvent(
      0,
      (st, ev, r) => {
        seen.push(r);
        if (seen.length === 1) {
          ev.rock = { n: 2 };
          ev.mark = st.clock.now() + 10;
          return ev;
        }
        st.removeWaitEvent(ev);
        return null;
      },
      rock,
    );
    await clock.runUntil(s.readLine());
    expect(seen).toEqual([{ n: 1 }, { n: 2 }]);
    expect(seen[0]).toBe(rock);
    expect(rock).toEqual({ n: 1 });
  });
});

describe("a callback that throws", () => {
  it("fails the stream cleanly with a message, and later reads return null", async () => {
    const { clock, s } = scripted([{ at: 20, data: "never seen\n" }]);
    const boom = new Error("boom");
    const log: string[] = [];
    s.addWaitEvent(
      5,
      () => {
        throw boom;
      },
      null,
    );
    s.addWaitEvent(5, once(log, "after"), null);
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(s.error).toBe("wait event callback failed: boom");
    expect(s.errorCause).toBe(boom);
    expect(log).toEqual([]);
    await clock.advanceTo(30);
    expect(await s.readLine()).toBeNull();
    expect(await s.getc()).toBeNull();
    s.close();
  });
});

describe("non-blocking mode", () => {
  it("runs one pass of due events and returns WOULD_BLOCK", async () => {
    const { clock, s } = scripted([{ at: 20, data: "x\n" }], undefined, { nonBlocking: true, timeout: 5 });
    const log: string[] = [];
    s.addWaitEvent(10, every(log, "e", 1), null);
    expect(await s.readLine()).toBe(WOULD_BLOCK);
    expect(log).toEqual([]);
    await clock.advanceTo(12);
    expect(await s.readLine()).toBe(WOULD_BLOCK);
    expect(log).toEqual(["12 e"]);
    expect(s.error).toBeNull();
    await clock.advanceTo(20);
    expect(await s.readLine()).toBe("x");
    s.nonBlocking = false;
    expect(s.nonBlocking).toBe(false);
    s.close();
  });
});

describe("the read callback and flush on read", () => {
  it("runs the read callback once, when a read is about to wait", async () => {
    const { clock, s } = scripted([
      { at: 0, data: "a\n" },
      { at: 10, data: "b\n" },
      { at: 20, data: "c\n" },
    ]);
    const calls: string[] = [];
    await clock.advanceTo(1);
    s.setReadCallback((st, rock: string) => calls.push(`${st.clock.now()} ${rock}`), "rock");
    expect(await s.readLine()).toBe("a");
    expect(calls).toEqual([]);
    expect(await clock.runUntil(s.readLine())).toBe("b");
    expect(await clock.runUntil(s.readLine())).toBe("c");
    expect(calls).toEqual(["1 rock"]);
    s.close();
  });

  it("flushes the paired writer before waiting, not while input is buffered", async () => {
    const { clock, s } = scripted([
      { at: 0, data: "cmd1\ncmd2\n" },
      { at: 10, data: "cmd3\n" },
    ]);
    const sink = new PassThrough();
    const out = new ProtWriter(sink);
    s.setFlushOnRead(out);
    await clock.advanceTo(0);
    expect(await s.readLine()).toBe("cmd1");
    out.write("reply1\r\n");
    expect(await s.readLine()).toBe("cmd2");
    expect(sink.read()).toBeNull();
    out.write("reply2\r\n");
    const next = s.readLine();
    expect(String(sink.read())).toBe("reply1\r\nreply2\r\n");
    expect(await clock.runUntil(next)).toBe("cmd3");
    s.close();
  });
});

describe("read timeout", () => {
  it("fails a read that waits past it with 'idle for too long'", async () => {
    const { clock, s } = scripted([], undefined, { timeout: 30 });
    const read = s.readLine();
    await clock.advanceTo(29);
    expect(s.error).toBeNull();
    expect(await clock.runUntil(read)).toBeNull();
    expect(clock.now()).toBe(30);
    expect(s.error).toBe("idle for too long");
  });

  it("is restarted by input", async () => {
    const { clock, s } = scripted(
      [
        { at: 20, data: "a\n" },
        { at: 45, data: "b\n" },
      ],
      undefined,
      { timeout: 30 },
    );
    const lines = await clock.runUntil(readAll(s));
    expect(lines).toEqual(["20 a", "45 b", "null: idle for too long"]);
    expect(clock.now()).toBe(75);
  });

  it("runs the events due at the timeout instant before failing", async () => {
    const { clock, s } = scripted([], undefined, { timeout: 30 });
    const log: string[] = [];
    s.addWaitEvent(30, once(log, "at"), null);
    s.addWaitEvent(31, once(log, "after"), null);
    s.addWaitEvent(10, once(log, "before"), null);
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(log).toEqual(["10 before", "30 at"]);
  });

  it("can be extended by a callback that resets it", async () => {
    const { clock, s } = scripted([], undefined, { timeout: 30 });
    let resets = 2;
    s.addWaitEvent(
      25,
      (st, ev) => {
        if (resets-- > 0) st.resetTimeout();
        ev.mark = st.clock.now() + 25;
        return ev;
      },
      null,
    );
    expect(await clock.runUntil(s.readLine())).toBeNull();
    // Reset at 25 (to 55) and at 50 (to 80); the event at 75 does not reset.
    expect(clock.now()).toBe(80);
  });

  it("is turned off by 0 and takes effect from the time it is set", async () => {
    const { clock, s } = scripted([{ at: 100, data: "x\n" }], undefined, { timeout: 10 });
    s.setTimeout(0);
    expect(s.timeoutMark).toBe(Infinity);
    expect(await clock.runUntil(s.readLine())).toBe("x");
    s.setTimeout(5);
    expect(s.timeoutMark).toBe(105);
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(clock.now()).toBe(105);
    expect(() => s.setTimeout(-1)).toThrow(/setTimeout: ticks must be a finite number >= 0, got -1/);
  });

  it("counts from the last input, not from the start of the read", async () => {
    const { clock, s } = scripted([{ at: 0, data: "a\n" }], undefined, { timeout: 10 });
    await clock.advanceTo(25);
    expect(await s.readLine()).toBe("a");
    // The input came at 0, so the stream has been idle for 25 ticks already.
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(clock.now()).toBe(25);
  });
});

describe("many events", () => {
  it("fires 100,000 events on one stream in list order", async () => {
    const { clock, s } = scripted([], { at: 1000 });
    const order: number[] = [];
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      s.addWaitEvent(
        (i * 7919) % 500,
        (st, ev, rock: number) => {
          order.push(rock);
          st.removeWaitEvent(ev);
          return null;
        },
        i,
      );
    }
    await clock.advanceTo(500);
    await clock.runUntil(s.readLine());
    expect(order).toHaveLength(N);
    expect(order.every((v, i) => v === i)).toBe(true);
  });
});

describe("misuse", () => {
  it("rejects a second read while one waits", async () => {
    const { clock, s } = scripted([{ at: 10, data: "x\n" }]);
    const first = s.readLine();
    await expect(s.getc()).rejects.toThrow(/another read is already waiting/);
    expect(await clock.runUntil(first)).toBe("x");
    s.close();
  });

  it("names what is wrong with a bad mark or proc", () => {
    const { s } = scripted([]);
    expect(() => s.addWaitEvent(Number.NaN, (_s, e) => e, null)).toThrow(/addWaitEvent: mark must be a number/);
    const bad = "nope" as unknown as () => null;
    expect(() => s.addWaitEvent(1, bad, null)).toThrow(/proc must be a function, got string/);
    const ev = s.addWaitEvent(1, (_s, e) => e, null);
    expect(() => {
      ev.mark = Number.NaN;
    }).toThrow(/WaitEvent.mark: mark must be a number/);
    s.close();
    expect(() => s.addWaitEvent(1, (_s, e) => e, null)).toThrow(/closed/);
  });
});
