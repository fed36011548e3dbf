/**
 * An executable model of the wait-event contract (spec/01-model.md to
 * spec/07-errors.md): given a conformance case, the trace a conforming
 * implementation produces.
 *
 * It is a plain discrete-event simulation over explicit state: no timers,
 * no promises, no clock objects. Time is the number `world.now`; it moves
 * only by `advanceTo`, which delivers every input due on the way. Each rule
 * of the spec is implemented once, at the spot that cites its ID.
 *
 * Where the spec is silent, the model follows the cases and the reference
 * implementation (src/prot-stream.ts, src/select.ts) and says so with
 * "Spec silent:".
 *
 * An optional observer (`ModelObserver`) is told of each decision as it is
 * made, with the state it is made on; ./cyrus.ts uses it to find where the
 * C layer would part from these rules. Observers never change the trace.
 */
import {
  HORIZON,
  markFrom,
  readCallbackOf,
  removeTarget,
  type Action,
  type Case,
  type EventSpec,
  type OutsideStep,
  type ReadResultEntry,
  type Rock,
  type Script,
  type Step,
  type TraceEntry,
} from "../src/case.js";

// ---- state ------------------------------------------------------------------

/** One wait event on a stream's list: what a handle points at. */
export interface Ev {
  /** The case's name for it; a name added twice names two events. */
  readonly name: string;
  /** The stream whose list it was added to. */
  readonly stream: string;
  /** The absolute time it is due. */
  mark: number;
  /** The value its callback is given. */
  rock: Rock;
}

/** One input still to come. */
interface Arrival {
  at: number;
  data: string;
}

/** One stream of the case and everything the rules need to know of it. */
export interface Stream {
  /** The case's name for it. */
  readonly name: string;
  /** Buffered bytes, one per character (latin1). */
  buf: string;
  /** Arrivals still to come, in time order (ties: in the order given). */
  arrivals: Arrival[];
  /** When the input ends, while that is still to come. */
  end: number | undefined;
  /** The message the input fails with at `end`, instead of ending; undefined for a clean end. */
  failsWith: string | undefined;
  /** The input's failure, once it came (and the stream had not failed by its own doing before). */
  inputError: string | null;
  /** How many arrivals were taken in: a wait compares it to see whether input came. */
  taken: number;
  /** The input's end (or its failure) came. */
  ended: boolean;
  /** The case closed the stream. */
  closed: boolean;
  /** The stream's own failure (timeout, callback, close); reads report it. */
  error: string | null;
  /** Read timeout in ticks, 0 for none. */
  timeout: number;
  /** When the read timeout runs out, while the stream has one. */
  timeoutMark: number;
  /** Reads return at once rather than wait. */
  nonBlocking: boolean;
  /** The list of wait events, in list order. */
  events: Ev[];
  /** The paired writer's output not yet handed on; null without a writer. */
  out: string | null;
  /** The peer echoes: what the writer hands on arrives as input at once. */
  echo: boolean;
  /** When the peer begins to read what the writer hands on (0: at once). */
  peerReadsAt: number;
  /** Output handed on that waits for the peer to read it. */
  toPeer: string;
  /** WE-FLUSH-3: the wait holds for the peer, so the input waits where it comes from. */
  paused: boolean;
  /** The read callback set, if any: it records that it ran, then throws `throws` when set. */
  readCallback: { throws?: string } | null;
}

/** The whole state of a case being run. */
export interface World {
  /** The case being run. */
  readonly c: Case;
  /** The virtual time. */
  now: number;
  /** The streams, by the case's names. */
  readonly streams: Map<string, Stream>;
  /** Per event name, the handle the case's name refers to: the latest added. */
  readonly handles: Map<string, Ev>;
  /** Per event name, how many times it was called (selects the script). */
  readonly firings: Map<string, number>;
  /** The trace so far. */
  readonly trace: TraceEntry[];
  /** Who watches the run. */
  readonly obs: ModelObserver | undefined;
  /** What `meanwhile` steps will do from outside, in time order (ties: in the order given), with the index of the step. */
  readonly outside: Array<{ at: number; do: OutsideStep; step: number }>;
  /** The index of the step running. */
  stepIndex: number;
}

const IDLE = "idle for too long";
const CLOSED = "stream closed";
const CALLBACK_FAILED = "wait event callback failed: ";
const READ_CALLBACK_FAILED = "read callback failed: ";

/** What a step tells the case: go on, or stop here (`blocked`). */
type Flow = "go" | "stop";

