import { IndexedHeap, type HeapItem } from "./heap.js";

/** @internal A settled promise, whose `then` queues a promise job with no async resource of its own, as queueMicrotask makes. */
export const RESOLVED = Promise.resolve();

/**
 * A scheduled callback, returned by {@link Clock.schedule}.
 */
export interface Timer {
  /** Cancels the callback; cancelling twice or after it ran does nothing. */
  cancel(): void;
  /**
   * Runs the same callback once `now() >= at` instead, whether the timer is
   * pending, ran or was cancelled: what `cancel()` and a new
   * {@link Clock.schedule} would do, without making a new timer. Optional:
   * a stream re-arms its one timer this way on every wait when the clock
   * offers it, and by cancel and schedule otherwise.
   */
  reschedule?(at: number): void;
}

/**
 * The source of time for streams, groups and sources.
 *
 * Time is a number of ticks on an absolute scale: wait-event marks and read
 * timeout marks are values of {@link Clock.now}, never intervals. One tick is
 * the smallest step the clock distinguishes (a millisecond for
 * {@link SystemClock}, one unit for {@link VirtualClock}).
 */
export interface Clock {
  /** The current time, in ticks. */
  now(): number;
  /**
   * Runs `callback` once `now() >= at`. Callbacks due at the same time run in
   * the order they were scheduled.
   */
  schedule(at: number, callback: () => void): Timer;
  /**
   * Runs `callback` once every timer of the firing in progress has run. A
   * firing is the clock running its timers due at one time, one after the
   * other, without returning to the event loop; `callback` runs after the
   * last of them and before the clock returns, so before any promise job
   * they queued. Callbacks asked for in one firing, by its timers or by
   * such callbacks, run in that firing in the order asked, each once. A
   * firing run from inside another (fake timers advanced by one of its
   * callbacks) is a firing of its own: it runs the callbacks asked for
   * since it began, at its end; the outer firing's wait for the outer one's
   * end, after whatever timers it still runs. Asked while the clock is not
   * firing, `callback` runs in a promise job.
   *
   * Optional: a waiting read that wakes goes on this way when the clock
   * offers it, after whatever input, end or change the other timers of that
   * instant bring (WE-FIRE-6, WE-API-3), and in a promise job otherwise,
   * which keeps that order too when the clock runs the timers of an instant
   * in one go, but costs a promise job at every wake.
   */
  afterFiring?(callback: () => void): void;
}

class ClockTimer implements Timer {
  // Neighbours in the timer's bucket; `bucket` is null once it ran or was cancelled.
  prev: ClockTimer | null = null;
  next: ClockTimer | null = null;
  bucket: Bucket | null = null;
  constructor(
    readonly callback: () => void,
    private readonly owner: TimerQueue,
  ) {}
  cancel(): void {
    this.owner.cancel(this);
  }
  reschedule(at: number): void {
    this.owner.move(this, at);
  }
}

/**
 * Timers due at one time, in the order they were scheduled. `due` is when
 * they may run on the queue's own scale: `at` for a virtual clock; for the
 * system clock, the latest of its timers' real due times, so none runs
 * early and they still run in the order they were scheduled. Buckets are
 * ordered by time, then by when they were made: two buckets of one time
 * run in the order of their timers' scheduling.
 */
class Bucket implements HeapItem {
  heapIndex = -1;
  first: ClockTimer | null = null;
  last: ClockTimer | null = null;
  size = 0;
  at = 0;
  due = 0;
  seq = 0;
}

const byTime = (a: Bucket, b: Bucket): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Emptied buckets kept for reuse, at most. */
const SPARE_BUCKETS = 64;

/**
 * The timers of one clock, earliest first, in buckets of one time each in
 * a heap. A timer scheduled for the time of the newest bucket joins it, in
 * O(1): ten thousand timers set one after the other for the same instant
 * (every idle connection's timeout, armed in one burst) share one bucket
 * and are taken in O(1) each, not O(log n). A timer for any other time gets
 * a bucket of its own, from a few spare ones: a stream re-arming its timer
 * on every wait makes no timer, no bucket and no map entry.
 */
