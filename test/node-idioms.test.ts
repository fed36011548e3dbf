// What a Node server built on the reference needs beyond the C contract:
// message boundaries for writers, exact reads, STARTTLS in place, for await
// over lines, AbortSignal on waiting reads, reads typed without WOULD_BLOCK,
// the read timeout while a command is in flight, and drift-free rescheduling.
import { once } from "node:events";
import net from "node:net";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { LineTooLongError, ProtStream, ProtWriter, ScriptedSource, VirtualClock, WOULD_BLOCK, protSocket, type ReadResult } from "prot-events";
import { scripted } from "./helpers.js";
import { throwawayCert } from "./tls-cert.js";

function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  return { out, text: () => Buffer.concat(chunks).toString("latin1") };
}

describe("ProtWriter message boundaries", () => {
  it("holds what writeBetween is given while a message is open, and writes it after the message", async () => {
    const { out, text } = sink();
    const w = new ProtWriter(out, { bufferSize: 16 });
    w.writeBetween("* one\r\n");
    w.beginMessage().write("* 1 FETCH (BODY[] {10}\r\n01234");
    expect(w.inMessage).toBe(true);
    w.writeBetween("* OK Still here\r\n").writeBetween("* two\r\n");
    await w.flush();
    w.write("56789)\r\n").endMessage();
    w.writeBetween("* three\r\n");
    await w.flush();
    expect(text()).toBe("* one\r\n* 1 FETCH (BODY[] {10}\r\n0123456789)\r\n* OK Still here\r\n* two\r\n* three\r\n");
    expect(w.inMessage).toBe(false);
  });

  it("names the mistake: a message opened twice, or ended without being opened", () => {
    const w = new ProtWriter(new PassThrough(), { name: "client" });
    expect(() => w.endMessage()).toThrow("client.endMessage: no message is open");
    w.beginMessage();
    expect(() => w.beginMessage()).toThrow("client.beginMessage: a message is already open");
  });

  it("a wait event writing between messages never lands inside one that another task relays while the stream waits", async () => {
    // The relay writes a literal in pieces, waiting for more of it; meanwhile
    // the client stream waits and its keep-alive fires every tick.
    const clock = new VirtualClock();
    const { out, text } = sink();
    const w = new ProtWriter(out);
    const client = new ProtStream(new ScriptedSource(clock, [{ at: 100, data: "a LOGOUT\r\n" }]), { clock });
    client.setFlushOnRead(w);
    client.addWaitEvent(
      1,
      (_s, ev) => {
        w.writeBetween("* OK Still here\r\n");
        ev.mark += 1;
        return ev;
      },
      null,
    );
    const relay = (async () => {
      w.beginMessage().write("* 1 FETCH (BODY[] {40}\r\n");
      for (let i = 0; i < 4; i++) {
        await clock.advance(7);
        w.write("x".repeat(10));
        await w.flush();
      }
      w.write(")\r\n").endMessage();
    })();
    const command = client.readLine();
    await relay;
    await clock.advanceTo(100);
    expect(await command).toBe("a LOGOUT");
    await w.flush();
    const got = text();
    expect(got).toContain(`* 1 FETCH (BODY[] {40}\r\n${"x".repeat(40)})\r\n`);
    expect(got.split("* OK Still here\r\n").length - 1).toBe(99);
  });
});

describe("ProtStream.readExactly", () => {
  it("waits until n bytes are there, across chunks and past the high-water mark", async () => {
    const big = Buffer.alloc(200_000, 0x61);
    const { clock, s } = scripted(
      [
        { at: 1, data: "abc" },
        { at: 2, data: "defg" },
        { at: 3, data: big },
      ],
      undefined,
      { highWaterMark: 1024 },
    );
    const seven = s.readExactly(7);
    await clock.advanceTo(3);
    expect((await seven)?.toString()).toBe("abcdefg");
    const rest = await s.readExactly(200_000);
    expect(Buffer.isBuffer(rest) && rest.equals(big)).toBe(true);
    expect(s.bytesIn).toBe(200_007);
  });

  it("returns null when the input ends first, leaving what came readable", async () => {
    const { clock, s } = scripted([{ at: 1, data: "abc" }], { at: 2 });
    const got = s.readExactly(10);
    await clock.advanceTo(2);
    expect(await got).toBeNull();
    expect(s.buffered).toBe(3);
    expect((await s.read(10))?.toString()).toBe("abc");
  });

  it("rejects a count that is not a positive integer, naming it", async () => {
    const { s } = scripted([]);
    await expect(s.readExactly(0)).rejects.toThrow("readExactly: n must be a positive integer, got 0");
    await expect(s.readExactly(1.5)).rejects.toThrow(RangeError);
  });
});

