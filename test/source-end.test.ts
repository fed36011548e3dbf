import { afterEach, describe, expect, it } from "vitest";
import net from "node:net";
import { once } from "node:events";
import { PassThrough } from "node:stream";
import { ProtGroup, ProtStream, VirtualClock, protSocket, select } from "prot-events";

// A socket's source hears its 'end' through the one 'end' listener Node
// gives every socket (see listenForEnd in src/source.ts). These peers end,
// reset and stall over real loopback sockets, on both kinds of server
// socket: one that ends its side when the peer ends (Node's default) and
// one that stays half open.

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A connected pair over 127.0.0.1; `allowHalfOpen` is the server side's. */
async function pair(allowHalfOpen = false): Promise<{ client: net.Socket; server: net.Socket }> {
  let accept: (s: net.Socket) => void = () => {};
  const accepted = new Promise<net.Socket>((r) => (accept = r));
  const srv = net.createServer({ allowHalfOpen }, (s) => accept(s));
  servers.push(srv);
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const client = net.connect((srv.address() as net.AddressInfo).port, "127.0.0.1");
  await once(client, "connect");
  const server = await accepted;
  sockets.push(client, server);
  return { client, server };
}

describe("a socket's end, heard without an 'end' listener of the source's own", () => {
  it("keeps Node's one 'end' listener, still called, and listeners() unchanged", async () => {
    const { client, server } = await pair();
    const before = server.listeners("end");
    const s = new ProtStream(server, { destroyOnClose: false });
    expect(server.listeners("end")).toEqual(before);
    expect(server.rawListeners("end")).toHaveLength(1);
    client.end("a1 LOGOUT\r\n");
    expect(await s.readLine()).toBe("a1 LOGOUT");
    expect(await s.readLine()).toBeNull();
    expect(s.eof).toBe(true);
    // Node's listener ran: a socket that does not stay half open refuses writes once the peer ended.
    expect(Object.hasOwn(server, "write")).toBe(true);
    s.close();
    // What stands in for Node's listener is made once, for every socket.
    const other = await pair();
    const t = new ProtStream(other.server);
    expect(other.server.rawListeners("end")).toEqual(server.rawListeners("end"));
    t.close();
  });

  it("hears a half-close on a socket that stays half open, and the socket can still answer", async () => {
    const { client, server } = await pair(true);
    const conn = protSocket(server, { input: { clock: new VirtualClock() } });
    client.end("a1 NOOP\r\na2 LOG");
    expect(await conn.input.readLine()).toBe("a1 NOOP");
    expect(await conn.input.readLine()).toBe("a2 LOG");
    expect(await conn.input.readLine()).toBeNull();
    expect(conn.input.error).toBe("end of file reached");
    expect(server.destroyed).toBe(false);
    client.setEncoding("latin1");
    let heard = "";
    client.on("data", (d: string) => (heard += d));
    conn.output.write("* BYE\r\n");
    await conn.output.flush();
    const closed = once(client, "close");
    await conn.close();
    await closed;
    expect(heard).toBe("* BYE\r\n");
  });

  for (const allowHalfOpen of [false, true]) {
    it(`hears the end of a peer that never reads its replies, before the socket can close (allowHalfOpen ${allowHalfOpen})`, async () => {
      const { client, server } = await pair(allowHalfOpen);
      client.pause();
      const s = new ProtStream(server, { destroyOnClose: false, clock: new VirtualClock() });
      const reading = s.readLine();
      // Replies the peer never takes, more than the kernel holds: the socket cannot finish, nor close.
      const reply = Buffer.alloc(1 << 20, 0x2a);
      while (server.write(reply));
      let closed = false;
      server.on("close", () => (closed = true));
      client.end();
      await once(server, "end");
      // The source's part of the 'end' ran before this listener, added later, was called.
      expect(s.readable).toBe(true);
      expect(await reading).toBeNull();
      expect(s.eof).toBe(true);
      expect(closed).toBe(false);
      expect(server.writableLength).toBeGreaterThan(0);
      s.close();
    });
  }

  for (const allowHalfOpen of [false, true]) {
    it(`fails, not ends, on a reset, a partial line kept as bytes (allowHalfOpen ${allowHalfOpen})`, async () => {
      const { client, server } = await pair(allowHalfOpen);
      const s = new ProtStream(server, { clock: new VirtualClock() });
      const arrived = once(server, "data");
      client.write("a1 APPEND half a li");
      await arrived;
      const reading = s.readLine();
      client.resetAndDestroy();
      expect(await reading).toBeNull();
      expect(s.error).toBe("read ECONNRESET");
      expect(s.eof).toBe(false);
      expect((await s.read(100))?.toString()).toBe("a1 APPEND half a li");
      s.close();
    });
  }

  it("fails, not ends, when the socket is destroyed here before its end", async () => {
    const { server } = await pair(true);
    const s = new ProtStream(server, { clock: new VirtualClock() });
    const reading = s.readLine();
    server.destroy();
    expect(await reading).toBeNull();
    expect(s.error).toBe("the input was closed before its end");
  });

  it("tells a select of a half-close", async () => {
    const { client, server } = await pair(true);
    const s = new ProtStream(server, { nonBlocking: true, clock: new VirtualClock() });
    const g = new ProtGroup();
    g.add(s);
    const selecting = select(g);
    client.end();
    expect(await selecting).toEqual([s]);
    expect(await s.readLine()).toBeNull();
    expect(s.eof).toBe(true);
    s.close();
  });

  it("adds a listener of its own where the socket has more than Node's, and keeps their order", async () => {
    const { client, server } = await pair(true);
    const heard: string[] = [];
    const own = (): void => void heard.push("own");
    server.on("end", own);
    const before = server.listeners("end");
    const s = new ProtStream(server, { destroyOnClose: false, clock: new VirtualClock() });
    expect(server.listeners("end").slice(0, 2)).toEqual(before);
    expect(server.rawListeners("end")).toHaveLength(3);
    client.end();
    expect(await s.readLine()).toBeNull();
    expect(s.eof).toBe(true);
    expect(heard).toEqual(["own"]);
    s.close();
  });

  it("keeps a listener of its own beside a user's lone one, so removing the user's does not lose the end", async () => {
    const input = new PassThrough();
    const own = (): void => {};
    input.on("end", own);
    const s = new ProtStream(input, { destroyOnClose: false, clock: new VirtualClock() });
    expect(input.rawListeners("end")).toHaveLength(2);
    input.removeListener("end", own);
    input.end("a1 NOOP\r\n");
    expect(await s.readLine()).toBe("a1 NOOP");
    expect(await s.readLine()).toBeNull();
    expect(s.eof).toBe(true);
    s.close();
  });

  it("serves the next stream on the same socket, and no longer the closed one, with one 'end' listener", async () => {
    const { client, server } = await pair(true);
    const first = new ProtStream(server, { destroyOnClose: false, clock: new VirtualClock() });
    first.close();
    // Added while no source listens: the next one must neither miss the end nor hear it twice.
    let ownEnds = 0;
    server.on("end", () => ownEnds++);
    const second = new ProtStream(server, { destroyOnClose: false, clock: new VirtualClock() });
    expect(server.rawListeners("end")).toHaveLength(2);
    client.end("a1 NOOP\r\n");
    expect(await second.readLine()).toBe("a1 NOOP");
    expect(await second.readLine()).toBeNull();
    expect(second.eof).toBe(true);
    expect(ownEnds).toBe(1);
    expect(first.error).toBe("stream closed");
    second.close();
  });
});
