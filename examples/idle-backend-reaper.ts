// An idle backend reaper, modelled on backend_timeout() in Cyrus's
// imap/proxy.c: a proxy keeps its connections to backend servers open
// between commands, and each backend has a wait event on the *client*
// stream. The event runs while the proxy waits for the client's next
// command; it drops a backend that is not the current one and has been idle
// for IDLE units, and otherwise moves its own mark forward.
import type { ProtConnection, ProtStream, WaitEvent } from "prot-events";
import { Timeline, command, dial, isMain, listen, liveScene, readCommand, type Scene } from "./lib/scene.js";

interface Backend {
  name: string;
  conn: ProtConnection;
  lastUsed: number;
}

/** A backend that answers every command with its name. */
export function backendServer(name: string): (conn: ProtConnection) => Promise<void> {
  return async (conn) => {
    for (;;) {
      const line = await readCommand(conn);
      if (line === null) return;
      const [tag, verb] = line.split(" ");
      conn.output.write(`${tag} OK ${verb} on ${name}\r\n`);
    }
  };
}

/**
 * The proxy: `USE <name>` connects to (or reuses) the backend listening on
 * `ports.get(name)`; other commands go to the current backend.
 */
export function proxyServer(scene: Scene, ports: ReadonlyMap<string, number>, idle = 30, tl = new Timeline(scene)): (conn: ProtConnection) => Promise<void> {
  const idleTicks = idle * scene.unit;
  return async (conn) => {
    const { input, output } = conn;
    const cache = new Map<string, Backend>();
    let current: Backend | null = null;

    const backendTimeout = (s: ProtStream, ev: WaitEvent<Backend>, be: Backend): WaitEvent<Backend> | null => {
      const now = s.clock.now();
      if (be !== current && now - be.lastUsed >= idleTicks) {
        tl.log(`proxy: backend_timeout drops ${be.name}, idle since ${Math.round((be.lastUsed - tl.at(0)) / scene.unit)}`);
        s.removeWaitEvent(ev);
        cache.delete(be.name);
        void be.conn.close();
        return null;
      }
      ev.mark = (be === current ? now : be.lastUsed) + idleTicks;
      return ev;
    };

    try {
      await relay();
    } finally {
      for (const be of cache.values()) await be.conn.close();
    }

    async function relay(): Promise<void> {
      for (;;) {
        const line = await readCommand(conn);
        if (line === null) return;
        tl.log(`proxy: got "${line}"`);
        const [tag, verb, arg] = line.split(" ") as [string, string, string | undefined];
        if (verb === "LOGOUT") {
          output.write(`${tag} OK LOGOUT completed\r\n`);
          await output.flush();
          return;
        }
        if (verb === "USE" && arg !== undefined) {
          let be = cache.get(arg);
          const port = ports.get(arg);
          if (be === undefined && port !== undefined) {
            be = { name: arg, conn: await dial(scene, port), lastUsed: input.clock.now() };
            cache.set(arg, be);
            input.addWaitEvent(input.clock.now() + idleTicks, backendTimeout, be);
            tl.log(`proxy: connected to ${arg}`);
          }
          if (be === undefined) output.write(`${tag} NO no backend ${arg}\r\n`);
          else {
            current = be;
            output.write(`${tag} OK using ${arg}\r\n`);
          }
          continue;
        }
        if (current === null) {
          output.write(`${tag} BAD no backend selected\r\n`);
          continue;
        }
        const replies = await command(current.conn, line);
        current.lastUsed = input.clock.now();
        output.write(`${replies.at(-1)}\r\n`);
      }
    }
  };
}

/** Runs the story. Returns what the client read. */
export async function idleBackendReaper(scene: Scene, idle = 30): Promise<string[]> {
  const tl = new Timeline(scene);
  const backends = new Map<string, Awaited<ReturnType<typeof listen>>>();
  for (const name of ["alpha", "beta"]) backends.set(name, await listen(scene, backendServer(name)));
  const ports = new Map([...backends].map(([name, b]) => [name, b.port]));
  const proxy = await listen(scene, proxyServer(scene, ports, idle, tl));

  const client = await dial(scene, proxy.port);
  const seen: string[] = [];
  const script: Array<[number, string]> = [
    [0, "a1 USE alpha"],
    [0, "a2 NOOP"],
    [10, "a3 USE beta"],
    [10, "a4 NOOP"],
    [50, "a5 USE alpha"],
    [50, "a6 NOOP"],
    [100, "a7 LOGOUT"],
  ];
  for (const [t, cmd] of script) {
    await tl.until(t);
    seen.push(...(await command(client, cmd)));
  }
  await client.close();
  await proxy.close();
  for (const b of backends.values()) await b.close();
  return seen;
}

if (isMain(import.meta.url)) {
  await idleBackendReaper(liveScene(30));
}