/** The reads of the case format. */
export type ReadKind = "read-line" | "getc" | "read" | "peek" | "fill" | "skip-line" | "read-exactly";

/** Where an action sits in a case: its event, the script (-1 for a single script) and the action's index. */
export interface ActionPlace {
  /** The event's name. */
  event: string;
  /** The index of the script, -1 for a single script. */
  script: number;
  /** The index of the action in its script. */
  action: number;
}

/**
 * Told of the model's decisions as they are made, with the state they are
 * made on (to be read, not changed). Every hook is optional; `w.trace.length`
 * is where the next trace entry will go.
 */
export interface ModelObserver {
  /** Step `index` of the case is about to run. */
  step?(w: World, index: number, st: Step): void;
  /** Input written to the stream's input (before the model decides whether the stream still takes it). */
  delivered?(w: World, s: Stream, data: string): void;
  /** The end of the stream's input came. */
  ended?(w: World, s: Stream): void;
  /** A read is about to take what it needs from the buffer (`n`: bytes asked, for `read`). */
  taking?(w: World, s: Stream, kind: ReadKind, n: number): void;
  /** The read took `consumed` bytes from the buffer. */
  took?(w: World, s: Stream, consumed: number): void;
  /** A read has to wait. */
  waitBegins?(w: World, s: Stream): void;
  /** A pass begins (`first`: the first of its wait). */
  passBegins?(w: World, s: Stream, first: boolean): void;
  /** The pass is about to call `ev`. */
  calling?(w: World, s: Stream, ev: Ev): void;
  /** A callback is about to perform `a`. */
  acting?(w: World, s: Stream, ev: Ev, a: Action, at: ActionPlace): void;
  /** The callback of `ev` returned `kept` (or threw), before the pass acts on it. */
  called?(w: World, s: Stream, ev: Ev, kept: Ev | null | "threw"): void;
  /** The pass is over. */
  passEnds?(w: World, s: Stream): void;
  /** The wait is about to sleep until `until`. */
  sleeps?(w: World, s: Stream, until: number): void;
  /** The wait woke (input due by now has been delivered). */
  woke?(w: World, s: Stream): void;
  /** A read is about to record its outcome. */
  readEnds?(w: World, s: Stream, kind: ReadKind, r: ReadResultEntry): void;
  /**
   * A `meanwhile` step (step `index`) scheduled for `at` is about to act from
   * outside, now (later than `at` when a callback's time passed it).
   */
  outside?(w: World, st: OutsideStep, at: number, index: number): void;
  /** A select begins. */
  selectBegins?(w: World, streams: Stream[], timeout: number | null): void;
  /** A select is about to record the ready streams. */
  selectEnds?(w: World, streams: Stream[], ready: Stream[]): void;
}

// ---- the case ---------------------------------------------------------------

/** The trace a conforming implementation produces for `c`; `obs` watches the run. */
export function expectedTrace(c: Case, obs?: ModelObserver): TraceEntry[] {
  const w: World = { c, now: 0, streams: new Map(), handles: new Map(), firings: new Map(), trace: [], obs, outside: [], stepIndex: 0 };
  for (const [name, spec] of Object.entries(c.streams)) {
    const timeout = spec.timeout ?? 0;
    w.streams.set(name, {
      name,
      buf: "",
      arrivals: (spec.input ?? []).map((a) => ({ ...a })).sort((a, b) => a.at - b.at),
      end: spec.end,
      failsWith: spec.error,
      inputError: null,
      taken: 0,
      ended: false,
      closed: false,
      error: null,
      timeout,
      // WE-TIMEOUT-2: the timeout counts from when it is set, here the start.
      timeoutMark: timeout > 0 ? timeout : Infinity,
      nonBlocking: spec.nonBlocking ?? false,
      events: [],
      out: spec.flushOnRead === true ? "" : null,
      echo: spec.echo === true,
      peerReadsAt: spec.peerReadsAt ?? 0,
      toPeer: "",
      paused: false,
      readCallback: null,
    });
  }
  // The README: events with a mark are added at the start, in declaration order.
  for (const [name, spec] of Object.entries(c.events ?? {})) if (spec.mark !== undefined) addEvent(w, name, spec.mark);
  // DRIVERS.md: input arriving at t is readable at t, so what arrives at the
  // start has arrived when the first step runs.
  advanceTo(w, 0);
  for (const [i, s] of c.steps.entries()) {
    // What came due while a callback took time (WE-FIRE-7) is there before the next step.
    advanceTo(w, w.now);
    w.stepIndex = i;
    obs?.step?.(w, i, s);
    if (step(w, s) === "stop") break;
  }
  return w.trace;
}

