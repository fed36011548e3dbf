/**
 * The C prot layer's API, function for function, over the classes of
 * `prot-events`, so that C code such as Cyrus's `backend_timeout` or
 * `drac_ping` ports line for line: `prot_addwaitevent(s, mark, proc, rock)`
 * becomes `prot_addwaitevent(s, mark, proc, rock)`, `ev->mark = time(0) + n`
 * becomes `ev.mark = time() + n`.
 *
 * Differences a port has to mind:
 * - Reads return promises: `c = prot_getc(s)` becomes `c = await prot_getc(s)`.
 * - Time is counted in seconds, as C's `time()` does ({@link cyrusClock}),
 *   unless a stream is given another clock; timeouts and marks are in the
 *   stream's clock ticks.
 * - A read in non-blocking mode that would wait returns `EOF` with
 *   `prot_error(s) === null`, where C sets `errno` to `EAGAIN`.
 * - The wait-event rules are the reference implementation's (the `core`
 *   profile of the specification), not the C code's where they differ.
 *
 * @packageDocumentation
 */
import type { Readable, Writable } from "node:stream";
import { SystemClock, type Clock } from "./clock.js";
import { ProtStream, type ReadCallback, type WaitEvent, type WaitEventProc } from "./prot-stream.js";
import type { ProtStreamOptions } from "./stream-options.js";
import { bytesOf, kindOf } from "./bytes.js";
import { ProtWriteError, ProtWriter, type ProtWriterOptions } from "./prot-writer.js";
import { ProtGroup, select } from "./select.js";
import type { ByteSource } from "./source.js";

/** The C `EOF`: what the byte readers return at end of input, on failure, or when they would block. */
export const EOF = -1;

/** The C `PROT_NO_FD`: no extra descriptor for {@link prot_select}. */
export const PROT_NO_FD = null;

/** Whole seconds since the epoch, as C's `time()`; the facade's default clock. */
export const cyrusClock: Clock = new SystemClock({ tick: 1000 });

/** `time(NULL)` on the clock of `s`, or on {@link cyrusClock}. */
export function time(s?: ProtStream): number {
  return (s?.clock ?? cyrusClock).now();
}

/** A C `struct timeval`. */
export interface Timeval {
  /** Whole seconds (ticks of the group's clock). */
  tv_sec: number;
  /** Microseconds; counted as millionths of a tick. */
  tv_usec?: number;
}

/** `prot_new(fd, 0)`: a read stream over `source`, on {@link cyrusClock} unless told otherwise. */
export function prot_new(source: Readable | ByteSource, write: 0 | false, options?: ProtStreamOptions): ProtStream;
/** `prot_new(fd, 1)`: a writer over `sink`. */
export function prot_new(sink: Writable, write: 1 | true, options?: ProtWriterOptions): ProtWriter;
export function prot_new(io: Readable | Writable | ByteSource, write: 0 | 1 | boolean, options: ProtStreamOptions | ProtWriterOptions = {}): ProtStream | ProtWriter {
  if (write) return new ProtWriter(io as Writable, options as ProtWriterOptions);
  return new ProtStream(io as Readable | ByteSource, { clock: cyrusClock, ...(options as ProtStreamOptions) });
}

/** `prot_free(s)`: closes the stream. */
export function prot_free(s: ProtStream | ProtWriter): Promise<number> {
  if (s instanceof ProtStream) {
    s.close();
    return Promise.resolve(0);
  }
  return s.close().then(
    () => 0,
    () => EOF,
  );
}

/** `prot_settimeout(s, timeout)`. */
export function prot_settimeout(s: ProtStream, timeout: number): number {
  s.setTimeout(timeout);
  return 0;
}

/** `prot_resettimeout(s)`. */
export function prot_resettimeout(s: ProtStream): number {
  s.resetTimeout();
  return 0;
}

/** `prot_setflushonread(s, flushs)`. */
export function prot_setflushonread(s: ProtStream, flushs: ProtWriter | null): number {
  s.setFlushOnRead(flushs);
  return 0;
}

/** `prot_setreadcallback(s, proc, rock)`. */
export function prot_setreadcallback<R>(s: ProtStream, proc: ReadCallback<R> | null, rock: R): number {
  s.setReadCallback(proc, rock);
  return 0;
}

/** `prot_setisclient(s, val)`: literals as `{n+}` when set. */
export function prot_setisclient(s: ProtWriter, val: boolean | number): number {
  s.isClient = Boolean(val);
  return 0;
}

