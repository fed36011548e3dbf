/**
 * Heap per idle connection, broken down by what holds it: the figures
 * behind bench/idle-connections.ts's heap per connection, by constructor.
 *
 * Each server runs in a fresh process (this script with --child <server>)
 * whose clients connect from a process of their own (--child clients), all
 * on 127.0.0.1. Once N connections idle, the server takes a heap snapshot
 * (which collects garbage first), then N more connect and it takes
 * another: what the second holds beyond the first, per constructor,
 * divided by N, is what a connection costs, without what the process holds
 * anyway. The servers are bench/idle-servers.ts's, those the benchmark
 * times, each told to do nothing when a timeout fires or a connection
 * closes, with its slots for 2N connections made before the first:
 *
 *  - ours: `protSocket(socket)`, one idle-timeout wait event (one callback
 *    for every connection) and a pending `readLine()` in an async loop,
 *    the README's server;
 *  - ours-select: the same streams, non-blocking, in one ProtGroup that
 *    one loop selects over: no read waits;
 *  - minimal: `socket.setTimeout(30_000)` with a 'timeout', a 'data' and a
 *    'close' listener, each made once and shared by every connection;
 *  - minimal-await: minimal with an async function per connection that
 *    awaits a promise the 'data' listener settles: what any server whose
 *    connections wait in an `await` holds at least, the peer of ours;
 *  - readline (only when asked for): the same reading lines with
 *    `readline.createInterface`.
 *
 * With --greet every server first writes a greeting to each connection
 * (ours and ours-select through the connection's writer, which it makes).
 *
 * Each row is a constructor (a class, `Object` for literals), or a kind of
 * V8 object in parentheses: `(closure) name` for functions,
 * `(context)` for the scopes closures and async functions keep,
 * `(array) name` for V8's own arrays (elements, properties), `(string)`,
 * `(code)` and the like; rows marked "native" are Node's C++ objects, off
 * the JavaScript heap. A row's bytes are V8's shallow sizes, which add up
 * to the snapshot's total; its count is objects per connection. Rows under
 * 2 bytes per connection are summed into "the rest".
 *
 * Not part of `npm run bench`: it prints figures to read, with no goal.
 * The snapshots need a few hundred MB of memory and take some seconds.
 *
 * Usage: tsx bench/heap-breakdown.ts [--connections N] [--greet] [--server ours|ours-select|minimal|minimal-await|readline]...
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { IDLE_SERVER_KINDS, startIdleServer, type IdleServerKind } from "./idle-servers.js";
import { holdClients } from "./lib.js";

const KINDS = IDLE_SERVER_KINDS;
const HOST = "127.0.0.1";

interface Args {
  connections: number;
  greet: boolean;
  servers: IdleServerKind[];
  child?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { connections: 2000, greet: false, servers: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--connections") {
      args.connections = Number(value());
      if (!Number.isInteger(args.connections) || args.connections < 1) throw new Error(`--connections needs a whole number above 0`);
    } else if (flag === "--server") {
      const k = value() as IdleServerKind;
      if (!KINDS.includes(k)) throw new Error(`--server: one of ${KINDS.join(", ")}, got ${k}`);
      args.servers.push(k);
    } else if (flag === "--greet") args.greet = true;
    else if (flag === "--child") args.child = value();
    else throw new Error(`unknown argument ${flag} (known: --connections N, --greet, --server ${KINDS.join("|")})`);
  }
  if (args.servers.length === 0) args.servers = KINDS.filter((k) => k !== "readline");
  return args;
}

const args = parseArgs(process.argv.slice(2));

type Msg = { type: string; [k: string]: unknown };

function expect(child: ChildProcess, type: string): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Msg): void => {
      if (m.type === "error") done(new Error(`clients: ${String(m.message)}`));
      else if (m.type === type) done(null, m);
    };
    const onExit = (): void => done(new Error(`clients exited before "${type}"`));
    const done = (err: Error | null, m?: Msg): void => {
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (err === null) resolve(m as Msg);
      else reject(err);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Bytes and objects in a heap snapshot, by constructor (or kind of V8 object). */
type Census = Map<string, { bytes: number; count: number }>;

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

function census(file: string): Census {
  const snap = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size")];
  const out: Census = new Map();
  const { nodes, strings } = snap;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt] as number] as string;
    const name = strings[nodes[i + nameAt] as number] as string;
    const key = keyOf(type, name);
    const row = out.get(key) ?? { bytes: 0, count: 0 };
    row.bytes += nodes[i + sizeAt] as number;
    row.count++;
    out.set(key, row);
  }
  return out;
}

