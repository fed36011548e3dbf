// The reference implementation under abuse: what a careless callback or a
// hostile peer can do to a stream, and what the stream promises to do back.
// 100,000 events on one stream are covered in wait-events.test.ts ("fires
// 100,000 events on one stream in list order") and are not repeated here.
// The slow client held off by an overall deadline has its own test with the
// option that provides it.
import { describe, expect, it } from "vitest";
import { once } from "node:events";
import { ProtStream, VirtualClock, protSocket, type ByteSink, type ByteSource, type WaitEvent } from "prot-events";
import { leaveNoUnhandledRejections, liveBytes, loopback, scripted, type LoopbackPair } from "./helpers.js";

const MiB = 1024 * 1024;
const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

leaveNoUnhandledRejections();
const loopbackPairs = loopback();
const pair = async (): Promise<LoopbackPair> => (await loopbackPairs(1))[0] as LoopbackPair;

describe("a callback that throws (WE-CB-9)", () => {
  it("fails a served connection cleanly: the read loop ends, later events never run, the peer is let go", async () => {
    const { client, server } = await pair();
    const clock = new VirtualClock();
    const conn = protSocket(server, { input: { clock } });
    const boom = new Error("backend went away");
    let pings = 0;
    conn.input.addWaitEvent(
      10,
      (st, ev) => {
        if (++pings === 3) throw boom;
        conn.output.write(`* OK ping ${pings}\r\n`);
        ev.mark = st.clock.now() + 10;
        return ev;
      },
      null,
    );
    let laterRan = false;
    conn.input.addWaitEvent(
      30,
      (_st, ev) => {
        laterRan = true;
        return ev;
      },
      null,
    );
    client.setEncoding("latin1");
    let heard = "";
    client.on("data", (d: string) => (heard += d));
    // The loop of the README's tour: the server's whole life with this client.
    const served = (async () => {
      const lines: string[] = [];
      for (;;) {
        const line = conn.input.tryReadLine() ?? (await conn.input.readLine());
        if (typeof line !== "string") break;
        lines.push(line);
        conn.output.write(`${line.split(" ")[0]} OK\r\n`);
      }
      await conn.close();
      return lines;
    })();
    const gone = once(client, "close");
    const answered = new Promise<void>((resolve) => client.on("data", () => heard.includes("a1 OK\r\n") && resolve()));
    client.write("a1 NOOP\r\n");
    await answered;
    await clock.advanceTo(40);
    expect(await served).toEqual(["a1 NOOP"]);
    await gone;
    expect(conn.input.error).toBe("wait event callback failed: backend went away");
    expect(conn.input.errorCause).toBe(boom);
    expect(laterRan).toBe(false);
    expect(conn.input.waitEvents).toEqual([]);
    expect(heard).toBe("a1 OK\r\n* OK ping 1\r\n* OK ping 2\r\n");
  });

  it("fails the stream with whatever was thrown, even when the failing read is never awaited", async () => {
    const thrown: unknown[] = [undefined, null, "a string", 42, Symbol("sym"), { code: 7, toString: () => "an object" }];
    for (const value of thrown) {
      const { clock, s } = scripted([{ at: 20, data: "never read\n" }]);
      s.addWaitEvent(
        5,
        () => {
          throw value;
        },
        null,
      );
      // Dropped on purpose: a failed callback must settle the read, not reject it.
      void s.readLine();
      await clock.advanceTo(30);
      expect(s.error).toBe(`wait event callback failed: ${String(value)}`);
      expect(s.errorCause).toBe(value);
      expect(await s.readLine()).toBeNull();
      expect(s.buffered).toBe(0);
    }
  });

  it("fails a non-blocking read the same way", async () => {
    const { s } = scripted([]);
    s.nonBlocking = true;
    s.addWaitEvent(
      0,
      () => {
        throw new RangeError("nb");
      },
      null,
    );
    expect(await s.readLine()).toBeNull();
    expect(s.error).toBe("wait event callback failed: nb");
    expect(s.waitEvents).toEqual([]);
  });

  // setReadCallback: a throwing read callback fails the stream "as for a
  // throwing wait event", and a failed stream runs no event again (WE-CB-9,
  // WE-ERR-1), not even the pass of the wait the callback began.
  it("runs no event once the read callback has thrown", async () => {
    const { clock, s } = scripted([{ at: 5, data: "x\n" }]);
    let eventRan = false;
    s.addWaitEvent(
      0,
      (_st, ev) => {
        eventRan = true;
        return ev;
      },
      null,
    );
    s.setReadCallback(() => {
      throw new Error("rc");
    });
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(s.error).toBe("read callback failed: rc");
    expect(eventRan).toBe(false);
  });

  // String() itself throws for these values: the message that reports the
  // failure must not become a second failure that escapes the pass.
  it("fails the stream even for a thrown value that cannot be turned into text", async () => {
    const unprintable = [
      Object.create(null) as object,
      Object.defineProperty(new Error("x"), "message", {
        get: () => {
          throw new Error("no message");
        },
      }),
    ];
    for (const value of unprintable) {
      const { clock, s } = scripted([{ at: 20, data: "late\n" }]);
      s.addWaitEvent(
        5,
        () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown value that is no Error, on purpose
          throw value;
        },
        null,
      );
      const read = s.readLine().catch((e: unknown) => `rejected: ${String(e)}`);
      await clock.advanceTo(30);
      expect(await read).toBeNull();
      expect(s.error).toMatch(/^wait event callback failed: /);
      expect(s.errorCause).toBe(value);
    }
  });
});

