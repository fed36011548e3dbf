/**
 * The adapter of the reference implementation in `src/`: the model for
 * anyone writing an adapter of their own.
 */
import { Writable } from "node:stream";
import { ProtGroup, ProtStream, ProtWriter, ScriptedSource, VERSION, WOULD_BLOCK, select, type ReadResult, type WaitEvent } from "../../src/index.js";
import type { Adapter, EventCallback, EventHandle, OpenOptions, ReadOutcome, StreamUnderTest } from "../src/adapter.js";
import type { Rock } from "../src/case.js";

const outcome = <T>(s: ProtStream, r: ReadResult<T>): ReadOutcome<T> => {
  if (r === WOULD_BLOCK) return { kind: "wouldblock" };
  if (r !== null) return { kind: "data", value: r };
  return s.eof ? { kind: "eof" } : { kind: "error", message: s.error ?? "unknown error" };
};

class ReferenceStream implements StreamUnderTest {
  readonly stream: ProtStream;
  readonly writer: ProtWriter | null = null;
  constructor(o: OpenOptions) {
    const arrivals = o.input.arrivals.map((a) => ({ at: a.at, data: a.bytes }));
    const end = o.input.end === undefined ? undefined : { at: o.input.end };
    this.stream = new ProtStream(new ScriptedSource(o.clock, arrivals, end), {
      clock: o.clock,
      name: o.name,
      encoding: "latin1",
      timeout: o.timeout,
      nonBlocking: o.nonBlocking,
    });
    const sink = o.flushSink;
    if (sink !== undefined) {
      this.writer = new ProtWriter(new Writable({ write: (chunk: Buffer, _enc, done) => (sink(chunk), done()) }));
      this.stream.setFlushOnRead(this.writer);
    }
  }
  addWaitEvent(mark: number, callback: EventCallback, rock: Rock): EventHandle {
    return this.stream.addWaitEvent(mark, (_s, ev: WaitEvent<Rock>, r) => callback(ev, r) as WaitEvent<Rock> | null, rock);
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
  setReadCallback(callback: () => void): void {
    this.stream.setReadCallback(callback);
  }
  close(): void {
    this.stream.close();
  }
}

/** The reference implementation, in process. */
const reference: Adapter = {
  info: { name: "prot-events reference", version: VERSION, language: "TypeScript", profile: "core" },
  openStream: (o) => new ReferenceStream(o),
  async select(streams, timeout) {
    const byStream = new Map(streams.map((s) => [(s as ReferenceStream).stream, s]));
    const group = new ProtGroup(byStream.keys());
    try {
      const ready = await select(group, timeout);
      return ready.map((s) => byStream.get(s) as StreamUnderTest);
    } finally {
      for (const s of byStream.keys()) group.delete(s);
    }
  },
};

export default reference;
