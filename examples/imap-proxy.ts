// An IMAP proxy on prot-events: every client connection gets a connection to
// one backend IMAP server, and what each side sends is relayed to the other
// byte for byte (lines and the literals {n}, {n+} and ~{n} inside them).
//
// What the wait-event contract is for shows in three places, all wait events
// on the *client* stream, so they run only while the proxy waits for the
// client's next command:
// - the backend reaper, modelled on backend_timeout() in Cyrus imap/proxy.c:
//   a backend idle for `backendIdle` ticks is logged out; the next command
//   reconnects it and replays the client's LOGIN and SELECT first;
// - a keep-alive ("* OK Still here") every `keepAlive` ticks of client
//   silence, rescheduled from its own mark so that it does not drift;
// - the client read timeout, suspended while a command is in flight at the
//   backend, so that a long FETCH does not log its client out.
// A per-command deadline drops a client that trickles a command in (one byte
// a second restarts the read timeout every time); limits on line and literal
// size bound what a client can make the proxy buffer. STARTTLS is offered to
// clients when a TLS context is given.
import net from "node:net";
import type tls from "node:tls";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { startDovecot } from "./lib/dovecot.js";
import { Timeline, dial, isMain, liveScene, type Scene } from "./lib/scene.js";
import { protSocket, systemClock, LineTooLongError, type Clock, type ProtConnection, type ProtStream, type WaitEvent } from "prot-events";

/** Options of {@link startImapProxy}. Times are in ticks of `clock` (milliseconds on the system clock). */
export interface ImapProxyOptions {
  /** The backend IMAP server (loopback in the tests). */
  backend: { host: string; port: number };
  /** Default the system clock. */
  clock?: Clock;
  /** Log out a backend after this long without a command. Default 60,000. */
  backendIdle?: number;
  /** Send "* OK Still here" after this long without a client command; 0 for never. Default 0. */
  keepAlive?: number;
  /** Drop a client that sends nothing for this long while no command is in flight. Default 1,800,000. */
  clientTimeout?: number;
  /** A command (its lines and literals) must arrive within this long of its first byte. Default 60,000. */
  commandDeadline?: number;
  /** Longest command line, in bytes. Default 65,536. */
  maxLine?: number;
  /** Largest literal a client may send, in bytes. Default 50 MiB. */
  maxLiteral?: number;
  /** Offer STARTTLS with this context. */
  tls?: tls.SecureContext;
  /** Told one line per thing the proxy did, starting "client port N:" (the client's port). */
  log?: (line: string) => void;
}

/** What a running proxy has done; the lateness arrays are `now - mark` at each of the first 100,000 firings. */
export interface ImapProxyStats {
  sessions: number;
  open: number;
  reaps: number;
  reconnects: number;
  keepAlives: number;
  timeouts: number;
  deadlines: number;
  refused: number;
  reapLateness: number[];
  keepAliveLateness: number[];
  timeoutLateness: number[];
}

/** A running proxy. */
export interface ImapProxy {
  readonly port: number;
  readonly stats: ImapProxyStats;
  /** Resolves once no session is open (at once when none is). */
  whenIdle(): Promise<void>;
  /** Stops listening and ends every session. */
  close(): Promise<void>;
}

const CRLF = "\r\n";
const MAX_SAMPLES = 100_000;
const RELAY_CHUNK = 65_536;
// How long a closing connection may take to deliver its last replies (a BYE) to a peer that does not read.
const CLOSE_GRACE = 1000;
// Tags the proxy uses for its own commands to a backend; a client's commands never reach the backend with them.
const OWN_TAG = "PXY.";
const LITERAL = /(~?)\{(\d{1,15})(\+?)\}$/;

interface Literal {
  size: number;
  sync: boolean;
}

function literalOf(line: Buffer): Literal | null {
  if (line.length < 3 || line[line.length - 1] !== 0x7d) return null;
  const m = LITERAL.exec(line.toString("latin1", Math.max(0, line.length - 20)));
  return m === null ? null : { size: Number(m[2]), sync: m[3] === "" };
}

