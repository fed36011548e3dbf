// What the examples share: a loopback server, a client that speaks in
// tagged commands, and a timeline that runs on a virtual clock (in tests)
// or on the system clock (in the demo).
import net from "node:net";
import { once } from "node:events";
import { pathToFileURL } from "node:url";
import { LineTooLongError, VirtualClock, protSocket, systemClock, type Clock, type ProtConnection } from "prot-events";

/** Where an example runs: its clock, how many ticks make one unit of its story, and where it reports. */
export interface Scene {
  clock: Clock;
  /** Clock ticks per unit of the example's timeline. */
  unit: number;
  /** Receives one line per thing that happened on the server, stamped with the unit time. */
  log: (line: string) => void;
}

/** A scene on a fresh virtual clock with one tick per unit, collecting its log. */
export function virtualScene(): Scene & { clock: VirtualClock; lines: string[] } {
  const lines: string[] = [];
  return { clock: new VirtualClock(), unit: 1, log: (l) => lines.push(l), lines };
}

/** A scene on the system clock, printing as it goes. */
export function liveScene(unitMs: number, print: (line: string) => void = console.log): Scene {
  return { clock: systemClock, unit: unitMs, log: print };
}

/** The story's time line: unit times relative to its start. */
export class Timeline {
  readonly #scene: Scene;
  readonly #t0: number;
  constructor(scene: Scene) {
    this.#scene = scene;
    this.#t0 = scene.clock.now();
  }
  /** The clock value `t` units after the start. */
  at(t: number): number {
    return this.#t0 + t * this.#scene.unit;
  }
  /** Units since the start. */
  get now(): number {
    return (this.#scene.clock.now() - this.#t0) / this.#scene.unit;
  }
  /** Logs `text` stamped with the current unit time. */
  log(text: string): void {
    const t = this.now;
    this.#scene.log(`[${Number.isInteger(t) ? t : t.toFixed(1)}] ${text}`);
  }
  /** Lets time pass until unit time `t` (a virtual clock is advanced; the system clock is waited for). */
  async until(t: number): Promise<void> {
    const clock = this.#scene.clock;
    if (clock instanceof VirtualClock) await clock.advanceTo(Math.max(this.at(t), clock.now()));
    else await new Promise<void>((resolve) => clock.schedule(this.at(t), resolve));
  }
}

/**
 * A loopback TCP server; each connection gets protocol streams on the
 * scene's clock. Whatever the connection's handler throws (a write to a peer
 * that is gone, a peer that does not read its replies) ends that connection
 * alone, never the process.
 */
export async function listen(scene: Scene, serve: (conn: ProtConnection) => Promise<void>): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    const conn = protSocket(sock, { input: { clock: scene.clock } });
    serve(conn)
      .catch((err: unknown) => scene.log(`connection dropped: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => conn.close());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Connects to a loopback port and wraps the socket in protocol streams. */
export async function dial(scene: Scene, port: number): Promise<ProtConnection> {
  const sock = net.connect(port, "127.0.0.1");
  await once(sock, "connect");
  return protSocket(sock, { input: { clock: scene.clock } });
}

/**
 * The next command line from a client, or `null` once the connection has
 * ended or failed. A line over the stream's `maxLine` is answered with
 * `* BAD` and discarded to its end: its tail is never taken for a command.
 */
export async function readCommand(conn: ProtConnection): Promise<string | null> {
  for (;;) {
    try {
      const line = conn.input.tryReadLine() ?? (await conn.input.readLine());
      return typeof line === "string" ? line : null;
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      conn.output.write("* BAD line too long\r\n");
      if ((await conn.input.skipLine()) !== true) return null;
    }
  }
}

/**
 * Sends a tagged command and reads up to its tagged reply; returns every
 * line read, untagged ones included.
 */
export async function command(conn: ProtConnection, line: string): Promise<string[]> {
  const tag = line.split(" ", 1)[0] as string;
  conn.output.write(`${line}\r\n`);
  await conn.output.flush();
  const got: string[] = [];
  for (;;) {
    const reply = await conn.input.readLine();
    if (typeof reply !== "string") throw new Error(`connection lost waiting for ${tag}: ${conn.input.error}`);
    got.push(reply);
    if (reply.startsWith(`${tag} `)) return got;
  }
}

/** Reads whatever the peer still sends until it closes. */
export async function drain(conn: ProtConnection): Promise<string[]> {
  const got: string[] = [];
  for (;;) {
    const line = await conn.input.readLine();
    if (typeof line !== "string") return got;
    got.push(line);
  }
}

/** True when `url` (an `import.meta.url`) is the program node was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}
