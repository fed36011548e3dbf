/**
 * A small, plain implementation of the contract, written apart from the
 * reference implementation (arrays and scans, no heaps), with switches that
 * break one rule each. Without faults it must pass every case: a second
 * witness that the cases say what the spec says, not what the reference
 * implementation happens to do. With a fault it must fail some case: proof
 * that the suite can fail.
 */
import type { Clock, Timer } from "../../src/clock.js";
import type { Adapter, EventCallback, EventHandle, GroupUnderTest, OpenOptions, ReadOutcome, StreamUnderTest } from "../src/adapter.js";
import type { Rock } from "../src/case.js";

/** The rules a toy can be told to break. */
export interface Faults {
  /** Takes a mark as an interval from the time the event is added. */
  markAsInterval?: boolean;
  /** Runs a pass in mark order instead of list order. */
  markOrder?: boolean;
  /** Counts an event as due one tick before its mark. */
  fireEarly?: boolean;
  /** Runs each event at most once, whatever its callback returns. */
  noRefire?: boolean;
  /** Runs an event that an earlier callback of the pass removed. */
  fireRemoved?: boolean;
  /** Runs a pass on every read, even when input is buffered. */
  fireWhileBuffered?: boolean;
  /** Never fails a read for its timeout. */
  ignoreTimeout?: boolean;
  /** Counts the read timeout from the start of each read, not from the last input. */
  timeoutFromReadStart?: boolean;
  /** Runs events added during a pass in that same pass. */
  addedSamePass?: boolean;
  /** Keeps an event whose callback returned null without removing it. */
  nullKeeps?: boolean;
  /** At the timeout instant, fails the read before running the events due then. */
  timeoutBeforePass?: boolean;
  /** At a wake-up, runs the pass before taking input that arrived at that instant. */
  passBeforeInput?: boolean;
  /** A non-blocking read returns would-block without running a pass. */
  nonBlockingNoPass?: boolean;
  /** Select ignores event marks and read timeouts. */
  selectIgnoresDeadlines?: boolean;
  /** Events of every stream run when any stream waits. */
  sharedEvents?: boolean;
  /** A callback that throws is ignored: the pass goes on and the stream stays usable. */
  swallowThrows?: boolean;
  /** The paired writer is flushed only before the first pass of a wait. */
  flushBeforePassOnly?: boolean;
}

/** An event; setting its mark tells its stream, so that a sleeping read may decide its sleep again (WE-API-8). */
class ToyEvent implements EventHandle {
  removed = false;
  fired = false;
  constructor(
    readonly owner: ToyStream,
    private at: number,
    public rock: Rock,
    readonly callback: EventCallback,
  ) {}
  get mark(): number {
    return this.at;
  }
  set mark(mark: number) {
    const owner = this.owner;
    const before = owner.earliest();
    this.at = mark;
    if (!this.removed) owner.deadlineMoved(owner.earliest() !== before || owner.holder() === this);
  }
}

const IDLE = "idle for too long";

/** Streams of one toy adapter, so that the `sharedEvents` fault has something to share. */
const allStreams = new Set<ToyStream>();

class ToyStream implements StreamUnderTest {
  buf = "";
  ended = false;
  error: string | null = null;
  /** The input's failure: reported once what came before is read. */
  inputError: string | null = null;
  closed = false;
  list: ToyEvent[] = [];
  timeout: number;
  timeoutMark: number;
  nonBlocking: boolean;
  readCallback: (() => void) | null = null;
  pendingOut = "";
  arrivals = 0;
  waking: (() => void) | null = null;
  /** Set while a read sleeps: computes its wake-up again. */
  rearm: (() => void) | null = null;
  watchers = new Set<() => void>();
  readonly clock: Clock;
  readonly timers: Timer[] = [];

  constructor(
    o: OpenOptions,
    readonly faults: Faults,
    readonly flushSink: ((bytes: Uint8Array) => void) | undefined,
    readonly echo: boolean,
  ) {
    this.clock = o.clock;
    this.timeout = o.timeout;
    this.timeoutMark = o.timeout > 0 ? o.clock.now() + o.timeout : Infinity;
    this.nonBlocking = o.nonBlocking;
    for (const a of o.input.arrivals) {
      this.timers.push(o.clock.schedule(a.at, () => this.arrive(Buffer.from(a.bytes).toString("latin1"))));
    }
    const error = o.input.error;
    if (o.input.end !== undefined) this.timers.push(o.clock.schedule(o.input.end, () => this.finish(error)));
    allStreams.add(this);
  }