function stream(w: World, name: string): Stream {
  const s = w.streams.get(name);
  if (s === undefined) throw new Error(`case ${w.c.id}: no stream ${name}`);
  return s;
}

function eventSpec(w: World, name: string): EventSpec {
  const e = w.c.events?.[name];
  if (e === undefined) throw new Error(`case ${w.c.id}: no event ${name}`);
  return e;
}

function handle(w: World, name: string): Ev {
  const e = w.handles.get(name);
  if (e === undefined) throw new Error(`case ${w.c.id}: event ${name} was never added`);
  return e;
}

// ---- time and input ---------------------------------------------------------

/**
 * Lets time pass to `t`, delivering on every stream the input due by then,
 * and doing on the way what `meanwhile` steps do from outside, each at its
 * time, after the input due at that instant.
 */
function advanceTo(w: World, t: number): void {
  while (nextOutside(w) <= t) doNextOutside(w);
  for (const s of w.streams.values()) deliver(w, s, t);
  w.now = Math.max(w.now, t);
}

/** Does the first `meanwhile` action still to come, at its time (or now, if a callback's time passed it), after the input due then. */
function doNextOutside(w: World): OutsideStep {
  const o = w.outside.shift();
  if (o === undefined) throw new Error(`case ${w.c.id}: no change from outside is to come`);
  for (const s of w.streams.values()) deliver(w, s, o.at);
  w.now = Math.max(w.now, o.at);
  w.obs?.outside?.(w, o.do, o.at, o.step);
  outsideStep(w, o.do);
  return o.do;
}

/** When the next `meanwhile` action comes (Infinity if none). */
function nextOutside(w: World): number {
  return w.outside[0]?.at ?? Infinity;
}

/** Delivers the arrivals and the end of `s` due by `t`, in time order, each at its own time (never before now). */
function deliver(w: World, s: Stream, t: number): void {
  // WE-FLUSH-3: what comes while the wait holds for the peer is taken once it stops holding.
  if (s.paused) return;
  for (;;) {
    const a = s.arrivals[0];
    const end = s.end !== undefined && s.end <= t ? s.end : Infinity;
    // Arrivals come before an end at the same instant: the end was scheduled after them.
    if (a !== undefined && a.at <= t && a.at <= end) {
      s.arrivals.shift();
      if (!s.ended && !s.closed) w.obs?.delivered?.(w, s, a.data);
      arrive(s, a.data, Math.max(a.at, w.now));
    } else if (end !== Infinity) {
      s.end = undefined;
      // WE-ERR-1: a stream that failed by its own doing keeps its own error.
      if (s.failsWith !== undefined && s.error === null && !s.ended) s.inputError = s.failsWith;
      s.ended = true;
      if (!s.closed) w.obs?.ended?.(w, s);
    } else return;
  }
}

function arrive(s: Stream, data: string, at: number): void {
  // WE-ERR-1: input after the stream failed (or was closed, or ended) is not delivered.
  // Spec silent: an empty arrival is no arrival (the reference ignores it).
  if (s.closed || s.error !== null || s.ended || data === "") return;
  s.buf += data;
  s.taken++;
  // WE-TIMEOUT-2: input arriving restarts the read timeout.
  if (s.timeout > 0) s.timeoutMark = at + s.timeout;
}

/** The time of the next input (or end) still to come on `s` (Infinity if none). */
export function nextInput(s: Stream): number {
  const a = s.arrivals.find((x) => x.data !== "");
  return Math.min(a === undefined ? Infinity : a.at, s.end ?? Infinity);
}

// ---- events -----------------------------------------------------------------

/**
 * WE-API-1: adding appends to the end of the list and gives a handle. WE-API-2: it runs nothing.
 * WE-API-7: an event without a callback is refused, and the list stays as it was.
 */
function addEvent(w: World, name: string, mark: number): void {
  const spec = eventSpec(w, name);
  if (spec.on === null) {
    w.trace.push({ t: w.now, refused: name });
    return;
  }
  const ev: Ev = { name, stream: spec.stream, mark, rock: spec.rock ?? null };
  w.handles.set(name, ev);
  const s = stream(w, spec.stream);
  // WE-CLOSE-2: an event added to a closed stream stays off it (the reference refuses it); the handle stays detached.
  if (!s.closed) s.events.push(ev);
}

