import { once } from "node:events";
import type net from "node:net";
import { PassThrough, Writable } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { ProtWriteError, ProtWriter } from "prot-events";
import { loopback, type LoopbackPair } from "./helpers.js";
import {
  EOF,
  prot_bytes_out,
  prot_error,
  prot_flush,
  prot_free,
  prot_new,
  prot_printamap,
  prot_printastring,
  prot_printf,
  prot_printliteral,
  prot_printmap,
  prot_printstring,
  prot_putc,
  prot_puts,
  prot_write,
} from "prot-events/cyrus";

type WriteCallback = (error?: Error | null) => void;

/** One turn of the event loop: lets nextTick and promise jobs and pending I/O callbacks run. */
function tick(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Several turns of the event loop. */
async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

interface Tracked {
  state: "pending" | "fulfilled" | "rejected";
  value: unknown;
}

/** Follows a promise's settlement without awaiting it. */
function track(p: Promise<unknown>): Tracked {
  const t: Tracked = { state: "pending", value: undefined };
  p.then(
    (v) => {
      t.state = "fulfilled";
      t.value = v;
    },
    (e) => {
      t.state = "rejected";
      t.value = e;
    },
  );
  return t;
}

/**
 * A Writable that completes every write at once and keeps the chunks it is
 * given, by reference (so that a writer reusing a chunk's memory shows).
 */
class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: WriteCallback): void {
    this.chunks.push(chunk);
    cb();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  get strings(): string[] {
    return this.chunks.map((c) => c.toString("latin1"));
  }
}

/**
 * A Writable with a tiny highWaterMark whose writes complete only when the
 * test calls {@link ManualSink.release}.
 */
class ManualSink extends Writable {
  /** Chunks given to _write, in order. */
  readonly chunks: Buffer[] = [];
  /** How many times write() was called on it. */
  writeCalls = 0;
  readonly #pending: WriteCallback[] = [];
  constructor(highWaterMark = 4, autoDestroy = true) {
    super({ highWaterMark, autoDestroy });
    // Count calls of write() on this instance.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- applied to this instance below
    const write = Writable.prototype.write as (this: Writable, ...args: unknown[]) => boolean;
    this.write = ((...args: unknown[]): boolean => {
      this.writeCalls++;
      return write.apply(this, args);
    }) as Writable["write"];
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: WriteCallback): void {
    this.chunks.push(Buffer.from(chunk));
    this.#pending.push(cb);
  }
  /** Writes started but not completed. */
  get pending(): number {
    return this.#pending.length;
  }
  /** Completes the oldest pending write, with `err` if given. */
  release(err?: Error): void {
    const cb = this.#pending.shift();
    if (cb === undefined) throw new Error("ManualSink: no write is pending");
    cb(err ?? null);
  }
  get strings(): string[] {
    return this.chunks.map((c) => c.toString("latin1"));
  }
}

const latin1 = (s: string): Buffer => Buffer.from(s, "latin1");

describe("ProtWriter: construction", () => {
  it("rejects a bufferSize that is not a positive integer", () => {
    for (const bufferSize of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new ProtWriter(new Collector(), { bufferSize })).toThrow(RangeError);
    }
  });

  it("has a name, isClient, no error and nothing out at first", () => {
    const w = new ProtWriter(new Collector());
    expect(w.name).toBe("ProtWriter");
    expect(w.isClient).toBe(false);
    expect(w.error).toBeNull();
    expect(w.bytesOut).toBe(0);
    expect(w.buffered).toBe(0);
    const named = new ProtWriter(new Collector(), { name: "out", isClient: true });
    expect(named.name).toBe("out");
    expect(named.isClient).toBe(true);
  });

  it("writes what writeBetween held back once, after its own message only", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    w.beginMessage().write("* 1 FETCH ").writeBetween("* a\r\n").write("x\r\n").endMessage();
    w.beginMessage().write("* 2 FETCH ").write("y\r\n").endMessage();
    await w.flush();
    expect(sink.bytes.toString("latin1")).toBe("* 1 FETCH x\r\n* a\r\n* 2 FETCH y\r\n");
  });

  it("switches isClient either way without touching an open message", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink).beginMessage();
    w.isClient = true;
    w.printLiteral("a");
    w.isClient = false;
    w.printLiteral("b");
    expect(w.inMessage).toBe(true);
    w.endMessage();
    await w.flush();
    expect(sink.bytes.toString("latin1")).toBe("{1+}\r\na{1}\r\nb");
  });
});