  arrive(data: string): void {
    if (this.closed || this.error !== null || this.ended) return;
    this.buf += data;
    this.arrivals++;
    if (this.timeout > 0) this.timeoutMark = this.clock.now() + this.timeout;
    this.poke();
  }

  finish(error: string | undefined): void {
    if (error !== undefined && this.error === null && !this.ended) this.inputError = error;
    this.ended = true;
    this.poke();
  }

  /** An event was added, removed or moved, or the timeout changed; `redecide`: a sleeping read decides its sleep again. */
  deadlineMoved(redecide = true): void {
    if (redecide) this.rearm?.();
    for (const w of this.watchers) w();
  }

  /** The earliest mark on the list (Infinity if none). */
  earliest(): number {
    return Math.min(...this.list.map((e) => e.mark));
  }

  /** The event holding the earliest mark, the first added among equal ones. */
  holder(): ToyEvent | undefined {
    let first: ToyEvent | undefined;
    for (const e of this.list) if (first === undefined || e.mark < first.mark) first = e;
    return first;
  }

  poke(): void {
    this.waking?.();
    for (const w of this.watchers) w();
  }

  due(e: ToyEvent, now: number): boolean {
    return now >= (this.faults.fireEarly ? e.mark - 1 : e.mark) && !(this.faults.noRefire && e.fired);
  }

  deadline(): number {
    let d = this.timeout > 0 && !this.nonBlocking ? this.timeoutMark : Infinity;
    for (const e of this.list) d = Math.min(d, e.mark);
    return d;
  }

  pass(now: number): void {
    const lists = this.faults.sharedEvents ? [...allStreams].map((s) => [s, s.list] as const) : [[this, this.list] as const];
    for (const [owner, list] of lists) {
      let due = list.filter((e) => this.due(e, now));
      if (this.faults.markOrder) due = [...due].sort((a, b) => a.mark - b.mark);
      for (let i = 0; i < due.length; i++) {
        const e = due[i] as ToyEvent;
        if ((!this.faults.fireRemoved && e.removed) || !owner.due(e, now)) continue;
        e.fired = true;
        let kept: EventHandle | null;
        try {
          kept = e.callback(e, e.rock);
        } catch (err) {
          if (this.faults.swallowThrows) continue;
          owner.removeWaitEvent(e);
          owner.fail(`wait event callback failed: ${err instanceof Error ? err.message : String(err)}`);
          return;
        }
        if (kept === null && !this.faults.nullKeeps) owner.removeWaitEvent(e);
        if (this.faults.addedSamePass && i === due.length - 1) {
          for (const extra of list.filter((x) => !due.includes(x) && this.due(x, now))) due.push(extra);
        }
        if (this.closed || this.error !== null) return;
      }
    }
  }

  /** The stream fails by its own doing: what is buffered goes with it. */
  fail(message: string): void {
    this.error = message;
    this.buf = "";
  }

  flush(): void {
    if (this.pendingOut === "" || this.flushSink === undefined) return;
    const out = this.pendingOut;
    this.pendingOut = "";
    this.flushSink(Buffer.from(out, "latin1"));
    if (this.echo) this.arrive(out);
  }