describe("for await over lines", () => {
  it("yields each line until the input ends", async () => {
    const { clock, s } = scripted(
      [
        { at: 1, data: "a\r\nb\n" },
        { at: 5, data: "c" },
      ],
      { at: 6 },
    );
    const lines: string[] = [];
    const done = (async () => {
      for await (const line of s) lines.push(`${s.clock.now()} ${line}`);
    })();
    await clock.advanceTo(6);
    await done;
    expect(lines).toEqual(["1 a", "1 b", "6 c"]);
    expect(s.error).toBe("end of file reached");
  });

  it("throws a line that is too long out of the loop, and refuses a non-blocking stream", async () => {
    const long = scripted([{ at: 1, data: "0123456789\r\n" }], undefined, { maxLine: 4 });
    const loop = expect(
      (async () => {
        for await (const line of long.s) void line;
      })(),
    ).rejects.toBeInstanceOf(LineTooLongError);
    await long.clock.advanceTo(1);
    await loop;
    const nb = scripted([], undefined, { nonBlocking: true });
    await expect(
      (async () => {
        for await (const line of nb.s) void line;
      })(),
    ).rejects.toThrow("a non-blocking stream cannot be iterated");
  });
});

describe("AbortSignal on waiting reads", () => {
  it("cancels a waiting read with the signal's reason; nothing is consumed and the stream goes on", async () => {
    const { clock, s } = scripted([{ at: 10, data: "hello\r\n" }], undefined, { timeout: 100 });
    const fired: number[] = [];
    s.addWaitEvent(
      3,
      (st, ev) => {
        fired.push(st.clock.now());
        ev.mark += 3;
        return ev;
      },
      null,
    );
    const controller = new AbortController();
    const read = s.readLine({ signal: controller.signal });
    await clock.advanceTo(5);
    controller.abort(new Error("shutting down"));
    await expect(read).rejects.toThrow("shutting down");
    expect(s.error).toBeNull();
    // The stream sleeps no longer: time passes with no read, and no event runs.
    await clock.advanceTo(9);
    expect(fired).toEqual([3]);
    const next = s.readLine();
    await clock.advanceTo(10);
    expect(await next).toBe("hello");
    expect(fired).toEqual([3, 9]);
  });

  it("rejects at once with a signal aborted already, and ignores an abort after the read settled", async () => {
    const { clock, s } = scripted([{ at: 1, data: "x\r\ny\r\n" }]);
    await expect(s.readLine({ signal: AbortSignal.abort(new Error("too late")) })).rejects.toThrow("too late");
    const controller = new AbortController();
    const first = s.readLine({ signal: controller.signal });
    await clock.advanceTo(1);
    expect(await first).toBe("x");
    controller.abort();
    await clock.advanceTo(2);
    expect(await s.readLine()).toBe("y");
  });
});

describe("blockingOnly: reads typed without WOULD_BLOCK", () => {
  it("types a protSocket's reads as T | null, and refuses to make such a stream non-blocking", async () => {
    const [a, b] = await socketPair();
    const conn = protSocket(a);
    b.write("hi\r\n");
    const line: string | null = await conn.input.readLine();
    expect(line).toBe("hi");
    expect(() => {
      conn.input.nonBlocking = true;
    }).toThrow("cannot be non-blocking");
    expect(() => new ProtStream(new PassThrough(), { blockingOnly: true, nonBlocking: true })).toThrow(RangeError);
    // A stream that may be non-blocking keeps WOULD_BLOCK in its type.
    const nb = new ProtStream(new PassThrough(), { nonBlocking: true });
    // @ts-expect-error the result may be WOULD_BLOCK
    const maybe: string | null = await nb.readLine();
    expect(maybe).toBe(WOULD_BLOCK);
    const typed: ReadResult<string> = maybe;
    void typed;
    nb.close();
    await conn.close();
    b.destroy();
  });
});

describe("the read timeout while a command is in flight", () => {
  // A command arrives at 0 and its reply is ready at 250 (a backend's long
  // FETCH); the read timeout is 100. The timeout runs from the last input,
  // so a server that reads the next command while the first is in flight
  // (a pipelining proxy) must stop it while commands are in flight and start
  // it again from the last reply.
  async function serve(pattern: boolean): Promise<string> {
    const clock = new VirtualClock();
    const s = new ProtStream(
      new ScriptedSource(clock, [
        { at: 0, data: "a FETCH\r\n" },
        { at: 300, data: "b NOOP\r\n" },
      ]),
      { clock, timeout: 100 },
    );
    const first = s.readLine();
    await clock.advanceTo(0);
    expect(await first).toBe("a FETCH");
    if (pattern) s.setTimeout(0);
    clock.schedule(250, () => {
      if (pattern) s.setTimeout(100);
    });
    const next = s.readLine();
    await clock.advanceTo(400);
    const got = await next;
    return typeof got === "string" ? `${clock.now()} ${got}` : `${s.error}`;
  }

  it("fails the client during a long command unless the timeout is suspended while it is in flight", async () => {
    expect(await serve(false)).toBe("idle for too long");
    expect(await serve(true)).toBe("400 b NOOP");
  });
});