/** `prot_addwaitevent(s, mark, proc, rock)`. */
export function prot_addwaitevent<R>(s: ProtStream, mark: number, proc: WaitEventProc<R>, rock: R): WaitEvent<R> {
  return s.addWaitEvent(mark, proc, rock);
}

/** `prot_removewaitevent(s, event)`. */
export function prot_removewaitevent<R>(s: ProtStream, event: WaitEvent<R>): void {
  s.removeWaitEvent(event);
}

/** `prot_error(s)`: the error text, "end of file reached", or `null`. */
export function prot_error(s: ProtStream | ProtWriter): string | null {
  return s.error;
}

/** `prot_NONBLOCK(s)`. */
export function prot_NONBLOCK(s: ProtStream): void {
  s.nonBlocking = true;
}

/** `prot_BLOCK(s)`. */
export function prot_BLOCK(s: ProtStream): void {
  s.nonBlocking = false;
}

/** `prot_IS_BLOCKING(s)`. */
export function prot_IS_BLOCKING(s: ProtStream): boolean {
  return !s.nonBlocking;
}

/** `prot_bytes_in(s)`. */
export function prot_bytes_in(s: ProtStream): number {
  return s.bytesIn;
}

/** `prot_bytes_out(s)`. */
export function prot_bytes_out(s: ProtWriter): number {
  return s.bytesOut;
}

/** `prot_fill(s)`: waits for input and returns its first byte (consumed), or `EOF`. */
export async function prot_fill(s: ProtStream): Promise<number> {
  const c = await s.getc();
  return typeof c === "number" ? c : EOF;
}

/** `prot_getc(s)`: the next byte, or `EOF`. */
export function prot_getc(s: ProtStream): Promise<number> {
  const c = s.tryGetc();
  return c >= 0 ? Promise.resolve(c) : prot_fill(s);
}

/** `prot_ungetc(c, s)`. */
export function prot_ungetc(c: number, s: ProtStream): number {
  s.ungetc(c);
  return c;
}

/**
 * `prot_fgets(buf, size, s)`: reads up to `size - 1` bytes, stopping after a
 * LF, which is kept. A longer line comes in pieces. `null` at EOF or failure
 * with nothing read.
 * @throws RangeError (as a rejection) when `size` is not an integer.
 */
export async function prot_fgets(size: number, s: ProtStream): Promise<string | null> {
  if (!Number.isInteger(size)) throw new RangeError(`prot_fgets: size must be an integer, got ${kindOf(size)}`);
  if (size < 2 || s.eof) return null;
  const bytes: number[] = [];
  while (bytes.length < size - 1) {
    let c = s.tryGetc();
    if (c < 0) {
      const r = await s.getc();
      if (typeof r !== "number") break;
      c = r;
    }
    bytes.push(c);
    if (c === 10) break;
  }
  return bytes.length === 0 ? null : Buffer.from(bytes).toString(s.encoding);
}

/** `prot_read(s, buf, size)`: up to `size` bytes; empty at EOF or failure. */
export async function prot_read(s: ProtStream, size: number): Promise<Buffer> {
  if (size <= 0) return Buffer.alloc(0);
  const b = await s.read(size);
  return b instanceof Buffer ? b : Buffer.alloc(0);
}

// C's output functions return EOF when the stream has failed; a bad
// argument is a bug in the caller, and its TypeError goes through.
function status(act: () => void): number {
  try {
    act();
    return 0;
  } catch (err) {
    if (err instanceof ProtWriteError) return EOF;
    throw err;
  }
}

/** The first `len` bytes of `buf` (all of it when `len` is undefined), checked. */
function prefix(buf: unknown, len: number | undefined, where: string): string | Buffer {
  if (len === undefined && typeof buf === "string") return buf;
  const bytes = typeof buf === "string" ? Buffer.from(buf) : bytesOf(buf);
  if (bytes === undefined) throw new TypeError(`${where}: buf must be a string or bytes (a Uint8Array), got ${kindOf(buf)}`);
  if (len === undefined) return bytes;
  if (!Number.isInteger(len) || len < 0 || len > bytes.length) {
    throw new RangeError(`${where}: len must be an integer from 0 to ${bytes.length}, got ${kindOf(len)}`);
  }
  return bytes.subarray(0, len);
}

/**
 * `prot_write(s, buf, len)`: `len` counts bytes, as in C.
 * @throws TypeError or RangeError naming a bad `buf` or `len`; nothing is written.
 */