/** WE-API-4: removing unlinks the event. WE-API-5: an event not on the stream is left alone. */
function removeEvent(s: Stream, ev: Ev): void {
  const i = s.events.indexOf(ev);
  if (i >= 0) s.events.splice(i, 1);
}

/** WE-FIRE-1: due exactly when now >= mark. */
const isDue = (ev: Ev, now: number): boolean => now >= ev.mark;

// ---- callbacks --------------------------------------------------------------

type CallResult = { kept: Ev | null } | { threw: string };

/** The script of this firing, and its index (-1 when the event has a single script). */
function pickScript(on: Script | Script[] | null, firing: number): { script: Script; index: number } {
  // An event without a callback never gets on a list (WE-API-7), so it is never called.
  if (on === null) return { script: [], index: -1 };
  if (!Array.isArray(on[0])) return { script: on as Script, index: -1 };
  const scripts = on as Script[];
  const index = Math.min(firing, scripts.length - 1);
  return { script: scripts[index] as Script, index };
}

/** Calls the callback of `ev`: traces the firing, then runs its script for this firing. */
function call(w: World, ev: Ev): CallResult {
  const n = w.firings.get(ev.name) ?? 0;
  w.firings.set(ev.name, n + 1);
  // WE-CB-8: the rock is passed as it is now; the trace shows the mark the event had when called.
  const entry: TraceEntry = { t: w.now, fire: ev.name, mark: ev.mark };
  if (ev.rock !== null) entry.rock = ev.rock;
  w.trace.push(entry);
  const { script, index } = pickScript(eventSpec(w, ev.name).on, n);
  for (const [i, a] of script.entries()) {
    w.obs?.acting?.(w, stream(w, ev.stream), ev, a, { event: ev.name, script: index, action: i });
    const r = act(w, ev, a);
    if (r !== undefined) return r;
  }
  return { kept: ev }; // a script without `return` returns its event
}

/** One action of a script; a result ends the script. */
function act(w: World, ev: Ev, a: Action): CallResult | undefined {
  const s = stream(w, ev.stream);
  if ("set-mark" in a) {
    // WE-API-3 / WE-CB-4 / WE-CB-7: a new mark counts from the next decision.
    const target = a["set-mark"].event === undefined ? ev : handle(w, a["set-mark"].event);
    target.mark = markFrom(a["set-mark"], w.now, target.mark);
  } else if ("remove" in a) {
    // WE-API-6 / WE-CB-5: a callback may remove any event of its stream, itself included.
    removeEvent(s, a.remove === "self" ? ev : handle(w, a.remove));
  } else if ("add" in a) {
    // WE-CB-6: it may add events; the pass does not see them (see `pass`).
    addEvent(w, a.add.event, markFrom(a.add, w.now, 0));
  } else if ("rock" in a) {
    // WE-CB-8: a replaced rock is what the next call receives.
    ev.rock = a.rock;
  } else if ("reset-timeout" in a) {
    resetTimeout(w, s);
  } else if ("write" in a) {
    write(s, a.write);
  } else if ("spend" in a) {
    // WE-FIRE-7: the clock goes on while the callback runs; what comes due meanwhile
    // (input, changes from outside) is taken in when the wait next lets time pass.
    w.now += a.spend;
  } else if ("throw" in a) {
    return { threw: a.throw };
  } else if ("return" in a) {
    // WE-CB-1: a callback returns its event or null.
    return { kept: a.return === null ? null : ev };
  }
  return undefined;
}

// ---- the pass ---------------------------------------------------------------

/** One pass over the list of `s` at time `now`. */
function pass(w: World, s: Stream): void {
  const now = w.now;
  // WE-FIRE-2: list order, events present and due when the pass began
  // (WE-CB-6: so events added during the pass wait for the next one).
  const due = s.events.filter((ev) => isDue(ev, now));
  for (const ev of due) {
    // WE-CB-5: removed during the pass → skipped. WE-CB-7: still due when the pass reaches it.
    if (!s.events.includes(ev) || !isDue(ev, now)) continue;
    w.obs?.calling?.(w, s, ev);
    const r = call(w, ev);
    w.obs?.called?.(w, s, ev, "threw" in r ? "threw" : r.kept);
    if ("threw" in r) {
      // WE-CB-9: remove the event, run nothing more, fail the stream.
      removeEvent(s, ev);
      fail(s, CALLBACK_FAILED + r.threw);
      return;
    }
    // WE-CB-3: null means removed, whether or not the callback removed it.
    // WE-CB-2: the event, returned, stays at its place.
    if (r.kept === null) removeEvent(s, ev);
  }
}