  /** Waits for more input: "data", "end" or "block". */
  async wait(): Promise<"data" | "end" | "block"> {
    if (this.closed || this.error !== null || this.ended) return "end";
    const seen = this.arrivals;
    if (this.faults.timeoutFromReadStart && this.timeout > 0) this.timeoutMark = this.clock.now() + this.timeout;
    if (this.readCallback !== null) {
      const cb = this.readCallback;
      this.readCallback = null;
      try {
        cb();
      } catch (err) {
        this.fail(`read callback failed: ${err instanceof Error ? err.message : String(err)}`);
        return "end";
      }
    }
    if (this.faults.flushBeforePassOnly) this.flush();
    for (let first = true; ; first = false) {
      const now = this.clock.now();
      const timedOut = (): boolean => !this.nonBlocking && !this.faults.ignoreTimeout && this.timeout > 0 && now >= this.timeoutMark;
      if (timedOut() && this.faults.timeoutBeforePass && !first) {
        this.fail(IDLE);
        return "end";
      }
      if (!(this.nonBlocking && this.faults.nonBlockingNoPass)) this.pass(now);
      if (this.arrivals !== seen) return "data";
      if (this.closed || this.error !== null || this.ended) return "end";
      if (!this.faults.flushBeforePassOnly) this.flush();
      if (this.arrivals !== seen) return "data";
      if (this.nonBlocking) return "block";
      if (timedOut()) {
        this.fail(IDLE);
        return "end";
      }
      await new Promise<void>((resolve) => {
        let timer: Timer | null = null;
        // WE-FIRE-7: the first arming counts from the time of the pass, which slow callbacks
        // may have left behind (a wake time already past fires at once); a later one, from now.
        let from: number | undefined = now;
        this.rearm = () => {
          timer?.cancel();
          let at = Math.min(...this.list.map((e) => e.mark), this.timeout > 0 && !this.faults.ignoreTimeout ? this.timeoutMark : Infinity);
          const floor = from ?? this.clock.now();
          from = undefined;
          if (at <= floor) at = floor + 1;
          timer = at === Infinity ? null : this.clock.schedule(at, () => resolve());
        };
        this.rearm();
        this.waking = () => {
          timer?.cancel();
          resolve();
        };
      });
      this.waking = null;
      this.rearm = null;
      if (this.faults.passBeforeInput && this.arrivals !== seen) this.pass(this.clock.now());
      if (this.arrivals !== seen) return "data";
      if (this.closed || this.error !== null || this.ended) return "end";
    }
  }

  ending<T>(): ReadOutcome<T> {
    const error = this.error ?? this.inputError;
    if (error !== null) return { kind: "error", message: error };
    return this.ended ? { kind: "eof" } : { kind: "error", message: "stream closed" };
  }

  async readLine(): Promise<ReadOutcome<string>> {
    for (;;) {
      if (this.faults.fireWhileBuffered && this.buf !== "") this.pass(this.clock.now());
      const nl = this.buf.indexOf("\n");
      if (nl >= 0 && this.error === null) {
        const line = this.buf.slice(0, nl > 0 && this.buf[nl - 1] === "\r" ? nl - 1 : nl);
        this.buf = this.buf.slice(nl + 1);
        return { kind: "data", value: line };
      }
      if (this.ended && this.error === null && this.inputError === null && this.buf !== "") {
        const line = this.buf;
        this.buf = "";
        return { kind: "data", value: line };
      }
      const r = await this.wait();
      if (r === "block") return { kind: "wouldblock" };
      if (r === "end" && !(this.ended && this.error === null && this.inputError === null && this.buf !== "")) return this.ending();
    }
  }

  async read(n: number): Promise<ReadOutcome<Uint8Array>> {
    for (;;) {
      if (this.faults.fireWhileBuffered && this.buf !== "") this.pass(this.clock.now());
      if (this.buf !== "" && this.error === null) {
        const out = this.buf.slice(0, n);
        this.buf = this.buf.slice(out.length);
        return { kind: "data", value: Buffer.from(out, "latin1") };
      }
      const r = await this.wait();
      if (r === "block") return { kind: "wouldblock" };
      if (r === "end" && this.buf === "") return this.ending();
    }
  }

  async getc(): Promise<ReadOutcome<number>> {
    const r = await this.read(1);
    return r.kind === "data" ? { kind: "data", value: r.value[0] as number } : r;
  }

  async peek(): Promise<ReadOutcome<number>> {
    for (;;) {
      if (this.buf !== "" && this.error === null) return { kind: "data", value: this.buf.charCodeAt(0) };
      const r = await this.wait();
      if (r === "block") return { kind: "wouldblock" };
      if (r === "end" && this.buf === "") return this.ending();
    }
  }

  async fill(): Promise<ReadOutcome<number>> {
    return this.peek();
  }

