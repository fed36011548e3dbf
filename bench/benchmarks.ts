/**
 * The benchmarks of `npm run bench`, in its order: what each measures,
 * its goal and the command that runs it. The harness puts the command in
 * every results file, and the site's performance page explains the
 * benchmarks from here whether or not results exist.
 */

/** One benchmark script of bench/. */
export interface Benchmark {
  /** The script's name, which is also its results file's (`bench/results/<name>.json`). */
  name: string;
  title: string;
  /** Runs it with its default sizes, from the repository root. */
  command: string;
  /** What is measured, against which peers. */
  measures: string;
  /** The goal the benchmark is judged by. */
  goal: string;
}

export const benchmarks: readonly Benchmark[] = [
  {
    name: "line-throughput",
    title: "Line reading",
    command: "npx tsx bench/line-throughput.ts",
    measures:
      "A generated 200 MB file of IMAP-like CRLF lines (fixed seed), sent through a pipe by cat and over loopback TCP by a C sender, " +
      "each line counted: the CPU time of the reading process per MB, beside its wall time. Ours (UTF-8 strings, as readline's, and byte views) " +
      "against Node's readline (on('line') and for await), split2, a hand-written loop (StringDecoder, indexOf, slice), the same written for speed " +
      "(each chunk decoded once as latin1) and again making a Buffer view of each line, two scans that find every line end and make no line " +
      "(from latin1 text and from the bytes), raw 'data' events (the floor of any Node reader), Debian's libcyrus prot_fgets, a C reader with its contract over a 64 KiB buffer, and read() with memchr(). " +
      "Each Node contender runs in a fresh process each round, reads the file twice and is measured over the second pass (the first, " +
      "compiling and growing the heap, is reported apart), with glibc's malloc told to keep freed memory (MALLOC_TRIM_THRESHOLD_), " +
      "without which raw 'data', collecting its buffers only every 30 MB or so, faulted every page of them in again; the C programs report their own CPU time.",
    goal: "At most the hand loop's CPU and at most 1.15x raw 'data' events, over the pipe and over TCP; byte views no slower than strings.",
  },
  {
    name: "event-dispatch",
    title: "Event dispatch",
    command: "npx tsx bench/event-dispatch.ts",
    measures:
      "One stream holding K events (K = 1; 100; 10,000; 100,000), each rescheduling itself so that one fires per tick " +
      "of virtual time: the cost per firing of our stream, and of the C prot_fill under a virtual clock (no system calls for time or waiting: " +
      "what finding and running the due event costs; the same on the system clock is the next benchmark).",
    goal: "Our cost per firing grows at most logarithmically with K: within 3x from K = 1 to K = 100,000 (the C list scan grows linearly); " + "at K ≤ 100 no more than C's.",
  },
  {
    name: "timers",
    title: "Timers in real time",
    command: "npx tsx bench/timers.ts",
    measures:
      "K = 1, 10, 100 events on one stream on the system clock, event i due at ticks i + 1, i + 1 + K, ... so that one fires every millisecond: " +
      "the CPU time of the process per firing, after a warm-up, and how late each fires, against K setTimeout chains on the same schedule " +
      "and Debian's libcyrus prot_fill given a clock of milliseconds and a real select(); each run in a fresh process, V8's memory reducer off.",
    goal: "At most 1.2x the setTimeout chains' CPU per firing, and no more than C's.",
  },
  {
    name: "select-scaling",
    title: "Select scaling",
    command: "node --expose-gc --import tsx bench/select-scaling.ts",
    measures:
      "N read streams (100; 1,000; 10,000; 100,000) on a virtual clock, one becoming ready at a time: CPU time per wake-up of our select " +
      "(select, then read the line), without the kernel, and of the C prot_select over pipes (write a byte, select, read it; system calls " +
      "included, so not the same work), which runs only up to N = 1,000 because select(2) stops at FD_SETSIZE (1,024). " +
      "How our select's own cost grows with N; the same work against C over real sockets is the next benchmark.",
    goal: "Flat in N (taken as: our cost per wake-up within 2x from N = 100 to N = 100,000).",
  },
  {
    name: "select-sockets",
    title: "Select over sockets",
    command: "npx tsx bench/select-sockets.ts",
    measures:
      "A server process holding N loopback TCP connections (10; 100; 1,000; 10,000) and a C driver process that writes a line on one connection " +
      "chosen at random and waits for the answer before the next, so that one connection at a time becomes readable: the CPU time of the server " +
      "process per wake-up, beside the wall time of the round trip. Ours (protSocket, a ProtGroup, select, tryReadLine, write, flush) against " +
      "a Node server with a 'data' listener on each socket (the floor of any select in Node), Debian's libcyrus prot_select with prot_fgets " +
      "and prot_write, and C servers on select(2) and on epoll(7); the two on select(2) only up to N = 1,000 (FD_SETSIZE is 1,024). " +
      "A fresh server and driver per run.",
    goal: "Flat in N over real sockets (taken as: our server CPU per wake-up within 2x from N = 10 to N = 10,000).",
  },
  {
    name: "idle-connections",
    title: "Idle connections",
    command: "npx tsx bench/idle-connections.ts",
    measures:
      "19,000 loopback TCP clients held open, each server stream with an idle-timeout wait event and a pending line read " +
      "(ours), or non-blocking in one ProtGroup that a single select loop reads (ours-select), " +
      "against a minimal Node net server (socket.setTimeout, a 'timeout' and a 'data' listener, each shared by every connection) and one reading lines with readline; " +
      "each server in a fresh process each round. Memory per connection, CPU while every connection idles, and how late the idle " +
      "timeouts fire: spread across 2 s (nine or ten due each millisecond, as connections arriving over time would be), and all due " +
      "at the same instant, whose batch no single-threaded server fires within a tick.",
    goal:
      "Heap per connection within 1.3x the minimal server's and RSS within 1.2x; no CPU while idle (taken as at most 1% of a core); " +
      "the 99th percentile lateness of the spread timeouts within 1.5x the minimal server's.",
  },
];
