// Hostile peers over real loopback sockets against the README's tour server
// and every example, each in a child process of its own
// (fixtures/hostile-target.ts): a line past maxLine with a command smuggled
// after it, a flood from a client that never reads, random and adversarial
// bytes, abrupt resets. Through all of it the process must live, another
// client must be served, and once the attackers are gone its descriptors
// and memory must be back where they started.
import { afterAll, describe, expect, it } from "vitest";
import net from "node:net";
import { once } from "node:events";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../bench/lib.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const MiB = 1024 * 1024;

interface Stats {
  heap: number;
  buffers: number;
  rss: number;
  fds: number;
  open: number;
}

/** A server under attack in a child process. */
class Target {
  readonly child: ChildProcess;
  exit: string | null = null;
  port = 0;
  readonly #replies: Array<(msg: Record<string, unknown>) => void> = [];
  #stderr = "";

  constructor(name: string) {
    this.child = fork("test/fixtures/hostile-target.ts", [name], {
      cwd: root,
      execArgv: ["--expose-gc", "--import", "tsx"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.child.stderr?.on("data", (d: Buffer) => void (this.#stderr += d.toString()));
    this.child.on("message", (msg: Record<string, unknown>) => this.#replies.shift()?.(msg));
    this.child.on("exit", (code, signal) => {
      this.exit = `exited with ${code ?? signal}: ${this.#stderr}`;
      for (const r of this.#replies.splice(0)) r({ exit: this.exit });
    });
  }

  async start(): Promise<void> {
    const msg = await new Promise<Record<string, unknown>>((r) => this.#replies.push(r));
    if (typeof msg.port !== "number") throw new Error(`the target did not start: ${JSON.stringify(msg)}`);
    this.port = msg.port;
  }

  async ask(what: "stats" | "settle"): Promise<Stats> {
    if (this.exit !== null) throw new Error(this.exit);
    const reply = new Promise<Record<string, unknown>>((r) => this.#replies.push(r));
    this.child.send(what);
    const msg = await reply;
    const got = msg.stats ?? msg.settled;
    if (got === undefined) throw new Error(`the target ${String(msg.exit)}`);
    return got as Stats;
  }

  stop(): void {
    if (this.exit === null) this.child.kill();
  }
}

/** A raw client: what it received so far, as text. */
interface Peer {
  sock: net.Socket;
  got: () => string;
}

async function connect(port: number, read = true): Promise<Peer> {
  const sock = net.connect(port, "127.0.0.1");
  const chunks: Buffer[] = [];
  sock.on("error", () => {});
  if (read) sock.on("data", (c: Buffer) => chunks.push(c));
  else sock.pause();
  await once(sock, "connect");
  return { sock, got: () => Buffer.concat(chunks).toString("latin1") };
}

/** Resolves once `peer` has received a line starting with `prefix`; rejects if the connection ends first. */
function lineFrom(peer: Peer, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const look = (): boolean => {
      const line = peer
        .got()
        .split("\r\n")
        .find((l) => l.startsWith(prefix));
      if (line === undefined) return false;
      peer.sock.off("data", onData);
      peer.sock.off("close", onClose);
      resolve(line);
      return true;
    };
    const onData = (): void => void look();
    const onClose = (): void => {
      if (!look()) reject(new Error(`connection closed before a line starting ${JSON.stringify(prefix)}; got ${JSON.stringify(peer.got().slice(-300))}`));
    };
    if (look()) return;
    peer.sock.on("data", onData);
    peer.sock.on("close", onClose);
  });
}

/** A well-behaved client gets its command answered. */
async function served(port: number, tag: string): Promise<void> {
  const peer = await connect(port);
  peer.sock.write(`${tag} NOOP\r\n`);
  await lineFrom(peer, `${tag} `);
  peer.sock.destroy();
}

const NASTY = [0, 10, 13, 0x22, 0x5c, 0x7b, 0x7d, 0x25, 0x80, 0xc3, 0xff, 0xfe, 0xed, 0xa0, 0x20];

/** Random and adversarial bytes: runs of one byte, CR/LF storms, invalid UTF-8, literal syntax, long lines. */
function garbage(rand: () => number): Buffer {
  const parts: Buffer[] = [];
  const pieces = 1 + Math.floor(rand() * 12);
  for (let i = 0; i < pieces; i++) {
    const kind = Math.floor(rand() * 6);
    const n = Math.floor(rand() * (kind === 0 ? 140_000 : 2_000));
    if (kind === 0) parts.push(Buffer.alloc(n, NASTY[Math.floor(rand() * NASTY.length)]));
    else if (kind === 1) parts.push(Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256))));
    else if (kind === 2) parts.push(Buffer.from(Array.from({ length: n }, () => NASTY[Math.floor(rand() * NASTY.length)] as number)));
    else if (kind === 3) parts.push(Buffer.from(`a${i} LOGIN {${Math.floor(rand() * 1e9)}}\r\n`));
    else if (kind === 4) parts.push(Buffer.from("\r".repeat(n) + "\n".repeat(n)));
    else parts.push(Buffer.from(`x${i} ${"USE alpha NOOP LOGOUT".split(" ")[Math.floor(rand() * 4)]} "\\"\0\r\n`));
  }
  return Buffer.concat(parts);
}

/** Writes `data` in random-sized pieces, as a peer's segments would come. */
async function trickle(sock: net.Socket, data: Buffer, rand: () => number): Promise<void> {
  for (let at = 0; at < data.length && !sock.destroyed;) {
    const n = 1 + Math.floor(rand() * 70_000);
    // The server may drop the connection meanwhile (its write then fails with EPIPE, which is no test failure).
    if (!sock.write(data.subarray(at, at + n))) await new Promise((r) => (sock.once("drain", r), sock.once("close", r)));
    at += n;
  }
}

const targets = ["readme", "keepalive", "every-idle", "reaper"] as const;
const running: Target[] = [];
afterAll(() => {
  for (const t of running) t.stop();
});

describe("hostile peers over loopback sockets", () => {
  for (const name of targets) {
    it(`${name}: survives every attack, serves others throughout, and returns to its baseline`, async () => {
      const target = new Target(name);
      running.push(target);
      await target.start();
      const { port } = target;
      // Warm up (JIT, the first connection's allocations), then take the baseline.
      for (let i = 0; i < 3; i++) await served(port, `w${i}`);
      const base = await target.ask("settle");
      const attackers: net.Socket[] = [];

      // 1. A line past maxLine with a command after 65,536 bytes of padding: the command must not run.
      const smuggler = await connect(port);
      attackers.push(smuggler.sock);
      smuggler.sock.write(`${"x".repeat(65_536)}A1 DELETE INBOX\r\nz1 NOOP\r\n`);
      await lineFrom(smuggler, "z1 ");
      expect(smuggler.got()).not.toMatch(/(^|\r\n)A1 /);
      expect(smuggler.got()).toContain("* BAD line too long");
      // A 70 KB line, and nothing after it but the end.
      const long = await connect(port);
      long.sock.end(`${"y".repeat(70_000)}\r\n`);
      attackers.push(long.sock);
      await served(port, "c1");

      // 2. Clients that send requests but never read a reply: 12 MB each, in
      // lines whose replies are as long. Sampled while others are served,
      // until every mute client's requests are all sent (the server took
      // them) and five samples more, or 40 samples (the server holds them off).
      const mutes: net.Socket[] = [];
      for (let i = 0; i < 4; i++) {
        const mute = await connect(port, false);
        attackers.push(mute.sock);
        mutes.push(mute.sock);
        mute.sock.write(Buffer.from(`${`m${i}`.padEnd(1000, "m")} NOOP\r\n`.repeat(12000)));
      }
      let peak = 0;
      for (let i = 0, sent = -1; i < 40 && (sent < 0 || i - sent < 5); i++) {
        await served(port, `c${i}`);
        const now = await target.ask("stats");
        peak = Math.max(peak, now.heap + now.buffers - (base.heap + base.buffers));
        if (sent < 0 && mutes.every((m) => m.writableLength === 0)) sent = i;
      }

      // 3. Random and adversarial bytes, in random pieces; each connection ends a different way.
      for (let seed = 1; seed <= 12; seed++) {
        // Seeded, so a failing input can be replayed.
        const rand = mulberry32(seed * 7919 + name.length);
        const peer = await connect(port, seed % 3 !== 0);
        attackers.push(peer.sock);
        await trickle(peer.sock, garbage(rand), rand);
        if (seed % 4 === 0) peer.sock.resetAndDestroy();
        else if (seed % 4 === 1) peer.sock.end();
        await served(port, `f${seed}`);
      }

      // 4. Abrupt ends: a reset at once, half a line then the end, a command then a reset.
      const a = await connect(port);
      a.sock.resetAndDestroy();
      const b = await connect(port);
      b.sock.end("a1 NOO");
      const c = await connect(port);
      c.sock.write("a1 NOOP\r\n", () => c.sock.resetAndDestroy());
      attackers.push(b.sock);
      await served(port, "c4");

      expect(target.exit).toBeNull();
      // Output held for mute clients stays bounded (48 MB of replies were asked for).
      expect(peak).toBeLessThan(16 * MiB);

      for (const s of attackers) s.destroy();
      const after = await target.ask("settle");
      expect(target.exit).toBeNull();
      expect(after.open).toBe(0);
      expect(after.fds).toBe(base.fds);
      expect(after.heap + after.buffers - (base.heap + base.buffers)).toBeLessThan(4 * MiB);
      await served(port, "c5");
      target.stop();
    }, 300_000);
  }
});