/**
 * How a node is counted: by constructor for objects, by function name for
 * closures, else by kind. Native memory (Node's C++ objects, which heap
 * snapshots add as synthetic and native nodes) is not on the JavaScript
 * heap, which is what `heapUsed` measures: its rows are marked "native".
 */
function keyOf(type: string, name: string): string {
  switch (type) {
    case "object":
      return name.startsWith("system / ") ? `(system) ${name.slice(9)}` : name;
    case "native":
    case "synthetic":
      return `native: ${name || type}`;
    case "closure":
      return `(closure) ${name || "anonymous"}`;
    case "array":
      return `(array) ${name}`;
    case "hidden":
      return `(system) ${name.replace(/^system \/ /, "")}`;
    case "string":
    case "concatenated string":
    case "sliced string":
      return "(string)";
    default:
      return `(${type})`;
  }
}

/** One server, in a process of its own: its census at N connections and at 2N. */
async function serverMain(kind: IdleServerKind): Promise<void> {
  const n = args.connections;
  // Slots for every connection made up front, so that no growth of them is billed to the connections.
  const srv = await startIdleServer(kind, { idle: () => {}, closed: () => {} }, { slots: 2 * n, greet: args.greet });
  const clients = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, "--child", "clients"], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const dir = mkdtempSync(path.join(os.tmpdir(), "heap-breakdown-"));
  try {
    const snapshotAt = async (count: number): Promise<string> => {
      clients.send({ type: "connect", port: srv.port, count: n });
      await expect(clients, "connected");
      for (let i = 0; srv.accepted < count && i < 3000; i++) await sleep(10);
      if (srv.accepted < count) throw new Error(`${kind}: only ${srv.accepted} of ${count} connections accepted`);
      await sleep(500);
      return writeHeapSnapshot(path.join(dir, `${count}.heapsnapshot`));
    };
    const first = await snapshotAt(n);
    const second = await snapshotAt(2 * n);
    clients.send({ type: "close" });
    const [a, b] = [census(first), census(second)];
    const rows: Record<string, { bytes: number; count: number }> = {};
    for (const [key, row] of b) {
      const was = a.get(key) ?? { bytes: 0, count: 0 };
      rows[key] = { bytes: (row.bytes - was.bytes) / n, count: (row.count - was.count) / n };
    }
    for (const [key, was] of a) if (!b.has(key)) rows[key] = { bytes: -was.bytes / n, count: -was.count / n };
    process.stdout.write(`${JSON.stringify({ kind, connections: n, rows })}\n`, () => process.exit(0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function print(kind: string, n: number, rows: Record<string, { bytes: number; count: number }>): void {
  const list = Object.entries(rows).sort((x, y) => y[1].bytes - x[1].bytes);
  const sum = (native: boolean): number => list.reduce((s, [key, r]) => (key.startsWith("native: ") === native ? s + r.bytes : s), 0);
  console.log(`\n${kind}: ${fmtB(sum(false))} B of JavaScript heap per connection, and ${fmtB(sum(true))} B native ` + `(snapshot at ${2 * n} connections minus at ${n}, divided by ${n})`);
  console.log(`  ${"bytes".padStart(7)}  ${"objects".padStart(7)}  what`);
  let rest = 0;
  for (const [key, r] of list) {
    if (Math.abs(r.bytes) < 2) rest += r.bytes;
    else console.log(`  ${fmtB(r.bytes).padStart(7)}  ${r.count.toFixed(2).padStart(7)}  ${key}`);
  }
  console.log(`  ${fmtB(rest).padStart(7)}  ${"".padStart(7)}  the rest`);
}

const fmtB = (b: number): string => b.toFixed(0);

async function main(): Promise<void> {
  for (const kind of args.servers) {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, "--connections", String(args.connections), ...(args.greet ? ["--greet"] : []), "--child", kind], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    if (code !== 0) throw new Error(`${kind}: the server's process exited with ${code}`);
    const { connections, rows } = JSON.parse(out.trim().split("\n").pop() as string) as { connections: number; rows: Record<string, { bytes: number; count: number }> };
    print(args.greet ? `${kind}, greeting` : kind, connections, rows);
  }
}

if (args.child === "clients") holdClients(HOST);
else if (args.child !== undefined) await serverMain(args.child as IdleServerKind);
else await main();