class TimerQueue {
  readonly #heap = new IndexedHeap<Bucket>(byTime);
  readonly #spare: Bucket[] = [];
  #newest: Bucket | null = null;
  #seq = 0;
  // The callbacks asked for by afterFiring while runDue runs, in order: the
  // first #asked slots. Emptied by nulling those, not by setting the length,
  // which would make V8 give up the array's room and grow it again at the
  // next firing: a busy clock is asked at every firing. A firing run from
  // inside another takes the slots above the outer one's, and gives them
  // back when it is over.
  readonly #after: ((() => void) | null)[] = [];
  #asked = 0;
  #firing = false;
  size = 0;
  /**
   * Told that the earliest `due` changed, with the reading of {@link TimerQueue.read}
   * taken by the same change, or NaN when it took none.
   */
  onChange: (read: number) => void = () => {};
  /** Reads the time on the scale of `due`, once for each timer put in. */
  read: () => number = () => 0;
  /** The `due` of a timer for `at` scheduled at the reading `read`; `at` itself unless the clock says otherwise. */
  dueOf: (at: number, read: number) => number = (at) => at;

  /** The time of the earliest timer, or Infinity. */
  earliest(): number {
    const first = this.#heap.peek();
    return first === undefined ? Infinity : first.at;
  }

  /** The `due` of the earliest timer, or Infinity. */
  earliestDue(): number {
    const first = this.#heap.peek();
    return first === undefined ? Infinity : first.due;
  }

  add(at: number, callback: () => void): ClockTimer {
    const timer = new ClockTimer(callback, this);
    this.#insert(timer, at);
    return timer;
  }