describe("ProtWriter: buffering", () => {
  it("hands nothing to the sink until flush", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    w.write("* OK ").write("ready\r\n");
    await ticks();
    expect(sink.chunks).toHaveLength(0);
    expect(w.buffered).toBe(12);
    expect(w.bytesOut).toBe(12);
    await w.flush();
    expect(sink.strings).toEqual(["* OK ready\r\n"]);
    expect(w.buffered).toBe(0);
    expect(w.bytesOut).toBe(12);
  });

  it("keeps a buffer filled exactly to bufferSize, and hands it on when one more byte comes", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { bufferSize: 8 });
    w.write("abcd").write("efgh");
    await ticks();
    expect(sink.chunks).toHaveLength(0);
    expect(w.buffered).toBe(8);
    w.write("i");
    expect(sink.strings).toEqual(["abcdefgh"]);
    expect(w.buffered).toBe(1);
    await w.flush();
    expect(sink.strings).toEqual(["abcdefgh", "i"]);
  });

  it("hands on what is buffered before a write that would not fit, then buffers that write", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { bufferSize: 8 });
    w.write("abcde");
    w.write("fghij");
    expect(sink.strings).toEqual(["abcde"]);
    expect(w.buffered).toBe(5);
    await w.flush();
    expect(sink.strings).toEqual(["abcde", "fghij"]);
  });

  it("uses a default bufferSize of 4096", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    w.write(Buffer.alloc(4096, "a"));
    expect(sink.chunks).toHaveLength(0);
    w.write("b");
    expect(sink.chunks).toHaveLength(1);
    expect(sink.chunks[0]).toEqual(Buffer.alloc(4096, "a"));
    await w.flush();
    expect(sink.bytes).toEqual(Buffer.concat([Buffer.alloc(4096, "a"), latin1("b")]));
  });

  it("sends a string larger than bufferSize as its own chunk, after what was buffered", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { bufferSize: 4 });
    w.write("ab");
    w.write("0123456789");
    expect(sink.strings).toEqual(["ab", "0123456789"]);
    expect(w.buffered).toBe(0);
    expect(w.bytesOut).toBe(12);
    w.write("z");
    await w.flush();
    expect(sink.strings).toEqual(["ab", "0123456789", "z"]);
  });

  it("sends bytes larger than bufferSize as their own chunk, with an empty buffer", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { bufferSize: 4 });
    w.write(Uint8Array.of(1, 2, 3, 4, 5));
    expect(sink.chunks).toHaveLength(1);
    expect(sink.chunks[0]).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    await w.flush();
    expect(sink.chunks).toHaveLength(1);
  });

  it("writes Uint8Array bytes unchanged, and only a view's bytes", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    const backing = Uint8Array.of(9, 9, 0x00, 0xff, 0x80, 0x0d, 0x0a, 9, 9);
    w.write(backing.subarray(2, 7));
    w.write("x");
    w.write(new Uint8Array(0));
    w.write("");
    expect(w.bytesOut).toBe(6);
    await w.flush();
    expect(sink.bytes).toEqual(Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0x78]));
  });

  it("copies bytes at write time, for small and large writes", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { bufferSize: 4 });
    const small = Uint8Array.of(1, 2);
    const large = Uint8Array.of(3, 4, 5, 6, 7, 8);
    w.write(small);
    w.write(large);
    small.fill(0);
    large.fill(0);
    await w.flush();
    expect(sink.bytes).toEqual(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  });

  it("never reuses the memory of a chunk it handed on", async () => {
    const sink = new Collector(); // keeps chunks by reference
    const w = new ProtWriter(sink, { bufferSize: 4 });
    w.write("aaaa");
    w.write("bbbb"); // hands on "aaaa"
    w.write("cccc"); // hands on "bbbb"
    await w.flush();
    w.write("dddd");
    await w.flush();
    expect(sink.strings).toEqual(["aaaa", "bbbb", "cccc", "dddd"]);
  });

  it("keeps the order of many writes of every size", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { bufferSize: 16 });
    const parts: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const len = (i * 7) % 41;
      const part = Buffer.alloc(len, 0x41 + (i % 26));
      parts.push(part);
      if (i % 2 === 0) w.write(part);
      else w.write(part.toString("latin1"));
    }
    await w.flush();
    const want = Buffer.concat(parts);
    expect(sink.bytes).toEqual(want);
    expect(w.bytesOut).toBe(want.length);
  });

  it("counts bytes, not characters, in bytesOut and buffered", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    w.write("é€😀");
    expect(w.bytesOut).toBe(2 + 3 + 4);
    expect(w.buffered).toBe(9);
    await w.flush();
    expect(sink.bytes).toEqual(Buffer.from("é€😀", "utf8"));
    expect(prot_bytes_out(w)).toBe(9);
  });

  it("encodes strings in the writer's encoding", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { encoding: "latin1", bufferSize: 2 });
    w.write("é");
    w.write("ÿÿÿ"); // larger than bufferSize
    expect(w.bytesOut).toBe(4);
    await w.flush();
    expect(sink.bytes).toEqual(Buffer.from([0xe9, 0xff, 0xff, 0xff]));
  });

  it("writes printf output", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    expect(w.printf("%s OK [%05d] %x%%\r\n", "A1", 42, 255)).toBe(w);
    expect(w.bytesOut).toBe(19);
    await w.flush();
    expect(sink.bytes.toString("latin1")).toBe("A1 OK [00042] ff%\r\n");
  });

  it("writes nothing when printf's format is bad", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    w.write("a");
    expect(() => w.printf("%s %q", "x")).toThrow(RangeError);
    expect(() => w.printf("%s %s", "x")).toThrow(RangeError);
    expect(() => w.printf("%d", "x")).toThrow(TypeError);
    expect(w.bytesOut).toBe(1);
    expect(w.error).toBeNull();
    w.write("b");
    await w.flush();
    expect(sink.bytes.toString("latin1")).toBe("ab");
  });

  it("resolves flush with nothing buffered, and flushes twice alike", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    await expect(w.flush()).resolves.toBeUndefined();
    w.write("x");
    await w.flush();
    await w.flush();
    expect(sink.strings).toEqual(["x"]);
  });

  it("delivers through a PassThrough to its reader", async () => {
    const pipe = new PassThrough();
    const got: Buffer[] = [];
    pipe.on("data", (c: Buffer) => got.push(c));
    const ended = new Promise<void>((resolve) => pipe.on("end", resolve));
    const w = new ProtWriter(pipe, { bufferSize: 8 });
    w.write("* ").printf("%d EXISTS\r\n", 23).printAstring("INBOX");
    await ticks();
    // "* " was handed on before the 11-byte printf output, which is larger
    // than the buffer and went on by itself; "INBOX" is still buffered.
    expect(Buffer.concat(got).toString("latin1")).toBe("* 23 EXISTS\r\n");
    expect(w.buffered).toBe(5);
    await w.close();
    await ended;
    expect(Buffer.concat(got).toString("latin1")).toBe("* 23 EXISTS\r\nINBOX");
  });
});

