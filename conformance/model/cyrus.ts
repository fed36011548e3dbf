/**
 * Where the C prot layer (lib/prot.c of cyrus-imapd 3.6.1, run by
 * conformance/drivers/cyrus/) parts from the model, for the differential
 * run of generated cases against it (test/generated-cyrus.test.ts).
 *
 * Generated cases carry no case ID, so the deviations that
 * conformance/drivers/cyrus/deviations.yaml declares by case ID cannot be
 * looked up for them. Instead `analyseForCyrus` runs the model with an
 * observer that follows, beside the model's state, the little more the C
 * code keeps (what prot_fill() has read into its buffer and what still waits
 * in the descriptor, its own timeout mark, the walk of its event loop and
 * the sleep it computes on the way, from the time it read before the walk
 * however long the callbacks take) and reports the first point of the
 * trace where one of those deviations starts to act: the trigger. The C
 * trace must equal the model's before the trigger; after it, anything may
 * differ. Each deviation is named as deviations.yaml names it (`R_NO_TIMEOUT`,
 * ..., the macro of its reason in the driver), so that a reader finds the
 * reason and the cases that show it.
 *
 * A difference that the generated cases find before deviations.yaml declares
 * it goes in `FOUND` until it is declared, and some things the C code does
 * are undefined behaviour that its driver refuses to run (`UNDEFINED`). The
 * generator for the C layer cuts whatever reaches those (and R_SPIN) out of
 * its cases (`repairForCyrus` in ./cyrus-repair.ts), so that a difference
 * the run cannot attribute is a new finding. Where the specification leaves
 * the outcome open and C takes the other way than the model (`OPEN`), the
 * trigger is placed and the cases keep it: no rule is broken, and what
 * follows is still run.
 *
 * The observer stops at the first trigger: after it the C state is no
 * longer the model's. A trigger is placed no later than the first entry it
 * can change, sometimes earlier (a callback that writes triggers at the
 * write, although the trace shows it only at the flush).
 */
import type { Action, Case, OutsideStep, ReadResultEntry, Step, TraceEntry } from "../src/case.js";
import { expectedTrace, nextInput, type ActionPlace, type Ev, type ModelObserver, type ReadKind, type Stream, type World } from "./model.js";

/**
 * The deviations of deviations.yaml that the observer places, by the macro of
 * their reason (R_REMOVE_NEXT is undefined behaviour, below; R_CLOSE needs
 * a `close`, which the C cases never have).
 */
export const DECLARED = [
  "R_NO_TIMEOUT",
  "R_TIMEOUT_INSTANT",
  "R_TIMEOUT_RESET",
  "R_NULL_KEEPS",
  "R_PAST_MARK",
  "R_PASS_BEFORE_INPUT",
  "R_FGETS_PARTIAL",
  "R_TIMEOUT_ON_READ",
  "R_SELECT_ONE",
  "R_SELECT_NONBLOCKING",
  "R_ADDED_SAME_PASS",
  "R_ADDED_BY_LAST",
  "R_SPIN",
  "R_FLUSH_FIRST_ONLY",
  "R_SLEEP_DURING_WALK",
  "R_READ_BUFFER_ONLY",
  "R_SELECT_BUFFER_FIRST",
  "R_SELECT_FAILED",
  "R_PASS_SEES_NEW_MARKS",
  "R_STALE_NOW",
  "R_NB_INPUT_MEANWHILE",
  "R_TIMEOUT_INPUT_MEANWHILE",
  "R_OUTSIDE_CHANGE",
] as const;

/**
 * Differences found by the generated cases that deviations.yaml does not
 * declare yet: the name a declaration would take, and its reason. Empty
 * while every difference found is declared; the C generator cuts out what
 * reaches one listed here, and the test prints them.
 */
export const FOUND: Readonly<Record<string, string>> = {};

/**
 * Where the specification leaves the outcome open, and the C layer takes the
 * other way than the model (which takes the reference's): from there on the
 * traces may differ and neither is wrong. The generated cases keep them.
 */
export const OPEN = {
  OPEN_SHORT_READ_EXACTLY:
    "a read of exactly n bytes ended (the end of the input, or would-block) with fewer than n buffered: the model leaves them " +
    "readable, the C driver's loop of prot_read() has taken them (WE-READ-9 leaves it open)",
} as const;

/** Undefined behaviour in the C code, which its driver refuses to run. */
export const UNDEFINED = {
  R_REMOVE_NEXT: "a callback removes the event that prot_fill()'s walk holds as the next one (deviations.yaml)",
  FREED_HANDLE:
    "a handle whose event prot_removewaitevent() has freed is used again: re-marked, given a rock, returned (the driver " + "refuses these), or removed once an event added since may have its address",
} as const;

