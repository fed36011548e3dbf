/**
 * Line reading: every contender counts the lines of the same file of
 * IMAP-like CRLF lines, sent through a pipe by `cat` and over loopback TCP
 * by bench/c/serve_file (each a process of its own), and reports the CPU
 * time of the reading process (user + system) beside the wall time.
 *
 *   ours                ProtStream, utf8: tryReadLine() ?? await readLine()
 *   ours-bytes          the same with byte views: tryReadLineBytes() ?? await readLineBytes()
 *   ours-latin1         ours, latin1: each chunk is decoded without the check that it is
 *                       ASCII, which utf8 needs before its lines can be sliced (as hand-latin1)
 *   readline-on-line    node:readline, rl.on('line')
 *   readline-for-await  node:readline, for await (the slowest of its APIs)
 *   split2              the split2 package, piped
 *   hand-loop           the 15 lines a user writes: StringDecoder, indexOf, slice
 *   hand-latin1         the same written for speed: each chunk decoded once as latin1 (one
 *                       character a byte, as ours decodes ASCII), the partial line joined
 *                       with the head of the next chunk only
 *   hand-bytes          hand-latin1 with a Buffer view of each line (subarray) in place of
 *                       its string: what a view costs beside a string, outside any library
 *   scan-latin1         each chunk decoded as latin1 and searched for its LFs, no line made:
 *                       hand-latin1 without its lines
 *   scan-bytes          each chunk searched for its LFs with Buffer's indexOf, no string made:
 *                       the least a line reader does beyond raw-data
 *   raw-data            the stream's 'data' events and nothing else: the floor (no line count)
 *   c-prot_fgets        Debian's libcyrus prot_fgets (bench/c/fgets_count)
 *   c-reader64k         the same contract over a 64 KiB buffer, memchr and memcpy (bench/c/reader64k.c)
 *   c-memchr            read() and memchr(), counting LFs only (bench/c/memchr_count.c)
 *
 * Every Node contender adds up the length of each line it is given, so no
 * line can go unmade (the scan-* contenders work the lengths out from where
 * the LFs are, and make none). Each runs in a fresh Node process every round (this
 * script with --child), once the process is idle (see settle): in one
 * process shared with the others, ours lost about a tenth of its speed to
 * what readline left in the heap and the JIT. It reads the file twice in a
 * row and is timed from inside over the second pass only (see
 * measuredWindow): the first compiles its code and grows the heap to its
 * working size, once per process whatever the length of the input, and is
 * reported apart, per MB of one pass. The C programs report their own CPU
 * time (getrusage) from the moment they open their input, and read the
 * file once: they have nothing to warm up (their buffers are fixed, their
 * code compiled ahead). Through "a pipe", a Node reader gets cat's output
 * as Node's child processes give it, over a UNIX socket pair (libuv's), and
 * a C program through pipe(2) from the shell: the C readers cost about the
 * same either way (c-memchr 0.29 ms of CPU per MB over a socket pair, 0.33
 * through a pipe).
 *
 * What a Node contender's floor is made of is reported beside its figures,
 * per MB: the chunks its input delivered, how often the process slept
 * waiting for them (voluntary context switches), its page faults, and its
 * user and system time. A reader that keeps up with its sender takes each
 * write as it comes, in more and smaller chunks with a wake-up each, which
 * can make a reader doing less cost more per MB than one doing more. Page
 * faults were what made raw 'data' cost more than the readers: see
 * ALLOCATOR_ENV for why, and why every Node contender runs with it.
 *
 * Usage: tsx bench/line-throughput.ts [--rounds N] [--warmup N] [--tiny] [--results DIR]
 *
 * Instructions of one contender's measured window (see callgrindWindow in bench/lib.ts):
 * CALLGRIND_WINDOW=1 valgrind --tool=callgrind --instr-atstart=no \
 *   node --import tsx bench/line-throughput.ts --child pipe:ours
 * With --separate-threads=yes callgrind counts each thread apart: thread 1
 * is the reading itself; the others are V8's optimizing compiler and its
 * concurrent garbage collection, whose share of the work (the collector's
 * above all) moves with the machine's load by some tens of millions.
 * CALLGRIND_WINDOW=first counts the first pass instead (compiling included),
 * from the moment the input is open to the start of the second.
 */