describe("events that will not stop", () => {
  it("re-armed into the past a million times, fires once per tick, and every line is read the tick it arrives", async () => {
    const TICKS = 1_000_000;
    const arrivals = Array.from({ length: 100 }, (_, k) => ({ at: k * 10_000 + 7, data: `line ${k}\n` }));
    const { clock, s } = scripted(arrivals, { at: TICKS });
    let fires = 0;
    let skipped = 0;
    let last = -1;
    s.addWaitEvent(
      0,
      (st, ev) => {
        const now = st.clock.now();
        if (now !== last + 1) skipped++;
        last = now;
        fires++;
        ev.mark = ev.mark - 1;
        return ev;
      },
      null,
    );
    const reading = (async () => {
      const got: string[] = [];
      for (;;) {
        const line = await s.readLine();
        if (typeof line !== "string") return got;
        got.push(`${clock.now()} ${line}`);
      }
    })();
    const got = await clock.runUntil(reading, { maxSteps: 2 * TICKS });
    expect(got).toEqual(arrivals.map((a) => `${a.at} ${a.data.trimEnd()}`));
    // Once per tick from 0 up to the end: never twice in a tick, never a tick left out.
    expect([fires, skipped, last]).toEqual([TICKS, 0, TICKS - 1]);
    expect(s.waitEvents[0]?.mark).toBe(-TICKS);
    expect(s.error).toBe("end of file reached");
  });

  it("adding due events from a callback runs them at the next pass: a doubling population cannot stall a read", async () => {
    const { clock, s } = scripted([{ at: 16, data: "made it\n" }]);
    const perTick: number[] = [];
    // Each child is due at once; run in the same pass, the pass would never end.
    const breed = (st: ProtStream, ev: WaitEvent<null>): null => {
      const now = st.clock.now();
      perTick[now] = (perTick[now] ?? 0) + 1;
      st.addWaitEvent(now, breed, null);
      st.addWaitEvent(now, breed, null);
      st.removeWaitEvent(ev);
      return null;
    };
    s.addWaitEvent(0, breed, null);
    expect(await clock.runUntil(s.readLine())).toBe("made it");
    expect(clock.now()).toBe(16);
    expect(perTick).toEqual(Array.from({ length: 16 }, (_, t) => 2 ** t));
    expect(s.waitEvents).toHaveLength(2 ** 16);
    s.close();
    expect(s.waitEvents).toEqual([]);
  });

  it("an event that replaces itself every tick for 200,000 ticks keeps memory flat", async () => {
    const TICKS = 200_000;
    const { clock, s } = scripted([
      { at: 1_000, data: "early\n" },
      { at: TICKS, data: "late\n" },
    ]);
    let fires = 0;
    const successor = (st: ProtStream, ev: WaitEvent<{ pad: number[] }>): null => {
      fires++;
      // A fresh event (and rock) each time: what a leak of removed events would pile up.
      st.addWaitEvent(st.clock.now(), successor, { pad: new Array<number>(16).fill(fires) });
      st.removeWaitEvent(ev);
      return null;
    };
    s.addWaitEvent(0, successor, { pad: [] as number[] });
    expect(await clock.runUntil(s.readLine())).toBe("early");
    const before = liveBytes();
    expect(await clock.runUntil(s.readLine(), { maxSteps: 2 * TICKS })).toBe("late");
    const after = liveBytes();
    expect(fires).toBe(TICKS);
    expect(s.waitEvents).toHaveLength(1);
    console.log(`abuse: 200,000 self-replacing events: live memory ${mib(before)} -> ${mib(after)}`);
    // 199,000 events of about 200 bytes each would be some 40 MiB.
    expect(after - before).toBeLessThan(4 * MiB);
    s.close();
  });
});