describe("drift-free rescheduling", () => {
  // A ping every 10 ticks on a server that is busy (not waiting) for 3 ticks
  // whenever a command comes, here at 9, 24, 39, ...: a ping due while the
  // server is busy fires when it waits again, late.
  async function pings(form: "now" | "mark"): Promise<number[]> {
    const clock = new VirtualClock();
    const arrivals = Array.from({ length: 7 }, (_, i) => ({ at: 15 * i + 9, data: "c\r\n" }));
    const s = new ProtStream(new ScriptedSource(clock, arrivals, { at: 105 }), { clock });
    const fired: number[] = [];
    s.addWaitEvent(
      10,
      (st, ev) => {
        fired.push(st.clock.now());
        ev.mark = form === "now" ? st.clock.now() + 10 : ev.mark + 10;
        return ev;
      },
      null,
    );
    const run = (async () => {
      for (;;) {
        const line = await s.readLine();
        if (typeof line !== "string") return;
        await new Promise<void>((resolve) => clock.schedule(clock.now() + 3, resolve));
      }
    })();
    await clock.advanceTo(106);
    await run;
    return fired;
  }

  it("`ev.mark = now + N` carries each firing's lateness into every later one; `ev.mark += N` keeps the schedule", async () => {
    expect(await pings("now")).toEqual([12, 22, 32, 42, 52, 62, 72, 82, 92, 102]);
    expect(await pings("mark")).toEqual([12, 20, 30, 42, 50, 60, 72, 80, 90, 102]);
  });
});

describe("STARTTLS in place: ProtConnection.startTls", () => {
  it("upgrades both ends, keeping events, timeout and counters; no listener of the streams stays on the plain socket", async () => {
    const { key, cert } = await throwawayCert();
    const [a, b] = await socketPair();
    const server = protSocket(a);
    const client = protSocket(b);
    server.input.setTimeout(60_000);
    const ev = server.input.addWaitEvent(Infinity, (_s, e) => e, null);
    client.output.write("t STARTTLS\r\n");
    await client.output.flush();
    expect(await server.input.readLine()).toBe("t STARTTLS");
    server.output.write("t OK Begin TLS\r\n");
    const serverUp = server.startTls({ key, cert });
    expect(await client.input.readLine()).toBe("t OK Begin TLS");
    const clientUp = client.startTls({ isServer: false, rejectUnauthorized: false });
    const [secureServer] = await Promise.all([serverUp, clientUp]);
    expect(secureServer.encrypted).toBe(true);
    expect(a.listenerCount("data")).toBe(0);
    await client.output.write("l LOGIN secret\r\n").flush();
    expect(await server.input.readLine()).toBe("l LOGIN secret");
    expect(server.input.bytesIn).toBe("t STARTTLS\r\nl LOGIN secret\r\n".length);
    expect(server.input.waitEvents).toEqual([ev]);
    expect(server.input.readTimeout).toBe(60_000);
    await server.output.write("l OK\r\n").flush();
    expect(await client.input.readLine()).toBe("l OK");
    await expect(server.startTls()).rejects.toThrow("already upgraded");
    await client.close();
    await server.close();
  });

  it("refuses while input is buffered: plain text after STARTTLS must not pass for protected input", async () => {
    const [a, b] = await socketPair();
    const server = protSocket(a);
    b.write("t STARTTLS\r\nx INJECTED\r\n");
    expect(await server.input.readLine()).toBe("t STARTTLS");
    await expect(server.startTls()).rejects.toThrow("startTls: refused, 12 bytes of input are buffered");
    // Nothing changed: the stream still reads the plain socket.
    expect(await server.input.readLine()).toBe("x INJECTED");
    await server.close();
    b.destroy();
  });

  it("switchSource refuses a stream with input buffered, a read waiting, or its input over", async () => {
    const clock = new VirtualClock();
    const s = new ProtStream(new ScriptedSource(clock, [{ at: 0, data: "ab" }], { at: 1 }), { clock, name: "in" });
    await clock.advanceTo(0);
    expect(() => s.switchSource(new PassThrough())).toThrow("in.switchSource: refused, 2 bytes of input are buffered from the old source");
    await s.read(2);
    const waiting = s.readLine();
    expect(() => s.switchSource(new PassThrough())).toThrow("a read is waiting");
    await clock.advanceTo(1);
    expect(await waiting).toBeNull();
    expect(() => s.switchSource(new PassThrough())).toThrow("the stream is over");
  });
});

async function socketPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const accepted = once(server, "connection");
  const b = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  const [a] = (await accepted) as [net.Socket];
  await once(b, "connect").catch(() => {});
  server.close();
  return [a, b];
}