import { Buffer } from "node:buffer";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";
import split2 from "split2";
import { Messages, ProtStream } from "../dist/src/index.js";
import {
  callgrindWindow,
  buildC,
  fmt,
  goal,
  inFreshProcess,
  mulberry32,
  parseOptions,
  printCase,
  runAsChild,
  runChild,
  runRounds,
  statsOf,
  summarize,
  writeResults,
  type BenchCaseResult,
  type Contender,
  type Goal,
  type Metric,
  type Sample,
} from "./lib.js";

const opts = parseOptions();
const SIZE = opts.tiny ? 2_000_000 : 200_000_000;
const FORMAT = 1; // bump when the generator changes, so a stale cached file is not reused
const SEED = 0x1a2b3c4d;

const COMMANDS = [
  "LOGIN",
  "SELECT",
  "EXAMINE",
  "FETCH",
  "UID FETCH",
  "UID STORE",
  "STORE",
  "SEARCH",
  "UID SEARCH",
  "LIST",
  "LSUB",
  "STATUS",
  "APPEND",
  "NOOP",
  "IDLE",
  "CAPABILITY",
  "EXPUNGE",
  "COPY",
  "UID COPY",
  "LOGOUT",
];
const ATOMS = [
  "INBOX",
  "FLAGS",
  "BODY.PEEK[HEADER]",
  "RFC822.SIZE",
  "INTERNALDATE",
  "ENVELOPE",
  "UID",
  "\\Seen",
  "\\Deleted",
  "\\Flagged",
  "(MESSAGES",
  "UNSEEN)",
  "1:*",
  "NIL",
  "BODYSTRUCTURE",
  "+FLAGS.SILENT",
];
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const QCHARS = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,-_@";

/** One line of 10-200 bytes, CRLF included. */
function makeLine(rnd: () => number, seq: number): string {
  const len = 10 + Math.floor(rnd() * 191);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  let line = rnd() < 0.15 ? (rnd() < 0.7 ? "* " : "+ ") : `A${seq.toString(36).toUpperCase()} `;
  line += pick(COMMANDS);
  while (line.length < len - 2) {
    const r = rnd();
    if (r < 0.3) line += " " + pick(ATOMS);
    else if (r < 0.5) line += " " + Math.floor(rnd() * 100000);
    else if (r < 0.75) {
      let q = '"';
      for (let n = 1 + Math.floor(rnd() * 30); n > 0; n--) q += QCHARS[Math.floor(rnd() * QCHARS.length)];
      line += " " + q + '"';
    } else {
      let atom = "";
      for (let n = 1 + Math.floor(rnd() * 12); n > 0; n--) atom += ALNUM[Math.floor(rnd() * ALNUM.length)];
      line += " " + atom;
    }
  }
  return line.slice(0, len - 2) + "\r\n";
}

/** Generates the file once per size and format, in os.tmpdir(); returns its path and line count. */
function dataFile(size: number): { file: string; lines: number } {
  const file = path.join(os.tmpdir(), `prot-events-bench-lines-v${FORMAT}-${size}.txt`);
  const countFile = `${file}.lines`;
  if (existsSync(file) && existsSync(countFile) && statSync(file).size === size) {
    return { file, lines: Number(readFileSync(countFile, "utf8")) };
  }
  process.stderr.write(`generating ${size} bytes of IMAP-like lines into ${file}\n`);
  const rnd = mulberry32(SEED);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w");
  const chunk = Buffer.allocUnsafe(1 << 20);
  let used = 0;
  let written = 0;
  let lines = 0;
  while (written + used < size) {
    let line = makeLine(rnd, lines);
    const room = size - written - used;
    // The last line is cut to fit the size and still ends in CRLF.
    if (line.length > room) line = room >= 3 ? line.slice(0, room - 2) + "\r\n" : "\r\n".slice(2 - room);
    if (used + line.length > chunk.length) {
      writeSync(fd, chunk, 0, used);
      written += used;
      used = 0;
    }
    used += chunk.write(line, used, "latin1");
    if (line.endsWith("\n")) lines++;
  }
  writeSync(fd, chunk, 0, used);
  closeSync(fd);
  renameSync(tmp, file);
  const cfd = openSync(countFile, "w");
  writeSync(cfd, String(lines));
  closeSync(cfd);
  return { file, lines };
}