describe("ProtWriter: backpressure", () => {
  it("holds back flushed chunks while the sink drains, and resolves flush after 'drain'", async () => {
    const sink = new ManualSink(4);
    const log: string[] = [];
    sink.on("drain", () => log.push("drain"));
    const w = new ProtWriter(sink, { name: "out" });

    w.write("hello");
    const first = track(w.flush().then(() => log.push("flush 1")));
    expect(sink.writeCalls).toBe(1);
    expect(sink.writableNeedDrain).toBe(true);
    await ticks();
    expect(first.state).toBe("pending");
    expect(w.buffered).toBe(0);

    // The sink asked to slow down: these are held back, not handed on.
    w.write("world");
    const second = track(w.flush().then(() => log.push("flush 2")));
    w.write("!!");
    const third = track(w.flush().then(() => log.push("flush 3")));
    await ticks();
    expect(sink.writeCalls).toBe(1);
    expect(sink.writableLength).toBe(5);
    expect(w.buffered).toBe(7);
    expect(sink.strings).toEqual(["hello"]);
    expect([first.state, second.state, third.state]).toEqual(["pending", "pending", "pending"]);

    // The sink drains: the held chunks go on, "world" fills it again.
    sink.release();
    await ticks();
    expect(log).toEqual(["drain"]);
    expect(sink.writeCalls).toBe(2);
    expect(sink.strings).toEqual(["hello", "world"]);
    expect(w.buffered).toBe(2);
    expect([first.state, second.state, third.state]).toEqual(["pending", "pending", "pending"]);

    // Drains again: "!!" goes on and, being under the highWaterMark, leaves the sink happy.
    sink.release();
    await ticks();
    expect(sink.writeCalls).toBe(3);
    expect(sink.strings).toEqual(["hello", "world", "!!"]);
    expect(w.buffered).toBe(0);
    expect(log[0]).toBe("drain");
    expect(log[1]).toBe("drain");
    expect(log.slice(2).sort()).toEqual(["flush 1", "flush 2", "flush 3"]);
    expect([first.state, second.state, third.state]).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect(w.bytesOut).toBe(12);

    sink.release();
    expect(w.error).toBeNull();
  });

  it("holds back chunks handed on by full buffers and large writes while the sink drains", async () => {
    const sink = new ManualSink(2);
    const w = new ProtWriter(sink, { bufferSize: 4 });
    w.write("abc");
    const flushed = track(w.flush());
    w.write("defg"); // fills the buffer
    w.write("h"); // hands "defg" on: held
    w.write("0123456789"); // hands "h" on, then the large write: held
    expect(sink.writeCalls).toBe(1);
    expect(w.buffered).toBe(4 + 1 + 10);
    expect(w.bytesOut).toBe(18);
    await ticks();
    expect(flushed.state).toBe("pending");

    // Each release drains the sink; the next held chunk then fills it again.
    sink.release();
    await ticks();
    expect(sink.strings).toEqual(["abc", "defg"]);
    expect(w.buffered).toBe(11);
    expect(flushed.state).toBe("pending");
    sink.release();
    await ticks();
    sink.release();
    await ticks();
    expect(sink.strings).toEqual(["abc", "defg", "h", "0123456789"]);
    expect(w.buffered).toBe(0);
    // flush waits for the drain of everything it handed on.
    expect(flushed.state).toBe("pending");
    sink.release();
    await ticks();
    expect(flushed.state).toBe("fulfilled");
  });

  it("resolves flush at once when the sink did not ask to slow down, even with writes in progress", async () => {
    const sink = new ManualSink(1024);
    const w = new ProtWriter(sink);
    w.write("hello");
    await w.flush();
    expect(sink.pending).toBe(1);
    expect(sink.strings).toEqual(["hello"]);
    sink.release();
  });

  it("rejects a flush waiting for 'drain' when the sink is destroyed, dropping held chunks", async () => {
    const sink = new ManualSink(4);
    const w = new ProtWriter(sink, { name: "out" });
    w.write("hello");
    const first = track(w.flush());
    w.write("world");
    const second = track(w.flush());
    await ticks();
    sink.destroy();
    await ticks();
    expect(first.state).toBe("rejected");
    expect(second.state).toBe("rejected");
    expect(first.value).toBeInstanceOf(ProtWriteError);
    expect((first.value as Error).message).toContain("out");
    expect(sink.strings).toEqual(["hello"]);
    expect(w.error).toMatch(/^out: /);
  });

  it("rejects a waiting flush with the sink's error when a write fails", async () => {
    const sink = new ManualSink(4);
    const w = new ProtWriter(sink, { name: "out" });
    w.write("hello");
    const flushed = track(w.flush());
    await ticks();
    sink.release(new Error("disk full"));
    await ticks();
    expect(flushed.state).toBe("rejected");
    expect(flushed.value).toBeInstanceOf(ProtWriteError);
    expect((flushed.value as Error).message).toContain("out");
    expect((flushed.value as Error).message).toContain("disk full");
    expect(() => w.write("x")).toThrow(ProtWriteError);
  });

  // A sink with autoDestroy: false that fails a write emits 'error' but
  // neither 'drain' nor 'close': a flush waiting for the drain must settle on
  // the error too.
  it("rejects a waiting flush when a sink without autoDestroy fails a write", async () => {
    const sink = new ManualSink(4, false);
    const w = new ProtWriter(sink, { name: "out" });
    w.write("hello");
    const flushed = track(w.flush());
    await ticks();
    sink.release(new Error("disk full"));
    await ticks(10);
    expect(w.error).toContain("disk full");
    expect(flushed.state).toBe("rejected");
    expect(flushed.value).toBeInstanceOf(ProtWriteError);
  });
});

