/**
 * Runs one case against an in-process adapter and records the observable
 * trace: the runner's side of the contract between a case and an
 * implementation. Callback scripts are executed here, through the adapter.
 */
import { StuckError, VirtualClock } from "../../src/clock.js";
import type { Adapter, EventHandle, GroupUnderTest, ReadOutcome, StreamUnderTest } from "./adapter.js";
import type { CaseRequest } from "./protocol.js";
import {
  HORIZON,
  markFrom,
  readCallbackOf,
  removeTarget,
  scriptsOf,
  type Action,
  type EventSpec,
  type OutsideStep,
  type ReadResultEntry,
  type Rock,
  type Script,
  type Step,
  type TraceEntry,
} from "./case.js";

/** The read steps of the case format. */
type ReadKey = "read-line" | "getc" | "read" | "peek" | "fill" | "skip-line" | "read-exactly";

/** The adapter's method behind a read step, as messages name it. */
function opName(key: ReadKey, n: number | undefined): string {
  switch (key) {
    case "read-line":
      return "readLine()";
    case "skip-line":
      return "skipLine()";
    case "read":
      return `read(${n})`;
    case "read-exactly":
      return `readExactly(${n})`;
    default:
      return `${key}()`;
  }
}

/** What running a case produced. */
export interface Run {
  /** The trace, as far as it got. */
  trace: TraceEntry[];
  /** Set when the implementation threw or misbehaved outside the trace. */
  crash?: string;
  /** What the implementation wrote during the case (its tail, under a line naming where it came from), when anything. */
  output?: string;
}

/** What a scripted `throw` action throws. */
class ScriptedThrow extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScriptedThrow";
  }
}

/** An adapter answered something the contract does not allow. */
class AdapterFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdapterFault";
  }
}