/** Where the lines come from: `cat` through a pipe, or bench/c/serve_file over loopback TCP. */
type Transport = "pipe" | "tcp";
const TRANSPORTS: readonly Transport[] = ["pipe", "tcp"];

const cBuild = path.join(path.dirname(fileURLToPath(import.meta.url)), "c", "build");

/**
 * The environment of every Node contender's process: glibc's malloc keeps
 * the memory freed at the top of its heap instead of giving it back to the
 * kernel past 128 KiB (its default trim threshold). Node reads each chunk
 * into a fresh 64 KiB malloc'd buffer, freed when the garbage collector
 * finds the chunk dead. A reader that makes strings collects every few
 * hundred KiB and gets the same warm buffers back; raw 'data', which
 * allocates next to nothing on the JavaScript heap, collects only under
 * V8's external memory pressure, every 30 MB or so of buffers, and then
 * frees them at once, which malloc handed back to the kernel: its next
 * reads faulted every page in afresh, inside read(2) (80 to 200 faults per
 * MB where ours took 8, at some 12 µs of system time each on the machine
 * of the README's figures) and its CPU per MB was three to ten times its
 * user time. That is the allocator's policy meeting a program that does
 * no work, not the cost of reading.
 */
const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MALLOC_TRIM_THRESHOLD_: String(1 << 30) };

/** Starts the sender of `files`, one after the other; for TCP, resolves once it listens, with its port. */
async function sender(transport: Transport, files: readonly string[]): Promise<{ child: ChildProcess; port?: number }> {
  if (transport === "pipe") return { child: spawn("cat", files, { stdio: ["ignore", "pipe", "inherit"] }) };
  const child = spawn(path.join(cBuild, "serve_file"), files, { stdio: ["ignore", "pipe", "inherit"] });
  const out = child.stdout;
  let text = "";
  for await (const piece of out) {
    text += String(piece);
    if (text.includes("\n")) break;
  }
  const port = Number.parseInt(text, 10);
  if (!(port > 0)) throw new Error(`serve_file printed no port: ${JSON.stringify(text)}`);
  return { child, port };
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await once(child, "close");
  if (child.exitCode !== 0) throw new Error(`${child.spawnfile} exited with ${child.signalCode ?? child.exitCode}`);
}

/** The input of a Node contender, `file` twice: the Readable to count the lines of, and its sender. */
async function openInput(transport: Transport, file: string): Promise<{ input: Readable; child: ChildProcess }> {
  const { child, port } = await sender(transport, [file, file]);
  if (port === undefined) return { input: child.stdout as Readable, child };
  const socket = net.connect({ host: "127.0.0.1", port });
  await once(socket, "connect");
  return { input: socket, child };
}

/** What a Node contender does with its input: counts its lines and their characters (raw-data: its bytes only). */
type Reader = (input: Readable) => Promise<{ lines?: number; chars: number }>;

/**
 * Our stream's line reading, as the README writes it: a buffered line at
 * once, or the promise of the next one. The loop runs in an async
 * function, as a server's does, and does no more than the README's loop.
 * V8 (Node 20) does not optimize an async function's loop while it runs
 * (no on-stack replacement), but optimizes the whole function once it has
 * been resumed from its awaits often enough, within the first pass here
 * (--trace-opt); its loop still goes through the resumption's dispatch
 * with every line, some 30 instructions a line that a loop in a plain
 * function (a 'data' handler's) does not pay (callgrind).
 */
async function oursStrings(input: Readable, encoding: BufferEncoding = "utf8"): Promise<{ lines: number; chars: number }> {
  // UTF-8 unless asked, readline's encoding too: the same strings from both.
  const s = new ProtStream(input, { maxLine: 1 << 20, encoding });
  let n = 0;
  let chars = 0;
  for (;;) {
    const l = s.tryReadLine() ?? (await s.readLine());
    if (typeof l !== "string") break;
    n++;
    chars += l.length;
  }
  return oursDone(s, n, chars);
}

/** {@link oursStrings} with byte views. */
async function oursBytes(input: Readable): Promise<{ lines: number; chars: number }> {
  // A stream that is never non-blocking has no WOULD_BLOCK to test for: the
  // test `l === WOULD_BLOCK`, a Buffer against a symbol, called V8's generic
  // comparison with every line (4% of the reading's instructions, callgrind).
  const s = new ProtStream(input, { maxLine: 1 << 20, blockingOnly: true });
  let n = 0;
  let chars = 0;
  for (;;) {
    const l = s.tryReadLineBytes() ?? (await s.readLineBytes());
    if (l === null) break;
    n++;
    chars += l.length;
  }
  return oursDone(s, n, chars);
}