/** A way the C layer parts from the model. */
export type CyrusDeviation = (typeof DECLARED)[number] | keyof typeof OPEN | keyof typeof UNDEFINED;

/** Where in a case the cause of a trigger is: a step, or an action of a callback run during that step. */
export interface CasePlace {
  /** The index of the step. */
  step: number;
  /** The action, when the cause is one. */
  action?: ActionPlace;
}

/** The first point where the C layer parts from the model. */
export interface CyrusTrigger {
  /** Which deviation. */
  deviation: CyrusDeviation;
  /** The index in the model's trace of the first entry the C trace may not share. */
  position: number;
  /** The virtual time. */
  t: number;
  /** The index of the step during which it happens: the steps before it run alike in C. */
  step: number;
  /** What causes it. */
  cause: CasePlace;
}

/** The model's trace of a case and where the C layer would first part from it. */
export interface CyrusAnalysis {
  /** The model's trace. */
  trace: TraceEntry[];
  /** The first trigger, if any. */
  trigger?: CyrusTrigger;
  /** Set when the case did something this account of the C code does not follow; it says what. */
  lost?: string;
}

/** The model's trace of `c`, with the first point at which the C layer parts from it. */
export function analyseForCyrus(c: Case): CyrusAnalysis {
  const shadow = new CyrusShadow();
  const trace = expectedTrace(c, shadow);
  return { trace, ...(shadow.trigger === undefined ? {} : { trigger: shadow.trigger }), ...(shadow.lost === undefined ? {} : { lost: shadow.lost }) };
}

// ---- what the C code keeps beside the model's state ---------------------------

/** Per stream. */
interface Shadow {
  /** Bytes prot_fill() has read into the stream's buffer: the front of the model's buffer. */
  cbuf: number;
  /** Bytes still in the descriptor: the rest of the model's buffer (and, once failed, what came after). */
  pipe: number;
  /** The input's end was delivered: the descriptor reads EOF after its bytes. */
  pipeClosed: boolean;
  /** prot_fill() has read the EOF. */
  eof: boolean;
  /** s->timeout_mark: set by prot_settimeout(), prot_resettimeout() and each prot_fill() that reads. */
  mark: number;
}

/** The wait in progress: one prot_fill() call that found no input waiting. */
interface Wait {
  readonly s: Stream;
  /** The model's first pass is the one prot_fill() ran with input waiting, before it read that input. */
  readonly passedWithInput: boolean;
  /** prot_fill() runs its event loop (a read timeout, or non-blocking); else it blocks in read(). */
  readonly loop: boolean;
  readonly nb: boolean;
  /** The timeout mark prot_fill() copied when it began (`read_timeout`). */
  copy: number;
  /** The paired writer held output: prot_fill() flushed it before its loop. */
  readonly pending: boolean;
  readonly bufAtStart: number;
  /** A callback reset the timeout during this wait. */
  resetHere: boolean;
  /** When the C loop wakes next. */
  cWake: number;
  /**
   * The C loop's last sleep was measured from the time it read before a pass
   * whose callbacks took time, so it wakes that much late (R_STALE_NOW).
   */
  late: boolean;
  /** When the model's pass in progress (or the last) began: the time its decisions are made at. */
  passAt: number;
  /** Why the C loop sleeps past the model's next wake, if it does. */
  oversleep: CyrusDeviation | undefined;
  /** The pass in progress. */
  pass: Walk | undefined;
  /** The model's pass at the C timeout instant: C fails instead of running it. */
  instant: boolean;
  /** A change from outside came since the last walk: the C loop sleeps as it computed before it. */
  outside: CasePlace | undefined;
}

/** The C walk over the list during one pass of the model. */
interface Walk {
  readonly first: boolean;
  readonly start: number;
  /** The time prot_fill() read before the walk: it tests the marks and measures the sleep from it, however long callbacks take. */
  readonly at: number;
  readonly onList: ReadonlySet<Ev>;
  readonly due: ReadonlySet<Ev>;
  /** The next event the walk visits. */
  cursor: Ev | null;
  /** What the walk saved as the next event before the call in progress. */
  saved: Ev | null;
  /** sleepfor as the walk computes it. */
  sleepfor: number;
  /** The mark each visited event had when the walk left it. */
  readonly seen: Map<Ev, number>;
  /** Who set the mark of an event during this pass. */
  readonly markedBy: Map<Ev, CasePlace>;
}

