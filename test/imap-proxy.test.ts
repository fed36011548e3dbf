// The IMAP proxy example against real software: Debian's Dovecot as the
// backend (installed on demand), python's imaplib and curl as clients.
// What the proxy relays must be what the server sends, byte for byte; its
// reaper, keep-alive and timeouts fire at their marks (exactly, on a virtual
// clock; their lateness measured and reported on the system clock); hostile
// clients are dropped with memory bounded; descriptors and heap come back.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { protSocket, VirtualClock, type ProtConnection } from "prot-events";
import { imapProxyStory, startImapProxy, type ImapProxy, type ImapProxyOptions } from "../examples/imap-proxy.js";
import { virtualScene } from "../examples/lib/scene.js";
import { ensureDebianPackage, startDovecot, type Dovecot } from "../examples/lib/dovecot.js";
import { liveBytes } from "./helpers.js";
import { throwawayCert } from "./tls-cert.js";

const run = promisify(execFile);
const CLIENT = join(import.meta.dirname, "fixtures", "imap_client.py");
const figures: string[] = [];

/** The messages the Maildir holds: each kind the issue of byte-exact relaying is about. */
function messages(): Array<[string, Buffer]> {
  const attachment = randomBytes(24_000).toString("base64").replace(/.{76}/g, "$&\n");
  const big = Array.from({ length: 4000 }, (_, i) => `line ${i} ${"abcdefghij".repeat(7)}`).join("\n");
  return [
    ["plain", Buffer.from("From: a@example.org\nTo: b@example.org\nSubject: plain\n\nHello.\n")],
    ["utf8", Buffer.from("From: Zoë <z@example.org>\nSubject: =?UTF-8?B?w6lsw6h2ZQ==?= Grüße\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße, 日本語, émoji 🎉\n")],
    [
      "multipart",
      Buffer.from(
        `From: a@example.org\nSubject: attachment\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nSee attached.\n--b1\nContent-Type: application/octet-stream; name="x.bin"\nContent-Disposition: attachment; filename="x.bin"\nContent-Transfer-Encoding: base64\n\n${attachment}\n--b1--\n`,
      ),
    ],
    ["300 KB", Buffer.from(`From: a@example.org\nSubject: big\n\n${big}\n`)],
    ["5,000-character line", Buffer.from(`From: a@example.org\nSubject: long line\n\n${"x".repeat(5000)}\n`)],
    ["NUL bytes", Buffer.concat([Buffer.from("From: a@example.org\nSubject: nul\n\nbefore"), Buffer.from([0, 0, 1, 0]), Buffer.from("after\n")])],
  ];
}

let dovecot: Dovecot;
let backend: ImapProxyOptions["backend"];

beforeAll(async () => {
  ensureDebianPackage("/usr/bin/curl", "curl", "an IMAP client the proxy is tested with");
  dovecot = await startDovecot((maildir) => {
    messages().forEach(([, body], i) => writeFileSync(join(maildir, "new", `${1_700_000_000 + i}.M${i}P1.proxytest`), body));
  });
  backend = { host: "127.0.0.1", port: dovecot.port };
}, 300_000);

afterAll(async () => {
  await dovecot?.stop();
  if (figures.length > 0) console.log(`IMAP proxy figures (npx vitest run test/imap-proxy.test.ts):\n  ${figures.join("\n  ")}`);
});