function oursDone(s: ProtStream, lines: number, chars: number): { lines: number; chars: number } {
  if (s.error !== Messages.eof) throw new Error(`ProtStream failed: ${s.error}`);
  s.close();
  return { lines, chars };
}

const readers: Record<string, Reader> = {
  ours: (input) => oursStrings(input),
  "ours-bytes": oursBytes,
  "ours-latin1": (input) => oursStrings(input, "latin1"),
  "readline-on-line": async (input) => {
    const rl = readline.createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    let chars = 0;
    rl.on("line", (l: string) => {
      n++;
      chars += l.length;
    });
    await once(rl, "close");
    return { lines: n, chars };
  },
  "readline-for-await": async (input) => {
    const rl = readline.createInterface({ input, crlfDelay: Infinity });
    let n = 0;
    let chars = 0;
    for await (const l of rl) {
      n++;
      chars += l.length;
    }
    return { lines: n, chars };
  },
  split2: async (input) => {
    let n = 0;
    let chars = 0;
    const lines = input.pipe(split2());
    lines.on("data", (l: string) => {
      n++;
      chars += l.length;
    });
    await once(lines, "end");
    return { lines: n, chars };
  },
  "hand-loop": async (input) => {
    const decoder = new StringDecoder("utf8");
    let rest = "";
    let n = 0;
    let chars = 0;
    input.on("data", (chunk: Buffer) => {
      const text = rest + decoder.write(chunk);
      let i = 0;
      for (let j = text.indexOf("\n"); j !== -1; j = text.indexOf("\n", i)) {
        const line = text.slice(i, j > i && text.charCodeAt(j - 1) === 13 ? j - 1 : j);
        n++;
        chars += line.length;
        i = j + 1;
      }
      rest = text.slice(i);
    });
    await once(input, "end");
    rest += decoder.end();
    if (rest.length > 0) n++;
    return { lines: n, chars };
  },
  "hand-latin1": async (input) => {
    let rest = "";
    let n = 0;
    let chars = 0;
    input.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      let i = 0;
      let j = text.indexOf("\n");
      if (j === -1) {
        rest += text;
        return;
      }
      if (rest.length > 0) {
        // The line begun in earlier chunks: joined with this chunk's head, not with the whole chunk.
        let line = rest + text.slice(0, j);
        if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        n++;
        chars += line.length;
        i = j + 1;
        j = text.indexOf("\n", i);
      }
      for (; j !== -1; j = text.indexOf("\n", i)) {
        const line = text.slice(i, j > i && text.charCodeAt(j - 1) === 13 ? j - 1 : j);
        n++;
        chars += line.length;
        i = j + 1;
      }
      rest = text.slice(i);
    });
    await once(input, "end");
    if (rest.length > 0) n++;
    return { lines: n, chars };
  },
  "hand-bytes": async (input) => {
    let rest: Buffer | null = null;
    let n = 0;
    let chars = 0;
    input.on("data", (chunk: Buffer) => {
      let i = 0;
      let j = chunk.indexOf(10);
      if (j === -1) {
        rest = rest === null ? chunk : Buffer.concat([rest, chunk]);
        return;
      }
      if (rest !== null) {
        // The line begun in earlier chunks: joined with this chunk's head, not with the whole chunk.
        let line = Buffer.concat([rest, chunk.subarray(0, j)]);
        if (line[line.length - 1] === 13) line = line.subarray(0, -1);
        n++;
        chars += line.length;
        i = j + 1;
        j = chunk.indexOf(10, i);
      }
      for (; j !== -1; j = chunk.indexOf(10, i)) {
        const line = chunk.subarray(i, j > i && chunk[j - 1] === 13 ? j - 1 : j);
        n++;
        chars += line.length;
        i = j + 1;
      }
      rest = i < chunk.length ? chunk.subarray(i) : null;
    });
    await once(input, "end");
    if (rest !== null) n++;
    return { lines: n, chars };
  },
  "scan-latin1": async (input) => {
    // The length of the line begun in earlier chunks, CR included; whether its last byte is a CR.
    let carried = 0;
    let lastWasCr = false;
    let n = 0;
    let chars = 0;
    input.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      let i = 0;
      for (let j = text.indexOf("\n"); j !== -1; j = text.indexOf("\n", i)) {
        const cr = j > 0 ? text.charCodeAt(j - 1) === 13 : carried > 0 && lastWasCr;
        n++;
        chars += carried + j - i - (cr ? 1 : 0);
        carried = 0;
        i = j + 1;
      }
      carried += text.length - i;
      lastWasCr = text.charCodeAt(text.length - 1) === 13;
    });
    await once(input, "end");
    if (carried > 0) n++;
    return { lines: n, chars };
  },
  "scan-bytes": async (input) => {
    let carried = 0;
    let lastWasCr = false;
    let n = 0;
    let chars = 0;
    input.on("data", (chunk: Buffer) => {
      let i = 0;
      for (let j = chunk.indexOf(10); j !== -1; j = chunk.indexOf(10, i)) {
        const cr = j > 0 ? chunk[j - 1] === 13 : carried > 0 && lastWasCr;
        n++;
        chars += carried + j - i - (cr ? 1 : 0);
        carried = 0;
        i = j + 1;
      }
      carried += chunk.length - i;
      lastWasCr = chunk[chunk.length - 1] === 13;
    });
    await once(input, "end");
    if (carried > 0) n++;
    return { lines: n, chars };
  },
  "raw-data": async (input) => {
    let bytes = 0;
    input.on("data", (chunk: Buffer) => (bytes += chunk.length));
    await once(input, "end");
    return { chars: bytes };
  },
};