/** WE-ERR-1 / WE-CB-9: the stream fails by its own doing; what is buffered goes with it. */
function fail(s: Stream, message: string): void {
  if (s.error !== null) return;
  s.error = message;
  s.buf = "";
}

// ---- waiting ----------------------------------------------------------------

/** How a wait ended: input came, the input ended or the stream failed, would block, or it never can end. */
type WaitOutcome = "data" | "end" | "block" | "stuck";

/** The wait of a read that needs more than is buffered (spec/01-model.md, "The pass"). */
function wait(w: World, s: Stream): WaitOutcome {
  // WE-READ-5 / WE-ERR-1: after the end or a failure, no wait and no event.
  if (s.closed || s.error !== null || s.ended) return "end";
  // A wait begins without holding: what came meanwhile is taken.
  hold(w, s, false);
  const seen = s.taken;
  w.obs?.waitBegins?.(w, s);
  // WE-RCB-1: the read callback runs once, before the first pass, and is cleared.
  const rcb = s.readCallback;
  if (rcb !== null) {
    s.readCallback = null;
    w.trace.push({ t: w.now, "read-callback": s.name });
    // WE-RCB-3: a failing read callback fails the stream; no pass runs in that wait.
    if (rcb.throws !== undefined) {
      fail(s, READ_CALLBACK_FAILED + rcb.throws);
      return "end";
    }
  }
  for (let first = true; ; first = false) {
    // WE-FIRE-7: the time of the pass, which its callbacks may have left behind.
    const passAt = w.now;
    // WE-FIRE-3: every wait begins with a pass (WE-FIRE-4: and every wake without input).
    w.obs?.passBegins?.(w, s, first);
    pass(w, s);
    w.obs?.passEnds?.(w, s);
    if (s.error !== null) return "end";
    const held = s.paused || heldBack(s, w.now);
    // WE-FLUSH-1: hand on the writer's output after a pass that brought no input or end.
    flush(w, s);
    // WE-FLUSH-3: the wait holds while its output waits for the peer; once it stops, what is buffered may do.
    hold(w, s, heldBack(s, w.now));
    if (held && !s.paused) return "data";
    // What the flush brought back (a peer that echoes) is input: no sleep for it.
    if (s.taken !== seen) return "data";
    // WE-NB-1: non-blocking: one pass, then would-block; the timeout does not apply.
    if (s.nonBlocking) return "block";
    // WE-TIMEOUT-1 / WE-TIMEOUT-3 / WE-TIMEOUT-4: checked after the pass, so the
    // events due at that instant run first and a reset by a callback extends the wait.
    // WE-FIRE-7: decided at the time of the pass; a timeout that passed while callbacks ran
    // wakes the stream at once, for a pass that runs what is due by then.
    if (s.timeout > 0 && passAt >= s.timeoutMark) {
      fail(s, IDLE);
      return "end";
    }
    // WE-FLUSH-3: a read that holds wakes when the peer reads, not for input.
    const wakeFor = (now: number): number => Math.min(timerFor(s, now), s.paused ? s.peerReadsAt : nextInput(s));
    let wake = wakeFor(passAt);
    // WE-API-3: a change from outside while the read sleeps counts from then,
    // and one at the very instant the read wakes comes before its wake (input
    // due then ends the sleep). WE-API-8: a change of its earliest mark, or a
    // mark set on the event holding it (even the same), has the read decide
    // its sleep again without a pass, its tick counted from the change; any
    // other change leaves the sleep alone.
    while (nextOutside(w) <= Math.min(wake, HORIZON)) {
      const before = earliestMark(s);
      const did = doNextOutside(w);
      if (s.taken !== seen || s.ended) {
        wake = w.now;
        break;
      }
      const top = "set-mark" in did && s.events.length > 0 && firstByMark(s) === w.handles.get(did["set-mark"].event);
      if (earliestMark(s) !== before || top) wake = wakeFor(w.now);
    }
    if (wake === Infinity || wake > HORIZON) return "stuck";
    w.obs?.sleeps?.(w, s, wake);
    // WE-FIRE-7: a wake time that passed while callbacks ran is now.
    advanceTo(w, Math.max(wake, w.now));
    if (s.paused && w.now >= s.peerReadsAt) peerTakes(w, s);
    w.obs?.woke?.(w, s);
    // WE-FIRE-6: input (or the end) at the wake instant wins over the marks.
    if (s.taken !== seen) return "data";
    if (s.ended) return "end";
  }
}

