import { afterEach, describe, expect, it } from "vitest";
import net from "node:net";
import { once } from "node:events";
import { ProtStream, VirtualClock, protSocket, type ProtConnection } from "prot-events";

/** A loopback server handing each accepted socket to `onConn`; closed after each test. */
const servers: net.Server[] = [];
async function listen(onConn: (sock: net.Socket) => void): Promise<number> {
  const server = net.createServer(onConn);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as net.AddressInfo).port;
}
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function connect(port: number): Promise<net.Socket> {
  const sock = net.connect(port, "127.0.0.1");
  await once(sock, "connect");
  return sock;
}

/** Accepts one connection and returns its server side. */
async function pair(): Promise<{ client: net.Socket; server: net.Socket }> {
  let accept: (s: net.Socket) => void = () => {};
  const accepted = new Promise<net.Socket>((r) => (accept = r));
  const port = await listen((s) => accept(s));
  const client = await connect(port);
  return { client, server: await accepted };
}

/** Writes one piece, waiting until the peer has surely been given a separate chunk. */
async function send(sock: net.Socket, data: string | Uint8Array): Promise<void> {
  await new Promise<void>((r, j) => sock.write(data, (e) => (e ? j(e) : r())));
}

describe("over real loopback sockets", () => {
  it("joins lines split across TCP chunks", async () => {
    const { client, server } = await pair();
    const s = new ProtStream(server);
    const pieces = ["a001 LOG", "IN joe", " secret\r", "\na002 ", "NOOP\r\n"];
    const reading = (async () => [await s.readLine(), await s.readLine()])();
    for (const p of pieces) await send(client, p);
    expect(await reading).toEqual(["a001 LOGIN joe secret", "a002 NOOP"]);
    client.end();
    expect(await s.readLine()).toBeNull();
    expect(s.error).toBe("end of file reached");
    s.close();
  });

  it("reads a line longer than the socket's chunks and the buffer's high-water mark", async () => {
    const { client, server } = await pair();
    const s = new ProtStream(server, { highWaterMark: 1024, maxLine: 1 << 20 });
    const long = "x".repeat(300_000);
    const reading = s.readLine();
    client.write(`${long}\r\nnext\n`);
    expect(await reading).toBe(long);
    expect(await s.readLine()).toBe("next");
    s.close();
    client.destroy();
  });

  it("returns the unterminated tail when the peer closes mid-line", async () => {
    const { client, server } = await pair();
    const s = new ProtStream(server);
    await send(client, "whole\nhalf a li");
    client.end();
    expect(await s.readLine()).toBe("whole");
    expect(await s.readLine()).toBe("half a li");
    expect(await s.readLine()).toBeNull();
    expect(s.eof).toBe(true);
    s.close();
  });

  it("carries every byte value unchanged", async () => {
    const { client, server } = await pair();
    const s = new ProtStream(server, { encoding: "latin1" });
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    client.end(all);
    const got: number[] = [];
    for (;;) {
      const c = await s.getc();
      if (typeof c !== "number") break;
      got.push(c);
    }
    expect(Buffer.from(got)).toEqual(all);
    expect(s.bytesIn).toBe(256);
    s.close();
  });

  it("fails an idle real socket at its read timeout, on a virtual clock", async () => {
    const { client, server } = await pair();
    const clock = new VirtualClock();
    const s = new ProtStream(server, { clock, timeout: 60 });
    const reading = s.readLine();
    await clock.advanceTo(59);
    expect(s.error).toBeNull();
    await clock.advanceTo(60);
    expect(await reading).toBeNull();
    expect(s.error).toBe("idle for too long");
    s.close();
    client.destroy();
  });

  it("fires events while a real socket waits, then returns its input", async () => {
    const { client, server } = await pair();
    const clock = new VirtualClock();
    const conn = protSocket(server, { input: { clock } });
    const pings: number[] = [];
    conn.input.addWaitEvent(
      10,
      (st, ev) => {
        pings.push(st.clock.now());
        conn.output.write("* OK still here\r\n");
        ev.mark = st.clock.now() + 10;
        return ev;
      },
      null,
    );
    const reading = conn.input.readLine();
    await clock.advanceTo(35);
    expect(pings).toEqual([10, 20, 30]);
    client.setEncoding("latin1");
    let heard = "";
    client.on("data", (d: string) => (heard += d));
    client.write("a1 NOOP\r\n");
    expect(await reading).toBe("a1 NOOP");
    await conn.output.flush();
    await conn.close();
    await once(client, "close");
    expect(heard).toBe("* OK still here\r\n".repeat(3));
  });

  it("closes by a close() taken off the connection, as the README's example does, or off a copy", async () => {
    const { client, server } = await pair();
    const conn = protSocket(server);
    const { input, output, close, startTls } = conn;
    expect(conn.close).toBe(close);
    expect(conn.startTls).toBe(startTls);
    expect(Object.keys(conn)).toEqual(["input", "output", "close", "startTls"]);
    expect({ ...conn }).toEqual({ input, output, close, startTls });
    output.write("* BYE\r\n");
    client.setEncoding("latin1");
    let heard = "";
    client.on("data", (d: string) => (heard += d));
    await close();
    await once(client, "close");
    expect(heard).toBe("* BYE\r\n");
    expect(input.closed).toBe(true);
    expect(server.destroyed).toBe(true);
    // Called without its connection, it still knows it: the writer is what refuses.
    await expect(startTls()).rejects.toThrow("ProtWriter: the sink is closed");
  });

  it("makes the writer when first used, pairs it then, and not after the pairing was set meanwhile", async () => {
    const { client, server } = await pair();
    const clock = new VirtualClock();
    const conn = protSocket(server, { input: { clock } });
    client.setEncoding("latin1");
    let heard = "";
    client.on("data", (d: string) => (heard += d));
    // Made at the first use, once: the same writer each time after.
    expect(conn.output).toBe(conn.output);
    conn.output.write("* OK ready\r\n");
    const reading = conn.input.readLine();
    // Flushed by the read that waits, as the pairing says.
    while (heard === "") await once(client, "data");
    expect(heard).toBe("* OK ready\r\n");
    client.write("a1 NOOP\r\n");
    expect(await reading).toBe("a1 NOOP");
    await conn.close();

    const second = await pair();
    const unpaired = protSocket(second.server, { input: { clock } });
    unpaired.input.setFlushOnRead(null);
    unpaired.output.write("* held\r\n");
    const waiting = unpaired.input.readLine();
    await clock.advanceTo(10);
    expect(unpaired.output.buffered).toBe(8);
    second.client.write("a2 NOOP\r\n");
    expect(await waiting).toBe("a2 NOOP");
    expect(unpaired.output.buffered).toBe(8);
    await unpaired.close();
  });

  it("closes a connection that never wrote, and checks the writer's options when the connection is made", async () => {
    const { client, server } = await pair();
    expect(() => protSocket(server, { output: { bufferSize: 0 } })).toThrow("ProtWriter: bufferSize must be a positive integer, got 0");
    expect(() => protSocket(server, { closeGrace: -1 })).toThrow("protSocket: closeGrace must be a number of ticks >= 0, got -1");
    // Neither refused connection left a reader on the socket.
    expect(server.listenerCount("data")).toBe(0);
    const conn = protSocket(server);
    await conn.close();
    await once(client, "close");
    expect(server.destroyed).toBe(true);
    expect(conn.output.error).toBe("ProtWriter: the sink is closed");
  });

  it("holds 1,000 concurrent sockets, each reaped by its own idle event", async () => {
    const N = 1000;
    const clock = new VirtualClock();
    const conns: ProtConnection[] = [];
    const served: Promise<string>[] = [];
    let allAccepted: () => void = () => {};
    const accepted = new Promise<void>((r) => (allAccepted = r));
    const port = await listen((sock) => {
      const conn = protSocket(sock, { input: { clock } });
      conns.push(conn);
      const idx = conns.length;
      conn.input.addWaitEvent(
        100 + (idx % 10),
        (st, ev) => {
          conn.output.write(`* BYE idle ${idx}\r\n`);
          st.removeWaitEvent(ev);
          void conn.close();
          return null;
        },
        null,
      );
      served.push(
        (async () => {
          const line = await conn.input.readLine();
          return `${String(line)} ${conn.input.error}`;
        })(),
      );
      if (conns.length === N) allAccepted();
    });
    const clients = await Promise.all(Array.from({ length: N }, () => connect(port)));
    await accepted;
    const byes = clients.map(async (c) => {
      let text = "";
      c.setEncoding("latin1");
      c.on("data", (d: string) => (text += d));
      await once(c, "close");
      return text;
    });
    await clock.advanceTo(99);
    expect(conns.every((c) => !c.input.closed)).toBe(true);
    await clock.advanceTo(110);
    const results = await Promise.all(served);
    expect(results.every((r) => r === "null stream closed")).toBe(true);
    const texts = await Promise.all(byes);
    expect(texts.every((t) => /^\* BYE idle \d+\r\n$/.test(t))).toBe(true);
    expect(new Set(texts).size).toBe(N);
  });
});