const cPrograms: Record<string, string> = {
  "c-prot_fgets": "fgets_count",
  "c-reader64k": "reader64k",
  "c-memchr": "memchr_count",
};

/** What the process had used when its measured window began or ended. */
interface Reading {
  cpu: NodeJS.CpuUsage;
  usage: NodeJS.ResourceUsage;
  t: bigint;
}

const reading = (): Reading => ({ cpu: process.cpuUsage(), usage: process.resourceUsage(), t: process.hrtime.bigint() });

/**
 * The measured window of a contender's reading: it begins with the chunk
 * that carries byte `skip` of the input, read before that chunk goes in,
 * and counts the chunks and bytes from there. It hooks the input's push,
 * which every chunk goes through whoever reads it (one call more per
 * chunk, for every contender alike).
 */
function measuredWindow(input: Readable, skip: number): { start(): Reading; chunks(): number; bytesBefore(): number; bytes(): number } {
  const push = input.push.bind(input);
  let seen = 0;
  let from = 0;
  let chunks = 0;
  let start: Reading | undefined;
  input.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk !== null) {
      // A socket's or a pipe's chunks are Buffers, whatever the reader decodes them into.
      if (!Buffer.isBuffer(chunk)) throw new Error(`the input pushed a ${typeof chunk}, not a Buffer`);
      const n = chunk.length;
      if (start === undefined && seen + n > skip) {
        from = seen;
        start = reading();
        callgrindWindow(false, "first");
        callgrindWindow(true);
      }
      if (start !== undefined) chunks++;
      seen += n;
    }
    return push(chunk, encoding);
  };
  return {
    start(): Reading {
      if (start === undefined) throw new Error(`the input ended after ${seen} bytes, before the measured window at ${skip}`);
      return start;
    },
    chunks: () => chunks,
    bytesBefore: () => from,
    bytes: () => seen - from,
  };
}