async function imaplib(mode: string, port: number, ...rest: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run("python3", [CLIENT, mode, "127.0.0.1", String(port), dovecot.user, dovecot.password, ...rest], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

async function curl(port: number, path: string, ...args: string[]): Promise<Buffer> {
  const url = `imap://${dovecot.user}:${dovecot.password}@127.0.0.1:${port}/${path}`;
  const { stdout } = await run("curl", ["-sS", "--max-time", "120", ...args, url], { encoding: "buffer", maxBuffer: 64 << 20 });
  return stdout;
}

/** A raw IMAP client over the library's own streams, for what imaplib and curl cannot do on cue. */
async function dial(port: number): Promise<ProtConnection & { lines: () => Promise<string>; port: number }> {
  const sock = net.connect(port, "127.0.0.1");
  await once(sock, "connect");
  const conn = protSocket(sock, { input: { maxLine: 1 << 20 } });
  const lines = async (): Promise<string> => {
    const line = await conn.input.readLine();
    if (typeof line !== "string") throw new Error(`connection ended: ${conn.input.error}`);
    return line;
  };
  expect(await lines()).toMatch(/^\* OK /);
  return { ...conn, lines, port: sock.localPort as number };
}

/** Sends a command, returns the lines up to its tagged reply, and that reply last. */
async function command(c: Awaited<ReturnType<typeof dial>>, line: string): Promise<string[]> {
  const tag = line.split(" ", 1)[0] as string;
  c.output.write(`${line}\r\n`);
  await c.output.flush();
  const got: string[] = [];
  for (;;) {
    const reply = await c.lines();
    got.push(reply);
    if (reply.startsWith(`${tag} `)) return got;
  }
}

async function login(c: Awaited<ReturnType<typeof dial>>): Promise<void> {
  expect((await command(c, `l LOGIN ${dovecot.user} ${dovecot.password}`)).at(-1)).toMatch(/^l OK/);
  expect((await command(c, "s SELECT INBOX")).at(-1)).toMatch(/^s OK/);
}

/** Reads lines until one matches, returning those read. */
async function until(c: Awaited<ReturnType<typeof dial>>, re: RegExp): Promise<string[]> {
  const got: string[] = [];
  for (;;) {
    const line = await c.lines();
    got.push(line);
    if (re.test(line)) return got;
  }
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

describe("the IMAP proxy relays Dovecot byte for byte", () => {
  let proxy: ImapProxy;
  beforeAll(async () => {
    // A keep-alive every millisecond of client silence: it fires while large literals are relayed, and must never land inside one.
    proxy = await startImapProxy({ backend, keepAlive: 1 });
  });
  afterAll(() => proxy.close());

  it("imaplib: FETCH of every kind of message is identical through the proxy and direct", async () => {
    const direct = await imaplib("fetch", dovecot.port);
    const keepAlives = proxy.stats.keepAlives;
    const proxied = await imaplib("fetch", proxy.port);
    const fetched = direct.fetch as { status: string; data: unknown[] };
    expect(fetched.status).toBe("OK");
    const bodies = fetched.data.filter((p): p is string[] => Array.isArray(p) && Buffer.from(p[0] as string, "base64").includes("BODY[]"));
    expect(bodies).toHaveLength(messages().length);
    const sizes = bodies.map((p) => Buffer.from(p[1] as string, "base64").length);
    expect(Math.max(...sizes)).toBeGreaterThan(300_000);
    expect(proxied.fetch).toEqual(direct.fetch);
    // The keep-alive did fire while the literals were relayed.
    expect(proxy.stats.keepAlives).toBeGreaterThan(keepAlives);
  }, 120_000);

  it("curl: every message fetched through the proxy is the one fetched direct", async () => {
    for (let uid = 1; uid <= messages().length; uid++) {
      const direct = await curl(dovecot.port, `INBOX;UID=${uid}`);
      const proxied = await curl(proxy.port, `INBOX;UID=${uid}`);
      expect(direct.length).toBeGreaterThan(40);
      expect(proxied.equals(direct)).toBe(true);
    }
  }, 120_000);

  it("imaplib: APPEND with a literal stores the message byte for byte", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imap-append-"));
    const file = join(dir, "message.eml");
    const body = Buffer.concat([Buffer.from("From: a@example.org\r\nSubject: appended\r\n\r\n"), Buffer.from(randomBytes(60_000).toString("base64")), Buffer.from("\r\n")]);
    writeFileSync(file, body);
    try {
      const got = await imaplib("append", proxy.port, file);
      expect((got.append as [string])[0]).toBe("OK");
      const last = (got.last as string[][])[0] as string[];
      expect(Buffer.from(last[1] as string, "base64").equals(body)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("IDLE: an EXISTS pushed by a second client's APPEND (curl) reaches the idling client", async () => {
    const c = await dial(proxy.port);
    try {
      await login(c);
      c.output.write("i IDLE\r\n");
      await c.output.flush();
      await until(c, /^\+ /);
      const dir = mkdtempSync(join(tmpdir(), "imap-idle-"));
      writeFileSync(join(dir, "m.eml"), "From: b@example.org\r\nSubject: pushed\r\n\r\nnew mail\r\n");
      await curl(proxy.port, "INBOX", "-T", join(dir, "m.eml"));
      rmSync(dir, { recursive: true, force: true });
      const seen = await until(c, /^\* \d+ EXISTS$/);
      expect(seen.at(-1)).toMatch(/^\* \d+ EXISTS$/);
      c.output.write("DONE\r\n");
      expect((await until(c, /^i /)).at(-1)).toMatch(/^i OK/);
    } finally {
      await c.close();
    }
  }, 60_000);
});

describe("the demo's story", () => {
  it("on a virtual clock: what npm run demo shows, at its exact times", async () => {
    const scene = virtualScene();
    const seen = await imapProxyStory(scene);
    expect(scene.lines).toEqual([
      "[0] client: a LOGIN proxytest ****",
      "[0] client: b SELECT INBOX",
      "[15] proxy: client idle: * OK Still here",
      "[30] proxy: backend idle: logged out",
      "[30] proxy: client idle: * OK Still here",
      "[45] proxy: client idle: * OK Still here",
      "[50] client: c FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
      "[50] proxy: backend reconnected",
      "[65] proxy: client idle: * OK Still here",
      // Both due at 80: the reaper was hung on the stream first, so it runs first.
      "[80] proxy: backend idle: logged out",
      ...[80, 95, 110, 125, 140].map((t) => `[${t}] proxy: client idle: * OK Still here`),
    ]);
    expect(seen.filter((l) => l.startsWith("* OK Still here"))).toHaveLength(9);
    expect(seen).toContain("Subject: hello");
    expect(seen.at(-1)).toBe("* BYE Autologout; idle for too long");
  }, 60_000);
});

describe("STARTTLS on the client side", () => {
  let proxy: ImapProxy;
  let atUpgrade = -1;
  beforeAll(async () => {
    const log = (line: string): void => {
      if (line.endsWith("client TLS established")) atUpgrade = proxy.stats.keepAlives;
    };
    proxy = await startImapProxy({ backend, tls: tls.createSecureContext(await throwawayCert()), keepAlive: 1, clientTimeout: 60_000, log });
  }, 60_000);
  afterAll(() => proxy.close());

  it("imaplib upgrades with STARTTLS, then logs in and fetches what it fetches direct", async () => {
    const direct = await imaplib("fetch", dovecot.port);
    const secured = await imaplib("starttls", proxy.port);
    expect(secured.starttls).toBe("OK");
    expect(String(secured.cipher)).toMatch(/^TLS_|AES|CHACHA/);
    expect(secured.fetch).toEqual(direct.fetch);
    // The keep-alive, an event added before the upgrade, kept firing on the upgraded stream.
    expect(atUpgrade).toBeGreaterThanOrEqual(0);
    expect(proxy.stats.keepAlives).toBeGreaterThan(atUpgrade);
  }, 120_000);

  it("refuses STARTTLS with plain text pipelined behind it (the injection guard)", async () => {
    const sock = net.connect(proxy.port, "127.0.0.1");
    await once(sock, "connect");
    let got = "";
    sock.on("data", (c: Buffer) => (got += c.toString("latin1")));
    const closed = new Promise((resolve) => sock.once("close", resolve));
    sock.write(`t STARTTLS\r\nl LOGIN ${dovecot.user} ${dovecot.password}\r\n`);
    await closed;
    expect(got).toMatch(/\r\nt BAD Input after STARTTLS\r\n$/);
    expect(got).not.toMatch(/Logged in/);
  }, 60_000);
});

describe("the proxy's wait events against Dovecot", () => {
  it("on a virtual clock: keep-alive, reap, reconnect and client timeout at their exact marks", async () => {
    const clock = new VirtualClock();
    const proxy = await startImapProxy({ backend, clock, keepAlive: 100, backendIdle: 300, clientTimeout: 1000 });
    const c = await dial(proxy.port);
    try {
      await login(c);
      // Time stood still while the session logged in: everything counts from 0.
      for (const t of [100, 200]) {
        await clock.advanceTo(t);
        expect(await c.lines()).toBe("* OK Still here");
      }
      expect(proxy.stats.reaps).toBe(0);
      await clock.advanceTo(300);
      expect(await c.lines()).toBe("* OK Still here");
      expect(proxy.stats.reaps).toBe(1);
      await clock.advanceTo(350);
      // The next command reconnects, LOGIN and SELECT replayed: a FETCH by sequence number works.
      expect((await command(c, "n NOOP")).at(-1)).toMatch(/^n OK/);
      const fetched = await command(c, "f FETCH 1 (UID)");
      expect(fetched).toEqual(["* 1 FETCH (UID 1)", expect.stringMatching(/^f OK/)]);
      expect(proxy.stats.reconnects).toBe(1);
      // The client timeout counts from the last reply (350): keep-alives at 450 ... 1350, reap at 650, BYE at 1350.
      await clock.advanceTo(1349);
      const seen: string[] = [];
      for (let i = 0; i < 9; i++) seen.push(await c.lines());
      expect(seen).toEqual(Array(9).fill("* OK Still here"));
      expect(proxy.stats.reaps).toBe(2);
      expect(proxy.stats.timeouts).toBe(0);
      await clock.advanceTo(1350);
      // Events due at the timeout's instant run first.
      expect([await c.lines(), await c.lines()]).toEqual(["* OK Still here", "* BYE Autologout; idle for too long"]);
      expect(await c.input.readLine()).toBeNull();
      await proxy.whenIdle();
      expect(proxy.stats.timeouts).toBe(1);
      expect(proxy.stats.keepAliveLateness.every((x) => x === 0)).toBe(true);
      expect(proxy.stats.reapLateness).toEqual([0, 0]);
      expect(proxy.stats.timeoutLateness).toEqual([0]);
    } finally {
      await c.close();
      await proxy.close();
    }
  }, 60_000);

  it("on the system clock: 20 sessions idle until reaped, reconnect, then time out; lateness measured", async () => {
    const reaped = new Map<number, () => void>();
    const log = (line: string): void => {
      const m = /^client port (\d+): backend idle: logged out/.exec(line);
      if (m !== null) reaped.get(Number(m[1]))?.();
    };
    // The client's timeout must not come before the FETCH it sends once its backend is reaped: on a busy
    // machine the loop can stall long enough for both to fall due in one pass, so it is far beyond the reap.
    const proxy = await startImapProxy({ backend, keepAlive: 50, backendIdle: 200, clientTimeout: 4_000, log });
    const session = async (): Promise<void> => {
      const c = await dial(proxy.port);
      const reap = new Promise<void>((resolve) => reaped.set(c.port, resolve));
      try {
        await login(c);
        await until(c, /^\* OK Still here$/);
        // This session's reap: keep-alives go on meanwhile and are read by the command below.
        await reap;
        const fetched = await command(c, "f FETCH 1 (UID)");
        expect(fetched.filter((l) => !l.startsWith("* OK Still"))).toEqual(["* 1 FETCH (UID 1)", expect.stringMatching(/^f OK/)]);
        await until(c, /^\* BYE Autologout/);
      } finally {
        await c.close();
      }
    };
    await Promise.all(Array.from({ length: 20 }, session));
    await proxy.whenIdle();
    await proxy.close();
    const s = proxy.stats;
    expect(s.timeouts).toBe(20);
    expect(s.reconnects).toBeGreaterThanOrEqual(20);
    // Never early; how late is reported, not asserted.
    expect(Math.min(...s.reapLateness, ...s.keepAliveLateness, ...s.timeoutLateness)).toBeGreaterThanOrEqual(0);
    figures.push(
      `reap lateness (ms, ${s.reapLateness.length} reaps): p50 ${quantile(s.reapLateness, 0.5)}, p99 ${quantile(s.reapLateness, 0.99)}, max ${Math.max(...s.reapLateness)}`,
      `keep-alive lateness (ms, ${s.keepAliveLateness.length} keep-alives): p50 ${quantile(s.keepAliveLateness, 0.5)}, p99 ${quantile(s.keepAliveLateness, 0.99)}, max ${Math.max(...s.keepAliveLateness)}`,
      `client timeout lateness (ms, ${s.timeoutLateness.length} timeouts): p50 ${quantile(s.timeoutLateness, 0.5)}, max ${Math.max(...s.timeoutLateness)}`,
    );
  }, 120_000);
});

describe("hostile clients and many sessions; descriptors and heap back at baseline", () => {
  let proxy: ImapProxy;
  let baseline: { fds: number; bytes: number };
  beforeAll(async () => {
    proxy = await startImapProxy({ backend, maxLine: 65_536, maxLiteral: 1 << 20 });
    baseline = { fds: openFds(), bytes: liveBytes() };
  });
  afterAll(() => proxy.close());

  /** Reads what the proxy sends until it closes the connection, whatever the client's own socket says. */
  async function closing(sock: net.Socket): Promise<string> {
    let got = "";
    sock.on("data", (c: Buffer) => (got += c.toString("latin1")));
    sock.on("error", () => {});
    if (!sock.closed) await new Promise((resolve) => sock.once("close", resolve));
    return got;
  }

  async function raw(port = proxy.port): Promise<net.Socket> {
    const sock = net.connect(port, "127.0.0.1");
    await once(sock, "connect");
    return sock;
  }

  it("a backend that cannot be reached: the client is told so and let go", async () => {
    const down = net.createServer();
    down.listen(0, "127.0.0.1");
    await once(down, "listening");
    const port = (down.address() as net.AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    const orphan = await startImapProxy({ backend: { host: "127.0.0.1", port } });
    const sock = await raw(orphan.port);
    expect(await closing(sock)).toBe("* BYE [UNAVAILABLE] The backend server is unavailable\r\n");
    await orphan.close();
  }, 60_000);

  it("a 10 MB line: BYE once the line passes maxLine, not after buffering it", async () => {
    const sock = await raw();
    const reply = closing(sock);
    const refused = proxy.stats.refused;
    sock.write(`a LOGIN ${"x".repeat(10 << 20)}\r\n`);
    // The BYE is sent, but the proxy closes with the rest of the line unread, and TCP may then reset the connection before the client reads it.
    expect(await reply).toMatch(/^\* OK .*\r\n(\* BYE Line too long\r\n)?$/);
    expect(proxy.stats.refused).toBe(refused + 1);
  }, 60_000);

  it("{999999999}: NO [TOOBIG] for a synchronizing literal, and the session goes on; BYE for a non-synchronizing one", async () => {
    const c = await dial(proxy.port);
    try {
      await login(c);
      expect(await command(c, "a APPEND INBOX {999999999}")).toEqual([expect.stringMatching(/^a NO \[TOOBIG\]/)]);
      expect((await command(c, "n NOOP")).at(-1)).toMatch(/^n OK/);
      c.output.write("b APPEND INBOX {999999999+}\r\n");
      expect(await c.lines()).toBe("* BYE Literal too large");
      expect(await c.input.readLine()).toBeNull();
    } finally {
      await c.close();
    }
  }, 60_000);

  it("a client that disconnects in the middle of a literal: its session and backend connection end", async () => {
    const c = await dial(proxy.port);
    await login(c);
    c.output.write("a APPEND INBOX {1000}\r\n");
    await c.output.flush();
    expect(await c.lines()).toMatch(/^\+ /);
    c.output.write("x".repeat(500));
    await c.output.flush();
    await c.close();
    await proxy.whenIdle();
  }, 60_000);

  it("a client that pipelines large FETCHes and never reads: memory stays bounded, then it is dropped", async () => {
    const stalled: number[] = [];
    const log = (line: string): void => {
      // Sampled at the moment the proxy gives up on a client that never reads: the most it held for it.
      if (line.endsWith("the client stopped reading")) stalled.push(liveBytes());
    };
    const proxy = await startImapProxy({ backend, clientTimeout: 2000, log });
    const sock = await raw(proxy.port);
    const reply = closing(sock);
    sock.pause();
    const fetches = Array.from({ length: 60 }, (_, i) => `f${i} FETCH 1:* (BODY.PEEK[])\r\n`).join("");
    sock.write(`l LOGIN ${dovecot.user} ${dovecot.password}\r\ns SELECT INBOX\r\n${fetches}`);
    // The replies would be 60 times the mailbox (over 20 MB); the proxy holds a window of them, then gives up.
    await proxy.whenIdle();
    await proxy.close();
    sock.destroy();
    await reply;
    expect(stalled.length).toBeGreaterThan(0);
    const held = (stalled[0] as number) - baseline.bytes;
    figures.push(`a client that never reads 60 pipelined FETCHes of the mailbox: ${(held / 1024).toFixed(0)} KiB live in the proxy when dropped`);
    expect(held).toBeLessThan(8 << 20);
  }, 120_000);

  it("200 concurrent imaplib sessions each fetch the whole mailbox, identical to a direct fetch", async () => {
    const direct = await imaplib("fetch", dovecot.port);
    const before = proxy.stats.sessions;
    const { stdout } = await run("python3", ["-c", MANY, "127.0.0.1", String(proxy.port), dovecot.user, dovecot.password, "200"], { maxBuffer: 64 << 20 });
    const got = JSON.parse(stdout) as { results: string[]; concurrent: number };
    expect(got.concurrent).toBe(200);
    const want = JSON.stringify((direct.fetch as { data: unknown }).data);
    expect(got.results).toEqual(Array(200).fill(createHash("sha256").update(want).digest("hex")));
    expect(proxy.stats.sessions - before).toBe(200);
    await proxy.whenIdle();
  }, 300_000);

  it("after all of it: open descriptors and live heap are back at their baseline", async () => {
    await proxy.whenIdle();
    const after = { fds: openFds(), bytes: liveBytes() };
    figures.push(
      `proxy sessions in this group: ${proxy.stats.sessions} (200 at once); descriptors ${baseline.fds} before, ${after.fds} after; live heap + buffers ${(baseline.bytes / 1048576).toFixed(1)} MiB before, ${(after.bytes / 1048576).toFixed(1)} MiB after`,
    );
    expect(proxy.stats.open).toBe(0);
    expect(after.fds).toBe(baseline.fds);
    expect(after.bytes - baseline.bytes).toBeLessThan(2 << 20);
  }, 60_000);
});

describe("a client that trickles its command in", () => {
  it("one byte per second restarts the read timeout every time, and still meets the command deadline", async () => {
    const clock = new VirtualClock();
    const proxy = await startImapProxy({ backend, clock, clientTimeout: 5000, commandDeadline: 60_000 });
    const c = await dial(proxy.port);
    try {
      const text = `a LOGIN ${dovecot.user} ${dovecot.password} ${"x".repeat(100)}`;
      let sent = 0;
      const bye = c.lines();
      let closed = false;
      bye.then(
        () => (closed = true),
        () => (closed = true),
      );
      while (!closed && sent < text.length) {
        c.output.write(text[sent++] as string);
        await c.output.flush();
        await clock.advance(1000);
      }
      expect(await bye).toBe("* BYE Command not received in time");
      // The deadline runs from the first byte: about 60 bytes made it, never the whole line.
      expect(sent).toBeLessThan(text.length);
      expect(sent).toBeGreaterThanOrEqual(60);
      expect(proxy.stats.deadlines).toBe(1);
      expect(proxy.stats.timeouts).toBe(0);
    } finally {
      await c.close();
      await proxy.close();
    }
  }, 120_000);
});

/** 200 imaplib sessions in threads, all logged in at once (a barrier), each fetching the mailbox; prints a digest per session. */
const MANY = `
import hashlib, imaplib, json, sys, threading, base64
host, port, user, password, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
barrier = threading.Barrier(n)
results = [None] * n
together = [0]
lock = threading.Lock()
def b64(x):
    return base64.b64encode(x).decode("ascii") if isinstance(x, bytes) else x
def one(i):
    try:
        m = imaplib.IMAP4(host, port)
        m.login(user, password)
        barrier.wait(timeout=240)
        with lock:
            together[0] += 1
        m.select("INBOX", readonly=True)
        typ, data = m.fetch("1:*", "(UID RFC822.SIZE INTERNALDATE BODYSTRUCTURE ENVELOPE BODY.PEEK[])")
        out = [[b64(x) for x in item] if isinstance(item, tuple) else b64(item) for item in data]
        results[i] = hashlib.sha256(json.dumps(out, separators=(",", ":")).encode()).hexdigest()
        m.logout()
    except Exception as e:
        results[i] = "error: %r" % (e,)
threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
json.dump({"results": results, "concurrent": together[0]}, sys.stdout)
`;
