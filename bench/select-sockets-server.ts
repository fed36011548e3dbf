/**
 * The Node servers of the select-over-sockets benchmark
 * (bench/select-sockets.ts): each accepts N loopback TCP connections, then
 * answers every line on any of them, as bench/c/select_server.c does in C
 * and with the same lines ("x" -> "ok", "cpu" -> this process's CPU time,
 * user + system, in µs, "quit" -> "bye", then exit). The driver
 * (bench/c/select_driver.c) makes one connection at a time readable.
 *
 *   ours       protSocket on every connection, one ProtGroup of their read
 *              streams, and the loop `await select(group)`, tryReadLine,
 *              write the answer, flush: the library's select as a server
 *              would use it.
 *   node-data  a 'data' listener on every socket that finds the lines with
 *              indexOf and writes each answer: no select, no buffering
 *              beyond the partial line, the floor of any select in Node.
 *
 * Usage: node --import tsx bench/select-sockets-server.ts ours|node-data N
 * Prints the port it listens on (127.0.0.1) on stdout, then serves.
 *
 * Instructions per wake-up, which do not depend on the machine's load:
 * with CALLGRIND_WINDOW=1, under `valgrind --tool=callgrind
 * --instr-atstart=no`, the server turns callgrind's counting on at the
 * first "cpu" line and off at the second, so that the count is that of the
 * driver's measured wake-ups (every thread of the process):
 *   CALLGRIND_WINDOW=1 valgrind --tool=callgrind --instr-atstart=no \
 *     node --import tsx bench/select-sockets-server.ts ours 1000
 *   bench/c/build/select_driver PORT 1000 2000 5000 1   # PORT: what the server printed
 * then `callgrind_annotate` the output file; divide its total by 5000.
 */
import net from "node:net";
import { ProtGroup, protSocket, select, type ProtConnection, type ProtStream } from "../dist/src/index.js";
import { callgrindWindow } from "./lib.js";

/** The answer to a line; `quit` is told whether to end after sending it. */
function answer(line: string, quit: () => void): string {
  if (line === "x") return "ok\r\n";
  if (line === "cpu") {
    const c = process.cpuUsage();
    instructionCount();
    return `${c.user + c.system}\r\n`;
  }
  if (line === "quit") {
    quit();
    return "bye\r\n";
  }
  throw new Error(`select-sockets-server: unexpected line ${JSON.stringify(line)}`);
}

let windows = 0;

/** See the header: the first "cpu" line opens callgrind's window, the second closes it. */
function instructionCount(): void {
  callgrindWindow(windows++ === 0);
}

/** Accepts n connections on 127.0.0.1, printing the port first; stops listening after the n-th. */
function accept(n: number): Promise<net.Socket[]> {
  return new Promise((resolve, reject) => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => {
      sockets.push(s);
      if (sockets.length < n) return;
      // close()'s callback would wait for every connection to end.
      server.close();
      resolve(sockets);
    });
    server.on("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => {
      process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`);
    });
  });
}

/** Serves until told to quit; returns the socket that said so. */
async function ours(sockets: net.Socket[]): Promise<net.Socket> {
  const conns = new Map<ProtStream, { conn: ProtConnection<false>; socket: net.Socket }>();
  for (const socket of sockets) {
    const conn = protSocket(socket, { input: { blockingOnly: false } });
    conns.set(conn.input, { conn, socket });
  }
  const group = new ProtGroup(conns.keys());
  let last: net.Socket | null = null;
  while (last === null) {
    for (const input of await select(group)) {
      const { conn, socket } = conns.get(input) as { conn: ProtConnection<false>; socket: net.Socket };
      let line: string | undefined;
      while ((line = input.tryReadLine()) !== undefined) conn.output.write(answer(line, () => (last = socket)));
      await conn.output.flush();
    }
  }
  return last;
}

/** Serves until told to quit; returns the socket that said so. */
function nodeData(sockets: net.Socket[]): Promise<net.Socket> {
  return new Promise((resolve) => {
    for (const s of sockets) {
      const quit = (): void => resolve(s);
      let partial = "";
      s.setEncoding("latin1");
      s.on("data", (chunk: string) => {
        let text = partial + chunk;
        let nl: number;
        while ((nl = text.indexOf("\n")) >= 0) {
          const end = nl > 0 && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
          s.write(answer(text.slice(0, end), quit));
          text = text.slice(nl + 1);
        }
        partial = text;
      });
    }
  });
}

async function main(): Promise<void> {
  const [mode, count] = process.argv.slice(2);
  const n = Number(count);
  if ((mode !== "ours" && mode !== "node-data") || !Number.isInteger(n) || n < 1) {
    throw new Error("usage: select-sockets-server.ts ours|node-data N");
  }
  const sockets = await accept(n);
  const last = await (mode === "ours" ? ours(sockets) : nodeData(sockets));
  // Exit once the last answer (bye) has reached the kernel.
  last.end(() => process.exit(0));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