/**
 * Waits until this process has been idle for a while: start-up leaves V8
 * compiling the module loader's code on threads of its own for some tenths
 * of a second, a CPU time that fell into the measured window of some runs
 * and not others (seen in V8's --trace-opt) and was billed to whichever
 * contender ran then, as much as the reading of 200 MB costs.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const cpu0 = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const cpu = process.cpuUsage(cpu0);
    // Under 2.5 ms of CPU in 50 ms: nothing runs but the timer.
    if (cpu.user + cpu.system < 2500) return;
  }
}

function nodeContender(transport: Transport, name: string, read: Reader, file: string, bytes: number): Contender {
  return {
    name: `${transport}:${name}`,
    async run(): Promise<Sample> {
      await settle();
      const { input, child } = await openInput(transport, file);
      const opened = reading();
      callgrindWindow(true, "first");
      const window = measuredWindow(input, bytes);
      const counted = await read(input);
      callgrindWindow(false);
      const end = reading();
      const start = window.start();
      const wallNs = Number(end.t - start.t);
      const userNs = (end.cpu.user - start.cpu.user) * 1000;
      const systemNs = (end.cpu.system - start.cpu.system) * 1000;
      const sleeps = end.usage.voluntaryContextSwitches - start.usage.voluntaryContextSwitches;
      const faults = end.usage.minorPageFault - start.usage.minorPageFault;
      // The first pass: compiling, and the heap growing to its working size, which a long-lived reader pays once.
      const firstPassNs = (start.cpu.user - opened.cpu.user + start.cpu.system - opened.cpu.system) * 1000;
      const firstPassBytes = window.bytesBefore();
      input.destroy();
      await exited(child);
      const extra = { wallNs, userNs, systemNs, firstPassNs, firstPassBytes, chunks: window.chunks(), sleeps, faults, ...counted };
      // The check is the count of both passes: every line of each must have been made.
      return { ns: userNs + systemNs, work: window.bytes(), ...(counted.lines === undefined ? {} : { check: counted.lines / 2 }), extra };
    },
  };
}

function cContender(transport: Transport, name: string, file: string, bytes: number): Contender {
  const prog = path.join(cBuild, cPrograms[name] as string);
  return {
    name,
    async run(): Promise<Sample> {
      let ran: { ns: number; stdout: string };
      if (transport === "pipe") {
        ran = await runChild("sh", ["-c", 'cat "$1" | "$2"', "sh", file, prog]);
      } else {
        const { child, port } = await sender(transport, [file]);
        ran = await runChild(prog, [String(port)]);
        await exited(child);
      }
      const [lines, cpuNs] = ran.stdout.trim().split(" ").map(Number) as [number, number];
      return { ns: cpuNs, work: bytes, check: lines, extra: { wallNs: ran.ns } };
    },
  };
}

/** CPU time of the reading process per MB read. */
const cpuPerMB: Metric = { label: "ms CPU/MB", of: (s) => s.ns / 1e6 / (s.work / 1e6), higherIsBetter: false };
/** Wall time per MB read, from the contender's input being open to its last line. */
const wallPerMB: Metric = { label: "ms wall/MB", of: (s) => Number(s.extra?.wallNs) / 1e6 / (s.work / 1e6), higherIsBetter: false };

/**
 * How a Node contender's input came, medians per MB: the chunks delivered,
 * the sleeps waiting for them, the page faults (memory the process took
 * fresh from the system: chunk buffers that were not freed in time to be
 * reused), and its CPU time split into user and system time (the kernel's
 * copying of the input, and its faults); and the CPU per MB of the first,
 * unmeasured pass (compiling, and the heap's growth).
 */
interface Delivery {
  chunksPerMB: number;
  sleepsPerMB: number;
  faultsPerMB: number;
  userMsPerMB: number;
  systemMsPerMB: number;
  firstPassMsPerMB: number;
}

function deliveries(samples: Map<string, Sample[]>): Record<string, Delivery> {
  const median = (xs: number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };
  const out: Record<string, Delivery> = {};
  for (const [name, list] of samples) {
    if (list[0]?.extra?.chunks === undefined) continue;
    const perMB = (key: string): number => median(list.map((s) => Number(s.extra?.[key]) / (s.work / 1e6)));
    const first = median(list.map((s) => Number(s.extra?.firstPassNs) / 1e6 / (Number(s.extra?.firstPassBytes) / 1e6)));
    out[name] = {
      chunksPerMB: perMB("chunks"),
      sleepsPerMB: perMB("sleeps"),
      faultsPerMB: perMB("faults"),
      userMsPerMB: perMB("userNs") / 1e6,
      systemMsPerMB: perMB("systemNs") / 1e6,
      firstPassMsPerMB: first,
    };
  }
  return out;
}

