/**
 * fast-check arbitraries of valid conformance cases, for differential
 * testing: the executable model (./model.ts) is the oracle, so every
 * generated case carries `expect: expectedTrace(c)`.
 *
 * The arbitraries draw raw material (indices, times, texts) and a pure
 * `build` turns it into a case, so fast-check shrinks the material and the
 * case stays valid at every shrinking step: names that would dangle are
 * resolved to existing ones, or the action is dropped.
 *
 * What the generated cases keep away from (version 1):
 * - `throw`, `write`/flushOnRead, read callbacks, `close`, `set-timeout`;
 * - cases that never end: every stream has an `end` or a read timeout, a
 *   `reset-timeout` action only goes to an event of a stream with an `end`
 *   (else an event could keep a timed-out-never stream waiting up to the
 *   runner's horizon), and every select has a timeout;
 * - set-mark / remove on an event that may not have been added yet: scripts
 *   and steps only name events declared with a mark (added at the start);
 *   `add` only adds events declared without a mark.
 */
import fc from "fast-check";
import type { Action, Case, EventSpec, MarkSpec, Rock, Script, Step, StreamSpec } from "../src/case.js";
import { expectedTrace } from "./model.js";

// ---- raw material -----------------------------------------------------------

interface RawStream {
  timeout: number | undefined;
  nonBlocking: boolean | undefined;
  lines: Array<{ text: string; crlf: boolean }>;
  unterminated: boolean;
  cuts: number[];
  times: number[];
  end: number | undefined;
}

type RawMark = { at: number } | { now: number } | { mark: number };

type RawAction =
  | { k: "set-mark"; spec: RawMark; other: number | undefined }
  | { k: "remove"; other: number | undefined }
  | { k: "add"; other: number; now: number }
  | { k: "rock"; value: Rock }
  | { k: "reset-timeout" }
  | { k: "return"; value: "event" | null };

interface RawEvent {
  stream: number;
  mark: number | undefined;
  rock: Rock | undefined;
  /** One script, or (several) a list of scripts, one per firing. */
  scripts: RawAction[][];
  perFiring: boolean;
}

type RawStep =
  | { k: "read-line" | "getc" | "events"; s: number }
  | { k: "read"; s: number; n: number }
  | { k: "advance"; to: number }
  | { k: "set-mark"; e: number; spec: RawMark }
  | { k: "remove-event"; e: number }
  | { k: "select"; s: number[]; timeout: number };

interface Raw {
  streams: RawStream[];
  events: RawEvent[];
  steps: RawStep[];
}

const lineText = fc.string({ unit: fc.constantFrom("a", "b", "x", " ", "1"), maxLength: 4 });

const rawStream: fc.Arbitrary<RawStream> = fc.record({
  timeout: fc.option(fc.oneof(fc.constant(0), fc.integer({ min: 5, max: 60 })), { nil: undefined }),
  nonBlocking: fc.option(fc.boolean(), { nil: undefined }),
  lines: fc.array(fc.record({ text: lineText, crlf: fc.boolean() }), { maxLength: 4 }),
  unterminated: fc.boolean(),
  cuts: fc.array(fc.nat({ max: 40 }), { maxLength: 3 }),
  times: fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 4 }),
  end: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
});

const rock: fc.Arbitrary<Rock> = fc.oneof(fc.constantFrom("r1", "r2", "x"), fc.integer({ min: 0, max: 9 }));

const markOf = (now: fc.Arbitrary<number>, mark: fc.Arbitrary<number>, at: fc.Arbitrary<number>): fc.Arbitrary<RawMark> =>
  fc.oneof(
    now.map((now) => ({ now })),
    mark.map((mark) => ({ mark })),
    at.map((at) => ({ at })),
  );

const actionMark = markOf(fc.integer({ min: -3, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: -5, max: 90 }));

const rawAction: fc.Arbitrary<RawAction> = fc.oneof(
  fc.record({ k: fc.constant("set-mark" as const), spec: actionMark, other: fc.option(fc.nat({ max: 4 }), { nil: undefined }) }),
  fc.record({ k: fc.constant("remove" as const), other: fc.option(fc.nat({ max: 4 }), { nil: undefined }) }),
  fc.record({ k: fc.constant("add" as const), other: fc.nat({ max: 4 }), now: fc.integer({ min: 0, max: 10 }) }),
  fc.record({ k: fc.constant("rock" as const), value: rock }),
  fc.constant({ k: "reset-timeout" as const }),
  fc.record({ k: fc.constant("return" as const), value: fc.constantFrom("event" as const, null) }),
);

const rawScript = fc.array(rawAction, { maxLength: 3 });

const rawEvent: fc.Arbitrary<RawEvent> = fc.record({
  stream: fc.nat({ max: 2 }),
  mark: fc.option(fc.integer({ min: -5, max: 80 }), { nil: undefined, freq: 4 }),
  rock: fc.option(rock, { nil: undefined }),
  scripts: fc.array(rawScript, { minLength: 1, maxLength: 3 }),
  perFiring: fc.boolean(),
});