/** Starts a proxy on 127.0.0.1 (port 0: any free port). */
export async function startImapProxy(options: ImapProxyOptions, port = 0): Promise<ImapProxy> {
  const stats: ImapProxyStats = {
    sessions: 0,
    open: 0,
    reaps: 0,
    reconnects: 0,
    keepAlives: 0,
    timeouts: 0,
    deadlines: 0,
    refused: 0,
    reapLateness: [],
    keepAliveLateness: [],
    timeoutLateness: [],
  };
  const live = new Set<Session>();
  const idle: Array<() => void> = [];
  const server = net.createServer((socket) => {
    const session = new Session(socket, options, stats);
    live.add(session);
    stats.sessions++;
    stats.open++;
    void session.run().finally(() => {
      live.delete(session);
      stats.open--;
      if (live.size === 0) for (const resolve of idle.splice(0)) resolve();
    });
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    stats,
    whenIdle() {
      return live.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve));
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      await Promise.all([...live].map((s) => s.end("* BYE Proxy shutting down")));
      await closed;
    },
  };
}

interface Backend {
  conn: ProtConnection;
  socket: net.Socket;
  /** Logged out by the reaper: what it still sends is drained, not relayed. */
  reaped: boolean;
}

/** A command the proxy keeps to replay on a new backend connection: its lines and literals as sent. */
type Replay = Buffer[];

class Session {
  readonly #client: ProtConnection;
  readonly #socket: net.Socket;
  readonly #port: number | undefined;
  readonly #o: Required<Omit<ImapProxyOptions, "tls" | "log">> & Pick<ImapProxyOptions, "tls" | "log">;
  readonly #stats: ImapProxyStats;
  readonly #clock: Clock;
  #backend: Backend | null = null;
  readonly #inFlight = new Set<string>();
  // Set while a client's IDLE or AUTHENTICATE reads tagless lines: they are relayed as they are.
  #tagless: string | null = null;
  #secured = false;
  #ended = false;
  #login: Replay | null = null;
  #select: Replay | null = null;
  readonly #pending = new Map<string, { verb: string; parts: Replay }>();
  #reaper: WaitEvent<Session> | null = null;
  #keepAlive: WaitEvent<Session> | null = null;
  #tagSeq = 0;

