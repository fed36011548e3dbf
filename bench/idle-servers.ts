/**
 * The idle-connection servers that bench/idle-connections.ts times and
 * bench/heap-breakdown.ts takes apart, written once so that the breakdown
 * counts the very objects whose heap the benchmark measures:
 *
 *  - ours: per connection `protSocket(socket)`, one idle-timeout wait event
 *    (mark = now + 30 s, on the shared system clock; one callback for all
 *    connections) and a pending `readLine()` in an async loop, the
 *    README's server;
 *  - ours-select: the same streams, non-blocking, in one ProtGroup that one
 *    loop selects over, reading each ready stream until it would block (as
 *    a C server over prot_select): no connection has a pending read, an
 *    async frame or a timer of its own, the group keeps their deadlines;
 *  - minimal: the least a Node server holds per connection with an idle
 *    timeout: `socket.setTimeout(30_000)`, a 'timeout', a 'data' and a
 *    'close' listener, each written once and shared by every connection
 *    (it is given the socket as `this`), which finds the connection's
 *    state by an index in a field of the socket: what a Node developer who
 *    counts memory writes, with no closure per connection;
 *  - minimal-await: minimal, and an async function per connection that
 *    awaits a promise the shared 'data' listener settles (its resolve
 *    function kept in a slot): the least a server holds per connection
 *    whose code waits for input in an `await`, as ours's does, and so the
 *    peer that prices what such a loop costs whatever library it awaits;
 *  - readline: the same with `readline.createInterface({ input: socket })`
 *    reading its lines.
 *
 * With {@link IdleServerOptions.greet}, every server first writes a
 * greeting to each connection (ours and ours-select through the
 * connection's writer, which the greeting makes, then flushed; the others
 * by `socket.write`), as a protocol server does (IMAP's "* OK").
 *
 * What the caller needs is passed in, alike for every server: what to do
 * when an idle timeout fires or a connection sees its close
 * ({@link IdleHooks}), and how the server keeps what re-arming and closing
 * need of each connection: array slots, grown as connections arrive or
 * made up front ({@link IdleServerOptions.slots}), rather than closures
 * that would count as the server's.
 *
 * ours and ours-select load prot-events (the compiled package in dist/)
 * when they start, so that a peer's process never does.
 */
import net from "node:net";
import readline from "node:readline";
import type { ProtConnection, ProtStream, WaitEvent } from "../dist/src/index.js";

/** A peer's socket, with its slot where its shared listeners find it. */
interface IdleSocket extends net.Socket {
  /** The socket's index in the server's slots. */
  slot: number;
}

/** The servers, by name. */
export type IdleServerKind = "ours" | "ours-select" | "minimal" | "minimal-await" | "readline";

/** Every server, in the order the benchmark runs them. */
export const IDLE_SERVER_KINDS: readonly IdleServerKind[] = ["ours", "ours-select", "minimal", "minimal-await", "readline"];

/** What the servers write to each connection first, with {@link IdleServerOptions.greet}. */
const GREETING = "* OK idle server ready\r\n";

/** The scale lateness is measured on: the library's SystemClock's, in fractional milliseconds. */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** What the caller is told of each connection. */
export interface IdleHooks {
  /** A connection's idle timeout fired, `lateMs` after the time it was armed for (negative: early). */
  idle(lateMs: number): void;
  /** A connection saw its close. */
  closed(): void;
}

/** Options of {@link startIdleServer}. */
export interface IdleServerOptions {
  /**
   * Connections to make slots for before any arrives, so that no growth of
   * them is billed to the connections; 0 (the default) grows them as
   * connections arrive.
   */
  slots?: number;
  /** The most connections the server takes (`net.Server.maxConnections`). */
  maxConnections?: number;
  /** Greet each connection first (see the module's comment). Default false. */
  greet?: boolean;
}

/** A running server: see {@link startIdleServer}. */
export interface IdleServer {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Re-arms connection `i`'s idle timeout (the i-th accepted) to fire at `due`, in milliseconds on {@link nowMs}'s scale. */
  rearm(i: number, due: number): void;
  /** Closes every connection. */
  closeAll(): void;
  /** Stops listening. */
  close(): Promise<void>;
}

/** Array slots of a connection's parts, made up front (filled with `empty`) or grown. */
class Slots<T> {
  readonly #items: T[];
  #count = 0;
  constructor(size: number, empty: T) {
    this.#items = size > 0 ? new Array<T>(size).fill(empty) : [];
  }
  get count(): number {
    return this.#count;
  }
  push(item: T): void {
    this.#items[this.#count++] = item;
  }
  at(i: number): T {
    return this.#items[i] as T;
  }
  set(i: number, item: T): void {
    this.#items[i] = item;
  }
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#count; i++) yield this.#items[i] as T;
  }
}