const rawStep: fc.Arbitrary<RawStep> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constantFrom("read-line" as const, "getc" as const), s: fc.nat({ max: 2 }) }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constant("read" as const), s: fc.nat({ max: 2 }), n: fc.integer({ min: 1, max: 5 }) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant("advance" as const), to: fc.integer({ min: 0, max: 100 }) }), weight: 1 },
  {
    arbitrary: fc.record({
      k: fc.constant("set-mark" as const),
      e: fc.nat({ max: 4 }),
      spec: markOf(fc.integer({ min: -3, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: -5, max: 90 })),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ k: fc.constant("remove-event" as const), e: fc.nat({ max: 4 }) }), weight: 1 },
  {
    arbitrary: fc.record({
      k: fc.constant("select" as const),
      s: fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 3 }),
      timeout: fc.integer({ min: 0, max: 40 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ k: fc.constant("events" as const), s: fc.nat({ max: 2 }) }), weight: 1 },
);

const raw: fc.Arbitrary<Raw> = fc.record({
  streams: fc.array(rawStream, { minLength: 1, maxLength: 3 }),
  events: fc.array(rawEvent, { maxLength: 5 }),
  steps: fc.array(rawStep, { minLength: 1, maxLength: 6 }),
});

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
  const streams: Record<string, StreamSpec> = {};
  r.streams.forEach((s, i) => {
    const spec: StreamSpec = {};
    if (s.timeout !== undefined) spec.timeout = s.timeout;
    if (s.nonBlocking !== undefined) spec.nonBlocking = s.nonBlocking;
    const arrivals = input(s);
    if (arrivals.length > 0) spec.input = arrivals;
    // Every stream ends or times out, so that every read completes.
    const end = s.end ?? ((s.timeout ?? 0) > 0 ? undefined : 100);
    if (end !== undefined) spec.end = end;
    streams[streamNames[i] as string] = spec;
  });

  const eventNames = r.events.map((_, i) => `e${i}`);
  const streamOf = (e: RawEvent): string => streamNames[e.stream % streamNames.length] as string;
  const marked = eventNames.filter((_, i) => r.events[i]?.mark !== undefined);
  const unmarked = eventNames.filter((_, i) => r.events[i]?.mark === undefined);

  const events: Record<string, EventSpec> = {};
  r.events.forEach((e, i) => {
    const self = eventNames[i] as string;
    const stream = streamOf(e);
    const others = marked.filter((n) => n !== self);
    const hasEnd = streams[stream]?.end !== undefined;
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
            // Only events declared with a mark add: an added event that adds
            // again would double the list at every firing.
            if (e.mark !== undefined && unmarked.length > 0) out.push({ add: { event: unmarked[a.other % unmarked.length] as string, now: a.now } });
            break;
          case "rock":
            out.push({ rock: a.value });
            break;
          case "reset-timeout":
            // Only where the input ends: see the file's comment.
            if (hasEnd) out.push({ "reset-timeout": true });
            break;
          case "return":
            out.push({ return: a.value });
            break;
        }
      }
      return out;
    };
    const scripts = e.scripts.map(script);
    const spec: EventSpec = { stream, on: e.perFiring ? scripts : (scripts[0] as Script) };
    if (e.mark !== undefined) spec.mark = e.mark;
    if (e.rock !== undefined) spec.rock = e.rock;
    events[self] = spec;
  });

  const sName = (i: number): string => streamNames[i % streamNames.length] as string;
  const steps: Step[] = [];
  for (const s of r.steps) {
    switch (s.k) {
      case "read-line":
        steps.push({ "read-line": sName(s.s) });
        break;
      case "getc":
        steps.push({ getc: sName(s.s) });
        break;
      case "events":
        steps.push({ events: sName(s.s) });
        break;
      case "read":
        steps.push({ read: { stream: sName(s.s), n: s.n } });
        break;
      case "advance":
        steps.push({ advance: s.to });
        break;
      case "set-mark":
        if (marked.length > 0) steps.push({ "set-mark": { event: marked[s.e % marked.length] as string, ...markSpec(s.spec) } });
        break;
      case "remove-event":
        if (marked.length > 0) steps.push({ "remove-event": marked[s.e % marked.length] as string });
        break;
      case "select":
        steps.push({ select: { streams: [...new Set(s.s.map(sName))], timeout: s.timeout } });
        break;
    }
  }
  // A case needs a step.
  if (steps.length === 0) steps.push({ "read-line": "s0" });

  const c: Case = {
    id: "generated",
    title: "A generated case",
    requirements: ["WE-MODEL-1"],
    tags: ["generated"],
    streams,
    ...(eventNames.length > 0 ? { events } : {}),
    steps,
    expect: [],
  };
  c.expect = expectedTrace(c);
  return c;
}

/** Valid cases with the model's expected trace. */
export const caseArbitrary: fc.Arbitrary<Case> = raw.map(build);

/** The seed the test runs with by default. */
export const DEFAULT_SEED = 20_240_601;