/** The earliest mark on the list of `s` (Infinity if none). */
function earliestMark(s: Stream): number {
  let m = Infinity;
  for (const ev of s.events) m = Math.min(m, ev.mark);
  return m;
}

/** The event holding the earliest mark, the first in list order among equal ones. */
function firstByMark(s: Stream): Ev | undefined {
  let first: Ev | undefined;
  for (const ev of s.events) if (first === undefined || ev.mark < first.mark) first = ev;
  return first;
}

/** WE-FIRE-4 / WE-FIRE-5: sleep until the earliest mark or the timeout mark, but at least one tick. */
function timerFor(s: Stream, now: number): number {
  // Only a blocking stream sleeps, so its deadline is what wakes it.
  const at = deadline(s);
  return at <= now ? now + 1 : at;
}

/** Hands on the paired writer's output; one trace entry per stream and instant. */
function flush(w: World, s: Stream): void {
  if (s.out === null || s.out === "") return;
  const out = s.out;
  s.out = "";
  // WE-FLUSH-3: a peer that reads later gets it then.
  if (w.now < s.peerReadsAt) s.toPeer += out;
  else handedOn(w, s, out);
}

/** The peer takes what waited for it. */
function peerTakes(w: World, s: Stream): void {
  const out = s.toPeer;
  s.toPeer = "";
  if (out !== "") handedOn(w, s, out);
}

function handedOn(w: World, s: Stream, out: string): void {
  const last = w.trace[w.trace.length - 1];
  if (last !== undefined && "flush" in last && last.flush === s.name && last.t === w.now) last.data += out;
  else w.trace.push({ t: w.now, flush: s.name, data: out });
  if (s.echo) arrive(s, out, w.now);
}

/** WE-FLUSH-3: the writer is held back while output waits for a peer that reads later. */
function heldBack(s: Stream, now: number): boolean {
  return now < s.peerReadsAt && ((s.out ?? "") !== "" || s.toPeer !== "");
}

/** Holds the wait for the peer, or stops holding: then what came meanwhile is taken, now. */
function hold(w: World, s: Stream, paused: boolean): void {
  if (s.paused === paused) return;
  s.paused = paused;
  if (!paused) deliver(w, s, w.now);
}

function write(s: Stream, data: string): void {
  // Spec silent: writing without a paired writer (the reference throws); nothing is handed on.
  if (s.out !== null) s.out += data;
}

function resetTimeout(w: World, s: Stream): void {
  // WE-TIMEOUT-2: reset → now + T (only with a timeout).
  if (s.timeout > 0) s.timeoutMark = w.now + s.timeout;
}

// ---- reads ------------------------------------------------------------------

/** Takes what a read needs from the buffer, or undefined when it has to wait. */
type Take = (s: Stream) => ReadResultEntry | undefined;

/**
 * WE-READ-1: up to the LF, without it and a CR just before it. WE-READ-3 /
 * WE-ERR-2: an unterminated last line at the end. WE-ERR-3: not when the
 * input failed: a line cut off by a failure is no line.
 */
const takeLine: Take = (s) => {
  const lf = s.buf.indexOf("\n");
  if (lf >= 0) {
    const line = s.buf.slice(0, lf > 0 && s.buf[lf - 1] === "\r" ? lf - 1 : lf);
    s.buf = s.buf.slice(lf + 1);
    return { line };
  }
  if (s.ended && s.error === null && s.inputError === null && s.buf !== "") {
    const line = s.buf;
    s.buf = "";
    return { line };
  }
  return undefined;
};

/** WE-READ-4: a byte, any value 0-255. */
const takeByte: Take = (s) => {
  if (s.buf === "") return undefined;
  const byte = s.buf.charCodeAt(0);
  s.buf = s.buf.slice(1);
  return { byte };
};

/** WE-READ-6: the next byte, any value 0-255, left in the buffer. */
const peekByte: Take = (s) => (s.buf === "" ? undefined : { byte: s.buf.charCodeAt(0) });

/** WE-READ-8: through the next LF; a part of a line is discarded as it comes, and waited past. */
const skipLine: Take = (s) => {
  const lf = s.buf.indexOf("\n");
  s.buf = lf >= 0 ? s.buf.slice(lf + 1) : "";
  return lf >= 0 ? { skipped: true } : undefined;
};