  async skipLine(): Promise<ReadOutcome<true>> {
    for (;;) {
      if (this.error === null) {
        const nl = this.buf.indexOf("\n");
        // WE-READ-8: through the LF; a part of a line is discarded as it comes.
        this.buf = nl >= 0 ? this.buf.slice(nl + 1) : "";
        if (nl >= 0) return { kind: "data", value: true };
      }
      const r = await this.wait();
      if (r === "block") return { kind: "wouldblock" };
      if (r === "end" && this.buf === "") return this.ending();
    }
  }

  async readExactly(n: number): Promise<ReadOutcome<Uint8Array>> {
    for (;;) {
      if (this.buf.length >= n && this.error === null) {
        const out = this.buf.slice(0, n);
        this.buf = this.buf.slice(n);
        return { kind: "data", value: Buffer.from(out, "latin1") };
      }
      const r = await this.wait();
      if (r === "block") return { kind: "wouldblock" };
      if (r === "end") return this.ending();
    }
  }

  addWaitEvent(mark: number, callback: EventCallback | null, rock: Rock): EventHandle {
    // WE-API-7: nothing to call, so nothing is added.
    if (callback === null) throw new TypeError("toy: an event needs a callback");
    const e = new ToyEvent(this, this.faults.markAsInterval ? this.clock.now() + mark : mark, rock, callback);
    // WE-CLOSE-2: a closed stream keeps no event; the handle is detached.
    if (this.closed) {
      e.removed = true;
      return e;
    }
    const before = this.earliest();
    this.list.push(e);
    this.deadlineMoved(this.earliest() !== before);
    return e;
  }

  removeWaitEvent(event: EventHandle): void {
    const i = this.list.indexOf(event as ToyEvent);
    if (i < 0) return;
    const before = this.earliest();
    this.list.splice(i, 1);
    (event as ToyEvent).removed = true;
    this.deadlineMoved(this.earliest() !== before);
  }

  events(): EventHandle[] {
    return [...this.list];
  }

  setTimeout(ticks: number): void {
    this.timeout = ticks;
    this.timeoutMark = ticks > 0 ? this.clock.now() + ticks : Infinity;
    this.deadlineMoved();
  }

  resetTimeout(): void {
    if (this.timeout > 0) this.timeoutMark = this.clock.now() + this.timeout;
  }

  setNonBlocking(value: boolean): void {
    this.nonBlocking = value;
  }

  write(bytes: Uint8Array): void {
    this.pendingOut += Buffer.from(bytes).toString("latin1");
  }

  setReadCallback(callback: (() => void) | null): void {
    this.readCallback = callback;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.error === null) this.error = "stream closed";
    for (const e of this.list) e.removed = true;
    this.list = [];
    for (const t of this.timers) t.cancel();
    allStreams.delete(this);
    this.poke();
  }
}

/** A toy implementation with the given faults. */
export function toy(name: string, faults: Faults = {}): Adapter {
  const adapter: Adapter = {
    info: { name, version: "1", language: "TypeScript", profile: "core", unsupported: [{ tag: "slow-peer", reason: "its writer hands everything on at once: it has no peer that reads late" }] },
    openStream: (o) => new ToyStream(o, faults, o.flushSink, o.echo === true),
    // A toy group keeps nothing but its streams: each select looks at them afresh.
    group(streams): GroupUnderTest {
      return { select: (timeout) => adapter.select(streams, timeout) };
    },
    async select(streams, timeout) {
      const toys = streams as ToyStream[];
      const clock = (toys[0] as ToyStream).clock;
      const limit = timeout === null ? Infinity : clock.now() + timeout;
      for (;;) {
        const now = clock.now();
        const ready = toys.filter((s) => s.buf !== "" || s.ended || s.error !== null || (!faults.selectIgnoresDeadlines && s.deadline() <= now));
        if (ready.length > 0 || now >= limit) return ready;
        const deadline = faults.selectIgnoresDeadlines ? Infinity : Math.min(...toys.map((s) => s.deadline()));
        await new Promise<void>((resolve) => {
          const at = Math.min(deadline, limit);
          const timer = at === Infinity ? null : clock.schedule(at, () => done());
          const done = (): void => {
            timer?.cancel();
            for (const s of toys) s.watchers.delete(done);
            resolve();
          };
          for (const s of toys) s.watchers.add(done);
        });
      }
    },
  };
  return adapter;
}
