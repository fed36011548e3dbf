import { describe, expect, it, vi } from "vitest";
import { LineTooLongError, ProtStream, ScriptedSource, VirtualClock, WOULD_BLOCK, type ByteSink, type ByteSource } from "prot-events";
import { PassThrough } from "node:stream";
import { inspect } from "node:util";
import { handFed, readAll, scripted } from "./helpers.js";

describe("line reading", () => {
  it("joins lines split across chunks and takes LF and CRLF", async () => {
    const { clock, s } = scripted(
      [
        { at: 1, data: "a001 LOG" },
        { at: 2, data: "IN joe secret\r" },
        { at: 3, data: "\na002 NOOP\nb" },
        { at: 4, data: "c\r\n\r\n\n" },
      ],
      { at: 5 },
    );
    expect(await clock.runUntil(readAll(s))).toEqual(["3 a001 LOGIN joe secret", "3 a002 NOOP", "4 bc", "4 ", "4 ", "null: end of file reached"]);
    expect(s.eof).toBe(true);
    expect(s.bytesIn).toBe(40);
  });

  it("returns an unterminated last line at end of input", async () => {
    const { clock, s } = scripted([{ at: 1, data: "one\ntwo" }], { at: 2 });
    expect(await clock.runUntil(readAll(s))).toEqual(["1 one", "2 two", "null: end of file reached"]);
  });

  it("keeps a CR that is not followed by LF", async () => {
    const { clock, s } = scripted([{ at: 1, data: "a\rb\n" }], { at: 2 });
    expect(await clock.runUntil(s.readLine())).toBe("a\rb");
  });

  it("fails an over-long line with the first maxLine bytes and keeps the rest", async () => {
    const { clock, s } = scripted(
      [
        { at: 1, data: "abcdefgh" },
        { at: 2, data: "ij\nok\n" },
      ],
      { at: 3 },
      { maxLine: 4 },
    );
    const err = await clock.runUntil(s.readLine()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LineTooLongError);
    const e = err as LineTooLongError;
    expect(e.partial).toBe("abcd");
    expect(e.limit).toBe(4);
    expect(e.offset).toBe(0);
    expect(e.message).toBe("ProtStream: line at byte 0 is longer than the limit of 4 bytes");
    await expect(clock.runUntil(s.readLine())).rejects.toThrow(/line at byte 4/);
    expect(await clock.runUntil(s.readLine())).toBe("ij");
    expect(await s.readLine()).toBe("ok");
  });

  it("accepts a line of exactly maxLine bytes with its CRLF, even split before the LF", async () => {
    const { clock, s } = scripted(
      [
        { at: 1, data: "abcd\r" },
        { at: 2, data: "\n" },
      ],
      { at: 3 },
      { maxLine: 4 },
    );
    expect(await clock.runUntil(s.readLine())).toBe("abcd");
  });

  it("reads a line that runs from one large chunk into the next by the same rules: a CRLF cut between them, the limit on both parts", () => {
    const { s, sink } = handFed({ maxLine: 10 });
    // Chunks of 1 KiB and more are queued as they came behind a partial line, not copied.
    const pad = "x\n".repeat(600);
    const chunk = (text: string): string[] => {
      sink.push(Buffer.from(text, "latin1"));
      const lines: string[] = [];
      for (let l = s.tryReadLine(); l !== undefined; l = s.tryReadLine()) lines.push(l);
      return lines;
    };
    const xs = Array<string>(600).fill("x");
    expect(chunk(`${pad}abcdef\r`)).toEqual(xs);
    expect(chunk(`\n${pad}0123`)).toEqual(["abcdef", ...xs]);
    expect(chunk(`456789\r\n${pad}abcdefgh`)).toEqual(["0123456789", ...xs]);
    expect(s.bytesIn).toBe(3 * 1200 + 8 + 12);
    sink.push(Buffer.from(`ijk\n${pad}`, "latin1"));
    const err = (() => {
      try {
        return s.tryReadLine();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LineTooLongError);
    expect((err as LineTooLongError).partial).toBe("abcdefghij");
    expect((err as LineTooLongError).offset).toBe(3 * 1200 + 8 + 12);
    expect(s.tryReadLine()).toBe("k");
    expect(s.bytesIn).toBe(3 * 1200 + 8 + 12 + 12);
  });

  it("never buffers more than it must for a line without end", async () => {
    const clock = new VirtualClock();
    const chunk = Buffer.alloc(1024, 0x61);
    const arrivals = Array.from({ length: 200 }, (_, i) => ({ at: i + 1, data: chunk }));
    const s = new ProtStream(new ScriptedSource(clock, arrivals), { clock, maxLine: 8192, highWaterMark: 4096 });
    const err = await clock.runUntil(s.readLine()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LineTooLongError);
    expect(clock.now()).toBeLessThanOrEqual(10);
    expect(s.buffered).toBeLessThan(8192);
    s.close();
  });

  it("decodes with the stream's encoding; latin1 keeps every byte", async () => {
    const bytes = Uint8Array.from([0x00, 0xff, 0x80, 0x7f, 0x0d, 0x41, 0x0a]);
    const { clock, s } = scripted([{ at: 1, data: bytes }], { at: 2 }, { encoding: "latin1" });
    const line = await clock.runUntil(s.readLine());
    expect(Buffer.from(line as string, "latin1")).toEqual(Buffer.from([0x00, 0xff, 0x80, 0x7f, 0x0d, 0x41]));
    const u = scripted([{ at: 1, data: "gr\u00fc\u00df dich\n" }], { at: 2 });
    expect(await u.clock.runUntil(u.s.readLine())).toBe("gr\u00fc\u00df dich");
  });
});

describe("bytes", () => {
  it("reads with getc, peek, ungetc and read(n)", async () => {
    const { clock, s } = scripted(
      [
        { at: 1, data: "xyz" },
        { at: 2, data: "12345" },
      ],
      { at: 3 },
    );
    expect(await clock.runUntil(s.peek())).toBe(0x78);
    expect(await s.getc()).toBe(0x78);
    s.ungetc(0x78);
    expect(s.tryGetc()).toBe(0x78);
    s.ungetc(0x21);
    expect(s.tryPeek()).toBe(0x21);
    expect(s.tryGetc()).toBe(0x21);
    expect(String(await s.read(10))).toBe("yz");
    expect(s.tryRead(1)).toBeUndefined();
    expect(s.tryGetc()).toBe(-1);
    expect(String(await clock.runUntil(s.read(2)))).toBe("12");
    expect(await s.fill()).toBe(3);
    expect(String(await s.read(3))).toBe("345");
    expect(await clock.runUntil(s.getc())).toBeNull();
    expect(s.error).toBe("end of file reached");
    expect(s.bytesIn).toBe(8);
    expect(() => s.ungetc(256)).toThrow(/ungetc: byte must be an integer 0-255, got 256/);
    expect(() => s.tryRead(0)).toThrow(/read: n must be a positive integer, got 0/);
  });

  it("pushes back a byte before the start of a fresh buffer", async () => {
    const { clock, s } = scripted([{ at: 1, data: "b\n" }], { at: 2 });
    await clock.advanceTo(1);
    s.ungetc(0x61);
    expect(await s.readLine()).toBe("ab");
  });

  it("returns WOULD_BLOCK from every reader in non-blocking mode", async () => {
    const { s } = scripted([], undefined, { nonBlocking: true });
    expect(await s.getc()).toBe(WOULD_BLOCK);
    expect(await s.peek()).toBe(WOULD_BLOCK);
    expect(await s.read(4)).toBe(WOULD_BLOCK);
    expect(await s.fill()).toBe(WOULD_BLOCK);
    expect(await s.readLine()).toBe(WOULD_BLOCK);
    s.close();
  });
});

describe("end and failure of the input", () => {
  it("delivers what arrived before a failure, then reports it", async () => {
    const { clock, s } = scripted([{ at: 1, data: "ok\npart" }], { at: 2, error: "connection reset by peer" });
    expect(await clock.runUntil(s.readLine())).toBe("ok");
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(s.error).toBe("connection reset by peer");
    expect(s.eof).toBe(false);
    // The bytes of the broken line are not lost.
    expect(String(await s.read(100))).toBe("part");
    expect(await s.read(100)).toBeNull();
  });

  it("reports end of file to every reader once the input has ended", async () => {
    const { clock, s } = scripted([], { at: 1 });
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(await s.getc()).toBeNull();
    expect(await s.read(1)).toBeNull();
    expect(await s.fill()).toBeNull();
    expect(s.eof).toBe(true);
    expect(s.readable).toBe(true);
  });

  it("takes nothing a source pushes after its end", () => {
    const { s, sink } = handFed();
    sink.push(Buffer.from("a\n"));
    sink.end();
    sink.push(Buffer.from("late\n"));
    expect(s.buffered).toBe(2);
    expect([s.tryReadLine(), s.tryReadLine()]).toEqual(["a", undefined]);
  });

  it("works over a Node Readable", async () => {
    const pt = new PassThrough();
    const s = new ProtStream(pt);
    pt.write("hello ");
    pt.write("world\r\nbye\n");
    pt.end();
    expect(await s.readLine()).toBe("hello world");
    expect(await s.readLine()).toBe("bye");
    expect(await s.readLine()).toBeNull();
    expect(s.error).toBe("end of file reached");
  });

  it("reports a Readable's error after its data", async () => {
    const pt = new PassThrough();
    const s = new ProtStream(pt);
    pt.write("a\n");
    pt.destroy(new Error("read ECONNRESET"));
    expect(await s.readLine()).toBe("a");
    expect(await s.readLine()).toBeNull();
    expect(s.error).toBe("read ECONNRESET");
    expect((s.errorCause as Error).message).toBe("read ECONNRESET");
  });
});

describe("a Node Readable as the source", () => {
  it("takes a Readable destroyed before its end as a failure: a partial line is not a line", async () => {
    const pt = new PassThrough();
    const s = new ProtStream(pt);
    pt.write("a1 NOOP\r\na2 LOG");
    expect(await s.readLine()).toBe("a1 NOOP");
    pt.destroy();
    expect(await s.readLine()).toBeNull();
    expect(s.error).toBe("the input was closed before its end");
    // What arrived stays readable as bytes, as after any failure of the input.
    expect(await s.read(100)).toEqual(Buffer.from("a2 LOG"));
  });

  it("leaves one listener for late errors however often a Readable is attached and closed", () => {
    const pt = new PassThrough();
    for (let i = 0; i < 12; i++) new ProtStream(pt, { destroyOnClose: false }).close();
    expect(pt.listenerCount("error")).toBe(1);
    expect(pt.listenerCount("data")).toBe(0);
  });

  it("refuses a Readable that already feeds a stream", () => {
    const pt = new PassThrough();
    const s = new ProtStream(pt);
    expect(() => new ProtStream(pt)).toThrow("readableSource: this Readable already feeds another source");
    s.close();
  });
});

describe("flow control", () => {
  it("pauses the source above the high-water mark and resumes once read", async () => {
    const calls: string[] = [];
    let sink: ByteSink | undefined;
    const source: ByteSource = {
      attach: (k) => {
        sink = k;
      },
      pause: () => calls.push("pause"),
      resume: () => calls.push("resume"),
      close: () => calls.push("close"),
    };
    const s = new ProtStream(source, { highWaterMark: 8, clock: new VirtualClock() });
    const k = sink as ByteSink;
    k.push(Buffer.from("0123\n"));
    expect(calls).toEqual([]);
    k.push(Buffer.from("5678\n"));
    expect(calls).toEqual(["pause"]);
    expect(s.tryReadLine()).toBe("0123");
    expect(s.tryReadLine()).toBe("5678");
    expect(calls).toEqual(["pause", "resume"]);
    s.close();
    expect(calls).toEqual(["pause", "resume", "close"]);
  });

  it("pauses a Readable when its next chunk comes, unless the input is read before", async () => {
    const pt = new PassThrough();
    const s = new ProtStream(pt, { highWaterMark: 8 });
    const resumes = vi.fn();
    pt.on("resume", resumes);
    pt.write("0123456789\n");
    // Above the mark, but read before more comes: the Readable was never paused, nor resumed.
    expect(pt.isPaused()).toBe(false);
    expect(s.tryReadLine()).toBe("0123456789");
    pt.write("abcdefghij\n");
    expect(pt.isPaused()).toBe(false);
    // Not read: the next chunk is taken and the Readable paused; the rest waits in it.
    pt.write("klm\n");
    expect(pt.isPaused()).toBe(true);
    pt.write("nop\n");
    expect(s.buffered).toBe(15);
    expect(pt.readableLength).toBe(4);
    expect([s.tryReadLine(), s.tryReadLine(), s.tryReadLine()]).toEqual(["abcdefghij", "klm", undefined]);
    expect(pt.isPaused()).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(resumes).toHaveBeenCalledTimes(1);
    expect(s.tryReadLine()).toBe("nop");
    s.close();
  });

  it("waits again in a loop, not by recursion, for a source that delivers many chunks while resumed", async () => {
    const clock = new VirtualClock();
    const arrivals = [...Array.from({ length: 20_000 }, () => ({ at: 1, data: "x" })), { at: 1, data: "\n" }];
    const s = new ProtStream(new ScriptedSource(clock, arrivals), { clock, highWaterMark: 4 });
    expect(await clock.runUntil(s.readLine())).toBe("x".repeat(20_000));
  });

  it("holds scripted arrivals while paused and plays them in order after", async () => {
    const clock = new VirtualClock();
    const arrivals = Array.from({ length: 10 }, (_, i) => ({ at: 1, data: `line ${i}\n` }));
    const s = new ProtStream(new ScriptedSource(clock, arrivals, { at: 2 }), { clock, highWaterMark: 10 });
    await clock.advanceTo(3);
    expect(s.buffered).toBeLessThanOrEqual(14);
    const lines = await clock.runUntil(readAll(s));
    expect(lines.slice(0, 10)).toEqual(arrivals.map((a) => `3 ${String(a.data).trim()}`));
    expect(lines[10]).toBe("null: end of file reached");
  });
});

describe("flush on read", () => {
  it("settles the read when the flush closes the stream", async () => {
    const clock = new VirtualClock();
    const s = new ProtStream(new ScriptedSource(clock, []), { clock });
    s.setFlushOnRead({ buffered: 1, flush: async () => s.close() });
    expect(await clock.runUntil(s.readLine())).toBeNull();
    expect(s.error).toBe("stream closed");
  });

  it("returns input that the flush itself brought, as an echo over one pipe does", async () => {
    const pipe = new PassThrough();
    const s = new ProtStream(pipe, { clock: new VirtualClock() });
    let out = "";
    s.setFlushOnRead({
      get buffered() {
        return out.length;
      },
      flush: async () => {
        pipe.write(out);
        out = "";
      },
    });
    out = "echo\r\n";
    expect(await s.readLine()).toBe("echo");
    s.close();
  });
});

describe("closing", () => {
  it("settles a waiting read, drops events, and leaves nothing scheduled", async () => {
    const { clock, s } = scripted([{ at: 100, data: "x\n" }], undefined, { timeout: 50 });
    const ev = s.addWaitEvent(10, (_s, e) => e, null);
    const read = s.readLine();
    await clock.advanceTo(5);
    s.close();
    expect(await read).toBeNull();
    expect(s.error).toBe("stream closed");
    expect(ev.stream).toBeNull();
    expect(s.waitEvents).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
    s.close();
    expect(s.closed).toBe(true);
  });

  it("names a bad option", () => {
    expect(() => scripted([], undefined, { maxLine: 0 })).toThrow(/maxLine must be a positive integer, got 0/);
    expect(() => scripted([], undefined, { encoding: "klingon" as BufferEncoding })).toThrow(/unknown encoding klingon/);
  });
});

describe("line reading as bytes (the fast path)", () => {
  it("returns the same lines as views, which later reads never change", async () => {
    const { clock, s } = scripted(
      [
        { at: 1, data: "a1 NOOP\r\nb2" },
        { at: 2, data: Buffer.from([0x20, 0x58, 0x0a, 0xff, 0x00, 0x0d, 0x0a]) },
        { at: 3, data: "tail" },
      ],
      { at: 4 },
    );
    const first = await clock.runUntil(s.readLineBytes());
    expect(first).toEqual(Buffer.from("a1 NOOP"));
    s.ungetc(0x21);
    expect(s.tryGetc()).toBe(0x21);
    expect(first).toEqual(Buffer.from("a1 NOOP"));
    expect(await clock.runUntil(s.readLineBytes())).toEqual(Buffer.from("b2 X"));
    expect(s.tryReadLineBytes()).toEqual(Buffer.from([0xff, 0x00]));
    expect(s.tryReadLineBytes()).toBeUndefined();
    expect(await clock.runUntil(s.readLineBytes())).toEqual(Buffer.from("tail"));
    expect(await s.readLineBytes()).toBeNull();
    expect(s.bytesIn).toBe(22);
  });

  it("hands out views that are Buffers to every check a user makes", () => {
    const { s, sink: k } = handFed();
    k.push(Buffer.from("héllo\nrest\n"));
    const view = s.tryReadLineBytes() as Buffer;
    expect(Buffer.isBuffer(view)).toBe(true);
    expect(view).toBeInstanceOf(Buffer);
    expect(view.constructor).toBe(Buffer);
    expect(view.toString("utf8")).toBe("héllo");
    expect(view.equals(Buffer.from("héllo"))).toBe(true);
    expect(inspect(view)).toBe(inspect(Buffer.from("héllo")));
    expect(Buffer.isBuffer(view.subarray(1))).toBe(true);
    expect(JSON.stringify(view)).toBe(JSON.stringify(Buffer.from("héllo")));
  });

  it("keeps views intact while later chunks are appended after them", () => {
    const { s, sink: k } = handFed();
    k.push(Buffer.from("x\nabcd"));
    const x = s.tryReadLineBytes();
    // "abcd" is joined with what follows into a buffer with room to spare...
    k.push(Buffer.from("e"));
    k.push(Buffer.from("\ny"));
    const abcde = s.tryReadLineBytes();
    // ...which later chunks fill after the unread "y", never over "abcde".
    k.push(Buffer.from("z"));
    k.push(Buffer.from("\nnext\n"));
    expect([x, abcde, s.tryReadLineBytes(), s.tryReadLineBytes()]).toEqual(["x", "abcde", "yz", "next"].map((t) => Buffer.from(t)));
    expect(s.tryReadLineBytes()).toBeUndefined();
  });

  it("copies a line that arrives a byte at a time a bounded number of times, not once per byte", () => {
    const { s, sink: k } = handFed({ highWaterMark: 1 << 20 });
    const line = Buffer.alloc(60_000, 0x61);
    const allocs = vi.spyOn(Buffer, "allocUnsafe");
    try {
      for (let i = 0; i < line.length; i++) {
        k.push(line.subarray(i, i + 1));
        expect(s.tryReadLineBytes()).toBeUndefined();
      }
      k.push(Buffer.from("\r\n"));
      expect(s.tryReadLineBytes()).toEqual(line);
      // One per doubling of the growing line: about log2(60,000), not 60,000.
      expect(allocs.mock.calls.length).toBeGreaterThan(0);
      expect(allocs.mock.calls.length).toBeLessThan(40);
    } finally {
      allocs.mockRestore();
    }
  });

  it("applies maxLine as the string reader does", async () => {
    const { clock, s } = scripted([{ at: 1, data: "abcdefgh\n" }], { at: 2 }, { maxLine: 4 });
    await expect(clock.runUntil(s.readLineBytes())).rejects.toThrow(/line at byte 0 is longer than the limit of 4 bytes/);
    expect(await clock.runUntil(s.readLineBytes())).toEqual(Buffer.from("efgh"));
  });
});
