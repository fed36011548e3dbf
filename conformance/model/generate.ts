/**
 * fast-check arbitraries of valid conformance cases, for differential
 * testing: the executable model (./model.ts) is the oracle, so every
 * generated case carries `expect: expectedTrace(c)`.
 *
 * The arbitraries draw raw material (indices, times, texts) and a pure
 * `build` turns it into a case, so fast-check shrinks the material and the
 * case stays valid at every shrinking step: names that would dangle are
 * resolved to existing ones, or the action or step is dropped.
 *
 * Input is made of a few letters, spaces and line ends, and now and then a
 * NUL byte.
 *
 * Two generators:
 * - `core` uses the whole case format: every action (`throw`, `write` and
 *   `spend` included), events without a callback, the steps (`close`,
 *   `set-timeout`, `reset-timeout`, `nonblocking`, `write`, `read-callback`,
 *   `add-event`, `meanwhile` (an event added, removed or moved from outside
 *   at a time, whatever the case is doing then), the reads `peek`, `fill`,
 *   `skip-line` and `read-exactly` included), paired writers, non-blocking
 *   streams and selects, some on a group kept across selects;
 * - `cyrus` is for the C layer (./cyrus.ts): no `throw`, read callback or
 *   `close` (its driver cannot run them), and weighted away from what makes
 *   the C layer part from the model at once, so that more of each case is
 *   compared: most streams have a read timeout (without one the C layer
 *   runs no event), few are non-blocking (its select leaves their events
 *   out), marks mostly move ahead, and scripts mostly end by moving the mark
 *   ahead or by removing the event before returning null. Each case is then
 *   repaired (`repairForCyrus` in ./cyrus-repair.ts): what would be
 *   undefined behaviour in C, or a difference deviations.yaml does not declare,
 *   is cut out of it.
 *
 * What both keep away from, so that every case ends and means one thing:
 * - cases that never end: every stream has an `end` or a read timeout,
 *   `set-timeout` to 0 only goes to a stream with an `end`, a
 *   `reset-timeout` action only goes to an event of a stream with an `end`
 *   (else an event could keep a timed-out-never stream waiting up to the
 *   runner's horizon), only events declared with a mark `add` (an added
 *   event that adds again would double the list at every firing), and every
 *   select has a timeout;
 * - set-mark / remove on an event that may not have been added yet: scripts
 *   and steps only name events declared with a mark and a callback (added at
 *   the start; one without a callback is refused and has no handle);
 *   `add` only adds events declared without a mark;
 * - a group kept across selects: its first select names its streams, and
 *   every later select of it names the same ones in the same order;
 * - what the format leaves to the implementation: `write` only where the
 *   stream has a paired writer (`flushOnRead`), and no event added to a
 *   closed stream (no `add-event` step after the `close` of its stream, no
 *   `add` from another stream of an event hung on a stream that is closed,
 *   and no `meanwhile` adding an event to a stream the case closes at all,
 *   as it may come after the close).
 */
import fc from "fast-check";
import type { Action, Case, EventSpec, MarkSpec, OutsideStep, Rock, Script, Step, StreamSpec } from "../src/case.js";
import { expectedTrace } from "./model.js";

// ---- raw material -----------------------------------------------------------

interface RawStream {
  timeout: number | undefined;
  nonBlocking: boolean | undefined;
  flushOnRead: boolean;
  lines: Array<{ text: string; crlf: boolean }>;
  unterminated: boolean;
  cuts: number[];
  times: number[];
  /** When the input ends: so many ticks after its last arrival, or at an absolute time (maybe before input, which is then dropped). */
  end: { after: number } | { at: number } | undefined;
}

type RawMark = { at: number } | { now: number } | { mark: number };

type RawAction =
  | { k: "set-mark"; spec: RawMark; other: number | undefined }
  | { k: "remove"; other: number | undefined }
  | { k: "add"; other: number; now: number }
  | { k: "rock"; value: Rock }
  | { k: "reset-timeout" }
  | { k: "write"; text: string }
  /** the callback takes so many ticks (WE-FIRE-7) */
  | { k: "spend"; ticks: number }
  | { k: "throw"; message: string }
  | { k: "return"; value: "event" | null }
  /** remove self, then return null: how a callback is meant to end its event */
  | { k: "done" };