  /** Takes `timer` out of its bucket, if it is in one, and puts it in at `at`. */
  move(timer: ClockTimer, at: number): void {
    const bucket = timer.bucket;
    if (bucket === null) {
      this.#insert(timer, at);
      return;
    }
    // Asked before #insert, which may take the emptied bucket again from the spare ones.
    const emptiesFirst = bucket.heapIndex === 0 && bucket.size === 1;
    this.#unlink(timer, bucket);
    // #insert reports a new earliest time; an emptied first bucket may have moved it too.
    if (!this.#insert(timer, at) && emptiesFirst) this.onChange(NaN);
  }

  cancel(timer: ClockTimer): void {
    const bucket = timer.bucket;
    if (bucket === null) return;
    const wasFirst = bucket.heapIndex === 0;
    this.#unlink(timer, bucket);
    if (wasFirst && bucket.size === 0) this.onChange(NaN);
  }

  /**
   * A firing: runs every timer whose `due` has come at `now`, in order,
   * then the callbacks asked for meanwhile by {@link TimerQueue.afterFiring}.
   * Run from inside another firing, by one of its callbacks, it runs only
   * the callbacks asked for since it began, and the outer firing goes on
   * with its own (see {@link Clock.afterFiring}).
   */
  runDue(now: number): void {
    const after = this.#after;
    const outer = this.#firing;
    const base = this.#asked;
    let ran = base;
    this.#firing = true;
    try {
      for (let t = this.#takeDue(now); t !== undefined; t = this.#takeDue(now)) t.callback();
      // Up to the count as it grows: one may ask for another, which runs here too.
      while (ran < this.#asked) {
        const callback = after[ran] as () => void;
        after[ran++] = null;
        callback();
      }
    } finally {
      this.#firing = outer;
      // A callback threw, which ends the firing: what it left still runs, as no timer will run it.
      for (; ran < this.#asked; ran++) {
        void RESOLVED.then(after[ran]);
        after[ran] = null;
      }
      this.#asked = base;
    }
  }

  /** See {@link Clock.afterFiring}. */
  afterFiring(callback: () => void): void {
    if (this.#firing) this.#after[this.#asked++] = callback;
    else void RESOLVED.then(callback);
  }

  /** Removes and returns the earliest timer whose `due` has come at `now`, if any. */
  #takeDue(now: number): ClockTimer | undefined {
    const bucket = this.#heap.peek();
    if (bucket === undefined || bucket.due > now) return undefined;
    const timer = bucket.first as ClockTimer;
    this.#unlink(timer, bucket);
    return timer;
  }

  /** Appends `timer` to the timers due at `at`; true when that made the earliest time earlier (onChange was called). */
  #insert(timer: ClockTimer, at: number): boolean {
    if (Number.isNaN(at)) throw new RangeError("Clock.schedule: `at` is NaN");
    const read = this.read();
    const due = this.dueOf(at, read);
    let bucket = this.#newest;
    let earlier = false;
    if (bucket === null || bucket.at !== at) {
      earlier = at < this.earliest();
      bucket = this.#spare.pop() ?? new Bucket();
      bucket.at = at;
      bucket.due = due;
      bucket.seq = this.#seq++;
      this.#heap.push(bucket);
      this.#newest = bucket;
    } else if (due > bucket.due) bucket.due = due;
    timer.bucket = bucket;
    timer.prev = bucket.last;
    if (bucket.last === null) bucket.first = timer;
    else bucket.last.next = timer;
    bucket.last = timer;
    bucket.size++;
    this.size++;
    if (earlier) this.onChange(read);
    return earlier;
  }

  #unlink(timer: ClockTimer, bucket: Bucket): void {
    const { prev, next } = timer;
    if (prev === null) bucket.first = next;
    else prev.next = next;
    if (next === null) bucket.last = prev;
    else next.prev = prev;
    timer.prev = timer.next = timer.bucket = null;
    this.size--;
    if (--bucket.size === 0) {
      this.#heap.delete(bucket);
      if (this.#newest === bucket) this.#newest = null;
      if (this.#spare.length < SPARE_BUCKETS) this.#spare.push(bucket);
    }
  }
}

/** Options of {@link SystemClock}. */
export interface SystemClockOptions {
  /**
   * Milliseconds per tick. Default 1; 1000 counts whole seconds, as C's
   * `time()` does.
   */
  tick?: number;
}

// The `performance` whose time origin is kept: the global is read at every
// call, as fake timers (vitest's, sinon's) put a `performance` of their own
// in its place, but its constant origin only once per object.
let origin = 0;
let originOf: typeof performance | null = null;
// The `performance` of the firing in progress, used by every reading during
// it: the one in place when the Node timer that started the firing was
// made, so that a fake timer's firing reads fake time and a real one's real
// time. Node's global is a lazy getter whose call costs some 230
// instructions, and a firing that wakes a read reads the time three times;
// read when a Node timer is made, it is not read at all at the firings of
// a timer restarted at each one.
let firingPerformance: typeof performance | null = null;

// Node's own `performance`, and its `process.hrtime`, as found when this
// module was loaded. Node's `performance.now()` checks the brand of its
// receiver before it reads the clock, which makes it dearer than
// `process.hrtime()` (245 instructions against 110 in a loop, some 40 more
// in a firing). Both read one monotonic clock, a constant apart: while the
// `performance` in place is Node's own, the time is read from
// `process.hrtime()` and that constant.
const hrtime = typeof process === "object" && typeof process.hrtime === "function" ? process.hrtime : null;
const PerformanceClass = (globalThis as { Performance?: unknown }).Performance;
const nodePerformance = hrtime !== null && typeof PerformanceClass === "function" && typeof performance === "object" && performance instanceof PerformanceClass ? performance : null;
// What to add to the reading of hrtime in milliseconds to have Node's `timeOrigin + now()`.
let hrOrigin = 0;

function hrMs(t: [number, number]): number {
  return t[0] * 1e3 + t[1] / 1e6;
}

/** Milliseconds on a monotonic scale that starts near the Unix epoch time of the process's start. */
function monotonicMs(): number {
  const p = firingPerformance ?? performance;
  if (p !== originOf) {
    origin = p.timeOrigin;
    originOf = p;
    if (p === nodePerformance && hrtime !== null) {
      // Two readings of hrtime bracket one of `now()`, once each has run
      // once (a first call may take a millisecond): the constant to within
      // half the bracket. The narrowest of a few, as a busy machine may
      // take the core in the middle of one.
      p.now();
      hrtime();
      let width = Infinity;
      for (let i = 0; i < 5; i++) {
        const before = hrMs(hrtime());
        const now = p.now();
        const after = hrMs(hrtime());
        if (after - before < width) {
          width = after - before;
          hrOrigin = origin + now - (before + after) / 2;
        }
      }
    }
  }
  if (p === nodePerformance && hrtime !== null) return hrOrigin + hrMs(hrtime());
  return origin + p.now();
}

/**
 * Real time, in milliseconds (unless another tick is chosen) on a monotonic
 * scale: it starts at the Unix epoch time at which the process started and
 * from then on follows a clock that steps of the system's wall clock (NTP,
 * an administrator, a suspended VM) never move, so a timeout lasts as long
 * as it says. It drifts from `Date.now()` by whatever steps the wall clock
 * took: take marks from {@link SystemClock.now}, never from `Date.now()`.
 *
 * A timer never fires before its time, at any tick size: one scheduled for
 * `at` runs once `now() >= at` and at least `at - now()` whole ticks after
 * the start of the millisecond in which it was scheduled, as C's `select`
 * given `mark - time()` seconds waits that long, to the millisecond that
 * Node's timers count in. With `tick: 1000`, a mark set to `now() + 3`
 * fires 3 to 4 seconds later, never after 2.999. With the default tick of
 * a millisecond, a timer for `at` fires once millisecond `at` has begun:
 * the part of a millisecond gone when it was scheduled, which no Node
 * timer can wait out to the microsecond, does not hold it back.
 *
 * All timers of one SystemClock share a single Node timer armed for the
 * earliest of them, so ten thousand waiting streams cost one heap, not ten
 * thousand Node timers. That Node timer keeps the process alive only while
 * some stream is actually waiting on it; closing the stream cancels it.
 */
export class SystemClock implements Clock {
  readonly #queue = new TimerQueue();
  #handle: NodeJS.Timeout | null = null;
  #armedFor = Infinity;
  // While #fire runs: the Node timer that fired, to be restarted rather
  // than replaced when the clock is re-armed with the same delay, as a busy
  // clock is at every firing, mostly for the next millisecond.
  #fired: NodeJS.Timeout | null = null;
  #delay = -1;
  // The `performance` in place when the Node timer was made (see firingPerformance).
  #performance: typeof performance | null = null;
  /** Milliseconds per tick. */
  readonly tick: number;

  /**
   * @param options - see {@link SystemClockOptions}.
   * @throws RangeError when the tick is not a positive number.
   */
  constructor(options: SystemClockOptions = {}) {
    this.tick = options.tick ?? 1;
    if (!(this.tick > 0) || !Number.isFinite(this.tick)) {
      throw new RangeError(`SystemClock: tick must be a positive number of milliseconds, got ${this.tick}`);
    }
    // A timer put in reads the time once: for its due time and, when it is the earliest, for the Node timer's delay.
    this.#queue.onChange = (ms) => this.#arm(ms);
    this.#queue.read = monotonicMs;
    // Whole ticks from the start of the millisecond, not from the start of tick `at`: the part of a longer
    // tick already gone does not count; and never before tick `at`, which a tick not made of whole
    // milliseconds may begin part-way into one.
    this.#queue.dueOf = (at, ms) => Math.max(at * this.tick, Math.floor(ms) + (at - Math.floor(ms / this.tick)) * this.tick);
  }

  /** Whole ticks on the monotonic scale (see the class). */
  now(): number {
    return Math.floor(monotonicMs() / this.tick);
  }

  /** {@inheritDoc Clock.schedule} */
  schedule(at: number, callback: () => void): Timer {
    return this.#queue.add(at, callback);
  }

  /** {@inheritDoc Clock.afterFiring} */
  afterFiring(callback: () => void): void {
    this.#queue.afterFiring(callback);
  }

  /** Arms the Node timer for the earliest timer; `ms` is the time read just now, or NaN. */
  #arm(ms: number): void {
    const due = this.#queue.earliestDue();
    if (due === this.#armedFor) return;
    if (this.#handle !== null) clearTimeout(this.#handle);
    this.#handle = null;
    this.#armedFor = due;
    const fired = this.#fired;
    this.#fired = null;
    if (due === Infinity) return;
    // Node timers may fire a millisecond early; #fire re-arms.
    const delay = Math.min(Math.max(Math.ceil(due - (Number.isNaN(ms) ? monotonicMs() : ms)), 0), 2 ** 31 - 1);
    // refresh() starts a fired Node timer again from now; a browser's timer is a number, without it.
    if (fired !== null && delay === this.#delay && typeof (fired as { refresh?: unknown }).refresh === "function") this.#handle = fired.refresh();
    else {
      this.#handle = setTimeout(this.#fire, delay);
      this.#performance = performance;
    }
    this.#delay = delay;
  }

  // One closure for the clock's life rather than one per arming: a timer
  // rescheduling itself every tick arms the Node timer at every firing.
  readonly #fire = (): void => {
    this.#fired = this.#handle;
    this.#handle = null;
    this.#armedFor = Infinity;
    // A firing run from inside another (fake timers advanced by a callback) gives the outer one its own back.
    const outer = firingPerformance;
    firingPerformance = this.#performance;
    try {
      this.#queue.runDue(monotonicMs());
    } finally {
      // A callback that throws must not leave the other timers without a Node timer.
      this.#arm(NaN);
      // Re-armed or not, the fired timer is not kept past its firing.
      this.#fired = null;
      firingPerformance = outer;
    }
  };
}

/** The clock used by streams and groups that are given none. */
export const systemClock: SystemClock = new SystemClock();

/** Options of {@link VirtualClock.runUntil}. */
export interface RunOptions {
  /** Give up (with an error) once virtual time would pass this value. */
  until?: number;
  /** Give up (with an error) after this many timer steps. Default 1,000,000. */
  maxSteps?: number;
}

/**
 * Thrown by {@link VirtualClock.runUntil} when the promise is still pending
 * and no timer is left: nothing could ever settle it.
 */
export class StuckError extends Error {
  /** The virtual time at which everything stopped. */
  readonly at: number;
  /** @internal */
  constructor(at: number) {
    super(`VirtualClock.runUntil: stuck at time ${at}: the promise is pending and no timer is scheduled`);
    this.name = "StuckError";
    this.at = at;
  }
}

/**
 * Calls `step` in a macrotask, after everything pending settled, and again
 * in the next one for as long as it returns true; resolves once it returns
 * false, rejects with what it throws. One immediate per step and no
 * promise: a stream woken at every tick costs the clock little more than
 * Node's immediate.
 */
function stepInMacrotasks(step: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const go = (): void => {
      try {
        if (step()) setImmediate(go);
        else resolve();
      } catch (err) {
        reject(err);
      }
    };
    setImmediate(go);
  });
}

/**
 * Virtual time for deterministic tests and for the conformance suite.
 *
 * Time stands still until a test moves it: {@link VirtualClock.advanceTo}
 * and {@link VirtualClock.advance} step through every timer on the way, in
 * time order; {@link VirtualClock.runUntil} lets pending work settle and then
 * jumps to the next timer, again and again, which is how "time passes only
 * while every waiter sleeps" is modelled. Nothing here reads the wall clock.
 */
export class VirtualClock implements Clock {
  readonly #queue = new TimerQueue();
  #now: number;

