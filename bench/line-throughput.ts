/**
 * Line throughput through a pipe: every contender reads the same file of
 * IMAP-like CRLF lines from `cat file` through a pipe and counts its lines.
 *
 *   ours       ProtStream over the child's stdout, utf8, tryReadLine() ?? await readLine()
 *   ours-bytes the same with byte views, tryReadLineBytes() ?? await readLineBytes()
 *   readline   node:readline over the child's stdout, for await
 *   c-prot     Debian libcyrus prot_fgets (bench/c/fgets_count), `cat file | fgets_count`
 *   wc-l       `cat file | wc -l`: the memchr floor
 *
 * Each run of a Node contender is a fresh process (this script with
 * --child), timed from inside from the spawn of cat to its exit: in one
 * process shared with the others, ours lost about a tenth of its speed to
 * what readline left in the heap and the JIT. The C program and wc -l are
 * processes of their own anyway, timed from outside (their start-up, about
 * a millisecond, is in their time).
 *
 * Usage: tsx bench/line-throughput.ts [--rounds N] [--warmup N] [--tiny] [--results DIR]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { Messages, ProtStream } from "../dist/src/index.js";
import {
  buildC, goal, inFreshProcess, mbPerSecond, mulberry32, parseOptions, printCase, runAsChild, runCase, runChild, statsOf, timeIt, writeResults,
  type Contender, type Sample,
} from "./lib.js";

const opts = parseOptions();
const SIZE = opts.tiny ? 2_000_000 : 200_000_000;
const FORMAT = 1; // bump when the generator changes, so a stale cached file is not reused

const COMMANDS = [
  "LOGIN", "SELECT", "EXAMINE", "FETCH", "UID FETCH", "UID STORE", "STORE", "SEARCH", "UID SEARCH",
  "LIST", "LSUB", "STATUS", "APPEND", "NOOP", "IDLE", "CAPABILITY", "EXPUNGE", "COPY", "UID COPY", "LOGOUT",
];
const ATOMS = [
  "INBOX", "FLAGS", "BODY.PEEK[HEADER]", "RFC822.SIZE", "INTERNALDATE", "ENVELOPE", "UID", "\\Seen",
  "\\Deleted", "\\Flagged", "(MESSAGES", "UNSEEN)", "1:*", "NIL", "BODYSTRUCTURE", "+FLAGS.SILENT",
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
  const rnd = mulberry32(0x1a2b3c4d);
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

function cat(file: string) {
  return spawn("cat", [file], { stdio: ["ignore", "pipe", "inherit"] });
}

async function exited(child: ReturnType<typeof cat>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) await once(child, "close");
  if (child.exitCode !== 0) throw new Error(`cat exited with ${child.signalCode ?? child.exitCode}`);
}

/** Our stream's line reading, by way of `next`: a buffered line, or a promise of the next one. */
function oursOver(file: string, bytes: number) {
  return (name: string, next: (s: ProtStream) => unknown): Contender => ({
    name,
    async run(): Promise<Sample> {
      const { ns, value } = await timeIt(async () => {
        const child = cat(file);
        // UTF-8, readline's encoding too: the same strings from both.
        const s = new ProtStream(child.stdout, { maxLine: 1 << 20 });
        let n = 0;
        for (;;) {
          // Await only when the line is not buffered: a buffered line costs no promise.
          let l = next(s);
          if (l instanceof Promise) l = await l;
          if (typeof l !== "string" && !(l instanceof Buffer)) break;
          n++;
        }
        if (s.error !== Messages.eof) throw new Error(`ProtStream failed: ${s.error}`);
        s.close();
        await exited(child);
        return n;
      });
      return { ns, work: bytes, check: value };
    },
  });
}

function readlineOver(file: string, bytes: number): Contender {
  return {
    name: "readline",
    async run(): Promise<Sample> {
      const { ns, value } = await timeIt(async () => {
        const child = cat(file);
        const rl = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
        let n = 0;
        for await (const _ of rl) n++;
        await exited(child);
        return n;
      });
      return { ns, work: bytes, check: value };
    },
  };
}

async function main(): Promise<void> {
  const { file, lines: expected } = dataFile(SIZE);
  const bytes = statSync(file).size;
  const ours = oursOver(file, bytes);
  const inNode: Contender[] = [
    ours("ours", (st) => st.tryReadLine() ?? st.readLine()),
    ours("ours-bytes", (st) => st.tryReadLineBytes() ?? st.readLineBytes()),
    readlineOver(file, bytes),
  ];
  if (opts.child !== undefined) return runAsChild(opts.child, inNode);
  const cdir = await buildC();
  const fgets = path.join(cdir, "fgets_count");

  const contenders: Contender[] = [
    ...inNode.map((c) => inFreshProcess(c)),
    {
      name: "c-prot_fgets",
      async run(): Promise<Sample> {
        const { ns, stdout } = await runChild("sh", ["-c", 'cat "$1" | "$2"', "sh", file, fgets]);
        return { ns, work: bytes, check: Number(stdout.trim()) };
      },
    },
    {
      name: "wc-l",
      async run(): Promise<Sample> {
        const { ns, stdout } = await runChild("sh", ["-c", 'cat "$1" | wc -l', "sh", file]);
        return { ns, work: bytes, check: Number(stdout.trim()) };
      },
    },
  ];

  console.log(`line-throughput: ${(bytes / 1e6).toFixed(1)} MB, ${expected} CRLF lines, through a pipe from cat; ` +
    `${opts.rounds} rounds (+${opts.warmup} warm-up), each Node contender in a fresh process${opts.tiny ? ", TINY" : ""}`);
  const result = await runCase({ name: `count lines of ${(bytes / 1e6).toFixed(0)} MB`, ours: "ours", contenders, metric: mbPerSecond }, opts);
  // Every contender must have counted the lines the generator wrote.
  for (const [name, r] of Object.entries(result.contenders)) {
    for (const s of r.samples) {
      if (s.check !== expected) throw new Error(`${name} counted ${s.check} lines, the file has ${expected}`);
    }
  }
  printCase(result);
  const speed = (name: string): number => statsOf(result, name).median;
  const goals = [
    goal("ours ÷ readline (MB/s)", speed("ours") / speed("readline"), 2),
    goal("ours ÷ C prot_fgets (MB/s)", speed("ours") / speed("c-prot_fgets"), 0.8),
  ];
  const out = writeResults("line-throughput", opts, { file, bytes, lines: expected, cases: [result], goals });
  console.log(`\nresults: ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