interface RawEvent {
  stream: number;
  /** No callback (`on: null`, WE-API-7): adding it is refused. */
  noCallback: boolean;
  mark: number | undefined;
  rock: Rock | undefined;
  /** One script, or (several) a list of scripts, one per firing. */
  scripts: RawAction[][];
  perFiring: boolean;
  /** What every script ends with: nothing more, a new mark ahead, or the end of the event. */
  finish: { k: "none" } | { k: "ahead"; now: number } | { k: "done" };
}

type RawStep =
  | { k: "read-line" | "getc" | "peek" | "fill" | "skip-line" | "events" | "close" | "reset-timeout" | "read-callback"; s: number }
  | { k: "read" | "read-exactly"; s: number; n: number }
  | { k: "advance"; to: number }
  | { k: "set-mark"; e: number; spec: RawMark }
  | { k: "add-event"; e: number; spec: { at: number } | { now: number } }
  | { k: "remove-event"; e: number }
  /** `group`: the kept group it selects on, if any (its first select names the streams). */
  | { k: "select"; s: number[]; timeout: number; group: number | undefined }
  /** At time `at`, from outside: one of the event steps. */
  | { k: "meanwhile"; at: number; what: { k: "set-mark"; e: number; spec: RawMark } | { k: "add-event"; e: number; spec: { at: number } | { now: number } } | { k: "remove-event"; e: number } }
  | { k: "set-timeout"; s: number; ticks: number }
  | { k: "nonblocking"; s: number; value: boolean }
  | { k: "write"; s: number; text: string };

interface Raw {
  streams: RawStream[];
  events: RawEvent[];
  steps: RawStep[];
}

/** Which generator: the whole format, or what the C driver can run. */
export type GeneratorName = "core" | "cyrus";

// A NUL byte must pass as any other (WE-READ-4); an implementation whose strings end
// at a NUL, or whose byte reads answer 0 for "none", parts from the model on it.
const lineChar = fc.oneof({ arbitrary: fc.constantFrom("a", "b", "x", " ", "1"), weight: 12 }, { arbitrary: fc.constant("\0"), weight: 1 });
const lineText = fc.string({ unit: lineChar, maxLength: 4 });
const outText = fc.constantFrom("* OK\r\n", "+ go\r\n", "x");

function rawStream(g: GeneratorName): fc.Arbitrary<RawStream> {
  const timeout = g === "core" ? fc.option(fc.oneof(fc.constant(0), fc.integer({ min: 5, max: 60 })), { nil: undefined }) : fc.option(fc.integer({ min: 5, max: 60 }), { nil: undefined, freq: 9 });
  return fc.record({
    timeout,
    // The C select leaves out the events of non-blocking streams.
    nonBlocking: g === "core" ? fc.option(fc.boolean(), { nil: undefined }) : fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }),
    flushOnRead: fc.boolean(),
    lines: fc.array(fc.record({ text: lineText, crlf: fc.boolean() }), { maxLength: 4 }),
    unterminated: fc.boolean(),
    cuts: fc.array(fc.nat({ max: 40 }), { maxLength: 3 }),
    times: fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 4 }),
    end: fc.option(fc.oneof({ arbitrary: fc.nat({ max: 40 }).map((after) => ({ after })), weight: 4 }, { arbitrary: fc.nat({ max: 100 }).map((at) => ({ at })), weight: 1 }), {
      nil: undefined,
    }),
  });
}

const rock: fc.Arbitrary<Rock> = fc.oneof(fc.constantFrom("r1", "r2", "x"), fc.integer({ min: 0, max: 9 }));

const markOf = (now: fc.Arbitrary<number>, mark: fc.Arbitrary<number>, at: fc.Arbitrary<number>): fc.Arbitrary<RawMark> =>
  fc.oneof(
    now.map((now) => ({ now })),
    mark.map((mark) => ({ mark })),
    at.map((at) => ({ at })),
  );