  /** @param start - the initial time, 0 unless given. */
  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new RangeError(`VirtualClock: start time ${start} is not finite`);
    this.#now = start;
  }

  /** The current virtual time. */
  now(): number {
    return this.#now;
  }

  /** {@inheritDoc Clock.schedule} */
  schedule(at: number, callback: () => void): Timer {
    return this.#queue.add(at, callback);
  }

  /** {@inheritDoc Clock.afterFiring} */
  afterFiring(callback: () => void): void {
    this.#queue.afterFiring(callback);
  }

  /** The time of the earliest pending timer, or `undefined` when there is none. */
  nextTimerAt(): number | undefined {
    return this.#queue.size === 0 ? undefined : this.#queue.earliest();
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.#queue.size;
  }

  /**
   * Moves time forward to `time`. Each timer on the way runs at its own
   * time, and pending promise callbacks and immediates settle between one
   * timer time and the next, so a stream woken at 10 runs its pass at 10
   * even when the test advances to 100 in one call. Timers due at the same
   * time all run before anything they wake continues, so input arriving at
   * the very instant a stream wakes is already there when the stream looks.
   */
  async advanceTo(time: number): Promise<void> {
    if (Number.isNaN(time)) throw new RangeError("VirtualClock.advanceTo: time is NaN");
    if (time < this.#now) {
      throw new RangeError(`VirtualClock.advanceTo: ${time} is before the current time ${this.#now}`);
    }
    await stepInMacrotasks(() => {
      const next = this.nextTimerAt();
      if (next !== undefined && next <= time) {
        this.#fireAt(next);
        return true;
      }
      this.#now = time;
      return false;
    });
  }