describe("ProtWriter: a closed or failed sink", () => {
  it("throws a ProtWriteError naming the writer on a write after the sink was destroyed", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { name: "out" });
    w.write("buffered");
    sink.destroy();
    let err: unknown;
    try {
      w.write("x");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtWriteError);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe("ProtWriteError");
    expect((err as Error).message).toBe("out: the sink is closed");
    expect(w.error).toBe("out: the sink is closed");
    await expect(w.flush()).rejects.toThrow(ProtWriteError);
    await expect(w.flush()).rejects.toThrow("out: the sink is closed");
    expect(sink.chunks).toHaveLength(0);
  });

  it("throws a ProtWriteError naming the writer on a write after the sink was ended", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { name: "out" });
    sink.end();
    expect(() => w.write("x")).toThrow(ProtWriteError);
    expect(() => w.write("x")).toThrow(/^out: /);
    await expect(w.flush()).rejects.toBeInstanceOf(ProtWriteError);
  });

  it("rejects flush when the sink was ended after data was buffered", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { name: "out" });
    w.write("late");
    sink.end();
    await expect(w.flush()).rejects.toThrow(/out/);
    expect(sink.chunks).toHaveLength(0);
  });

  it("uses the default name in messages", () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    sink.destroy();
    expect(() => w.write("x")).toThrow(/^ProtWriter: /);
  });

  it("reports the sink's error", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { name: "out" });
    sink.destroy(new Error("connection reset"));
    await ticks();
    expect(w.error).toBe("out: the sink failed: connection reset");
    expect(() => w.write("x")).toThrow("out: the sink failed: connection reset");
    await expect(w.flush()).rejects.toThrow("connection reset");
  });

  it("fails the print helpers and printf alike", () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { name: "out" });
    sink.destroy();
    expect(() => w.printf("%d", 1)).toThrow(ProtWriteError);
    expect(() => w.printString("a")).toThrow(ProtWriteError);
    expect(() => w.printAstring("a")).toThrow(ProtWriteError);
    expect(() => w.printMap(null)).toThrow(ProtWriteError);
    expect(() => w.printAmap(Uint8Array.of(0x61))).toThrow(ProtWriteError);
    expect(() => w.printLiteral("a")).toThrow(ProtWriteError);
  });

  it("turns a sink whose write() throws into a failed writer", async () => {
    const sink = new Collector();
    Object.defineProperty(sink, "write", {
      value: (): boolean => {
        throw new Error("EPIPE");
      },
    });
    const w = new ProtWriter(sink, { name: "out" });
    w.write("x");
    await expect(w.flush()).rejects.toThrow("out: the sink failed: EPIPE");
    expect(() => w.write("y")).toThrow(ProtWriteError);
  });
});