const anyMark = markOf(fc.integer({ min: -3, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: -5, max: 90 }));
// The C layer spins on a mark at the current second and fails on one in the past: mostly forward.
const forwardMark = fc.oneof({ arbitrary: markOf(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 90 })), weight: 6 }, { arbitrary: anyMark, weight: 1 });

function rawAction(g: GeneratorName): fc.Arbitrary<RawAction> {
  const w = (core: number, cyrus: number): number => (g === "core" ? core : cyrus);
  return fc.oneof(
    { arbitrary: fc.record({ k: fc.constant("set-mark" as const), spec: g === "core" ? anyMark : forwardMark, other: fc.option(fc.nat({ max: 4 }), { nil: undefined }) }), weight: 3 },
    { arbitrary: fc.record({ k: fc.constant("remove" as const), other: fc.option(fc.nat({ max: 4 }), { nil: undefined }) }), weight: w(2, 1) },
    { arbitrary: fc.record({ k: fc.constant("add" as const), other: fc.nat({ max: 4 }), now: fc.integer({ min: 0, max: 10 }) }), weight: 2 },
    { arbitrary: fc.record({ k: fc.constant("rock" as const), value: rock }), weight: 1 },
    { arbitrary: fc.constant({ k: "reset-timeout" as const }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("write" as const), text: outText }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("spend" as const), ticks: fc.integer({ min: 1, max: 8 }) }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("throw" as const), message: fc.constantFrom("boom", "bad rock") }), weight: w(1, 0) },
    { arbitrary: fc.record({ k: fc.constant("return" as const), value: fc.constantFrom("event" as const, null) }), weight: w(2, 1) },
    { arbitrary: fc.constant({ k: "done" as const }), weight: w(1, 3) },
  );
}

function rawEvent(g: GeneratorName): fc.Arbitrary<RawEvent> {
  return fc.record({
    stream: fc.nat({ max: 2 }),
    // Now and then an event without a callback, which every implementation refuses to add.
    noCallback: fc.oneof({ arbitrary: fc.constant(false), weight: 19 }, { arbitrary: fc.constant(true), weight: 1 }),
    mark: fc.option(fc.integer({ min: -5, max: 50 }), { nil: undefined, freq: 4 }),
    rock: fc.option(rock, { nil: undefined }),
    scripts: fc.array(fc.array(rawAction(g), { maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    perFiring: fc.boolean(),
    // Callbacks in the wild end by moving their mark ahead or removing their event; the C layer fails on others.
    finish: fc.oneof(
      { arbitrary: fc.constant({ k: "none" as const }), weight: g === "core" ? 4 : 1 },
      { arbitrary: fc.integer({ min: 1, max: 20 }).map((now) => ({ k: "ahead" as const, now })), weight: 3 },
      { arbitrary: fc.constant({ k: "done" as const }), weight: 3 },
    ),
  });
}

const addSpec = fc.oneof(
  fc.integer({ min: -5, max: 90 }).map((at) => ({ at })),
  fc.integer({ min: 0, max: 20 }).map((now) => ({ now })),
);

function rawStep(g: GeneratorName): fc.Arbitrary<RawStep> {
  const s = fc.nat({ max: 2 });
  const core = g === "core" ? 1 : 0;
  const outside = fc.oneof(
    fc.record({ k: fc.constant("set-mark" as const), e: fc.nat({ max: 4 }), spec: g === "core" ? anyMark : forwardMark }),
    fc.record({ k: fc.constant("add-event" as const), e: fc.nat({ max: 4 }), spec: addSpec }),
    fc.record({ k: fc.constant("remove-event" as const), e: fc.nat({ max: 4 }) }),
  );
  return fc.oneof(
    { arbitrary: fc.record({ k: fc.constantFrom("read-line" as const, "getc" as const), s }), weight: 7 },
    { arbitrary: fc.record({ k: fc.constant("peek" as const), s }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("read" as const), s, n: fc.integer({ min: 1, max: 5 }) }), weight: 3 },
    // The reads a server makes of a command: fill, skipping a refused line, a literal of n bytes.
    { arbitrary: fc.record({ k: fc.constantFrom("fill" as const, "skip-line" as const), s }), weight: 2 },
    { arbitrary: fc.record({ k: fc.constant("read-exactly" as const), s, n: fc.integer({ min: 1, max: 8 }) }), weight: 2 },
    { arbitrary: fc.record({ k: fc.constant("advance" as const), to: fc.integer({ min: 0, max: 100 }) }), weight: 2 },
    { arbitrary: fc.record({ k: fc.constant("set-mark" as const), e: fc.nat({ max: 4 }), spec: anyMark }), weight: 2 },
    { arbitrary: fc.record({ k: fc.constant("add-event" as const), e: fc.nat({ max: 4 }), spec: addSpec }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("remove-event" as const), e: fc.nat({ max: 4 }) }), weight: 1 },
    {
      arbitrary: fc.record({
        k: fc.constant("select" as const),
        s: fc.array(s, { minLength: 1, maxLength: 3 }),
        timeout: fc.integer({ min: 0, max: 40 }),
        group: fc.option(fc.nat({ max: 1 }), { nil: undefined, freq: 2 }),
      }),
      weight: 4,
    },
    // Changes from outside while a read or a select waits (WE-API-3), or at once when the time has passed.
    { arbitrary: fc.record({ k: fc.constant("meanwhile" as const), at: fc.integer({ min: 1, max: 100 }), what: outside }), weight: 2 },
    { arbitrary: fc.record({ k: fc.constant("events" as const), s }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("set-timeout" as const), s, ticks: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 60 })) }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("reset-timeout" as const), s }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("nonblocking" as const), s, value: fc.boolean() }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("write" as const), s, text: outText }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant("read-callback" as const), s }), weight: core },
    { arbitrary: fc.record({ k: fc.constant("close" as const), s }), weight: core },
  );
}

