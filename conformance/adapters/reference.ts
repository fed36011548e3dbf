/**
 * The adapter of the reference implementation in `src/`: the model for
 * anyone writing an adapter of their own.
 */
import { Writable } from "node:stream";
import {
  ProtGroup,
  ProtStream,
  ProtWriter,
  ScriptedSource,
  VERSION,
  WOULD_BLOCK,
  select,
  type ByteSink,
  type ByteSource,
  type ReadResult,
  type WaitEvent,
  type WaitEventProc,
} from "../../src/index.js";
import type { Adapter, EventCallback, EventHandle, GroupUnderTest, OpenOptions, ReadOutcome, StreamUnderTest } from "../src/adapter.js";
import type { Rock } from "../src/case.js";

const outcome = <T>(s: ProtStream, r: ReadResult<T>): ReadOutcome<T> => {
  if (r === WOULD_BLOCK) return { kind: "wouldblock" };
  if (r !== null) return { kind: "data", value: r };
  return s.eof ? { kind: "eof" } : { kind: "error", message: s.error ?? "unknown error" };
};

/** Scripted input that also takes what a peer echoes back. */
class EchoingSource implements ByteSource {
  #sink: ByteSink | null = null;
  constructor(readonly scripted: ScriptedSource) {}
  attach(sink: ByteSink): void {
    this.#sink = sink;
    this.scripted.attach(sink);
  }
  pause(): void {
    this.scripted.pause();
  }
  resume(): void {
    this.scripted.resume();
  }
  close(): void {
    this.#sink = null;
    this.scripted.close();
  }
  echo(bytes: Uint8Array): void {
    this.#sink?.push(Buffer.from(bytes));
  }
}

class ReferenceStream implements StreamUnderTest {
  readonly stream: ProtStream;
  readonly writer: ProtWriter | null = null;
  constructor(o: OpenOptions) {
    const arrivals = o.input.arrivals.map((a) => ({ at: a.at, data: a.bytes }));
    const { end: at, error } = o.input;
    const end = at === undefined ? undefined : { at, ...(error === undefined ? {} : { error }) };
    const source = new EchoingSource(new ScriptedSource(o.clock, arrivals, end));
    this.stream = new ProtStream(source, {
      clock: o.clock,
      name: o.name,
      encoding: "latin1",
      timeout: o.timeout,
      nonBlocking: o.nonBlocking,
    });
    const sink = o.flushSink;
    if (sink !== undefined) {
      const echo = o.echo === true;
      const take = (chunk: Buffer, done: () => void): void => {
        sink(chunk);
        if (echo) source.echo(chunk);
        done();
      };
      const readsAt = o.peerReadsAt ?? 0;
      const clock = o.clock;
      if (readsAt === 0) {
        this.writer = new ProtWriter(new Writable({ write: (chunk: Buffer, _enc, done) => take(chunk, done) }));
        this.stream.setFlushOnRead(this.writer);
      } else {
        // A peer that reads nothing before readsAt: each write to it waits
        // until then, and asks the writer to wait for its drain.
        const writer = new ProtWriter(
          new Writable({
            highWaterMark: 1,
            write: (chunk: Buffer, _enc, done) => {
              if (clock.now() >= readsAt) take(chunk, done);
              else clock.schedule(readsAt, () => take(chunk, done));
            },
          }),
        );
        this.writer = writer;
        // Held back while any byte waits for that peer: a blocking write to it would block.
        this.stream.setFlushOnRead({
          get buffered() {
            return writer.buffered;
          },
          get blocked() {
            return clock.now() < readsAt && writer.pending > 0;
          },
          flush: () => writer.flush(),
        });
      }
    }
  }
  addWaitEvent(mark: number, callback: EventCallback | null, rock: Rock): EventHandle {
    // A missing callback goes to the stream as it is, for the stream to refuse.
    const proc = callback === null ? (null as unknown as WaitEventProc<Rock>) : (_s: ProtStream, ev: WaitEvent<Rock>, r: Rock) => callback(ev, r) as WaitEvent<Rock> | null;
    return this.stream.addWaitEvent(mark, proc, rock);
  }
  removeWaitEvent(event: EventHandle): void {
    this.stream.removeWaitEvent(event as WaitEvent<Rock>);
  }
  events(): EventHandle[] {
    return this.stream.waitEvents as WaitEvent<Rock>[];
  }
  async readLine(): Promise<ReadOutcome<string>> {
    return outcome(this.stream, await this.stream.readLine());
  }
  async getc(): Promise<ReadOutcome<number>> {
    return outcome(this.stream, await this.stream.getc());
  }
  async read(n: number): Promise<ReadOutcome<Uint8Array>> {
    return outcome(this.stream, await this.stream.read(n));
  }
  async peek(): Promise<ReadOutcome<number>> {
    return outcome(this.stream, await this.stream.peek());
  }
  async fill(): Promise<ReadOutcome<number>> {
    // fill() answers how many bytes are buffered; the case format traces the next of them.
    const o = outcome(this.stream, await this.stream.fill());
    return o.kind === "data" ? { kind: "data", value: this.stream.tryPeek() } : o;
  }
  async skipLine(): Promise<ReadOutcome<true>> {
    return outcome(this.stream, await this.stream.skipLine());
  }
  async readExactly(n: number): Promise<ReadOutcome<Uint8Array>> {
    return outcome(this.stream, await this.stream.readExactly(n));
  }
  setTimeout(ticks: number): void {
    this.stream.setTimeout(ticks);
  }
  resetTimeout(): void {
    this.stream.resetTimeout();
  }
  setNonBlocking(value: boolean): void {
    this.stream.nonBlocking = value;
  }
  write(bytes: Uint8Array): void {
    if (this.writer === null) throw new Error(`${this.stream.name}: no writer is paired with this stream`);
    this.writer.write(bytes);
  }
  setReadCallback(callback: (() => void) | null): void {
    this.stream.setReadCallback(callback);
  }
  close(): void {
    this.stream.close();
  }
}

const unwrap = (streams: StreamUnderTest[]): Map<ProtStream, StreamUnderTest> => new Map(streams.map((s) => [(s as ReferenceStream).stream, s]));

/** The reference implementation, in process. */
const reference: Adapter = {
  info: { name: "prot-events reference", version: VERSION, language: "TypeScript", profile: "core" },
  openStream: (o) => new ReferenceStream(o),
  async select(streams, timeout) {
    const byStream = unwrap(streams);
    const group = new ProtGroup(byStream.keys());
    try {
      const ready = await select(group, timeout);
      return ready.map((s) => byStream.get(s) as StreamUnderTest);
    } finally {
      for (const s of byStream.keys()) group.delete(s);
    }
  },
  group(streams): GroupUnderTest {
    const byStream = unwrap(streams);
    const group = new ProtGroup(byStream.keys());
    return { select: async (timeout) => (await select(group, timeout)).map((s) => byStream.get(s) as StreamUnderTest) };
  },
};

export default reference;