/** WE-READ-9: n bytes once all have come; until then they stay buffered. */
const takeExactly =
  (n: number): Take =>
  (s) => {
    if (s.buf.length < n) return undefined;
    const data = s.buf.slice(0, n);
    s.buf = s.buf.slice(n);
    return { data };
  };

/** WE-READ-4: 1 to n buffered bytes. */
const takeUpTo =
  (n: number): Take =>
  (s) => {
    if (s.buf === "") return undefined;
    const data = s.buf.slice(0, n);
    s.buf = s.buf.slice(data.length);
    return { data };
  };

/** The outcome of a read that found no data: the stream's failure, or the end of the input. */
function ending(s: Stream): ReadResultEntry {
  const error = s.error ?? s.inputError;
  return error !== null ? { error } : { eof: true };
}

/** A read step: WE-MODEL-3, served from the buffer without waiting when it can; else it waits. */
function read(w: World, key: ReadKind, name: string, take: Take, n = 1): Flow {
  const s = stream(w, name);
  const record = (r: ReadResultEntry): void => {
    w.obs?.readEnds?.(w, s, key, r);
    w.trace.push({ t: w.now, [key]: name, ...r } as TraceEntry);
  };
  const attempt = (): ReadResultEntry | undefined => {
    w.obs?.taking?.(w, s, key, n);
    const before = s.buf.length;
    const got = take(s);
    // (skip-line takes a part of a line without returning it.)
    if (got !== undefined || s.buf.length !== before) w.obs?.took?.(w, s, before - s.buf.length);
    return got;
  };
  // WE-FLUSH-3: while the writer is held back, even buffered input waits for the peer to read.
  let hold = heldBack(s, w.now) && !s.nonBlocking && s.error === null && !s.ended && !s.closed;
  for (;;) {
    const got = hold ? undefined : attempt();
    hold = false;
    if (got !== undefined) return (record(got), "go");
    const outcome = wait(w, s);
    if (outcome === "block") return (record({ wouldblock: true }), "go");
    if (outcome === "stuck") return blocked(w, record);
    // WE-ERR-2: what arrived before the end is read before the end is reported.
    if (outcome === "end") return (record(attempt() ?? ending(s)), "go");
    // "data": WE-READ-2, e.g. part of a line came; take again, and wait again if need be.
  }
}

/**
 * The read can never complete; the case stops there. Spec silent on the
 * time: like the runner (which stops when no timer is left), the clock first
 * runs through the input still scheduled on the other streams.
 */
function blocked(w: World, record: (r: ReadResultEntry) => void): Flow {
  let last = w.now;
  for (const s of w.streams.values()) {
    if (s.closed) continue;
    for (const a of s.arrivals) last = Math.max(last, a.at);
    if (s.end !== undefined) last = Math.max(last, s.end);
  }
  for (const o of w.outside) last = Math.max(last, o.at);
  if (last <= HORIZON) {
    advanceTo(w, last);
    record({ blocked: true });
  }
  return "stop";
}

// ---- select -----------------------------------------------------------------

/** WE-SELECT-2: the earliest mark and, for a blocking stream with a timeout, the timeout mark. */
function deadline(s: Stream): number {
  let d = s.timeout > 0 && !s.nonBlocking ? s.timeoutMark : Infinity;
  for (const ev of s.events) d = Math.min(d, ev.mark);
  return d;
}

/**
 * WE-SELECT-1: ready when input is buffered, the input ended, or the stream
 * failed; WE-SELECT-2 / WE-SELECT-6: or its deadline has come. Spec silent on
 * a closed stream: it counts as failed (ready), like the toy implementation;
 * the reference refuses to select a closed stream.
 */
function isReady(s: Stream, now: number): boolean {
  return s.buf !== "" || s.ended || s.error !== null || deadline(s) <= now;
}

/** Select: WE-SELECT-4, it runs no callback; it only lets time pass. */
function select(w: World, names: string[], timeout: number | null): Flow {
  const list = names.map((n) => stream(w, n));
  const limit = timeout === null ? Infinity : w.now + timeout;
  w.obs?.selectBegins?.(w, list, timeout);
  for (;;) {
    // WE-SELECT-5: in the order given.
    const ready = list.filter((s) => isReady(s, w.now));
    // WE-SELECT-1: at once when any is ready. WE-SELECT-3: empty when the timeout passes.
    // (Like the reference, an empty list without a timeout returns at once.)
    if (ready.length > 0 || w.now >= limit || (list.length === 0 && limit === Infinity)) {
      w.obs?.selectEnds?.(w, list, ready);
      w.trace.push({ t: w.now, select: ready.map((s) => s.name) });
      return "go";
    }
    const wake = Math.min(limit, nextOutside(w), ...list.map(deadline), ...list.map(nextInput));
    // Spec silent: a select that can never return stops the case without an entry, as in the runner.
    if (wake === Infinity || wake > HORIZON) return "stop";
    advanceTo(w, wake);
  }
}