function raw(g: GeneratorName): fc.Arbitrary<Raw> {
  return fc.record({
    streams: fc.array(rawStream(g), { minLength: 1, maxLength: 3 }),
    events: fc.array(rawEvent(g), { minLength: 1, maxLength: 6 }),
    steps: fc.array(rawStep(g), { minLength: 2, maxLength: 8 }),
  });
}

// ---- building a case --------------------------------------------------------

/** The bytes of a stream's input, cut into arrivals at sorted times. */
function input(r: RawStream): Array<{ at: number; data: string }> {
  const bytes = r.lines.map((l, i) => l.text + (i === r.lines.length - 1 && r.unterminated ? "" : l.crlf ? "\r\n" : "\n")).join("");
  if (bytes === "" || r.times.length === 0) return [];
  const cuts = [...new Set(r.cuts.slice(0, r.times.length - 1).map((c) => c % bytes.length))].filter((c) => c > 0).sort((a, b) => a - b);
  const bounds = [0, ...cuts, bytes.length];
  const times = [...r.times].sort((a, b) => a - b);
  const out: Array<{ at: number; data: string }> = [];
  for (let i = 0; i + 1 < bounds.length; i++) out.push({ at: times[i] as number, data: bytes.slice(bounds[i], bounds[i + 1]) });
  return out;
}

function markSpec(m: RawMark): MarkSpec {
  return { ...m };
}

