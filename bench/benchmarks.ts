/**
 * The four benchmarks of `npm run bench`, in its order: what each measures,
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
    title: "Line throughput",
    command: "npx tsx bench/line-throughput.ts",
    measures:
      "A generated 200 MB file of IMAP-like CRLF lines (fixed seed) is read through a pipe from cat, counting lines: " +
      "our stream's line reading as a server reads commands (UTF-8 strings, as readline's, and byte views), Node's readline, " +
      "the C prot_fgets of Debian's libcyrus, and wc -l as the memchr floor. Each Node contender runs in a fresh process " +
      "each round, so none pays for another's garbage or JIT state; the C program and wc -l are processes of their own anyway.",
    goal: "At least 2x readline and at least 0.8x the C prot_fgets, in MB/s.",
  },
  {
    name: "event-dispatch",
    title: "Event dispatch scaling",
    command: "npx tsx bench/event-dispatch.ts",
    measures:
      "One stream holding K events (K = 1; 100; 10,000; 100,000), each rescheduling itself so that one fires per tick " +
      "of virtual time: the cost per firing of our stream, and of the C prot_fill under a virtual clock.",
    goal: "Our cost per firing grows at most logarithmically with K: within 3x from K = 1 to K = 100,000 (the C list scan grows linearly).",
  },
  {
    name: "select-scaling",
    title: "Select scaling",
    command: "node --expose-gc --import tsx bench/select-scaling.ts",
    measures:
      "N read streams (100; 1,000; 10,000; 100,000), one becoming ready at a time: CPU time per wake-up of our select " +
      "(select, then read the line), and of the C prot_select (write a byte, select, read it), which runs only up to " +
      "N = 1,000 because select(2) stops at FD_SETSIZE (1,024).",
    goal: "Flat in N (taken as: our cost per wake-up within 2x from N = 100 to N = 100,000).",
  },
  {
    name: "idle-connections",
    title: "Idle connections",
    command: "npx tsx bench/idle-connections.ts",
    measures:
      "10,000 loopback TCP clients held open, each server stream with an idle-timeout wait event and a pending line read, " +
      "against a bare Node net server with socket.setTimeout and readline; each server in a fresh process each round. " +
      "Memory per connection, CPU while every connection idles, and how late the 10,000 idle timeouts fire: " +
      "spread across 2 s (five due each millisecond, as connections arriving over time would be), and all due at the same instant. " +
      "At one instant, no single-threaded server fires the last of 10,000 within a tick: the figure is the cost of the batch, " +
      "compared with the bare server's.",
    goal:
      "Within 1.2x the bare server's memory; no CPU while idle (taken as at most 1% of a core); " +
      "every idle timeout within one clock tick (1 ms) of its mark (taken as: the 99th percentile of the spread timeouts).",
  },
];