/** A value an adapter returned, shortly, for a message. */
function describeValue(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** A step that ran into the end of the story: the case stops there. */
class Blocked extends Error {}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

function pick(on: Script | Script[] | null, firing: number): Script {
  const scripts = scriptsOf(on);
  return scripts[Math.min(firing, scripts.length - 1)] as Script;
}

/** Runs `c` against `adapter` on a fresh virtual clock. It is given no expected trace: it records what happens. */
export async function interpret(c: CaseRequest, adapter: Adapter): Promise<Run> {
  const clock = new VirtualClock(0);
  const trace: TraceEntry[] = [];
  const streams = new Map<string, StreamUnderTest>();
  const handles = new Map<string, EventHandle>();
  const names = new Map<EventHandle, string>();
  const firings = new Map<string, number>();
  const events: Record<string, EventSpec> = c.events ?? {};
  const groups = new Map<string, GroupUnderTest>();
  const closed = new Set<string>();

  const stream = (name: string): StreamUnderTest => {
    const s = streams.get(name);
    if (s === undefined) throw new Error(`case ${c.id}: no stream ${name}`);
    return s;
  };
  const handle = (name: string): EventHandle => {
    const h = handles.get(name);
    if (h === undefined) throw new Error(`case ${c.id}: event ${name} was never added`);
    return h;
  };

  const add = (name: string, mark: number): void => {
    const spec = events[name];
    if (spec === undefined) throw new Error(`case ${c.id}: no event ${name}`);
    if (spec.on === null) {
      // WE-API-7: an event without a callback is refused; one taken is a handle the case never names.
      try {
        stream(spec.stream).addWaitEvent(mark, null, spec.rock ?? null);
      } catch {
        trace.push({ t: clock.now(), refused: name });
      }
      return;
    }
    let h: unknown;
    try {
      h = stream(spec.stream).addWaitEvent(mark, (ev, rock) => fire(name, ev, rock), spec.rock ?? null);
    } catch (err) {
      // WE-CLOSE-2: a closed stream may refuse the event; one taken must stay off its list, which `events` shows.
      if (closed.has(spec.stream)) return;
      throw err;
    }
    if (h === null || typeof h !== "object") throw new AdapterFault(`addWaitEvent returned ${describeValue(h)}: it must return the event's handle`);
    handles.set(name, h as EventHandle);
    names.set(h as EventHandle, name);
  };

  const act = (self: string, ev: EventHandle, a: Action): EventHandle | null | undefined => {
    const spec = events[self] as EventSpec;
    if ("set-mark" in a) {
      const target = a["set-mark"].event === undefined ? ev : handle(a["set-mark"].event);
      target.mark = markFrom(a["set-mark"], clock.now(), target.mark);
    } else if ("remove" in a) {
      stream(spec.stream).removeWaitEvent(a.remove === "self" ? ev : handle(a.remove));
    } else if ("add" in a) {
      add(a.add.event, markFrom(a.add, clock.now(), 0));
    } else if ("rock" in a) {
      ev.rock = a.rock;
    } else if ("reset-timeout" in a) {
      stream(spec.stream).resetTimeout();
    } else if ("write" in a) {
      stream(spec.stream).write(Buffer.from(a.write, "latin1"));
    } else if ("spend" in a) {
      clock.spend(a.spend);
    } else if ("throw" in a) {
      throw new ScriptedThrow(a.throw);
    } else if ("return" in a) {
      return a.return === null ? null : ev;
    }
    return undefined;
  };

  const fire = (name: string, ev: EventHandle, rock: Rock): EventHandle | null => {
    const n = firings.get(name) ?? 0;
    firings.set(name, n + 1);
    const entry: TraceEntry = { t: clock.now(), fire: names.get(ev) ?? `?${name}`, mark: ev.mark };
    if (rock !== null) entry.rock = rock;
    trace.push(entry);
    for (const a of pick((events[name] as EventSpec).on, n)) {
      const r = act(name, ev, a);
      if (r !== undefined) return r;
    }
    return ev;
  };

  // How a writer cuts its output into writes is its own affair: one instant, one entry.
  const flushed = (name: string, bytes: Uint8Array): void => {
    const last = trace[trace.length - 1];
    const t = clock.now();
    if (last !== undefined && "flush" in last && last.flush === name && last.t === t) last.data += latin1(bytes);
    else trace.push({ t, flush: name, data: latin1(bytes) });
  };

  const settle = async <T>(p: Promise<T>): Promise<T> => {
    try {
      return await clock.runUntil(p, { until: HORIZON, maxSteps: 200_000 });
    } catch (err) {
      if (err instanceof StuckError) throw new Blocked();
      // A wait whose next timer lies past the horizon can never end within the case, as for the model and the drivers.
      if ((clock.nextTimerAt() ?? 0) > HORIZON) throw new Blocked();
      throw err;
    }
  };

  // An adapter's answers are checked, not trusted: a read outcome the
  // contract does not know is a fault of the adapter, never taken for one
  // it does (an unknown kind once passed for "wouldblock").
  const result = (op: string, o: unknown, n?: number): ReadResultEntry => {
    const bad = (why: string): never => {
      throw new AdapterFault(`${op} returned ${describeValue(o)}: ${why}`);
    };
    if (o === null || typeof o !== "object") return bad("not a read outcome");
    const out = o as ReadOutcome<unknown>;
    switch (out.kind) {
      case "data":
        if (op === "readLine()") return typeof out.value === "string" ? { line: out.value } : bad("a line must be a string");
        if (op === "skipLine()") return out.value === true ? { skipped: true } : bad("a skipped line is true");
        if (op === "getc()" || op === "peek()" || op === "fill()")
          return Number.isInteger(out.value) && (out.value as number) >= 0 && (out.value as number) <= 255 ? { byte: out.value as number } : bad("a byte must be an integer from 0 to 255");
        if (!(out.value instanceof Uint8Array)) return bad("data must be a Uint8Array");
        if (op.startsWith("readExactly(")) return out.value.length === n ? { data: latin1(out.value) } : bad(`a read of exactly ${n} bytes returns ${n} bytes`);
        return out.value.length >= 1 && out.value.length <= (n ?? Infinity) ? { data: latin1(out.value) } : bad(`a read of ${n} bytes returns 1 to ${n} bytes`);
      case "eof":
        return { eof: true };
      case "error":
        return typeof out.message === "string" ? { error: out.message } : bad("an error needs a message string");
      case "wouldblock":
        return { wouldblock: true };
      default:
        return bad('its kind must be "data", "eof", "error" or "wouldblock"');
    }
  };

  const read = async (key: ReadKey, name: string, op: () => Promise<ReadOutcome<string | number | Uint8Array | true>>, n?: number): Promise<void> => {
    try {
      const o = await settle(op());
      const what = opName(key, n);
      trace.push({ t: clock.now(), [key]: name, ...result(what, o, n) } as TraceEntry);
    } catch (err) {
      if (err instanceof Blocked) trace.push({ t: clock.now(), [key]: name, blocked: true } as unknown as TraceEntry);
      throw err;
    }
  };

  // The steps that may also come from outside, at a time, through `meanwhile`.
  const outside = (s: OutsideStep): void => {
    if ("add-event" in s) return add(s["add-event"].event, markFrom(s["add-event"], clock.now(), 0));
    if ("remove-event" in s) {
      const { event, stream: on } = removeTarget(s["remove-event"], events);
      if (on === undefined) throw new Error(`case ${c.id}: no event ${event}`);
      return stream(on).removeWaitEvent(handle(event));
    }
    const h = handle(s["set-mark"].event);
    h.mark = markFrom(s["set-mark"], clock.now(), h.mark);
  };

  // The reads added after the adapter interface was first published are optional, as group() is.
  const optional = <K extends "fill" | "skipLine" | "readExactly">(st: StreamUnderTest, method: K, tag: string): NonNullable<StreamUnderTest[K]> => {
    const f = st[method];
    if (f === undefined) throw new AdapterFault(`the adapter's stream has no ${method}() (declare the tag ${tag} unsupported)`);
    return f;
  };

  const selectOn = (s: { streams: string[]; group?: string }, timeout: number | null): Promise<unknown> => {
    const list = s.streams.map(stream);
    if (s.group === undefined) return adapter.select(list, timeout);
    let g = groups.get(s.group);
    if (g === undefined) {
      if (adapter.group === undefined) throw new AdapterFault("the adapter has no group(): it cannot keep a group across selects (declare the tag group unsupported)");
      g = adapter.group(list);
      groups.set(s.group, g);
    }
    return g.select(timeout);
  };

  const step = async (s: Step): Promise<void> => {
    if ("read-line" in s) return read("read-line", s["read-line"], () => stream(s["read-line"]).readLine());
    if ("getc" in s) return read("getc", s.getc, () => stream(s.getc).getc());
    if ("read" in s) return read("read", s.read.stream, () => stream(s.read.stream).read(s.read.n), s.read.n);
    if ("peek" in s) return read("peek", s.peek, () => stream(s.peek).peek());
    if ("fill" in s) {
      const st = stream(s.fill);
      return read("fill", s.fill, () => optional(st, "fill", "fill").call(st));
    }
    if ("skip-line" in s) {
      const st = stream(s["skip-line"]);
      return read("skip-line", s["skip-line"], () => optional(st, "skipLine", "skip-line").call(st));
    }
    if ("read-exactly" in s) {
      const { stream: name, n } = s["read-exactly"];
      const st = stream(name);
      return read("read-exactly", name, () => optional(st, "readExactly", "read-exactly").call(st, n), n);
    }
    if ("select" in s) {
      const list = s.select.streams.map(stream);
      const ready: unknown = await settle(selectOn(s.select, s.select.timeout));
      if (!Array.isArray(ready) || ready.some((r) => !list.includes(r as StreamUnderTest))) {
        throw new AdapterFault(`select returned ${describeValue(ready)}: it must return some of the streams it was given`);
      }
      const byStream = new Map([...streams].map(([n, st]) => [st, n]));
      trace.push({ t: clock.now(), select: ready.map((r: StreamUnderTest) => byStream.get(r) as string) });
      return;
    }
    if ("advance" in s) return clock.advanceTo(Math.max(s.advance, clock.now()));
    if ("set-timeout" in s) return stream(s["set-timeout"].stream).setTimeout(s["set-timeout"].ticks);
    if ("reset-timeout" in s) return stream(s["reset-timeout"]).resetTimeout();
    if ("nonblocking" in s) return stream(s.nonblocking.stream).setNonBlocking(s.nonblocking.value);
    if ("add-event" in s || "remove-event" in s || "set-mark" in s) return outside(s);
    if ("meanwhile" in s) {
      const { at, do: what } = s.meanwhile;
      // A time already passed: at once, as the README says (and the last step of a case has no next step to run it before).
      if (at <= clock.now()) return outside(what);
      clock.schedule(at, () => outside(what));
      return;
    }
    if ("events" in s) {
      const handles: unknown = stream(s.events).events();
      if (!Array.isArray(handles) || handles.some((h) => h === null || typeof h !== "object" || !Number.isInteger((h as EventHandle).mark))) {
        throw new AdapterFault(`events() returned ${describeValue(handles)}: it must return the event handles, each with an integer mark`);
      }
      const list = handles.map((h: EventHandle) => `${names.get(h) ?? "?"}@${h.mark}`);
      trace.push({ t: clock.now(), events: s.events, list });
      return;
    }
    if ("write" in s) return stream(s.write.stream).write(Buffer.from(s.write.data, "latin1"));
    if ("read-callback" in s) {
      const { stream: name, throw: message, clear } = readCallbackOf(s["read-callback"]);
      if (clear === true) return stream(name).setReadCallback(null);
      return stream(name).setReadCallback(() => {
        trace.push({ t: clock.now(), "read-callback": name });
        if (message !== undefined) throw new ScriptedThrow(message);
      });
    }
    closed.add(s.close);
    stream(s.close).close();
  };

  try {
    for (const [name, spec] of Object.entries(c.streams)) {
      const input = {
        arrivals: (spec.input ?? []).map((a) => ({ at: a.at, bytes: Buffer.from(a.data, "latin1") })),
        ...(spec.end === undefined ? {} : { end: spec.end }),
        ...(spec.error === undefined ? {} : { error: spec.error }),
      };
      const flushSink = spec.flushOnRead === true ? (bytes: Uint8Array) => flushed(name, bytes) : undefined;
      streams.set(
        name,
        adapter.openStream({
          clock,
          input,
          timeout: spec.timeout ?? 0,
          nonBlocking: spec.nonBlocking ?? false,
          name,
          ...(flushSink === undefined ? {} : { flushSink, ...(spec.echo === true ? { echo: true } : {}), ...(spec.peerReadsAt === undefined ? {} : { peerReadsAt: spec.peerReadsAt }) }),
        }),
      );
    }
    for (const [name, spec] of Object.entries(events)) if (spec.mark !== undefined) add(name, spec.mark);
    for (const s of c.steps) {
      // What is due now happens before the step: input arriving at t is readable at t.
      await clock.advanceTo(clock.now());
      await step(s);
    }
    return { trace };
  } catch (err) {
    if (err instanceof Blocked) return { trace };
    return { trace, crash: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  } finally {
    for (const s of streams.values()) {
      try {
        s.close();
      } catch {
        // Closing is tidying up; a failure here says nothing about the case.
      }
    }
  }
}