  /** Moves time forward by `ticks`; see {@link VirtualClock.advanceTo}. */
  advance(ticks: number): Promise<void> {
    return this.advanceTo(this.#now + ticks);
  }

  /**
   * Moves time forward by `ticks` at once, from inside running code, as code
   * that computes for that long does (a slow callback): nothing runs on the
   * way. The timers that came due run, in time order and each at the new
   * time, when the clock next steps ({@link VirtualClock.advanceTo},
   * {@link VirtualClock.runUntil}).
   */
  spend(ticks: number): void {
    if (!Number.isInteger(ticks) || ticks < 0) throw new RangeError(`VirtualClock.spend: ticks must be a non-negative integer, got ${ticks}`);
    this.#now += ticks;
  }

  /** Sets the time to `time` (if later) and runs every timer due then. */
  #fireAt(time: number): void {
    if (time > this.#now) this.#now = time;
    this.#queue.runDue(this.#now);
  }

  /**
   * Runs the world until `promise` settles: lets pending promise callbacks
   * and immediates run, and whenever nothing is left to do but wait, jumps to
   * the next timer. Resolves or rejects as `promise` does.
   *
   * @throws StuckError when `promise` is still pending but no timer is left
   * (nothing could ever settle it).
   * @throws Error when a limit of `options` is reached.
   */
  async runUntil<T>(promise: Promise<T>, options: RunOptions = {}): Promise<T> {
    const maxSteps = options.maxSteps ?? 1_000_000;
    const until = options.until ?? Infinity;
    let settled = false;
    const observed = promise.then(
      (v) => {
        settled = true;
        return v;
      },
      (e: unknown) => {
        settled = true;
        throw e;
      },
    );
    // Swallow here so an early rejection is not reported as unhandled while we step.
    observed.catch(() => {});
    let steps = 0;
    await stepInMacrotasks(() => {
      if (settled) return false;
      const next = this.nextTimerAt();
      if (next === undefined) {
        throw new StuckError(this.#now);
      }
      if (next > until) {
        throw new Error(`VirtualClock.runUntil: the promise is still pending at the time limit ${until}`);
      }
      if (steps++ >= maxSteps) {
        throw new Error(`VirtualClock.runUntil: the promise is still pending after ${maxSteps} timer steps (time ${this.#now})`);
      }
      this.#fireAt(next);
      return true;
    });
    return observed;
  }
}