function printDeliveries(title: string, d: Record<string, Delivery>): void {
  console.log(`\n${title}: how the input came (medians per MB; a chunk is at most 64 KiB, 15.3 per MB)`);
  const width = Math.max(...Object.keys(d).map((n) => n.length));
  console.log(`  ${"contender".padEnd(width)}  chunks/MB  mean chunk  sleeps/MB  faults/MB  user ms/MB  system ms/MB  first pass ms/MB`);
  for (const [name, x] of Object.entries(d)) {
    console.log(
      `  ${name.padEnd(width)}  ${fmt(x.chunksPerMB).padStart(9)}  ${`${fmt(1e6 / x.chunksPerMB / 1024)} KiB`.padStart(10)}  ${fmt(x.sleepsPerMB).padStart(9)}  ${fmt(x.faultsPerMB).padStart(9)}  ${fmt(x.userMsPerMB).padStart(10)}  ${fmt(x.systemMsPerMB).padStart(12)}  ${fmt(x.firstPassMsPerMB).padStart(16)}`,
    );
  }
}

async function main(): Promise<void> {
  const { file, lines: expected } = dataFile(SIZE);
  const bytes = statSync(file).size;
  const inNode = TRANSPORTS.flatMap((t) => Object.entries(readers).map(([name, read]) => nodeContender(t, name, read, file, bytes)));
  if (opts.child !== undefined) return runAsChild(opts.child, inNode);
  await buildC();

  console.log(
    `line-throughput: ${(bytes / 1e6).toFixed(1)} MB, ${expected} CRLF lines, through a pipe and over loopback TCP; ` +
      `CPU time of the reading process; ${opts.rounds} rounds (+${opts.warmup} warm-up), each Node contender in a fresh process ` +
      `(${Object.entries(ALLOCATOR_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}) reading the file twice, the second time measured${opts.tiny ? ", TINY" : ""}`,
  );
  const cases: BenchCaseResult[] = [];
  const goals: Goal[] = [];
  const delivery: Record<string, Record<string, Delivery>> = {};
  for (const t of TRANSPORTS) {
    const contenders: Contender[] = [
      ...Object.keys(readers).map((name) => {
        const fresh = inFreshProcess(nodeContender(t, name, readers[name] as Reader, file, bytes), [], ALLOCATOR_ENV);
        return { name, run: () => fresh.run() };
      }),
      ...Object.keys(cPrograms).map((name) => cContender(t, name, file, bytes)),
    ];
    const spec = { name: `${t}: ${(bytes / 1e6).toFixed(0)} MB of lines, CPU`, ours: "ours", contenders, metric: cpuPerMB };
    const samples = await runRounds(spec, opts);
    // Every contender that counts must have counted the lines the generator wrote.
    for (const [name, list] of samples) {
      for (const s of list) if (s.check !== undefined && s.check !== expected) throw new Error(`${t}/${name} counted ${s.check} lines, the file has ${expected}`);
    }
    const cpu = summarize(spec, samples);
    const wall = summarize({ ...spec, name: `${t}: ${(bytes / 1e6).toFixed(0)} MB of lines, wall`, metric: wallPerMB }, samples);
    printCase(cpu);
    printCase(wall);
    delivery[t] = deliveries(samples);
    printDeliveries(t, delivery[t]);
    cases.push(cpu, wall);
    const m = (name: string): number => statsOf(cpu, name).median;
    goals.push(
      goal(`${t}: ours ÷ hand loop (CPU per MB)`, m("ours") / m("hand-loop"), 1.0, false),
      goal(`${t}: ours ÷ latin1 hand loop (CPU per MB)`, m("ours") / m("hand-latin1"), 1.0, false),
      goal(`${t}: ours ÷ raw 'data' (CPU per MB)`, m("ours") / m("raw-data"), 1.15, false, { peer: "scan-bytes", value: m("scan-bytes") / m("raw-data") }),
      goal(`${t}: byte views ÷ strings (CPU per MB)`, m("ours-bytes") / m("ours"), 1.0, false, { peer: "hand-bytes ÷ hand-latin1", value: m("hand-bytes") / m("hand-latin1") }),
    );
  }
  // What the input was, not where this machine kept it: the same bytes come from the same generator anywhere.
  const input = { bytes, lines: expected, made: `IMAP-like CRLF lines of 10-200 bytes, makeLine() in bench/line-throughput.ts (format ${FORMAT}), mulberry32 seed 0x${SEED.toString(16)}` };
  const out = writeResults("line-throughput", opts, { input, nodeEnv: ALLOCATOR_ENV, cases, goals, delivery });
  console.log(`\nresults: ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