  constructor(socket: net.Socket, o: ImapProxyOptions, stats: ImapProxyStats) {
    this.#socket = socket;
    this.#port = socket.remotePort;
    this.#o = {
      clock: systemClock,
      backendIdle: 60_000,
      keepAlive: 0,
      clientTimeout: 1_800_000,
      commandDeadline: 60_000,
      maxLine: 65_536,
      maxLiteral: 50 * 1024 * 1024,
      ...o,
    };
    this.#clock = this.#o.clock;
    this.#stats = stats;
    this.#client = protSocket(socket, { input: { clock: this.#clock, maxLine: this.#o.maxLine, name: "client" }, output: { name: "client" } });
  }

  #log(text: string): void {
    this.#o.log?.(`client port ${this.#port}: ${text}`);
  }

  async run(): Promise<void> {
    try {
      await this.#serve();
    } catch (err) {
      this.#log(`session failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    await this.end(null);
  }

  async #serve(): Promise<void> {
    const { input, output } = this.#client;
    const greeting = await this.#connectBackend(true);
    if (greeting === null) {
      await this.end("* BYE [UNAVAILABLE] The backend server is unavailable");
      return;
    }
    output.write(Buffer.concat([this.#capabilities(greeting), Buffer.from(CRLF)]));
    const now = this.#clock.now();
    this.#reaper = input.addWaitEvent(now + this.#o.backendIdle, reapBackend, this);
    if (this.#o.keepAlive > 0) this.#keepAlive = input.addWaitEvent(now + this.#o.keepAlive, keepAlive, this);
    input.setTimeout(this.#o.clientTimeout);
    for (;;) {
      // The command deadline runs from the command's first byte, not from the wait for it.
      const got = await input.fill();
      if (typeof got !== "number") break;
      input.setDeadline(this.#clock.now() + this.#o.commandDeadline);
      if (this.#keepAlive !== null) this.#keepAlive.mark = this.#clock.now() + this.#o.keepAlive;
      const go = await this.#command();
      if (this.#ended) return;
      if (!go) break;
      input.setDeadline(Infinity);
      // Silence counts from the end of the command: relaying it (reconnecting first, perhaps) took time.
      if (this.#keepAlive !== null) this.#keepAlive.mark = this.#clock.now() + this.#o.keepAlive;
    }
    const why = input.error;
    if (why === "idle for too long") {
      this.#stats.timeouts++;
      sample(this.#stats.timeoutLateness, this.#clock.now() - input.timeoutMark);
      await this.end("* BYE Autologout; idle for too long");
    } else if (why === "deadline passed") {
      this.#stats.deadlines++;
      await this.end("* BYE Command not received in time");
    }
  }

  /** The client's next line; null when its input is over, or the line was too long (the session is then ended). */
  async #clientLine(): Promise<Buffer | null> {
    try {
      return await this.#client.input.readLineBytes();
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      this.#stats.refused++;
      await this.end("* BYE Line too long");
      return null;
    }
  }

  /** Reads one client command and relays it; false when the session is over. */
  async #command(): Promise<boolean> {
    const { output } = this.#client;
    const line = await this.#clientLine();
    if (line === null) return false;
    if (this.#tagless !== null) {
      // IDLE's DONE or an AUTHENTICATE response: relayed as it is.
      if (this.#tagless.startsWith("IDLE ")) this.#tagless = null;
      return this.#relayCommand(line, null);
    }
    const m = /^([^\s(){%*"\\\]]+) ([A-Za-z]+)/.exec(line.toString("latin1", 0, Math.min(line.length, 200)));
    if (m === null) {
      output.write(`* BAD Expected a tag and a command${CRLF}`);
      return true;
    }
    const tag = m[1] as string;
    const verb = (m[2] as string).toUpperCase();
    if (tag.startsWith(OWN_TAG)) {
      output.write(`${tag} BAD Tags starting ${OWN_TAG} are reserved by the proxy${CRLF}`);
      return true;
    }
    if (verb === "STARTTLS") return this.#startTls(tag);
    if (verb === "COMPRESS") {
      // A compressed stream cannot be relayed line by line; the capability is not offered either.
      output.write(`${tag} NO COMPRESS is not available through this proxy${CRLF}`);
      return true;
    }
    if (verb === "LOGOUT" && this.#backend === null) {
      output.write(`* BYE Logging out${CRLF}${tag} OK Logout completed${CRLF}`);
      await this.end(null);
      return false;
    }
    return this.#relayCommand(line, { tag, verb });
  }

  /** Relays a command (its first line given, its literals and further lines read here) to the backend. */
  async #relayCommand(first: Buffer, head: { tag: string; verb: string } | null): Promise<boolean> {
    const { input, output } = this.#client;
    const lit = literalOf(first);
    if (lit !== null && lit.size > this.#o.maxLiteral) {
      this.#stats.refused++;
      if (!lit.sync || head === null) {
        await this.end("* BYE Literal too large");
        return false;
      }
      output.write(`${head.tag} NO [TOOBIG] Literal larger than ${this.#o.maxLiteral} bytes${CRLF}`);
      return true;
    }
    const be = await this.#usableBackend();
    if (be === null) {
      if (head !== null && lit === null) {
        output.write(`${head.tag} NO [UNAVAILABLE] The backend server is unavailable${CRLF}`);
        return true;
      }
      await this.end("* BYE The backend server is unavailable");
      return false;
    }
    const keep = head !== null && ["LOGIN", "SELECT", "EXAMINE"].includes(head.verb) ? ([] as Buffer[]) : null;
    if (head !== null) {
      if (this.#inFlight.size === 0) input.setTimeout(0);
      this.#inFlight.add(head.tag);
      if (head.verb === "IDLE" || head.verb === "AUTHENTICATE") this.#tagless = `${head.verb} ${head.tag}`;
      if (head.verb === "CLOSE" || head.verb === "UNSELECT") this.#select = null;
    }
    const out = be.conn.output;
    let line = first;
    for (;;) {
      out.write(line).write(CRLF);
      keep?.push(Buffer.from(line), Buffer.from(CRLF));
      const l = literalOf(line);
      if (l === null) break;
      if (l.size > this.#o.maxLiteral) {
        this.#stats.refused++;
        await this.end("* BYE Literal too large");
        return false;
      }
      await out.flush();
      for (let rest = l.size; rest > 0;) {
        const chunk = await input.read(Math.min(rest, RELAY_CHUNK));
        if (typeof chunk !== "object" || chunk === null) return false;
        out.write(chunk);
        keep?.push(chunk);
        rest -= chunk.length;
        if (out.buffered >= RELAY_CHUNK) await out.flush();
      }
      const next = await this.#clientLine();
      if (next === null) return false;
      line = next;
    }
    if (keep !== null && head !== null) this.#pending.set(head.tag, { verb: head.verb, parts: keep });
    await out.flush();
    return true;
  }

  /** The backend, connected again (LOGIN and SELECT replayed) if the reaper logged it out. */
  async #usableBackend(): Promise<Backend | null> {
    if (this.#backend !== null && !this.#backend.reaped) return this.#backend;
    if ((await this.#connectBackend(false)) === null) return null;
    return this.#backend;
  }

  /** Connects to the backend; returns its greeting line, or null if that failed. */
  async #connectBackend(first: boolean): Promise<Buffer | null> {
    const socket = net.connect(this.#o.backend.port, this.#o.backend.host);
    socket.setNoDelay(true);
    try {
      await once(socket, "connect");
    } catch (err) {
      this.#log(`backend connection failed: ${err instanceof Error ? err.message : String(err)}`);
      socket.destroy();
      return null;
    }
    const conn = protSocket(socket, { input: { clock: this.#clock, maxLine: 1 << 20, name: "backend" }, output: { name: "backend" } });
    const greeting = await conn.input.readLineBytes();
    if (typeof greeting !== "object" || greeting === null) {
      await closeConnection(conn, socket, this.#clock);
      return null;
    }
    const be: Backend = { conn, socket, reaped: false };
    if (!first) {
      this.#stats.reconnects++;
      for (const replay of [this.#login, this.#select]) {
        if (replay !== null && !(await this.#replay(be, replay))) {
          await closeConnection(conn, socket, this.#clock);
          return null;
        }
      }
      this.#log("backend reconnected");
    }
    this.#backend = be;
    if (this.#reaper !== null) this.#reaper.mark = this.#clock.now() + this.#o.backendIdle;
    void this.#relayReplies(be);
    return Buffer.from(greeting);
  }

  /** Sends a kept command under a tag of the proxy's and swallows its replies; true if it succeeded. */
  async #replay(be: Backend, parts: Replay): Promise<boolean> {
    const tag = `${OWN_TAG}${++this.#tagSeq}`;
    const first = parts[0] as Buffer;
    const rest = first.subarray(first.indexOf(0x20));
    // The literals are replayed as LITERAL+ ({n+}), which needs no continuation; sync ones are rewritten.
    const text = Buffer.concat([Buffer.from(tag), rest, ...parts.slice(1)])
      .toString("latin1")
      .replace(/(~?\{\d+)\}\r\n/g, "$1+}\r\n");
    be.conn.output.write(Buffer.from(text, "latin1"));
    await be.conn.output.flush();
    for (;;) {
      const reply = await be.conn.input.readLineBytes();
      if (typeof reply !== "object" || reply === null) return false;
      const lit = literalOf(reply);
      if (lit !== null && (await be.conn.input.readExactly(lit.size)) === null) return false;
      const s = reply.toString("latin1");
      if (s.startsWith(`${tag} `)) return s.startsWith(`${tag} OK`);
    }
  }

  /** Relays everything the backend sends to the client, byte for byte, message by message. */
  async #relayReplies(be: Backend): Promise<void> {
    const { input: bin } = be.conn;
    const { output } = this.#client;
    try {
      for (;;) {
        let line = await bin.readLineBytes();
        if (typeof line !== "object" || line === null) break;
        if (be.reaped) continue;
        const tag = line.toString("latin1", 0, Math.min(line.indexOf(0x20) >>> 0, 100));
        const text = tag === "*" || this.#pending.has(tag) ? line.toString("latin1", 0, Math.min(line.length, 400)) : "";
        if (text.includes("CAPABILITY")) line = this.#capabilities(line);
        // A response with literals is one message: a keep-alive fired meanwhile waits until it is whole.
        output.beginMessage();
        for (;;) {
          output.write(line).write(CRLF);
          const lit = literalOf(line);
          if (lit === null) break;
          for (let rest = lit.size; rest > 0;) {
            const chunk = await bin.read(Math.min(rest, RELAY_CHUNK));
            if (typeof chunk !== "object" || chunk === null) return;
            output.write(chunk);
            rest -= chunk.length;
            if (output.buffered >= RELAY_CHUNK) await this.#drainClient();
          }
          const next = await bin.readLineBytes();
          if (typeof next !== "object" || next === null) return;
          line = next;
        }
        output.endMessage();
        // The client stream flushes only when it starts to wait; replies come while it waits already.
        if (bin.buffered === 0 || output.buffered >= RELAY_CHUNK) await this.#drainClient();
        if (this.#inFlight.delete(tag)) this.#completed(tag, text);
      }
    } catch (err) {
      this.#log(`relay failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      if (output.inMessage) output.endMessage();
      if (this.#backend === be) this.#backend = null;
      await closeConnection(be.conn, be.socket, this.#clock);
      if (!be.reaped) await this.end(null);
    }
  }

  /** A client command's tagged reply went out. */
  #completed(tag: string, text: string): void {
    const kept = this.#pending.get(tag);
    this.#pending.delete(tag);
    if (this.#tagless?.endsWith(` ${tag}`)) this.#tagless = null;
    if (kept !== undefined && text.startsWith(`${tag} OK`)) {
      if (kept.verb === "LOGIN") this.#login = kept.parts;
      else this.#select = kept.parts;
    }
    if (this.#inFlight.size > 0) return;
    const now = this.#clock.now();
    if (this.#reaper !== null) this.#reaper.mark = now + this.#o.backendIdle;
    // The client's silence counts from the last reply it was waiting for.
    if (!this.#ended) this.#client.input.setTimeout(this.#o.clientTimeout);
  }

  /** Waits until the client takes what was written; a client that takes nothing for clientTimeout is dropped. */
  async #drainClient(): Promise<void> {
    let timer: { cancel(): void } | null = null;
    const stalled = new Promise<never>((_, reject) => {
      timer = this.#clock.schedule(this.#clock.now() + this.#o.clientTimeout, () => {
        this.#log("the client stopped reading");
        reject(new Error("the client stopped reading"));
      });
    });
    try {
      await Promise.race([this.#client.output.flush(), stalled]);
    } finally {
      (timer as { cancel(): void } | null)?.cancel();
      stalled.catch(() => {});
    }
  }

  /** A LOGIN or AUTHENTICATE is in flight: the capabilities that come with it are post-login ones. */
  get #authenticating(): boolean {
    return this.#tagless?.startsWith("AUTHENTICATE") === true || [...this.#pending.values()].some((p) => p.verb === "LOGIN");
  }

  /** A capability list as the proxy offers it: STARTTLS is the proxy's own, COMPRESS cannot pass a relay. */
  #capabilities(line: Buffer): Buffer {
    const s = line.toString("latin1");
    const out = s.replace(/(CAPABILITY(?: [^\]\s]+)*)/, (caps) => {
      let words = caps.split(" ").filter((w) => w !== "STARTTLS" && !w.startsWith("COMPRESS="));
      if (this.#o.tls !== undefined && !this.#secured && this.#login === null && !this.#authenticating) words = [...words, "STARTTLS"];
      return words.join(" ");
    });
    return out === s ? line : Buffer.from(out, "latin1");
  }

  async #startTls(tag: string): Promise<boolean> {
    const { input, output } = this.#client;
    if (this.#o.tls === undefined || this.#secured || this.#login !== null) {
      output.write(`${tag} BAD STARTTLS not available${CRLF}`);
      return true;
    }
    if (this.#inFlight.size > 0 || input.buffered > 0) {
      // Plain text sent after STARTTLS would pass for protected input.
      this.#stats.refused++;
      await this.end(`${tag} BAD Input after STARTTLS`);
      return false;
    }
    output.write(`${tag} OK Begin TLS negotiation now${CRLF}`);
    await output.flush();
    await this.#client.startTls({ isServer: true, secureContext: this.#o.tls });
    this.#secured = true;
    this.#log("client TLS established");
    return true;
  }

  /** Ends the session once: `bye` (if any) to the client, the backend logged out, both closed. */
  async end(bye: string | null): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const { output } = this.#client;
    try {
      if (bye !== null && output.error === null) {
        if (output.inMessage) output.endMessage();
        output.write(`${bye}${CRLF}`);
      }
    } catch {
      // The client is gone.
    }
    const be = this.#backend;
    this.#backend = null;
    if (be !== null) {
      be.reaped = true;
      await closeConnection(be.conn, be.socket, this.#clock);
    }
    await closeConnection(this.#client, this.#socket, this.#clock);
  }

  /** The reaper's decision, as a wait event on the client stream (see reapBackend). */
  reap(s: ProtStream, ev: WaitEvent<Session>): WaitEvent<Session> | null {
    const now = s.clock.now();
    const be = this.#backend;
    if (be === null || be.reaped) {
      ev.mark = Infinity;
      return ev;
    }
    if (this.#inFlight.size > 0 || this.#tagless !== null) {
      ev.mark = now + this.#o.backendIdle;
      return ev;
    }
    this.#stats.reaps++;
    sample(this.#stats.reapLateness, now - ev.mark);
    this.#log("backend idle: logged out");
    be.reaped = true;
    try {
      be.conn.output.write(`${OWN_TAG}${++this.#tagSeq} LOGOUT${CRLF}`);
    } catch {
      // Already gone: the relay closes it.
    }
    // The relay drains the BYE and closes the connection; the next command reconnects.
    void be.conn.output.flush().catch(() => {});
    ev.mark = Infinity;
    return ev;
  }

  ping(ev: WaitEvent<Session>): WaitEvent<Session> {
    const now = this.#clock.now();
    this.#stats.keepAlives++;
    sample(this.#stats.keepAliveLateness, now - ev.mark);
    this.#client.output.writeBetween(`* OK Still here${CRLF}`);
    this.#log("client idle: * OK Still here");
    // From the mark, not from now: a late firing does not push the next one later.
    ev.mark += this.#o.keepAlive;
    if (ev.mark <= now) ev.mark = now + this.#o.keepAlive;
    return ev;
  }
}

/**
 * Closes a connection, what is buffered for the peer sent first if the peer
 * takes it within CLOSE_GRACE ticks, and resolves once the socket is closed
 * and its descriptor released.
 */
async function closeConnection(conn: ProtConnection, socket: net.Socket, clock: Clock): Promise<void> {
  const closed = socket.closed ? null : new Promise((resolve) => socket.once("close", resolve));
  const grace = clock.schedule(clock.now() + CLOSE_GRACE, () => socket.destroy());
  await conn.close();
  grace.cancel();
  await closed;
}

function sample(samples: number[], x: number): void {
  if (samples.length < MAX_SAMPLES) samples.push(x);
}

function reapBackend(s: ProtStream, ev: WaitEvent<Session>, session: Session): WaitEvent<Session> | null {
  return session.reap(s, ev);
}

function keepAlive(_s: ProtStream, ev: WaitEvent<Session>, session: Session): WaitEvent<Session> {
  return session.ping(ev);
}

/**
 * The story `npm run demo` tells: a client logs in through the proxy to a
 * private Dovecot, goes quiet, is kept alive, has its backend logged out
 * behind its back, sends a command (the proxy reconnects), and is finally
 * logged out for idling. Returns what the client read.
 */
export async function imapProxyStory(scene: Scene): Promise<string[]> {
  const u = scene.unit;
  const dovecot = await startDovecot((maildir) => {
    writeFileSync(`${maildir}/new/1.M1P1.story`, "From: a@example.org\nSubject: hello\n\nHello through the proxy.\n");
  });
  // The story's time starts once Dovecot is up.
  const tl = new Timeline(scene);
  const proxy = await startImapProxy({
    backend: { host: "127.0.0.1", port: dovecot.port },
    clock: scene.clock,
    backendIdle: 30 * u,
    keepAlive: 15 * u,
    clientTimeout: 100 * u,
    log: (line) => tl.log(`proxy: ${line.replace(/^client port \d+: /, "")}`),
  });
  const client = await dial(scene, proxy.port);
  const seen: string[] = [];
  const replies = new Map<string, () => void>();
  const reading = (async () => {
    for (;;) {
      const line = await client.input.readLine();
      if (typeof line !== "string") return;
      seen.push(line);
      replies.get(line.split(" ", 1)[0] as string)?.();
    }
  })();
  const send = async (line: string): Promise<void> => {
    const tag = line.split(" ", 1)[0] as string;
    const replied = new Promise<void>((resolve) => replies.set(tag, resolve));
    tl.log(`client: ${line.replace(/LOGIN (\S+) \S+/, "LOGIN $1 ****")}`);
    await client.output.write(`${line}\r\n`).flush();
    await replied;
  };
  try {
    await send(`a LOGIN ${dovecot.user} ${dovecot.password}`);
    await send("b SELECT INBOX");
    await tl.until(50);
    await send("c FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    await tl.until(150);
    await reading;
  } finally {
    await client.close();
    await proxy.close();
    await dovecot.stop();
  }
  return seen;
}

if (isMain(import.meta.url)) {
  await imapProxyStory(liveScene(30));
}