/** Turns raw material into a valid case, `expect` computed by the model. */
export function build(r: Raw): Case {
  const streamNames = r.streams.map((_, i) => `s${i}`);
  const sName = (i: number): string => streamNames[i % streamNames.length] as string;
  const streams: Record<string, StreamSpec> = {};
  r.streams.forEach((s, i) => {
    const spec: StreamSpec = {};
    if (s.timeout !== undefined) spec.timeout = s.timeout;
    if (s.nonBlocking !== undefined) spec.nonBlocking = s.nonBlocking;
    if (s.flushOnRead) spec.flushOnRead = true;
    const arrivals = input(s);
    if (arrivals.length > 0) spec.input = arrivals;
    // Every stream ends or times out, so that every read completes.
    const last = Math.max(0, ...arrivals.map((a) => a.at));
    const end = s.end === undefined ? ((s.timeout ?? 0) > 0 ? undefined : 100) : "at" in s.end ? s.end.at : last + s.end.after;
    if (end !== undefined) spec.end = end;
    streams[sName(i)] = spec;
  });
  const hasEnd = (stream: string): boolean => streams[stream]?.end !== undefined;
  const hasWriter = (stream: string): boolean => streams[stream]?.flushOnRead === true;
  const closing = new Set(r.steps.flatMap((s) => (s.k === "close" ? [sName(s.s)] : [])));

  const eventNames = r.events.map((_, i) => `e${i}`);
  const streamOf = (e: RawEvent): string => sName(e.stream);
  // A refused event has no handle: only events with a callback and a mark can be named by scripts and steps.
  const marked = eventNames.filter((_, i) => r.events[i]?.mark !== undefined && r.events[i]?.noCallback === false);
  const unmarked = eventNames.filter((_, i) => r.events[i]?.mark === undefined);

  const events: Record<string, EventSpec> = {};
  r.events.forEach((e, i) => {
    const self = eventNames[i] as string;
    const stream = streamOf(e);
    const others = marked.filter((n) => n !== self);
    const addable = unmarked.filter((n) => {
      const target = streamOf(r.events[eventNames.indexOf(n)] as RawEvent);
      return target === stream || !closing.has(target);
    });
    const script = (raw: RawAction[]): Script => {
      const out: Action[] = [];
      for (const a of raw) {
        switch (a.k) {
          case "set-mark": {
            const target = a.other === undefined || others.length === 0 ? undefined : others[a.other % others.length];
            out.push({ "set-mark": { ...markSpec(a.spec), ...(target === undefined ? {} : { event: target }) } });
            break;
          }
          case "remove": {
            const target = a.other === undefined || others.length === 0 ? "self" : (others[a.other % others.length] as string);
            out.push({ remove: target });
            break;
          }
          case "add":
            if (e.mark !== undefined && addable.length > 0) out.push({ add: { event: addable[a.other % addable.length] as string, now: a.now } });
            break;
          case "rock":
            out.push({ rock: a.value });
            break;
          case "reset-timeout":
            if (hasEnd(stream)) out.push({ "reset-timeout": true });
            break;
          case "write":
            if (hasWriter(stream)) out.push({ write: a.text });
            break;
          case "spend":
            out.push({ spend: a.ticks });
            break;
          case "throw":
            out.push({ throw: a.message });
            break;
          case "return":
            out.push({ return: a.value });
            break;
          case "done":
            out.push({ remove: "self" }, { return: null });
            break;
        }
      }
      return out;
    };
    const finish: RawAction[] = e.finish.k === "none" ? [] : e.finish.k === "done" ? [e.finish] : [{ k: "set-mark", spec: { now: e.finish.now }, other: undefined }];
    const scripts = e.scripts.map((s) => script([...s, ...finish]));
    const spec: EventSpec = { stream, on: e.noCallback ? null : e.perFiring ? scripts : (scripts[0] as Script) };
    if (e.mark !== undefined) spec.mark = e.mark;
    if (e.rock !== undefined) spec.rock = e.rock;
    events[self] = spec;
  });

  const steps: Step[] = [];
  const closed = new Set<string>();
  /** The streams of each kept group, as its first select named them. */
  const groups = new Map<string, string[]>();
  /** The event step `o` on named events, or undefined when it would name an event that may not be there. */
  const eventStep = (o: Extract<RawStep, { k: "set-mark" | "add-event" | "remove-event" }>, addTo: (stream: string) => boolean): OutsideStep | undefined => {
    switch (o.k) {
      case "set-mark":
        return marked.length > 0 ? { "set-mark": { event: marked[o.e % marked.length] as string, ...markSpec(o.spec) } } : undefined;
      case "add-event": {
        const name = eventNames.length > 0 ? (eventNames[o.e % eventNames.length] as string) : undefined;
        // The format leaves adding to a closed stream to the implementation.
        return name !== undefined && addTo(events[name]?.stream ?? "") ? { "add-event": { event: name, ...o.spec } } : undefined;
      }
      case "remove-event":
        return marked.length > 0 ? { "remove-event": marked[o.e % marked.length] as string } : undefined;
    }
  };
  for (const s of r.steps) {
    switch (s.k) {
      case "read-line":
        steps.push({ "read-line": sName(s.s) });
        break;
      case "getc":
        steps.push({ getc: sName(s.s) });
        break;
      case "peek":
        steps.push({ peek: sName(s.s) });
        break;
      case "events":
        steps.push({ events: sName(s.s) });
        break;
      case "read":
        steps.push({ read: { stream: sName(s.s), n: s.n } });
        break;
      case "fill":
        steps.push({ fill: sName(s.s) });
        break;
      case "skip-line":
        steps.push({ "skip-line": sName(s.s) });
        break;
      case "read-exactly":
        steps.push({ "read-exactly": { stream: sName(s.s), n: s.n } });
        break;
      case "advance":
        steps.push({ advance: s.to });
        break;
      case "set-mark":
      case "add-event":
      case "remove-event": {
        const st = eventStep(s, (stream) => !closed.has(stream));
        if (st !== undefined) steps.push(st);
        break;
      }
      case "meanwhile": {
        // It may come after any later close: never an event added to a stream the case closes.
        const what = eventStep({ ...s.what }, (stream) => !closing.has(stream));
        if (what !== undefined) steps.push({ meanwhile: { at: s.at, do: what } });
        break;
      }
      case "select": {
        const group = s.group === undefined ? undefined : `g${s.group}`;
        const streams = (group === undefined ? undefined : groups.get(group)) ?? [...new Set(s.s.map(sName))];
        if (group !== undefined) groups.set(group, streams);
        steps.push({ select: { streams, timeout: s.timeout, ...(group === undefined ? {} : { group }) } });
        break;
      }
      case "set-timeout":
        if (s.ticks > 0 || hasEnd(sName(s.s))) steps.push({ "set-timeout": { stream: sName(s.s), ticks: s.ticks } });
        break;
      case "reset-timeout":
        steps.push({ "reset-timeout": sName(s.s) });
        break;
      case "nonblocking":
        steps.push({ nonblocking: { stream: sName(s.s), value: s.value } });
        break;
      case "write":
        if (hasWriter(sName(s.s))) steps.push({ write: { stream: sName(s.s), data: s.text } });
        break;
      case "read-callback":
        steps.push({ "read-callback": sName(s.s) });
        break;
      case "close":
        closed.add(sName(s.s));
        steps.push({ close: sName(s.s) });
        break;
    }
  }
  // A case needs a step.
  if (steps.length === 0) steps.push({ "read-line": "s0" });

  const c: Case = {
    id: "generated",
    title: "A generated case",
    requirements: ["WE-MODEL-1"],
    tags: tagsOf(streams, events, steps),
    streams,
    ...(eventNames.length > 0 ? { events } : {}),
    steps,
    expect: [],
  };
  c.expect = expectedTrace(c);
  return c;
}

