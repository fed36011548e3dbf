import { describe, expect, it, vi } from "vitest";
import { ScriptedSource, VirtualClock, type ProtStream, type WaitEvent } from "prot-events";
import {
  EOF,
  PROT_NO_FD,
  cyrusClock,
  prot_BLOCK,
  prot_IS_BLOCKING,
  prot_NONBLOCK,
  prot_addwaitevent,
  prot_bytes_in,
  prot_error,
  prot_fgets,
  prot_fill,
  prot_free,
  prot_getc,
  prot_new,
  prot_read,
  prot_removewaitevent,
  prot_resettimeout,
  prot_select,
  prot_settimeout,
  prot_ungetc,
  protgroup_delete,
  protgroup_getelement,
  protgroup_insert,
  protgroup_new,
  protgroup_size,
  time,
} from "prot-events/cyrus";

function open(clock: VirtualClock, arrivals: { at: number; data: string }[], endAt?: number): ProtStream {
  return prot_new(new ScriptedSource(clock, arrivals, endAt === undefined ? undefined : { at: endAt }), 0, { clock });
}

describe("the C facade, read side", () => {
  it("counts time in whole seconds by default, like time()", async () => {
    vi.useFakeTimers({ now: 1_234_567_890 });
    try {
      expect(time()).toBe(1_234_567);
    } finally {
      vi.useRealTimers();
    }
    const s = prot_new(new ScriptedSource(cyrusClock, []), 0);
    expect(s.clock).toBe(cyrusClock);
    await prot_free(s);
  });

  it("ports backend_timeout from imap/proxy.c line for line", async () => {
    // static struct prot_waitevent *backend_timeout(s, ev, rock) { ... } restated over the facade.
    const IDLE_TIMEOUT = 30;
    interface Backend {
      name: string;
      current: Backend | null;
      down: boolean;
    }
    const log: string[] = [];
    const clock = new VirtualClock(1000);
    const s = open(clock, [{ at: 1100, data: "done\n" }]);
    function backend_timeout(st: ProtStream, ev: WaitEvent<Backend>, be: Backend): WaitEvent<Backend> | null {
      if (be.current !== be) {
        be.down = true;
        log.push(`${time(st)} down ${be.name}`);
        prot_removewaitevent(st, ev);
        return null;
      }
      ev.mark = time(st) + IDLE_TIMEOUT;
      return ev;
    }
    const be: Backend = { name: "backend1", current: null, down: false };
    be.current = be;
    prot_addwaitevent(s, time(s) + IDLE_TIMEOUT, backend_timeout, be);
    prot_settimeout(s, 500);
    const line = prot_fgets(64, s);
    await clock.advanceTo(1065);
    be.current = null;
    expect(await clock.runUntil(line)).toBe("done\n");
    expect(log).toEqual(["1090 down backend1"]);
    expect(be.down).toBe(true);
    expect(s.waitEvents).toEqual([]);
  });

  it("unlinks an event with prot_removewaitevent between reads, and leaves it when asked through another stream", async () => {
    const clock = new VirtualClock();
    const s = open(clock, [{ at: 30, data: "x\n" }]);
    const other = open(clock, []);
    const fired: number[] = [];
    const ev = prot_addwaitevent(s, 10, (_st, e) => (fired.push(clock.now()), e), null);
    prot_removewaitevent(other, ev);
    expect(s.waitEvents).toEqual([ev]);
    prot_removewaitevent(s, ev);
    expect(s.waitEvents).toEqual([]);
    expect(await clock.runUntil(prot_fgets(64, s))).toBe("x\n");
    expect(fired).toEqual([]);
    await prot_free(s);
    await prot_free(other);
  });

  it("reads bytes and pieces of lines like prot_getc, prot_fgets and prot_read", async () => {
    const clock = new VirtualClock();
    const s = open(clock, [{ at: 1, data: "abcdefgh\nxy" }], 2);
    expect(await clock.runUntil(prot_getc(s))).toBe(0x61);
    prot_ungetc(0x61, s);
    expect(await prot_fgets(4, s)).toBe("abc");
    expect(await prot_fgets(100, s)).toBe("defgh\n");
    expect(String(await prot_read(s, 1))).toBe("x");
    expect(await prot_fill(s)).toBe(0x79);
    expect(await clock.runUntil(prot_getc(s))).toBe(EOF);
    expect(prot_error(s)).toBe("end of file reached");
    expect(await prot_fgets(10, s)).toBeNull();
    expect((await prot_read(s, 5)).length).toBe(0);
    expect(prot_bytes_in(s)).toBe(11);
  });

  it("returns EOF without an error when a non-blocking read would wait", async () => {
    const clock = new VirtualClock();
    const s = open(clock, []);
    expect(prot_IS_BLOCKING(s)).toBe(true);
    prot_NONBLOCK(s);
    expect(prot_IS_BLOCKING(s)).toBe(false);
    expect(await prot_getc(s)).toBe(EOF);
    expect(prot_error(s)).toBeNull();
    prot_BLOCK(s);
    prot_settimeout(s, 5);
    prot_resettimeout(s);
    expect(await clock.runUntil(prot_fill(s))).toBe(EOF);
    expect(prot_error(s)).toBe("idle for too long");
  });

  it("selects over a protgroup with a timeval", async () => {
    const clock = new VirtualClock();
    const a = open(clock, [{ at: 7, data: "a\n" }]);
    const b = open(clock, []);
    const g = protgroup_new(2);
    protgroup_insert(g, a);
    protgroup_insert(g, b);
    expect(protgroup_size(g)).toBe(2);
    expect(protgroup_getelement(g, 1)).toBe(b);
    expect(protgroup_getelement(g, 2)).toBeNull();
    expect(await clock.runUntil(prot_select(g, PROT_NO_FD, { tv_sec: 5 }))).toEqual({ count: 0, out: null });
    const r = await clock.runUntil(prot_select(g, PROT_NO_FD, null));
    expect(r.count).toBe(1);
    expect(r.out === null ? null : protgroup_getelement(r.out, 0)).toBe(a);
    expect(clock.now()).toBe(7);
    protgroup_delete(g, a);
    expect(protgroup_size(g)).toBe(1);
  });
});