/**
 * Input in 1-byte chunks, as a Node stream would emit them: a burst of
 * chunks per turn of the event loop, stopping while the stream has paused
 * the source. Lines are made on the fly from their number, so neither side
 * holds the whole input.
 */
class DripSource implements ByteSource {
  #sink: ByteSink | null = null;
  #paused = false;
  #scheduled = false;
  #line = 0;
  #cur: Buffer = Buffer.alloc(0);
  #at = 0;
  sent = 0;
  pauses = 0;
  closed = false;

  constructor(
    readonly total: number,
    readonly burst: number,
  ) {}

  attach(sink: ByteSink): void {
    this.#sink = sink;
    this.#schedule();
  }
  get paused(): boolean {
    return this.#paused;
  }
  pause(): void {
    this.#paused = true;
    this.pauses++;
  }
  resume(): void {
    this.#paused = false;
    this.#schedule();
  }
  close(): void {
    this.closed = true;
  }

  #schedule(): void {
    if (this.#scheduled || this.closed) return;
    this.#scheduled = true;
    setImmediate(() => this.#produce());
  }

  #produce(): void {
    this.#scheduled = false;
    const sink = this.#sink as ByteSink;
    for (let n = 0; n < this.burst && !this.#paused; n++) {
      if (this.#at === this.#cur.length) {
        if (this.sent >= this.total) {
          sink.end();
          return;
        }
        this.#cur = Buffer.from(`${dripLine(this.#line)}${this.#line % 3 === 0 ? "\r\n" : "\n"}`, "latin1");
        this.#line++;
        this.#at = 0;
      }
      sink.push(this.#cur.subarray(this.#at, this.#at + 1));
      this.#at++;
      this.sent++;
    }
    if (!this.#paused) this.#schedule();
  }
}

/** Line `i` of the drip: varied lengths, every byte value but CR and LF, a line near the 64 KiB limit now and then. */
function dripLine(i: number): string {
  const len = i % 50_000 === 49_999 ? 60_000 : (i * 7919) % 300;
  let s = `${i}:`;
  while (s.length < len) {
    const b = (i + s.length) % 256;
    s += String.fromCharCode(b === 10 || b === 13 ? 32 : b);
  }
  return s;
}

describe("input in 1-byte chunks", () => {
  // 16 MiB by default, a few seconds; PROT_EVENTS_ABUSE_FULL=1 sends the full 1 GiB (minutes).
  const FULL = process.env.PROT_EVENTS_ABUSE_FULL === "1";
  const TOTAL = FULL ? 1024 * MiB : 16 * MiB;
  it(
    `delivers ${mib(TOTAL)} sent a byte at a time, every line intact, with memory bounded`,
    async () => {
      const src = new DripSource(TOTAL, 256);
      const s = new ProtStream(src, { clock: new VirtualClock(), encoding: "latin1" });
      const baseline = liveBytes();
      let peak = 0;
      let lines = 0;
      let bytes = 0;
      let bad: string | null = null;
      const started = performance.now();
      let nextSample = 0;
      let nextStall = MiB;
      for (;;) {
        const line = s.tryReadLine() ?? (await s.readLine());
        if (typeof line !== "string") break;
        if (bad === null && line !== dripLine(lines)) bad = `line ${lines}: ${JSON.stringify(line.slice(0, 60))}`;
        bytes += line.length + (lines % 3 === 0 ? 2 : 1);
        lines++;
        if (s.bytesIn >= nextSample) {
          peak = Math.max(peak, liveBytes() - baseline);
          nextSample += Math.max(MiB, TOTAL / 64);
        }
        if (s.bytesIn >= nextStall) {
          // A reader that falls behind: the drip piles up until the stream pauses it.
          while (!src.paused) await new Promise((r) => setImmediate(r));
          peak = Math.max(peak, liveBytes() - baseline);
          nextStall += 8 * MiB;
        }
      }
      const ms = performance.now() - started;
      expect(bad).toBeNull();
      expect(s.error).toBe("end of file reached");
      expect(bytes).toBe(src.sent);
      expect(s.bytesIn).toBe(src.sent);
      expect(src.sent).toBeGreaterThanOrEqual(TOTAL);
      expect(src.pauses).toBeGreaterThanOrEqual(TOTAL / (8 * MiB));
      console.log(
        `abuse: 1-byte chunks: ${mib(src.sent)} in ${lines} lines, ${(ms / 1000).toFixed(1)} s ` +
          `(${mib((src.sent / ms) * 1000)}/s), source paused ${src.pauses} times, live memory peak +${mib(peak)}`,
      );
      // The stream holds a high-water mark (64 KiB) plus a line; the input is 16 MiB or more.
      expect(peak).toBeLessThan(4 * MiB);
      s.close();
      expect(src.closed).toBe(true);
    },
    FULL ? 1_800_000 : undefined,
  );
});

describe("a peer that resets the connection mid-line", () => {
  it("fails the read with the reset, and never hands the partial line out as a line", async () => {
    const { client, server } = await pair();
    const conn = protSocket(server, { input: { clock: new VirtualClock() } });
    const sent = "a1 NOOP\r\na2 APPEND half a li";
    let received = 0;
    const allIn = new Promise<void>((resolve) => {
      server.on("data", (d: Buffer) => {
        received += d.length;
        if (received === sent.length) resolve();
      });
    });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on("uncaughtException", onUncaught);
    try {
      client.write(sent);
      expect(await conn.input.readLine()).toBe("a1 NOOP");
      const next = conn.input.readLine();
      await allIn;
      client.resetAndDestroy();
      expect(await next).toBeNull();
      expect(conn.input.error).toBe("read ECONNRESET");
      expect((conn.input.errorCause as NodeJS.ErrnoException).code).toBe("ECONNRESET");
      expect(await conn.input.readLine()).toBeNull();
      // What arrived before the reset is still there as bytes (WE-ERR-2), never as a line.
      expect((await conn.input.read(100))?.toString()).toBe("a2 APPEND half a li");
      expect(await conn.input.read(100)).toBeNull();
      expect(() => conn.output.write("* BYE\r\n")).toThrow(/ProtWriter/);
      await conn.close();
      expect(server.destroyed).toBe(true);
      await new Promise((r) => setImmediate(r));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });
});