// ---- steps ------------------------------------------------------------------

function close(s: Stream): void {
  // WE-CLOSE-1: events removed (handles detached), reads fail with "stream closed", nothing left scheduled.
  s.closed = true;
  if (s.error === null) s.error = s.inputError ?? CLOSED;
  s.events = [];
  s.buf = "";
  s.arrivals = [];
  s.end = undefined;
}

function step(w: World, st: Step): Flow {
  if ("read-line" in st) return read(w, "read-line", st["read-line"], takeLine);
  if ("getc" in st) return read(w, "getc", st.getc, takeByte);
  if ("read" in st) return read(w, "read", st.read.stream, takeUpTo(st.read.n), st.read.n);
  if ("peek" in st) return read(w, "peek", st.peek, peekByte);
  // WE-READ-7: fill waits as peek does, and its trace shows the byte it left.
  if ("fill" in st) return read(w, "fill", st.fill, peekByte);
  if ("skip-line" in st) return read(w, "skip-line", st["skip-line"], skipLine);
  if ("read-exactly" in st) return read(w, "read-exactly", st["read-exactly"].stream, takeExactly(st["read-exactly"].n), st["read-exactly"].n);
  if ("select" in st) return select(w, st.select.streams, st.select.timeout);
  if ("advance" in st) {
    // WE-MODEL-2: time passes with no read waiting; no event runs.
    advanceTo(w, st.advance);
  } else if ("set-timeout" in st) {
    // WE-TIMEOUT-5: 0 means none; a timeout set counts from now (WE-TIMEOUT-2).
    const s = stream(w, st["set-timeout"].stream);
    s.timeout = st["set-timeout"].ticks;
    s.timeoutMark = s.timeout > 0 ? w.now + s.timeout : Infinity;
  } else if ("reset-timeout" in st) {
    resetTimeout(w, stream(w, st["reset-timeout"]));
  } else if ("nonblocking" in st) {
    // WE-NB-2: each read follows the mode in force when it begins.
    stream(w, st.nonblocking.stream).nonBlocking = st.nonblocking.value;
  } else if ("add-event" in st || "remove-event" in st || "set-mark" in st) {
    outsideStep(w, st);
  } else if ("meanwhile" in st) {
    // A time already passed: done before the next step, as the runner does.
    if (st.meanwhile.at <= w.now) outsideStep(w, st.meanwhile.do);
    else {
      const i = w.outside.findIndex((o) => o.at > st.meanwhile.at);
      w.outside.splice(i < 0 ? w.outside.length : i, 0, { at: st.meanwhile.at, do: st.meanwhile.do, step: w.stepIndex });
    }
  } else if ("events" in st) {
    const list = stream(w, st.events).events.map((ev) => `${ev.name}@${ev.mark}`);
    w.trace.push({ t: w.now, events: st.events, list });
  } else if ("write" in st) {
    write(stream(w, st.write.stream), st.write.data);
  } else if ("read-callback" in st) {
    // WE-RCB-2: a cleared read callback does not run.
    const { stream: name, throw: throws, clear } = readCallbackOf(st["read-callback"]);
    stream(w, name).readCallback = clear === true ? null : throws === undefined ? {} : { throws };
  } else {
    close(stream(w, st.close));
  }
  return "go";
}

/** The steps that also come from outside, at a time. */
function outsideStep(w: World, st: OutsideStep): void {
  if ("add-event" in st) {
    addEvent(w, st["add-event"].event, markFrom(st["add-event"], w.now, 0));
  } else if ("remove-event" in st) {
    // WE-API-5: asked through another stream, an event not on it is left alone.
    const target = removeTarget(st["remove-event"], w.c.events ?? {});
    removeEvent(stream(w, target.stream ?? eventSpec(w, target.event).stream), handle(w, target.event));
  } else {
    // WE-API-3: a mark may change at any time.
    const ev = handle(w, st["set-mark"].event);
    ev.mark = markFrom(st["set-mark"], w.now, ev.mark);
  }
}