/** The feature tags by which an implementation declares what it cannot run. */
function tagsOf(streams: Record<string, StreamSpec>, events: Record<string, EventSpec>, steps: Step[]): string[] {
  const actions = Object.values(events).flatMap((e) => (e.on ?? []).flat());
  const tags = ["generated"];
  if (Object.values(streams).some((s) => s.flushOnRead === true)) tags.push("flush-on-read");
  if (actions.some((a) => "throw" in a)) tags.push("throw");
  if (steps.some((s) => "read-callback" in s)) tags.push("read-callback");
  for (const read of ["fill", "skip-line", "read-exactly"] as const) if (steps.some((s) => read in s)) tags.push(read);
  if (steps.some((s) => "select" in s && s.select.group !== undefined)) tags.push("group");
  if (steps.some((s) => "meanwhile" in s)) tags.push("meanwhile");
  if (steps.some((s) => "close" in s)) tags.push("close", "undefined-in-c");
  return tags;
}

/** Valid cases over the whole format, with the model's expected trace. */
export const caseArbitrary: fc.Arbitrary<Case> = raw("core").map(build);

/** The seed the generated tests run with by default. */
export const DEFAULT_SEED = 20_240_601;

/**
 * The cases of the `cyrus` generator, with the model's expected trace, before
 * the repair that keeps them within what the C layer can run
 * (./cyrus-repair.ts).
 */
export const cyrusRawCaseArbitrary: fc.Arbitrary<Case> = raw("cyrus").map(build);
