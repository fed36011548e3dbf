// Misuse and hostile peers, one rule at a time: bounded output, bounded
// close, over-long lines, checked arguments, callbacks and sources that
// would have crashed the process, and silent results made loud.
import { describe, expect, it } from "vitest";
import net from "node:net";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import { LineTooLongError, ProtGroup, ProtOutputLimitError, ProtStream, ProtWriter, VirtualClock, protSocket, select, type ProtConnection } from "prot-events";
import { prot_fgets, prot_write } from "prot-events/cyrus";
import { leaveNoUnhandledRejections, loopback, scripted, type LoopbackPair } from "./helpers.js";

leaveNoUnhandledRejections();
const pairs = loopback();
const pair = async (): Promise<LoopbackPair> => (await pairs(1))[0] as LoopbackPair;

/** Lets the event loop (socket I/O included) go round `n` times; no wall-clock wait. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

const fds = (): number => readdirSync("/proc/self/fd").length;

describe("bounded output (a peer that sends but does not read)", () => {
  it("holds a waiting read while the output is over its high-water mark, then goes on once the peer reads", async () => {
    const clock = new VirtualClock();
    const { client, server } = await pair();
    client.pause();
    const conn = protSocket(server, { input: { clock }, output: { highWaterMark: 256 * 1024, maxBuffered: 8 * 1024 * 1024 } });
    const reply = "r".repeat(20_000) + "\r\n";
    let answered = 0;
    let peak = 0;
    const loop = (async () => {
      for (;;) {
        const line = await conn.input.readLine();
        if (typeof line !== "string") return;
        conn.output.write(reply);
        answered++;
        peak = Math.max(peak, conn.output.pending);
      }
    })();
    // 1000 requests at once, asking for 20 MB of replies.
    client.write("a NOOP\r\n".repeat(1000));
    await turns(300);
    expect(answered).toBeLessThan(1000);
    expect(peak).toBeLessThan(256 * 1024 + 2 * reply.length);
    // The peer starts reading: every request is answered.
    let got = 0;
    client.on("data", (c: Buffer) => void (got += c.length));
    client.resume();
    for (let i = 0; i < 100_000 && got < 1000 * reply.length; i++) await turns(1);
    expect(answered).toBe(1000);
    expect(got).toBe(1000 * reply.length);
    client.destroy();
    await loop;
    await conn.close();
  });

  it("fails the write past maxBuffered with ProtOutputLimitError, frees what it held, and fails the read", async () => {
    const clock = new VirtualClock();
    const { client, server } = await pair();
    client.pause();
    const conn = protSocket(server, { input: { clock }, output: { highWaterMark: 64 * 1024, maxBuffered: 1024 * 1024 } });
    client.write("a\r\n".repeat(100));
    expect(await conn.input.readLine()).toBe("a");
    const big = Buffer.alloc(100_000, 0x61);
    let thrown: unknown;
    try {
      // The loop a server writes with the try form: it never waits, so only the cap stops it.
      for (let line = conn.input.tryReadLine(); line !== undefined; line = conn.input.tryReadLine()) conn.output.write(big);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProtOutputLimitError);
    expect((thrown as Error).message).toMatch(/more than 1048576 bytes of output are waiting for the peer \(maxBuffered\)/);
    expect(conn.output.buffered).toBe(0);
    expect(conn.output.fatal).toMatch(/maxBuffered/);
    expect(() => conn.output.write("x")).toThrow(/maxBuffered/);
    expect(await conn.input.readLine()).toBeNull();
    expect(conn.input.error).toMatch(/maxBuffered/);
    client.destroy();
    await conn.close();
  });

  it("keeps the read timeout counting while the read is held", async () => {
    const clock = new VirtualClock();
    const { client, server } = await pair();
    client.pause();
    const conn = protSocket(server, { input: { clock, timeout: 100 }, output: { highWaterMark: 64 * 1024, maxBuffered: 64 * 1024 * 1024 } });
    // More than loopback's socket buffers take: the output stays blocked.
    conn.output.write(Buffer.alloc(32 * 1024 * 1024));
    expect(conn.output.blocked).toBe(true);
    client.write("a NOOP\r\n");
    const read = conn.input.readLine();
    await turns(20);
    await clock.advance(100);
    expect(await read).toBeNull();
    expect(conn.input.error).toBe("idle for too long");
    client.destroy();
    await conn.close();
  });

  it("returns a buffered line when the flush of a writer blocked at the read drains it at once", async () => {
    const { clock, s } = scripted([{ at: 0, data: Buffer.from("a\nb\n") }], undefined, { timeout: 100 });
    const written: string[] = [];
    // Over its high-water mark only until the flush hands the writer's own buffer to a sink that takes it at once.
    const w = new ProtWriter(new Writable({ write: (c: Buffer, _e, done) => void (written.push(String(c)), done()) }), { highWaterMark: 1 });
    s.setFlushOnRead(w);
    await clock.advanceTo(0);
    expect(await clock.runUntil(s.readLine())).toBe("a");
    w.write("hi");
    expect(w.blocked).toBe(true);
    expect(await clock.runUntil(s.readLine())).toBe("b");
    expect([clock.now(), written, s.error]).toEqual([0, ["hi"], null]);
  });

  it("rejects limits that are not positive integers, or a cap below the high-water mark", () => {
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    expect(() => new ProtWriter(sink, { highWaterMark: 0 })).toThrow(/highWaterMark must be a positive integer, got 0/);
    expect(() => new ProtWriter(sink, { highWaterMark: 10, maxBuffered: 5 })).toThrow(/maxBuffered \(5\) must not be below highWaterMark \(10\)/);
  });
});

describe("bounded close", () => {
  it("closes 20 connections whose peers stopped reading within the grace, and gives back their descriptors", async () => {
    const clock = new VirtualClock();
    // A first connection opened and closed, so one-time descriptors of the runtime are in the baseline.
    for (const { client, server } of await pairs(1)) {
      client.destroy();
      server.destroy();
      await Promise.all([once(client, "close"), once(server, "close")]);
    }
    const before = fds();
    const conns: ProtConnection[] = [];
    const clients: net.Socket[] = [];
    const sockets: net.Socket[] = [];
    for (const { client, server } of await pairs(20)) {
      sockets.push(server);
      client.pause();
      clients.push(client);
      const conn = protSocket(server, { input: { clock }, closeGrace: 50 });
      conn.output.write(Buffer.alloc(5 * 1024 * 1024));
      conns.push(conn);
    }
    await turns(10);
    expect(conns.every((c) => c.output.pending > 0)).toBe(true);
    const closing = Promise.all(conns.map((c) => c.close()));
    // Without a grace, nothing would ever settle these closes: runUntil would find no timer.
    await clock.runUntil(closing, { until: 50 });
    expect(clock.now()).toBe(50);
    await Promise.all(sockets.filter((s) => !s.closed).map((s) => once(s, "close")));
    // The clients' own descriptors and the second pairs()'s listening socket are all that is left.
    expect(fds()).toBe(before + 21);
    expect(conns.every((c) => c.output.buffered === 0 && c.input.closed)).toBe(true);
    for (const c of clients) c.destroy();
    await Promise.all(clients.filter((c) => !c.closed).map((c) => once(c, "close")));
    expect(fds()).toBe(before + 1);
  });

  it("closes at once when nothing waits for the peer", async () => {
    const clock = new VirtualClock();
    const { client, server } = await pair();
    const conn = protSocket(server, { input: { clock } });
    await conn.close();
    expect(clock.pendingTimers).toBe(0);
    client.destroy();
    expect(() => protSocket(new net.Socket(), { closeGrace: -1 })).toThrow(/closeGrace must be a number of ticks >= 0, got -1/);
  });
});

describe("over-long lines", () => {
  it("skipLine discards the tail of a line cut by LineTooLongError: padding cannot smuggle a command", async () => {
    const padded = `${"x".repeat(65_536)}A1 DELETE INBOX\r\nB1 NOOP\r\n`;
    const { clock, s } = scripted([
      { at: 1, data: padded.slice(0, 40_000) },
      { at: 2, data: padded.slice(40_000) },
    ]);
    await expect(clock.runUntil(s.readLine())).rejects.toBeInstanceOf(LineTooLongError);
    expect(await clock.runUntil(s.skipLine())).toBe(true);
    expect(await clock.runUntil(s.readLine())).toBe("B1 NOOP");
  });

  it("skipLine waits through any number of chunks holding nothing, and returns null if the input ends first", async () => {
    const arrivals = Array.from({ length: 50 }, (_, i) => ({ at: i + 1, data: "z".repeat(10_000) }));
    const { clock, s } = scripted(arrivals, { at: 100 }, { maxLine: 100 });
    expect(() => s.tryReadLine()).not.toThrow();
    await clock.advance(1);
    expect(() => s.tryReadLine()).toThrow(LineTooLongError);
    expect(s.trySkipLine()).toBe(false);
    expect(s.buffered).toBe(0);
    expect(await clock.runUntil(s.skipLine())).toBeNull();
    expect(s.error).toBe("end of file reached");
  });
});

describe("checked arguments", () => {
  it("write(42) throws a TypeError and changes nothing; later writes go out", async () => {
    const chunks: Buffer[] = [];
    const w = new ProtWriter(new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }));
    w.write("ab");
    expect(() => w.write(42 as unknown as string)).toThrow(new TypeError("ProtWriter.write: data must be a string or bytes (a Uint8Array), got 42"));
    expect(() => w.write({} as unknown as string)).toThrow(/got an object \(Object\)/);
    expect(w.buffered).toBe(2);
    expect(w.bytesOut).toBe(2);
    w.write(Buffer.from("cd"));
    w.write(new Uint16Array([0x6665]));
    await w.flush();
    expect(Buffer.concat(chunks).toString()).toBe("abcdef");
    expect(() => prot_write(w, 42 as unknown as string)).toThrow(/prot_write: buf must be a string or bytes/);
    expect(() => prot_write(w, "abc", 9)).toThrow(/prot_write: len must be an integer from 0 to 3, got 9/);
  });
});

describe("callbacks and sources that would have crashed the process", () => {
  it("an async wait-event callback fails the stream, and its rejection reaches nobody", async () => {
    const { clock, s } = scripted([], { at: 50 });
    s.addWaitEvent(
      10,
      (async () => {
        throw new Error("backend gone");
      }) as unknown as () => null,
      null,
    );
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(s.error).toMatch(/^wait event callback failed: it returned a Promise/);
    expect(s.waitEvents).toEqual([]);
  });

  it("an async read callback that rejects fails the stream", async () => {
    const { clock, s } = scripted([], { at: 50 });
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- a callback that returns a rejected promise, on purpose
    s.setReadCallback(() => Promise.reject(new Error("no quota")));
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(s.error).toBe("read callback failed: no quota");
  });

  it("an objectMode Readable pushing an object fails the stream instead of throwing", async () => {
    const r = new Readable({ objectMode: true, read() {} });
    const s = new ProtStream(r);
    r.push(Buffer.from("first\r\n"));
    r.push({ not: "bytes" });
    expect(await s.readLine()).toBe("first");
    expect(await s.readLine()).toBeNull();
    expect(s.error).toBe("readableSource: the Readable emitted an object (Object), not bytes or a string (an objectMode stream?)");
    s.close();
  });

  it("typed-array chunks are taken by their bytes, not truncated per element", async () => {
    const r = new Readable({ objectMode: true, read() {} });
    const s = new ProtStream(r);
    r.push(new Uint16Array(Uint8Array.from(Buffer.from("hi\r\n")).buffer));
    expect(await s.readLine()).toBe("hi");
    const { clock, s: t } = scripted([{ at: 1, data: new Uint16Array(Uint8Array.from(Buffer.from("ok\r\n")).buffer) }]);
    expect(await clock.runUntil(t.readLine())).toBe("ok");
    s.close();
  });
});

describe("silent results made loud", () => {
  it("a callback returning 42 fails the stream", async () => {
    const { clock, s } = scripted([], { at: 50 });
    s.addWaitEvent(10, (() => 42) as unknown as () => null, null);
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(s.error).toBe("wait event callback failed: it returned 42, not the event or null");
  });

  it('select(g, "5") rejects rather than waiting for years', async () => {
    const { s } = scripted([]);
    await expect(select(new ProtGroup([s]), "5" as unknown as number)).rejects.toThrow(/timeout must be null or a number >= 0, got the string "5"/);
  });

  it("ungetc after close throws; ungetc inside a callback ends the wait with what it put back", async () => {
    const { clock, s } = scripted([{ at: 1, data: "abc" }]);
    s.addWaitEvent(
      5,
      (st) => {
        st.ungetc(10);
        return null;
      },
      null,
    );
    // The LF put back comes first: an empty line, read at once; "abc" stays buffered.
    expect(await clock.runUntil(s.readLine(), { until: 6 })).toBe("");
    expect(clock.now()).toBe(5);
    expect(s.buffered).toBe(3);
    s.close();
    expect(() => s.ungetc(65)).toThrow("ProtStream.ungetc: the stream is closed");
    expect(s.buffered).toBe(0);
  });

  it("prot_fgets(NaN) rejects naming the size", async () => {
    const { s } = scripted([{ at: 0, data: "x\n" }]);
    await expect(prot_fgets(Number.NaN, s)).rejects.toThrow("prot_fgets: size must be an integer, got NaN");
  });
});