/** Starts server `kind` on 127.0.0.1, on a port of the system's choosing. */
export async function startIdleServer(kind: IdleServerKind, hooks: IdleHooks, options: IdleServerOptions = {}): Promise<IdleServer> {
  const size = options.slots ?? 0;
  const prot = kind === "ours" || kind === "ours-select" ? await import("../dist/src/index.js") : null;
  let accepted = 0;
  const conns = new Slots<ProtConnection<boolean> | null>(prot === null ? 0 : size, null);
  const events = new Slots<WaitEvent<null> | null>(prot === null ? 0 : size, null);
  const sockets = new Slots<IdleSocket | null>(prot === null ? size : 0, null);
  const dues = new Slots<number>(prot === null ? size : 0, Infinity);
  // minimal-await: each connection's waiting read, settled with the next chunk, or null at the close.
  const reads = new Slots<((chunk: Buffer | null) => void) | null>(kind === "minimal-await" ? size : 0, null);
  const greet = options.greet ?? false;

  // ours and ours-select: the idle timeout, one callback for every
  // connection, as the API's (stream, event, rock) allows. In a real
  // server it would close the connection; here it tells how late it ran
  // and parks the event until it is re-armed.
  const onIdle = (_s: ProtStream, e: WaitEvent<null>): WaitEvent<null> => {
    hooks.idle(nowMs() - e.mark);
    e.mark = Infinity;
    return e;
  };
  // minimal and readline: the listeners, each made once for every
  // connection; Node calls them with the socket as `this`.
  function onTimeout(this: IdleSocket): void {
    hooks.idle(nowMs() - dues.at(this.slot));
    this.setTimeout(0);
  }
  const ignore = (): void => {};
  const onClose = (): void => hooks.closed();
  // minimal-await: the shared listeners settle the connection's waiting read.
  function onData(this: IdleSocket, chunk: Buffer): void {
    reads.at(this.slot)?.(chunk);
  }
  function onEnded(this: IdleSocket): void {
    reads.at(this.slot)?.(null);
  }
  const awaitLoop = async (peer: IdleSocket): Promise<void> => {
    for (;;) {
      const chunk = await new Promise<Buffer | null>((resolve) => reads.set(peer.slot, resolve));
      if (chunk === null) break;
    }
    reads.set(peer.slot, null);
    hooks.closed();
  };
  // ours-select: the group, and the one loop over it while it has
  // streams, reading each ready stream until it would block.
  const group = prot === null ? null : new prot.ProtGroup();
  let selecting = false;
  const selectLoop = async (p: NonNullable<typeof prot>, g: NonNullable<typeof group>): Promise<void> => {
    selecting = true;
    while (g.size > 0) {
      for (const s of await p.select(g)) {
        for (;;) {
          const line = s.tryReadLine() ?? (await s.readLine());
          if (line === p.WOULD_BLOCK) break;
          if (line === null) {
            g.delete(s);
            hooks.closed();
            break;
          }
        }
      }
    }
    selecting = false;
  };
  // ours: the README's loop, an async function per connection.
  const readLoop = async (conn: ProtConnection<boolean>): Promise<void> => {
    const { input } = conn;
    for (;;) {
      const line = input.tryReadLine() ?? (await input.readLine());
      if (typeof line !== "string") break;
    }
    hooks.closed();
    await conn.close();
  };

  const srv = net.createServer((socket) => {
    accepted++;
    if (prot !== null) {
      const selected = kind === "ours-select";
      const conn: ProtConnection<boolean> = selected ? prot.protSocket<boolean>(socket, { input: { nonBlocking: true, blockingOnly: false } }) : prot.protSocket(socket);
      conns.push(conn);
      if (greet) void conn.output.write(GREETING).flush();
      events.push(conn.input.addWaitEvent(conn.input.clock.now() + 30_000, onIdle, null));
      if (selected) {
        (group as NonNullable<typeof group>).add(conn.input);
        if (!selecting) void selectLoop(prot, group as NonNullable<typeof group>);
      } else void readLoop(conn);
    } else {
      const peer = socket as IdleSocket;
      peer.slot = sockets.count;
      sockets.push(peer);
      dues.push(Infinity);
      if (greet) peer.write(GREETING);
      peer.setTimeout(30_000);
      peer.on("timeout", onTimeout);
      if (kind === "readline") {
        const rl = readline.createInterface({ input: peer, crlfDelay: Infinity });
        rl.on("line", ignore);
        peer.on("close", () => rl.close());
      } else if (kind === "minimal-await") {
        reads.push(null);
        peer.on("data", onData);
      } else {
        peer.on("data", ignore);
      }
      peer.on("error", ignore);
      if (kind === "minimal-await") {
        // Its loop tells of the close once its read has ended.
        peer.on("close", onEnded);
        void awaitLoop(peer);
      } else peer.on("close", onClose);
    }
  });
  if (options.maxConnections !== undefined) srv.maxConnections = options.maxConnections;
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));

  return {
    port: (srv.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    rearm(i, due) {
      if (prot !== null) (events.at(i) as WaitEvent<null>).mark = due;
      else {
        dues.set(i, due);
        (sockets.at(i) as IdleSocket).setTimeout(Math.max(0, due - nowMs()));
      }
    },
    closeAll() {
      for (const c of conns) void c?.close();
      for (const s of sockets) s?.destroy();
    },
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
}