/** Reads `n` bytes from `socket`. */
async function receive(socket: net.Socket, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk = socket.read() as Buffer | null;
    if (chunk === null) {
      await once(socket, "readable");
      continue;
    }
    chunks.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(chunks);
}

/** Reply `i`: `size` bytes, each telling `i` apart from its neighbours. */
const reply = (i: number, size: number): Buffer => Buffer.alloc(size, `${i % 10}`);

describe("ProtWriter: the buffer of a reply handed to a socket", () => {
  const loopbackPairs = loopback();

  it("is not reused while the reply waits in the socket (corked), by this writer or another", async () => {
    const [a, b] = (await loopbackPairs(2)) as [LoopbackPair, LoopbackPair];
    const w = new ProtWriter(a.server);
    const other = new ProtWriter(b.server);
    a.server.cork();
    w.write("A".repeat(100));
    await w.flush();
    expect(a.server.writableLength).toBe(100);
    // Were the first reply's buffer reused, these would be written over it while it waits.
    w.write("B".repeat(100));
    await w.flush();
    other.write("C".repeat(100));
    await other.flush();
    a.server.uncork();
    expect((await receive(a.client, 200)).toString()).toBe("A".repeat(100) + "B".repeat(100));
    expect((await receive(b.client, 100)).toString()).toBe("C".repeat(100));
  });

  it("is not reused while the kernel has not taken the reply (a peer that does not read yet)", async () => {
    const [{ client, server }] = (await loopbackPairs(1)) as [LoopbackPair];
    const w = new ProtWriter(server, { highWaterMark: 64 * 1024 * 1024, maxBuffered: 64 * 1024 * 1024 });
    const size = 4096;
    // Replies until the socket holds some it could not hand to the kernel at once, then more.
    let n = 0;
    for (let after = 0; after < 64; n++) {
      w.write(reply(n, size));
      if (server.writableLength > 0) after++;
      expect(n).toBeLessThan(16 * 1024);
    }
    const flushed = w.flush();
    const got = await receive(client, n * size);
    await flushed;
    for (let i = 0; i < n; i++) expect(got.subarray(i * size, (i + 1) * size).equals(reply(i, size)), `reply ${i} of ${n}`).toBe(true);
  });

  it("is not reused when the sink is not a socket: a PassThrough hands that very chunk to its reader", async () => {
    const sink = new PassThrough();
    const w = new ProtWriter(sink);
    w.write("first");
    await w.flush();
    w.write("again");
    await w.flush();
    const chunks: Buffer[] = [];
    for (let c = sink.read() as Buffer | null; c !== null; c = sink.read() as Buffer | null) chunks.push(c);
    expect(Buffer.concat(chunks).toString()).toBe("firstagain");
  });

  it("serves the next reply once the socket has sent it: replies and flushes allocate no new buffer each", async () => {
    const [{ client, server }] = (await loopbackPairs(1)) as [LoopbackPair];
    const w = new ProtWriter(server, { bufferSize: 3000 });
    const alloc = vi.spyOn(Buffer, "allocUnsafe");
    try {
      for (let i = 0; i < 100; i++) {
        w.write(`a${i} OK done\r\n`);
        await w.flush();
      }
      expect(alloc.mock.calls.filter(([size]) => size === 3000).length).toBeLessThanOrEqual(1);
    } finally {
      alloc.mockRestore();
    }
    const expected = Array.from({ length: 100 }, (_, i) => `a${i} OK done\r\n`).join("");
    expect((await receive(client, expected.length)).toString()).toBe(expected);
  });
});