/** The model of the C code beside the model of the spec, as an observer. */
class CyrusShadow implements ModelObserver {
  trigger: CyrusTrigger | undefined;
  lost: string | undefined;
  #step = 0;
  #place: CasePlace = { step: 0 };
  readonly #streams = new Map<Stream, Shadow>();
  /** Events prot_removewaitevent() has freed: who removed them, and how many events had been added by then. */
  readonly #freed = new Map<Ev, { by: CasePlace; adds: number }>();
  /** Events added so far: malloc() may give a new one the address of one freed before. */
  #adds = 0;
  #wait: Wait | undefined;
  /** The stream whose read has just run a pass with input waiting, and must now wait. */
  #passedAt: Stream | undefined;
  /** Bytes the read in progress has taken from the buffer so far (a skip-line takes parts of a line as they come). */
  #readTook = 0;
  #select: Array<{ fixes: Fix[]; result: { t: number; ready: string[] } | undefined }> | undefined;
  /** The select in progress: its streams, and the first change from outside to one of their events while it waits. */
  #selecting: { names: ReadonlySet<string>; outside: CasePlace | undefined } | undefined;

  get #done(): boolean {
    return this.trigger !== undefined || this.lost !== undefined;
  }

  #hit(w: World, deviation: CyrusDeviation, position = w.trace.length, cause: CasePlace = this.#place): void {
    if (!this.#done) this.trigger = { deviation, position, t: w.now, step: this.#step, cause };
  }

  #lose(why: string): void {
    if (!this.#done) this.lost = why;
  }

  #sh(w: World, s: Stream): Shadow {
    let sh = this.#streams.get(s);
    if (sh === undefined) {
      // The driver calls prot_settimeout() when it opens the stream, at 0.
      sh = { cbuf: 0, pipe: 0, pipeClosed: false, eof: false, mark: w.c.streams[s.name]?.timeout ?? 0 };
      this.#streams.set(s, sh);
    }
    return sh;
  }

  step(w: World, index: number, st: Step): void {
    this.#step = index;
    this.#place = { step: index };
    if (this.#done) return;
    if ("meanwhile" in st) {
      // A time already passed: at once, as a step does; else at its time (`outside`).
      if (st.meanwhile.at <= w.now) this.#eventStep(w, st.meanwhile.do, this.#place);
    } else if ("add-event" in st || "remove-event" in st || "set-mark" in st) this.#eventStep(w, st, this.#place);
    else if ("set-timeout" in st) this.#sh(w, stream(w, st["set-timeout"].stream)).mark = w.now + st["set-timeout"].ticks;
    else if ("reset-timeout" in st) {
      const s = stream(w, st["reset-timeout"]);
      this.#sh(w, s).mark = w.now + s.timeout;
    } else if ("close" in st || "read-callback" in st) this.#lose("the C driver runs no close or read callback");
  }

  /** The bookkeeping of an event step, made between reads or from outside. */
  #eventStep(w: World, st: OutsideStep, place: CasePlace): void {
    if ("remove-event" in st) {
      if (typeof st["remove-event"] !== "string") return this.#lose("the shadow does not follow a removal through another stream");
      this.#remove(w.handles.get(st["remove-event"]), w, place);
    } else if ("add-event" in st) {
      if (w.c.events?.[st["add-event"].event]?.on !== null) this.#adds++;
    } else this.#touch(w.handles.get(st["set-mark"].event), w, place);
  }

  /**
   * A change from outside at its time. The driver makes it when the C code
   * next looks (one a callback's time passed waits for the select() after the
   * walk, as the model makes it after the pass); the C code learns of nothing
   * while it sleeps: a wait or a select goes on as it computed before.
   */
  outside(w: World, st: OutsideStep, _at: number, index: number): void {
    if (this.#done) return;
    // A C read that timed out before this change came failed first, so what
    // the change brings to the trace (a refusal) is past the difference.
    const wait = this.#wait;
    if (wait !== undefined && CyrusShadow.#timedOutBefore(wait, w.now)) return this.#hit(w, this.#timeoutCause(wait));
    const place: CasePlace = { step: index };
    this.#eventStep(w, st, place);
    const name = "remove-event" in st ? (typeof st["remove-event"] === "string" ? st["remove-event"] : st["remove-event"].event) : "add-event" in st ? st["add-event"].event : st["set-mark"].event;
    const target = w.c.events?.[name]?.stream;
    if (this.#wait !== undefined && this.#wait.s.name === target) this.#wait.outside ??= place;
    if (this.#selecting !== undefined && this.#selecting.names.has(target ?? "")) this.#selecting.outside ??= place;
  }

  delivered(w: World, s: Stream, data: string): void {
    this.#sh(w, s).pipe += data.length;
  }

  ended(w: World, s: Stream): void {
    this.#sh(w, s).pipeClosed = true;
  }

  // ---- reads: prot_fill() calls that find input waiting --------------------

  taking(w: World, s: Stream, kind: ReadKind, n: number): void {
    if (this.#done || s.error !== null) return; // a failed stream: EOF at once, its buffer empty
    const sh = this.#sh(w, s);
    if (sh.cbuf + sh.pipe !== s.buf.length) return this.#lose(`the buffer of ${s.name} is not what the C stream holds`);
    // When the C read calls prot_fill(): prot_fgets() (a line read or skipped) once its buffer holds no LF;
    // the loop of prot_read() (read-exactly) while fewer than n bytes have come, counting those it has
    // taken as still buffered, as the model keeps them; prot_getc() and prot_read() (fill as peek) once empty.
    const needs = (): boolean => !sh.eof && (kind === "read-line" || kind === "skip-line" ? s.buf.slice(0, sh.cbuf).indexOf("\n") < 0 : kind === "read-exactly" ? sh.cbuf < n : sh.cbuf === 0);
    // prot_fill() with input (or EOF) waiting in the descriptor: it runs a pass first, unless it
    // has output to flush, for then it polls the descriptor first, finds input, and skips its loop.
    let passes = 0;
    while (needs() && (sh.pipe > 0 || (sh.pipeClosed && !sh.eof))) {
      if ((s.timeout > 0 || s.nonBlocking) && (s.out === null || s.out === "") && s.events.some((ev) => w.now >= ev.mark)) passes++;
      this.#read(w, s, sh);
    }
    // If the read still has to wait, the model's wait begins with a pass at this instant too: only
    // a second C pass at this instant differs (see passEnds).
    if (passes === 1 && needs() && !s.ended) this.#passedAt = s;
    else if (passes > 0) return this.#hit(w, "R_PASS_BEFORE_INPUT");
    if (kind === "read" && sh.cbuf > 0 && sh.cbuf < Math.min(n, s.buf.length)) this.#hit(w, "R_READ_BUFFER_ONLY");
  }

  /** prot_fill() reads the descriptor: the timeout mark restarts, and what waited is buffered (or the EOF seen). */
  #read(w: World, s: Stream, sh: Shadow): void {
    sh.mark = w.now + s.timeout;
    if (sh.pipe > 0) {
      sh.cbuf += sh.pipe;
      sh.pipe = 0;
    } else sh.eof = true;
  }

  took(w: World, s: Stream, consumed: number): void {
    if (this.#done) return;
    const sh = this.#sh(w, s);
    this.#readTook += consumed;
    sh.cbuf -= consumed;
    if (sh.cbuf < 0) this.#lose(`a read of ${s.name} took more than the C stream had buffered`);
  }

  readEnds(w: World, s: Stream, kind: ReadKind, r: ReadResultEntry): void {
    const wait = this.#wait?.s === s ? this.#wait : undefined;
    const took = this.#readTook;
    this.#wait = undefined;
    this.#passedAt = undefined;
    this.#readTook = 0;
    if (this.#done) return;
    if (kind === "read-line") {
      // prot_fgets() has taken the partial line byte by byte; it returns it when prot_getc() gives EOF.
      const partial = r.wouldblock === true ? s.buf.length : r.error !== undefined ? (wait?.bufAtStart ?? 0) : 0;
      if (partial > 0) this.#hit(w, "R_FGETS_PARTIAL");
    } else if (kind === "skip-line") {
      // A would-block after part of a line: prot_fgets() returns that part, so the skip calls it again, and the
      // prot_fill() under it runs a second pass at this instant, which calls every event still due. (At the end
      // or a failure the second call returns nothing at once, as the model reports.)
      if (r.wouldblock === true && took > 0 && s.events.some((ev) => w.now >= ev.mark)) this.#hit(w, "R_FGETS_PARTIAL");
    } else if (kind === "read-exactly" && r.data === undefined) {
      // The read entry is alike; what the model leaves buffered, C has taken: the next entry may differ.
      if (s.buf !== "") this.#hit(w, "OPEN_SHORT_READ_EXACTLY", w.trace.length + 1);
      // What the model's failure dropped, C's loop had taken: its buffer is empty too.
      else this.#sh(w, s).cbuf = 0;
    }
  }

  // ---- waits: prot_fill() calls that find nothing waiting -----------------

  waitBegins(w: World, s: Stream): void {
    if (this.#done) return;
    const sh = this.#sh(w, s);
    const nb = s.nonBlocking;
    // The copy is the mark the read of the waiting input has just restarted.
    this.#wait = {
      s,
      passedWithInput: this.#passedAt === s,
      loop: s.timeout > 0 || nb,
      nb,
      copy: nb ? w.now : sh.mark,
      pending: s.out !== null && s.out !== "",
      bufAtStart: s.buf.length,
      resetHere: false,
      cWake: w.now,
      late: false,
      passAt: w.now,
      oversleep: undefined,
      pass: undefined,
      instant: false,
      outside: undefined,
    };
  }

  /** Why the C loop fails at another time than the model: its copy of the timeout mark is not the model's. */
  #timeoutCause(wait: Wait): CyrusDeviation {
    return wait.late ? "R_STALE_NOW" : wait.resetHere ? "R_TIMEOUT_RESET" : "R_TIMEOUT_ON_READ";
  }

  passBegins(w: World, s: Stream, first: boolean): void {
    const wait = this.#wait;
    if (this.#done || wait === undefined) return;
    wait.pass = undefined;
    wait.instant = false;
    wait.passAt = w.now;
    if (!wait.loop) return;
    const now = w.now;
    if (!wait.nb && !first && now >= wait.copy) {
      // select() timed out at or after the copied mark: the loop ends before another walk
      // (or, late after a slow pass, it still sleeps and ends later).
      if (now > wait.copy || s.timeoutMark > now || (wait.late && now < wait.cWake)) this.#hit(w, this.#timeoutCause(wait));
      else wait.instant = true;
      return;
    }
    if (!first && now < wait.cWake) return; // the C loop sleeps through this pass
    wait.outside = undefined;
    wait.pass = {
      first,
      start: w.trace.length,
      at: now,
      onList: new Set(s.events),
      due: new Set(s.events.filter((ev) => now >= ev.mark)),
      cursor: s.events[0] ?? null,
      saved: null,
      sleepfor: wait.nb ? 0 : Math.max(0, wait.copy - now),
      seen: new Map(),
      markedBy: new Map(),
    };
  }

  calling(w: World, s: Stream, ev: Ev): void {
    const wait = this.#wait;
    if (this.#done || wait === undefined) return;
    const walk = wait.pass;
    if (!wait.loop) return this.#hit(w, "R_NO_TIMEOUT");
    if (wait.instant) return this.#hit(w, "R_TIMEOUT_INSTANT");
    if (walk === undefined) return wait.oversleep === undefined ? this.#lose("the model runs a pass while the C loop sleeps, for no known reason") : this.#hit(w, wait.oversleep);
    if (walk.first && wait.pending && w.trace.length === walk.start) return this.#hit(w, "R_FLUSH_FIRST_ONLY");
    const next = this.#walkTo(s, walk);
    if (next === undefined || this.#done) return;
    if (next !== ev) return this.#unexpectedCall(w, walk, next);
    walk.saved = following(s, ev);
  }

  /** Moves the C walk to the next event it calls, noting the marks it passes; undefined at the end of the list. */
  #walkTo(s: Stream, walk: Walk): Ev | undefined {
    while (walk.cursor !== null) {
      const e = walk.cursor;
      if (!s.events.includes(e)) {
        this.#lose("the C walk stands on an event that is no longer on the list");
        return undefined;
      }
      if (walk.at >= e.mark) return e;
      walk.seen.set(e, e.mark);
      walk.sleepfor = Math.min(walk.sleepfor, e.mark - walk.at);
      walk.cursor = following(s, e);
    }
    return undefined;
  }

  /** The C walk calls `e`, which the model's pass does not call now. */
  #unexpectedCall(w: World, walk: Walk, e: Ev): void {
    if (!walk.onList.has(e)) this.#hit(w, "R_ADDED_SAME_PASS");
    else if (!walk.due.has(e)) this.#hit(w, "R_PASS_SEES_NEW_MARKS", w.trace.length, walk.markedBy.get(e) ?? this.#place);
    else this.#lose(`the C walk calls ${e.name}, which the model's pass skips`);
  }

  acting(w: World, s: Stream, ev: Ev, a: Action, at: ActionPlace): void {
    if (this.#done) return;
    const place: CasePlace = { step: this.#step, action: at };
    const walk = this.#wait?.pass;
    if ("remove" in a) {
      const target = a.remove === "self" ? ev : w.handles.get(a.remove);
      if (target !== undefined && target !== ev && target === walk?.saved) return this.#hit(w, "R_REMOVE_NEXT", w.trace.length, place);
      this.#remove(target, w, place);
    } else if ("set-mark" in a) {
      const target = a["set-mark"].event === undefined ? ev : w.handles.get(a["set-mark"].event);
      this.#touch(target, w, place);
      if (target !== undefined) walk?.markedBy.set(target, place);
    } else if ("add" in a) {
      // prot_addwaitevent() refuses an event without a callback as the model does: nothing is allocated.
      if (w.c.events?.[a.add.event]?.on !== null) this.#adds++;
    } else if ("rock" in a) this.#touch(ev, w, place);
    else if ("reset-timeout" in a) {
      this.#sh(w, s).mark = w.now + s.timeout;
      if (this.#wait !== undefined) this.#wait.resetHere = true;
    } else if ("write" in a) {
      if (a.write !== "") this.#hit(w, "R_FLUSH_FIRST_ONLY", w.trace.length, place);
    } else if ("throw" in a) this.#lose("C callbacks cannot throw");
  }

  /**
   * prot_removewaitevent(): frees an event on the list. Removing a freed
   * handle again only compares pointers, unless an event added since has
   * its address.
   */
  #remove(ev: Ev | undefined, w: World, place: CasePlace): void {
    if (ev === undefined) return;
    const freed = this.#freed.get(ev);
    if (freed !== undefined && this.#adds > freed.adds) return this.#hit(w, "FREED_HANDLE", w.trace.length, place);
    if (stream(w, ev.stream).events.includes(ev)) this.#freed.set(ev, { by: place, adds: this.#adds });
  }

  #touch(ev: Ev | undefined, w: World, place: CasePlace = this.#place): void {
    if (ev !== undefined && this.#freed.has(ev)) this.#hit(w, "FREED_HANDLE", w.trace.length, place);
  }

  called(w: World, s: Stream, ev: Ev, kept: Ev | null | "threw"): void {
    const walk = this.#wait?.pass;
    if (this.#done || walk === undefined) return;
    if (kept === "threw") return this.#lose("C callbacks cannot throw");
    if (kept === null) {
      // C only leaves the event out of the sleep; it stays on the list unless the callback removed it.
      if (s.events.includes(ev)) return this.#hit(w, "R_NULL_KEEPS");
    } else {
      const freed = this.#freed.get(ev);
      if (freed !== undefined) return this.#hit(w, "FREED_HANDLE", w.trace.length, freed.by);
      walk.seen.set(ev, ev.mark);
      walk.sleepfor = Math.min(walk.sleepfor, ev.mark - walk.at);
    }
    walk.cursor = walk.saved;
    walk.saved = null;
  }

  passEnds(w: World, s: Stream): void {
    const wait = this.#wait;
    if (this.#done || wait === undefined || !wait.loop) return;
    const walk = wait.pass;
    /** The time the C loop read before its last walk. */
    let at = walk?.at;
    if (walk !== undefined) {
      const rest = this.#walkTo(s, walk);
      if (this.#done) return;
      if (rest !== undefined) return this.#unexpectedCall(w, walk, rest);
      // A negative sleep: select() fails with EINVAL.
      if (walk.sleepfor < 0) return this.#hit(w, "R_PAST_MARK");
      if (walk.first && wait.passedWithInput) {
        // The next prot_fill(), which has no input waiting, walks the list again at this instant.
        if (s.events.some((ev) => w.now >= ev.mark)) return this.#hit(w, "R_PASS_BEFORE_INPUT");
        // The waiting input was read once the pass was over, at the time its callbacks left: the timeout
        // restarted then, and this prot_fill() copies that mark and walks from that time.
        at = w.now;
        const sh = this.#sh(w, s);
        sh.mark = w.now + s.timeout;
        if (!wait.nb) wait.copy = sh.mark;
        for (const ev of s.events) walk.seen.set(ev, ev.mark);
        walk.sleepfor = Math.min(Math.max(0, wait.copy - w.now), ...s.events.map((ev) => ev.mark - w.now));
      }
    }
    if (wait.nb) {
      // Input that came while the callbacks took time is there when select() looks after the pass.
      if (w.now > wait.passAt && nextInput(s) <= w.now) this.#hit(w, "R_NB_INPUT_MEANWHILE");
      return;
    }
    if (wait.instant) return;
    // After its first walk the C loop fails if the copied mark had come when it read the time;
    // later walks come before it. The model decides at the time its pass began.
    const cFails = at !== undefined && wait.copy <= at;
    if (cFails !== s.timeoutMark <= wait.passAt) return this.#hit(w, this.#timeoutCause(wait));
    // Both fail, but input (or the end) that came while the callbacks took time is there when select() looks.
    if (cFails && at !== undefined && w.now > at && nextInput(s) <= w.now) return this.#hit(w, "R_TIMEOUT_INPUT_MEANWHILE");
    if (cFails || walk === undefined || at === undefined) return;
    // A zero sleep before the timeout: select() returns at once and the loop walks again at this
    // instant (unless callbacks took time: then at the time they left, as the model's next pass).
    if (walk.sleepfor === 0 && w.now === at) return this.#hit(w, "R_SPIN");
    // select() sleeps from now for what the walk measured from the time it read before it.
    wait.cWake = w.now + walk.sleepfor;
    wait.late = w.now > at;
    wait.oversleep = undefined;
  }

  sleeps(w: World, s: Stream, until: number): void {
    const wait = this.#wait;
    if (this.#done || wait === undefined || !wait.loop || wait.nb) return;
    if (wait.outside !== undefined && !wait.late) {
      // The model decided its sleep again after a change from outside; the C loop wakes as it computed before,
      // walks then (calling what is due) and sleeps again, until its timeout.
      while (wait.cWake < until && wait.cWake < wait.copy) {
        const at = wait.cWake;
        if (s.events.some((ev) => at >= ev.mark)) return this.#hit(w, "R_OUTSIDE_CHANGE", w.trace.length, wait.outside);
        wait.cWake = Math.min(wait.copy, ...s.events.map((ev) => ev.mark));
      }
    }
    if (until >= wait.cWake) return;
    // A change from outside brings the model's wake forward; the C loop sleeps on.
    if (wait.outside !== undefined) wait.oversleep ??= "R_OUTSIDE_CHANGE";
    // The model wakes for a mark the C loop did not count: say which, for the pass that may run.
    const walk = wait.pass;
    for (const ev of s.events) {
      if (Math.max(ev.mark, w.now + 1) > until) continue;
      const seen = walk?.seen.get(ev);
      if (seen === undefined) wait.oversleep ??= walk?.onList.has(ev) === false ? "R_ADDED_BY_LAST" : undefined;
      else if (ev.mark < seen) wait.oversleep ??= "R_SLEEP_DURING_WALK";
    }
    if (wait.late) wait.oversleep ??= "R_STALE_NOW";
  }

  /** C's blocking read timed out before `now`, unless a slow pass has it still sleeping (then input wakes both alike). */
  static #timedOutBefore(wait: Wait, now: number): boolean {
    return wait.loop && !wait.nb && now > wait.copy && wait.cWake < now;
  }

  woke(w: World, s: Stream): void {
    const wait = this.#wait;
    if (this.#done || wait === undefined) return;
    if (CyrusShadow.#timedOutBefore(wait, w.now)) return this.#hit(w, this.#timeoutCause(wait));
    const sh = this.#sh(w, s);
    if (sh.pipe > 0 || (sh.pipeClosed && !sh.eof)) this.#read(w, s, sh);
  }

  // ---- select ---------------------------------------------------------------

  selectBegins(w: World, streams: Stream[], timeout: number | null): void {
    if (this.#done) return;
    // From the state the select begins with: as C returns, and with each set of its deviations made good.
    const list = [...new Set(streams)];
    this.#selecting = { names: new Set(list.map((s) => s.name)), outside: undefined };
    const sh = (s: Stream): Shadow => this.#sh(w, s);
    this.#select = [[], ...subsets(FIXES)].map((fixes) => ({ fixes, result: cSelect(w, list, timeout, sh, new Set(fixes)) }));
  }

  selectEnds(w: World, _streams: Stream[], ready: Stream[]): void {
    const tried = this.#select;
    const changed = this.#selecting?.outside;
    this.#select = undefined;
    this.#selecting = undefined;
    if (this.#done || tried === undefined) return;
    const names = ready.map((s) => s.name).join();
    // prot_select() sleeps as it computed from the marks when it began: a change from outside meanwhile is not seen.
    const asC = tried[0]?.result;
    if (changed !== undefined && !(asC !== undefined && asC.t === w.now && asC.ready.join() === names)) return this.#hit(w, "R_OUTSIDE_CHANGE", w.trace.length, changed);
    const match = tried.find(({ result }) => result !== undefined && result.t === w.now && result.ready.join() === names);
    if (match === undefined) return this.#lose("the C select gives what no known deviation explains");
    const first = match.fixes[0];
    if (first !== undefined) this.#hit(w, first);
  }
}

// ---- prot_select() ------------------------------------------------------------

/** A deviation of prot_select() that `cSelect` can make good, to find which explains a difference. */
type Fix = "R_SELECT_BUFFER_FIRST" | "R_SELECT_FAILED" | "R_TIMEOUT_ON_READ" | "R_SELECT_NONBLOCKING" | "R_SELECT_ONE";

/**
 * When more than one of them alone explains a result, the first in this
 * order names it: R_SELECT_BUFFER_FIRST leads, for when it acts
 * prot_select() looks at nothing else.
 */
const FIXES: Fix[] = ["R_SELECT_BUFFER_FIRST", "R_SELECT_FAILED", "R_TIMEOUT_ON_READ", "R_SELECT_NONBLOCKING", "R_SELECT_ONE"];

/** Every non-empty subset of `xs`, smallest first, each in the order of `xs`. */
function subsets<T>(xs: T[]): T[][] {
  const all: T[][] = [];
  for (let bits = 1; bits < 1 << xs.length; bits++) all.push(xs.filter((_, i) => bits & (1 << i)));
  return all.sort((a, b) => a.length - b.length);
}

/**
 * What prot_select() returns for `list` from the current state: when, and
 * which streams in the order given; undefined if it would never return.
 * Each fix in `fixes` makes good one of its deviations.
 */
function cSelect(w: World, list: Stream[], timeout: number | null, sh: (s: Stream) => Shadow, fixes: ReadonlySet<Fix>): { t: number; ready: string[] } | undefined {
  const now = w.now;
  // Streams with bytes in their own buffer end the select at once.
  const buffered = list.filter((s) => sh(s).cbuf > 0);
  if (buffered.length > 0 && !fixes.has("R_SELECT_BUFFER_FIRST")) return { t: now, ready: buffered.map((s) => s.name) };
  const deadline = (s: Stream): number => {
    let d = Infinity;
    for (const ev of s.events) d = Math.min(d, ev.mark);
    if (s.timeout > 0 && !(fixes.has("R_SELECT_NONBLOCKING") && s.nonBlocking)) d = Math.min(d, fixes.has("R_TIMEOUT_ON_READ") ? s.timeoutMark : sh(s).mark);
    return d;
  };
  const counts = (s: Stream): boolean => !s.nonBlocking || fixes.has("R_SELECT_NONBLOCKING");
  // The first stream with the earliest deadline, if that deadline is within the select's timeout.
  let earliest = Infinity;
  let owner: Stream | undefined;
  for (const s of list) {
    const d = deadline(s);
    if (!counts(s) || d >= earliest) continue;
    earliest = d;
    if (timeout === null || d - now <= timeout) owner = s;
  }
  const limit = timeout === null ? Infinity : now + timeout;
  const sleepUntil = earliest !== Infinity && (timeout === null || Math.max(0, earliest - now) < timeout) ? Math.max(now, earliest) : limit;
  const readableAt = (s: Stream): number => {
    const x = sh(s);
    if (x.pipe > 0 || x.pipeClosed || (fixes.has("R_SELECT_BUFFER_FIRST") && x.cbuf > 0)) return now;
    if (fixes.has("R_SELECT_FAILED") && s.error !== null) return now;
    const a = s.arrivals.find((arr) => arr.data !== "" && (s.end === undefined || arr.at <= s.end));
    return Math.min(a === undefined ? Infinity : Math.max(a.at, now), s.end === undefined ? Infinity : Math.max(s.end, now));
  };
  const t = Math.min(sleepUntil, ...list.map(readableAt));
  if (t === Infinity) return undefined;
  const ready = list.filter((s) => readableAt(s) <= t || (counts(s) && (s === owner || fixes.has("R_SELECT_ONE")) && deadline(s) <= t));
  return { t, ready: ready.map((s) => s.name) };
}

// ---- helpers ----------------------------------------------------------------

function stream(w: World, name: string): Stream {
  const s = w.streams.get(name);
  if (s === undefined) throw new Error(`no stream ${name}`);
  return s;
}

/** The event after `ev` on the list of `s`, as `ev->next` reads now. */
function following(s: Stream, ev: Ev): Ev | null {
  const i = s.events.indexOf(ev);
  return i < 0 ? null : (s.events[i + 1] ?? null);
}