export function prot_write(s: ProtWriter, buf: string | Uint8Array, len?: number): number {
  const data = prefix(buf, len, "prot_write");
  return status(() => s.write(data));
}

/** `prot_puts(s, str)`. */
export function prot_puts(s: ProtWriter, str: string): number {
  return status(() => s.write(str));
}

/** `prot_putc(c, s)`. */
export function prot_putc(c: number, s: ProtWriter): number {
  return status(() => s.write(Uint8Array.of(c & 0xff)));
}

/** `prot_printf(s, fmt, ...)`. */
export function prot_printf(s: ProtWriter, fmt: string, ...args: unknown[]): number {
  return status(() => s.printf(fmt, ...args));
}

/** `prot_printliteral(out, s, size)`. */
export function prot_printliteral(out: ProtWriter, s: string | Uint8Array): number {
  return status(() => out.printLiteral(s));
}

/** `prot_printstring(out, s)`: NIL, quoted string or literal. */
export function prot_printstring(out: ProtWriter, s: string | null): number {
  return status(() => out.printString(s));
}

/** `prot_printastring(out, s)`: NIL, atom, quoted string or literal. */
export function prot_printastring(out: ProtWriter, s: string | null): number {
  return status(() => out.printAstring(s));
}

/**
 * `prot_printmap(out, s, n)`: bytes as NIL, quoted string or literal. A
 * string is printed by its bytes: in the writer's encoding, or in UTF-8
 * when `n` counts them.
 * @throws TypeError or RangeError naming a bad `s` or `n`; nothing is written.
 */
export function prot_printmap(out: ProtWriter, s: Uint8Array | string | null, n?: number): number {
  const data = s === null ? null : prefix(s, n, "prot_printmap");
  return status(() => out.printMap(data));
}

/**
 * `prot_printamap(out, s, n)`: bytes as NIL, atom, quoted string or
 * literal; a string as for {@link prot_printmap}.
 * @throws TypeError or RangeError naming a bad `s` or `n`; nothing is written.
 */
export function prot_printamap(out: ProtWriter, s: Uint8Array | string | null, n?: number): number {
  const data = s === null ? null : prefix(s, n, "prot_printamap");
  return status(() => out.printAmap(data));
}

/** `prot_flush(s)`: 0, or `EOF` when the sink is closed or failed. */
export function prot_flush(s: ProtWriter): Promise<number> {
  return s.flush().then(
    () => 0,
    () => EOF,
  );
}

/** `protgroup_new(size)`; the size hint is not needed. */
export function protgroup_new(_size = 0): ProtGroup {
  return new ProtGroup();
}

/** `protgroup_insert(group, item)`. */
export function protgroup_insert(group: ProtGroup, item: ProtStream): void {
  group.add(item);
}

/** `protgroup_delete(group, item)`. */
export function protgroup_delete(group: ProtGroup, item: ProtStream): void {
  group.delete(item);
}

/** `protgroup_size(group)`. */
export function protgroup_size(group: ProtGroup): number {
  return group.size;
}

/** `protgroup_getelement(group, element)`: the element-th stream, or `null`. */
export function protgroup_getelement(group: ProtGroup, element: number): ProtStream | null {
  let i = 0;
  for (const s of group) if (i++ === element) return s;
  return null;
}

/** `protgroup_reset(group)`: empties the group. */
export function protgroup_reset(group: ProtGroup): void {
  for (const s of [...group]) group.delete(s);
}

/** `protgroup_free(group)`. */
export function protgroup_free(group: ProtGroup): void {
  protgroup_reset(group);
}

/** What {@link prot_select} returns: C's return value and its `out` group. */
export interface SelectResult {
  /** How many streams are ready (C's return value). */
  count: number;
  /** The ready streams, or `null` when none (C's `*out`). */
  out: ProtGroup | null;
}

/**
 * `prot_select(readstreams, PROT_NO_FD, &out, NULL, timeout)`. Extra file
 * descriptors are not supported: pass {@link PROT_NO_FD}.
 */
export async function prot_select(readstreams: ProtGroup, extra_read_fd: null, timeout: Timeval | null): Promise<SelectResult> {
  if (extra_read_fd !== null) throw new TypeError("prot_select: extra file descriptors are not supported; pass PROT_NO_FD");
  const ticks = timeout === null ? null : timeout.tv_sec + (timeout.tv_usec ?? 0) / 1e6;
  const ready = await select(readstreams, ticks);
  if (ready.length === 0) return { count: 0, out: null };
  return { count: ready.length, out: new ProtGroup(ready, { clock: readstreams.clock }) };
}