describe("ProtWriter.close", () => {
  it("flushes, then ends the sink", async () => {
    const sink = new Collector();
    const finished = new Promise<void>((resolve) => sink.on("finish", resolve));
    const w = new ProtWriter(sink, { name: "out" });
    w.write("* BYE\r\n");
    await w.close();
    await finished;
    expect(sink.strings).toEqual(["* BYE\r\n"]);
    expect(sink.writableEnded).toBe(true);
  });

  it("makes later writes and flushes fail with a ProtWriteError", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { name: "out" });
    await w.close();
    expect(w.error).toMatch(/^out: /);
    expect(() => w.write("x")).toThrow(ProtWriteError);
    expect(() => w.write("x")).toThrow(/^out: /);
    await expect(w.flush()).rejects.toBeInstanceOf(ProtWriteError);
  });

  it("does nothing when called twice", async () => {
    const sink = new Collector();
    let finishes = 0;
    sink.on("finish", () => finishes++);
    const errors: Error[] = [];
    sink.on("error", (e: Error) => errors.push(e));
    const w = new ProtWriter(sink);
    w.write("a");
    await w.close();
    await w.close();
    await ticks();
    expect(finishes).toBe(1);
    expect(errors).toEqual([]);
    expect(sink.strings).toEqual(["a"]);
  });

  it("leaves the sink open with endOnClose false", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { endOnClose: false });
    w.write("a");
    await w.close();
    expect(sink.strings).toEqual(["a"]);
    expect(sink.writableEnded).toBe(false);
    expect(() => w.write("b")).toThrow(ProtWriteError);
    sink.write("other");
    await ticks();
    expect(sink.strings).toEqual(["a", "other"]);
  });

  it("ends the sink only after it drained", async () => {
    const sink = new ManualSink(4);
    const w = new ProtWriter(sink);
    w.write("hello");
    const closed = track(w.close());
    await ticks();
    expect(closed.state).toBe("pending");
    expect(sink.writableEnded).toBe(false);
    sink.release();
    await ticks();
    expect(closed.state).toBe("fulfilled");
    expect(sink.writableEnded).toBe(true);
    expect(sink.strings).toEqual(["hello"]);
  });
});

describe("cyrus facade: write side", () => {
  it("prot_new(sink, 1) makes a ProtWriter with the given options", () => {
    const w = prot_new(new Collector(), 1, { name: "out", bufferSize: 16 });
    expect(w).toBeInstanceOf(ProtWriter);
    expect(w.name).toBe("out");
  });

  it("returns 0 from every write function and writes the exact bytes", async () => {
    const sink = new Collector();
    const w = prot_new(sink, 1, { name: "out" });
    expect(prot_write(w, "abc")).toBe(0);
    expect(prot_write(w, "defgh", 2)).toBe(0);
    expect(prot_write(w, Uint8Array.of(0x00, 0xff, 0x31), 3)).toBe(0);
    expect(prot_write(w, Uint8Array.of(0x32, 0x33, 0x34), 1)).toBe(0);
    expect(prot_puts(w, "|puts|")).toBe(0);
    expect(prot_putc(0x41, w)).toBe(0);
    expect(prot_putc(0x1ff, w)).toBe(0); // as C's (unsigned char)
    expect(prot_printf(w, "%s %03d\r\n", "T1", 7)).toBe(0);
    expect(prot_printliteral(w, "lit")).toBe(0);
    expect(prot_printstring(w, "s")).toBe(0);
    expect(prot_printastring(w, "a")).toBe(0);
    expect(prot_printmap(w, Uint8Array.of(0x6d), 1)).toBe(0);
    expect(prot_printamap(w, null, 0)).toBe(0);
    expect(sink.chunks).toHaveLength(0);
    await expect(prot_flush(w)).resolves.toBe(0);
    const want = Buffer.concat([latin1("abcde"), Buffer.from([0x00, 0xff, 0x31, 0x32]), latin1("|puts|A"), Buffer.from([0xff]), latin1('T1 007\r\n{3}\r\nlit"s"a"m"NIL')]);
    expect(sink.bytes).toEqual(want);
    expect(prot_bytes_out(w)).toBe(want.length);
    expect(prot_error(w)).toBeNull();
  });

  it("returns EOF from every write function after the sink was closed", async () => {
    const sink = new Collector();
    const w = prot_new(sink, 1, { name: "out" });
    expect(prot_puts(w, "pending")).toBe(0);
    sink.destroy();
    expect(prot_write(w, "x")).toBe(EOF);
    expect(prot_write(w, Uint8Array.of(1), 1)).toBe(EOF);
    expect(prot_puts(w, "x")).toBe(EOF);
    expect(prot_putc(0x41, w)).toBe(EOF);
    expect(prot_printf(w, "%d", 1)).toBe(EOF);
    expect(prot_printliteral(w, "x")).toBe(EOF);
    expect(prot_printstring(w, "x")).toBe(EOF);
    expect(prot_printastring(w, "x")).toBe(EOF);
    expect(prot_printmap(w, Uint8Array.of(1))).toBe(EOF);
    expect(prot_printamap(w, Uint8Array.of(1))).toBe(EOF);
    await expect(prot_flush(w)).resolves.toBe(EOF);
    expect(EOF).toBe(-1);
    expect(prot_error(w)).toBe("out: the sink is closed");
    expect(prot_bytes_out(w)).toBe(7);
  });

  it("returns EOF after the sink was ended", async () => {
    const sink = new Collector();
    const w = prot_new(sink, 1);
    sink.end();
    expect(prot_puts(w, "x")).toBe(EOF);
    await expect(prot_flush(w)).resolves.toBe(EOF);
  });

  it("prot_free flushes and ends the sink, then writes return EOF", async () => {
    const sink = new Collector();
    const w = prot_new(sink, 1);
    prot_puts(w, "bye");
    await expect(prot_free(w)).resolves.toBe(0);
    expect(sink.strings).toEqual(["bye"]);
    expect(sink.writableEnded).toBe(true);
    expect(prot_puts(w, "x")).toBe(EOF);
    await expect(prot_flush(w)).resolves.toBe(EOF);
  });

  it("prot_flush resolves 0 only after the sink drained", async () => {
    const sink = new ManualSink(2);
    const w = prot_new(sink, 1);
    prot_puts(w, "abc");
    const flushed = track(prot_flush(w));
    await ticks();
    expect(flushed.state).toBe("pending");
    sink.release();
    await ticks();
    expect(flushed.state).toBe("fulfilled");
    expect(flushed.value).toBe(0);
  });
});

describe("C facade writes and edge cases", () => {
  it("counts prot_write's length in bytes for a string", async () => {
    const sink = new Collector();
    const w = prot_new(sink, 1);
    expect(prot_write(w, "\u00e9t\u00e9", 3)).toBe(0);
    await w.flush();
    expect(sink.bytes).toEqual(Buffer.from([0xc3, 0xa9, 0x74]));
  });

  it("offers only encodings that keep ASCII punctuation as it is", () => {
    expect(() => new ProtWriter(new Collector(), { encoding: "hex" as "utf8" })).toThrow(/encoding must be utf8, latin1 or ascii, got hex/);
  });

  it("rejects close, and prot_free returns EOF, when buffered bytes could not be delivered", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink, { name: "out" });
    w.write("pending");
    sink.destroy();
    await tick();
    await expect(w.close()).rejects.toThrow(/out: the sink is closed; 7 buffered bytes were not delivered/);
    const sink2 = new Collector();
    const w2 = prot_new(sink2, 1);
    w2.write("x");
    sink2.destroy();
    await tick();
    expect(await prot_free(w2)).toBe(-1);
  });
});
