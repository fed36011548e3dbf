// @ts-nocheck
function stryNS_9fa48() {
  var g = typeof globalThis === 'object' && globalThis && globalThis.Math === Math && globalThis || new Function("return this")();
  var ns = g.__stryker__ || (g.__stryker__ = {});
  if (ns.activeMutant === undefined && g.process && g.process.env && g.process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.activeMutant = g.process.env.__STRYKER_ACTIVE_MUTANT__;
  }
  function retrieveNS() {
    return ns;
  }
  stryNS_9fa48 = retrieveNS;
  return retrieveNS();
}
stryNS_9fa48();
function stryCov_9fa48() {
  var ns = stryNS_9fa48();
  var cov = ns.mutantCoverage || (ns.mutantCoverage = {
    static: {},
    perTest: {}
  });
  function cover() {
    var c = cov.static;
    if (ns.currentTestId) {
      c = cov.perTest[ns.currentTestId] = cov.perTest[ns.currentTestId] || {};
    }
    var a = arguments;
    for (var i = 0; i < a.length; i++) {
      c[a[i]] = (c[a[i]] || 0) + 1;
    }
  }
  stryCov_9fa48 = cover;
  cover.apply(null, arguments);
}
function stryMutAct_9fa48(id) {
  var ns = stryNS_9fa48();
  function isActive(id) {
    if (ns.activeMutant === id) {
      if (ns.hitCount !== void 0 && ++ns.hitCount > ns.hitLimit) {
        throw new Error('Stryker: Hit count limit reached (' + ns.hitCount + ')');
      }
      return true;
    }
    return false;
  }
  stryMutAct_9fa48 = isActive;
  return isActive(id);
}
import { IndexedHeap, type HeapItem } from "./heap.js";

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
}
class ClockTimer implements Timer {
  // Neighbours in the timer's bucket; `bucket` is null once it ran or was cancelled.
  prev: ClockTimer | null = null;
  next: ClockTimer | null = null;
  bucket: Bucket | null = null;
  constructor(readonly callback: () => void, private readonly owner: TimerQueue) {}
  cancel(): void {
    if (stryMutAct_9fa48("0")) {
      {}
    } else {
      stryCov_9fa48("0");
      this.owner.cancel(this);
    }
  }
  reschedule(at: number): void {
    if (stryMutAct_9fa48("1")) {
      {}
    } else {
      stryCov_9fa48("1");
      this.owner.move(this, at);
    }
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
  heapIndex = stryMutAct_9fa48("2") ? +1 : (stryCov_9fa48("2"), -1);
  first: ClockTimer | null = null;
  last: ClockTimer | null = null;
  size = 0;
  at = 0;
  due = 0;
  seq = 0;
}
const byTime = stryMutAct_9fa48("3") ? () => undefined : (stryCov_9fa48("3"), (() => {
  const byTime = (a: Bucket, b: Bucket): boolean => stryMutAct_9fa48("6") ? a.at < b.at && a.at === b.at && a.seq < b.seq : stryMutAct_9fa48("5") ? false : stryMutAct_9fa48("4") ? true : (stryCov_9fa48("4", "5", "6"), (stryMutAct_9fa48("9") ? a.at >= b.at : stryMutAct_9fa48("8") ? a.at <= b.at : stryMutAct_9fa48("7") ? false : (stryCov_9fa48("7", "8", "9"), a.at < b.at)) || (stryMutAct_9fa48("11") ? a.at === b.at || a.seq < b.seq : stryMutAct_9fa48("10") ? false : (stryCov_9fa48("10", "11"), (stryMutAct_9fa48("13") ? a.at !== b.at : stryMutAct_9fa48("12") ? true : (stryCov_9fa48("12", "13"), a.at === b.at)) && (stryMutAct_9fa48("16") ? a.seq >= b.seq : stryMutAct_9fa48("15") ? a.seq <= b.seq : stryMutAct_9fa48("14") ? true : (stryCov_9fa48("14", "15", "16"), a.seq < b.seq)))));
  return byTime;
})());

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
  readonly #spare: Bucket[] = stryMutAct_9fa48("17") ? ["Stryker was here"] : (stryCov_9fa48("17"), []);
  #newest: Bucket | null = null;
  #seq = 0;
  size = 0;
  onChange: () => void = () => {};
  /** The `due` of a timer scheduled now for `at`; `at` itself unless the clock says otherwise. */
  dueOf: (at: number) => number = stryMutAct_9fa48("18") ? () => undefined : (stryCov_9fa48("18"), at => at);

  /** The time of the earliest timer, or Infinity. */
  earliest(): number {
    if (stryMutAct_9fa48("19")) {
      {}
    } else {
      stryCov_9fa48("19");
      const first = this.#heap.peek();
      return (stryMutAct_9fa48("22") ? first !== undefined : stryMutAct_9fa48("21") ? false : stryMutAct_9fa48("20") ? true : (stryCov_9fa48("20", "21", "22"), first === undefined)) ? Infinity : first.at;
    }
  }

  /** The `due` of the earliest timer, or Infinity. */
  earliestDue(): number {
    if (stryMutAct_9fa48("23")) {
      {}
    } else {
      stryCov_9fa48("23");
      const first = this.#heap.peek();
      return (stryMutAct_9fa48("26") ? first !== undefined : stryMutAct_9fa48("25") ? false : stryMutAct_9fa48("24") ? true : (stryCov_9fa48("24", "25", "26"), first === undefined)) ? Infinity : first.due;
    }
  }
  add(at: number, callback: () => void): ClockTimer {
    if (stryMutAct_9fa48("27")) {
      {}
    } else {
      stryCov_9fa48("27");
      const timer = new ClockTimer(callback, this);
      this.#insert(timer, at);
      return timer;
    }
  }

  /** Takes `timer` out of its bucket, if it is in one, and puts it in at `at`. */
  move(timer: ClockTimer, at: number): void {
    if (stryMutAct_9fa48("28")) {
      {}
    } else {
      stryCov_9fa48("28");
      const bucket = timer.bucket;
      if (stryMutAct_9fa48("31") ? bucket !== null : stryMutAct_9fa48("30") ? false : stryMutAct_9fa48("29") ? true : (stryCov_9fa48("29", "30", "31"), bucket === null)) {
        if (stryMutAct_9fa48("32")) {
          {}
        } else {
          stryCov_9fa48("32");
          this.#insert(timer, at);
          return;
        }
      }
      const wasFirst = stryMutAct_9fa48("35") ? bucket.heapIndex !== 0 : stryMutAct_9fa48("34") ? false : stryMutAct_9fa48("33") ? true : (stryCov_9fa48("33", "34", "35"), bucket.heapIndex === 0);
      this.#unlink(timer, bucket);
      // #insert reports a new earliest time; an emptied first bucket may have moved it too.
      if (stryMutAct_9fa48("38") ? !this.#insert(timer, at) && wasFirst || bucket.size === 0 : stryMutAct_9fa48("37") ? false : stryMutAct_9fa48("36") ? true : (stryCov_9fa48("36", "37", "38"), (stryMutAct_9fa48("40") ? !this.#insert(timer, at) || wasFirst : stryMutAct_9fa48("39") ? true : (stryCov_9fa48("39", "40"), (stryMutAct_9fa48("41") ? this.#insert(timer, at) : (stryCov_9fa48("41"), !this.#insert(timer, at))) && wasFirst)) && (stryMutAct_9fa48("43") ? bucket.size !== 0 : stryMutAct_9fa48("42") ? true : (stryCov_9fa48("42", "43"), bucket.size === 0)))) this.onChange();
    }
  }
  cancel(timer: ClockTimer): void {
    if (stryMutAct_9fa48("44")) {
      {}
    } else {
      stryCov_9fa48("44");
      const bucket = timer.bucket;
      if (stryMutAct_9fa48("47") ? bucket !== null : stryMutAct_9fa48("46") ? false : stryMutAct_9fa48("45") ? true : (stryCov_9fa48("45", "46", "47"), bucket === null)) return;
      const wasFirst = stryMutAct_9fa48("50") ? bucket.heapIndex !== 0 : stryMutAct_9fa48("49") ? false : stryMutAct_9fa48("48") ? true : (stryCov_9fa48("48", "49", "50"), bucket.heapIndex === 0);
      this.#unlink(timer, bucket);
      if (stryMutAct_9fa48("53") ? wasFirst || bucket.size === 0 : stryMutAct_9fa48("52") ? false : stryMutAct_9fa48("51") ? true : (stryCov_9fa48("51", "52", "53"), wasFirst && (stryMutAct_9fa48("55") ? bucket.size !== 0 : stryMutAct_9fa48("54") ? true : (stryCov_9fa48("54", "55"), bucket.size === 0)))) this.onChange();
    }
  }

  /** Removes and returns the earliest timer whose `due` has come at `now`, if any. */
  takeDue(now: number): ClockTimer | undefined {
    if (stryMutAct_9fa48("56")) {
      {}
    } else {
      stryCov_9fa48("56");
      const bucket = this.#heap.peek();
      if (stryMutAct_9fa48("59") ? bucket === undefined && bucket.due > now : stryMutAct_9fa48("58") ? false : stryMutAct_9fa48("57") ? true : (stryCov_9fa48("57", "58", "59"), (stryMutAct_9fa48("61") ? bucket !== undefined : stryMutAct_9fa48("60") ? false : (stryCov_9fa48("60", "61"), bucket === undefined)) || (stryMutAct_9fa48("64") ? bucket.due <= now : stryMutAct_9fa48("63") ? bucket.due >= now : stryMutAct_9fa48("62") ? false : (stryCov_9fa48("62", "63", "64"), bucket.due > now)))) return undefined;
      const timer = bucket.first as ClockTimer;
      this.#unlink(timer, bucket);
      return timer;
    }
  }

  /** Appends `timer` to the timers due at `at`; true when that made the earliest time earlier (onChange was called). */
  #insert(timer: ClockTimer, at: number): boolean {
    if (stryMutAct_9fa48("65")) {
      {}
    } else {
      stryCov_9fa48("65");
      if (stryMutAct_9fa48("67") ? false : stryMutAct_9fa48("66") ? true : (stryCov_9fa48("66", "67"), Number.isNaN(at))) throw new RangeError(stryMutAct_9fa48("68") ? "" : (stryCov_9fa48("68"), "Clock.schedule: `at` is NaN"));
      const due = this.dueOf(at);
      let bucket = this.#newest;
      let earlier = stryMutAct_9fa48("69") ? true : (stryCov_9fa48("69"), false);
      if (stryMutAct_9fa48("72") ? bucket === null && bucket.at !== at : stryMutAct_9fa48("71") ? false : stryMutAct_9fa48("70") ? true : (stryCov_9fa48("70", "71", "72"), (stryMutAct_9fa48("74") ? bucket !== null : stryMutAct_9fa48("73") ? false : (stryCov_9fa48("73", "74"), bucket === null)) || (stryMutAct_9fa48("76") ? bucket.at === at : stryMutAct_9fa48("75") ? false : (stryCov_9fa48("75", "76"), bucket.at !== at)))) {
        if (stryMutAct_9fa48("77")) {
          {}
        } else {
          stryCov_9fa48("77");
          earlier = stryMutAct_9fa48("81") ? at >= this.earliest() : stryMutAct_9fa48("80") ? at <= this.earliest() : stryMutAct_9fa48("79") ? false : stryMutAct_9fa48("78") ? true : (stryCov_9fa48("78", "79", "80", "81"), at < this.earliest());
          bucket = stryMutAct_9fa48("82") ? this.#spare.pop() && new Bucket() : (stryCov_9fa48("82"), this.#spare.pop() ?? new Bucket());
          bucket.at = at;
          bucket.due = due;
          bucket.seq = stryMutAct_9fa48("83") ? this.#seq-- : (stryCov_9fa48("83"), this.#seq++);
          this.#heap.push(bucket);
          this.#newest = bucket;
        }
      } else if (stryMutAct_9fa48("87") ? due <= bucket.due : stryMutAct_9fa48("86") ? due >= bucket.due : stryMutAct_9fa48("85") ? false : stryMutAct_9fa48("84") ? true : (stryCov_9fa48("84", "85", "86", "87"), due > bucket.due)) bucket.due = due;
      timer.bucket = bucket;
      timer.prev = bucket.last;
      if (stryMutAct_9fa48("90") ? bucket.last !== null : stryMutAct_9fa48("89") ? false : stryMutAct_9fa48("88") ? true : (stryCov_9fa48("88", "89", "90"), bucket.last === null)) bucket.first = timer;else bucket.last.next = timer;
      bucket.last = timer;
      stryMutAct_9fa48("91") ? bucket.size-- : (stryCov_9fa48("91"), bucket.size++);
      stryMutAct_9fa48("92") ? this.size-- : (stryCov_9fa48("92"), this.size++);
      if (stryMutAct_9fa48("94") ? false : stryMutAct_9fa48("93") ? true : (stryCov_9fa48("93", "94"), earlier)) this.onChange();
      return earlier;
    }
  }
  #unlink(timer: ClockTimer, bucket: Bucket): void {
    if (stryMutAct_9fa48("95")) {
      {}
    } else {
      stryCov_9fa48("95");
      const {
        prev,
        next
      } = timer;
      if (stryMutAct_9fa48("98") ? prev !== null : stryMutAct_9fa48("97") ? false : stryMutAct_9fa48("96") ? true : (stryCov_9fa48("96", "97", "98"), prev === null)) bucket.first = next;else prev.next = next;
      if (stryMutAct_9fa48("101") ? next !== null : stryMutAct_9fa48("100") ? false : stryMutAct_9fa48("99") ? true : (stryCov_9fa48("99", "100", "101"), next === null)) bucket.last = prev;else next.prev = prev;
      timer.prev = timer.next = timer.bucket = null;
      stryMutAct_9fa48("102") ? this.size++ : (stryCov_9fa48("102"), this.size--);
      if (stryMutAct_9fa48("105") ? --bucket.size !== 0 : stryMutAct_9fa48("104") ? false : stryMutAct_9fa48("103") ? true : (stryCov_9fa48("103", "104", "105"), (stryMutAct_9fa48("106") ? ++bucket.size : (stryCov_9fa48("106"), --bucket.size)) === 0)) {
        if (stryMutAct_9fa48("107")) {
          {}
        } else {
          stryCov_9fa48("107");
          this.#heap.delete(bucket);
          if (stryMutAct_9fa48("110") ? this.#newest !== bucket : stryMutAct_9fa48("109") ? false : stryMutAct_9fa48("108") ? true : (stryCov_9fa48("108", "109", "110"), this.#newest === bucket)) this.#newest = null;
          if (stryMutAct_9fa48("114") ? this.#spare.length >= SPARE_BUCKETS : stryMutAct_9fa48("113") ? this.#spare.length <= SPARE_BUCKETS : stryMutAct_9fa48("112") ? false : stryMutAct_9fa48("111") ? true : (stryCov_9fa48("111", "112", "113", "114"), this.#spare.length < SPARE_BUCKETS)) this.#spare.push(bucket);
        }
      }
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

/** Milliseconds on a monotonic scale that starts near the Unix epoch time of the process's start. */
function monotonicMs(): number {
  if (stryMutAct_9fa48("115")) {
    {}
  } else {
    stryCov_9fa48("115");
    return stryMutAct_9fa48("116") ? performance.timeOrigin - performance.now() : (stryCov_9fa48("116"), performance.timeOrigin + performance.now());
  }
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
 * it was scheduled, as C's `select` given `mark - time()` seconds waits
 * that long. With `tick: 1000`, a mark set to `now() + 3` fires 3 to 4
 * seconds later, never after 2.
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
  /** Milliseconds per tick. */
  readonly tick: number;

  /**
   * @param options - see {@link SystemClockOptions}.
   * @throws RangeError when the tick is not a positive number.
   */
  constructor(options: SystemClockOptions = {}) {
    if (stryMutAct_9fa48("117")) {
      {}
    } else {
      stryCov_9fa48("117");
      this.tick = stryMutAct_9fa48("118") ? options.tick && 1 : (stryCov_9fa48("118"), options.tick ?? 1);
      if (stryMutAct_9fa48("121") ? !(this.tick > 0) && !Number.isFinite(this.tick) : stryMutAct_9fa48("120") ? false : stryMutAct_9fa48("119") ? true : (stryCov_9fa48("119", "120", "121"), (stryMutAct_9fa48("122") ? this.tick > 0 : (stryCov_9fa48("122"), !(stryMutAct_9fa48("126") ? this.tick <= 0 : stryMutAct_9fa48("125") ? this.tick >= 0 : stryMutAct_9fa48("124") ? false : stryMutAct_9fa48("123") ? true : (stryCov_9fa48("123", "124", "125", "126"), this.tick > 0)))) || (stryMutAct_9fa48("127") ? Number.isFinite(this.tick) : (stryCov_9fa48("127"), !Number.isFinite(this.tick))))) {
        if (stryMutAct_9fa48("128")) {
          {}
        } else {
          stryCov_9fa48("128");
          throw new RangeError(stryMutAct_9fa48("129") ? `` : (stryCov_9fa48("129"), `SystemClock: tick must be a positive number of milliseconds, got ${this.tick}`));
        }
      }
      this.#queue.onChange = stryMutAct_9fa48("130") ? () => undefined : (stryCov_9fa48("130"), () => this.#arm());
      // Whole ticks from now, not the start of tick `at`: the part of the current tick already gone does not count.
      this.#queue.dueOf = at => {
        if (stryMutAct_9fa48("131")) {
          {}
        } else {
          stryCov_9fa48("131");
          const ms = monotonicMs();
          return stryMutAct_9fa48("132") ? ms - (at - Math.floor(ms / this.tick)) * this.tick : (stryCov_9fa48("132"), ms + (stryMutAct_9fa48("133") ? (at - Math.floor(ms / this.tick)) / this.tick : (stryCov_9fa48("133"), (stryMutAct_9fa48("134") ? at + Math.floor(ms / this.tick) : (stryCov_9fa48("134"), at - Math.floor(stryMutAct_9fa48("135") ? ms * this.tick : (stryCov_9fa48("135"), ms / this.tick)))) * this.tick)));
        }
      };
    }
  }

  /** Whole ticks on the monotonic scale (see the class). */
  now(): number {
    if (stryMutAct_9fa48("136")) {
      {}
    } else {
      stryCov_9fa48("136");
      return Math.floor(stryMutAct_9fa48("137") ? monotonicMs() * this.tick : (stryCov_9fa48("137"), monotonicMs() / this.tick));
    }
  }

  /** {@inheritDoc Clock.schedule} */
  schedule(at: number, callback: () => void): Timer {
    if (stryMutAct_9fa48("138")) {
      {}
    } else {
      stryCov_9fa48("138");
      return this.#queue.add(at, callback);
    }
  }
  #arm(): void {
    if (stryMutAct_9fa48("139")) {
      {}
    } else {
      stryCov_9fa48("139");
      const due = this.#queue.earliestDue();
      if (stryMutAct_9fa48("142") ? due !== this.#armedFor : stryMutAct_9fa48("141") ? false : stryMutAct_9fa48("140") ? true : (stryCov_9fa48("140", "141", "142"), due === this.#armedFor)) return;
      if (stryMutAct_9fa48("145") ? this.#handle === null : stryMutAct_9fa48("144") ? false : stryMutAct_9fa48("143") ? true : (stryCov_9fa48("143", "144", "145"), this.#handle !== null)) clearTimeout(this.#handle);
      this.#handle = null;
      this.#armedFor = due;
      if (stryMutAct_9fa48("148") ? due !== Infinity : stryMutAct_9fa48("147") ? false : stryMutAct_9fa48("146") ? true : (stryCov_9fa48("146", "147", "148"), due === Infinity)) return;
      // Node timers may fire a millisecond early; #fire re-arms.
      const delay = stryMutAct_9fa48("149") ? Math.max(Math.max(Math.ceil(due - monotonicMs()), 0), 2 ** 31 - 1) : (stryCov_9fa48("149"), Math.min(stryMutAct_9fa48("150") ? Math.min(Math.ceil(due - monotonicMs()), 0) : (stryCov_9fa48("150"), Math.max(Math.ceil(stryMutAct_9fa48("151") ? due + monotonicMs() : (stryCov_9fa48("151"), due - monotonicMs())), 0)), stryMutAct_9fa48("152") ? 2 ** 31 + 1 : (stryCov_9fa48("152"), 2 ** 31 - 1)));
      this.#handle = setTimeout(stryMutAct_9fa48("153") ? () => undefined : (stryCov_9fa48("153"), () => this.#fire()), delay);
    }
  }
  #fire(): void {
    if (stryMutAct_9fa48("154")) {
      {}
    } else {
      stryCov_9fa48("154");
      this.#handle = null;
      this.#armedFor = Infinity;
      const now = monotonicMs();
      try {
        if (stryMutAct_9fa48("155")) {
          {}
        } else {
          stryCov_9fa48("155");
          for (let t = this.#queue.takeDue(now); stryMutAct_9fa48("157") ? t === undefined : stryMutAct_9fa48("156") ? false : (stryCov_9fa48("156", "157"), t !== undefined); t = this.#queue.takeDue(now)) {
            if (stryMutAct_9fa48("158")) {
              {}
            } else {
              stryCov_9fa48("158");
              t.callback();
            }
          }
        }
      } finally {
        if (stryMutAct_9fa48("159")) {
          {}
        } else {
          stryCov_9fa48("159");
          // A callback that throws must not leave the other timers without a Node timer.
          this.#arm();
        }
      }
    }
  }
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
    if (stryMutAct_9fa48("160")) {
      {}
    } else {
      stryCov_9fa48("160");
      super(stryMutAct_9fa48("161") ? `` : (stryCov_9fa48("161"), `VirtualClock.runUntil: stuck at time ${at}: the promise is pending and no timer is scheduled`));
      this.name = stryMutAct_9fa48("162") ? "" : (stryCov_9fa48("162"), "StuckError");
      this.at = at;
    }
  }
}
const macrotask = stryMutAct_9fa48("163") ? () => undefined : (stryCov_9fa48("163"), (() => {
  const macrotask = (): Promise<void> => new Promise(stryMutAct_9fa48("164") ? () => undefined : (stryCov_9fa48("164"), resolve => setImmediate(resolve)));
  return macrotask;
})());

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
    if (stryMutAct_9fa48("165")) {
      {}
    } else {
      stryCov_9fa48("165");
      if (stryMutAct_9fa48("168") ? false : stryMutAct_9fa48("167") ? true : stryMutAct_9fa48("166") ? Number.isFinite(start) : (stryCov_9fa48("166", "167", "168"), !Number.isFinite(start))) throw new RangeError(stryMutAct_9fa48("169") ? `` : (stryCov_9fa48("169"), `VirtualClock: start time ${start} is not finite`));
      this.#now = start;
    }
  }

  /** The current virtual time. */
  now(): number {
    if (stryMutAct_9fa48("170")) {
      {}
    } else {
      stryCov_9fa48("170");
      return this.#now;
    }
  }

  /** {@inheritDoc Clock.schedule} */
  schedule(at: number, callback: () => void): Timer {
    if (stryMutAct_9fa48("171")) {
      {}
    } else {
      stryCov_9fa48("171");
      return this.#queue.add(at, callback);
    }
  }

  /** The time of the earliest pending timer, or `undefined` when there is none. */
  nextTimerAt(): number | undefined {
    if (stryMutAct_9fa48("172")) {
      {}
    } else {
      stryCov_9fa48("172");
      return (stryMutAct_9fa48("175") ? this.#queue.size !== 0 : stryMutAct_9fa48("174") ? false : stryMutAct_9fa48("173") ? true : (stryCov_9fa48("173", "174", "175"), this.#queue.size === 0)) ? undefined : this.#queue.earliest();
    }
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    if (stryMutAct_9fa48("176")) {
      {}
    } else {
      stryCov_9fa48("176");
      return this.#queue.size;
    }
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
    if (stryMutAct_9fa48("177")) {
      {}
    } else {
      stryCov_9fa48("177");
      if (stryMutAct_9fa48("179") ? false : stryMutAct_9fa48("178") ? true : (stryCov_9fa48("178", "179"), Number.isNaN(time))) throw new RangeError(stryMutAct_9fa48("180") ? "" : (stryCov_9fa48("180"), "VirtualClock.advanceTo: time is NaN"));
      if (stryMutAct_9fa48("184") ? time >= this.#now : stryMutAct_9fa48("183") ? time <= this.#now : stryMutAct_9fa48("182") ? false : stryMutAct_9fa48("181") ? true : (stryCov_9fa48("181", "182", "183", "184"), time < this.#now)) {
        if (stryMutAct_9fa48("185")) {
          {}
        } else {
          stryCov_9fa48("185");
          throw new RangeError(stryMutAct_9fa48("186") ? `` : (stryCov_9fa48("186"), `VirtualClock.advanceTo: ${time} is before the current time ${this.#now}`));
        }
      }
      if (stryMutAct_9fa48("187")) {
        for (; false;) {
          await macrotask();
          const next = this.nextTimerAt();
          if (next === undefined || next > time) break;
          this.#fireAt(next);
        }
      } else {
        stryCov_9fa48("187");
        for (;;) {
          if (stryMutAct_9fa48("188")) {
            {}
          } else {
            stryCov_9fa48("188");
            await macrotask();
            const next = this.nextTimerAt();
            if (stryMutAct_9fa48("191") ? next === undefined && next > time : stryMutAct_9fa48("190") ? false : stryMutAct_9fa48("189") ? true : (stryCov_9fa48("189", "190", "191"), (stryMutAct_9fa48("193") ? next !== undefined : stryMutAct_9fa48("192") ? false : (stryCov_9fa48("192", "193"), next === undefined)) || (stryMutAct_9fa48("196") ? next <= time : stryMutAct_9fa48("195") ? next >= time : stryMutAct_9fa48("194") ? false : (stryCov_9fa48("194", "195", "196"), next > time)))) break;
            this.#fireAt(next);
          }
        }
      }
      this.#now = time;
      await macrotask();
    }
  }

  /** Moves time forward by `ticks`; see {@link VirtualClock.advanceTo}. */
  advance(ticks: number): Promise<void> {
    if (stryMutAct_9fa48("197")) {
      {}
    } else {
      stryCov_9fa48("197");
      return this.advanceTo(stryMutAct_9fa48("198") ? this.#now - ticks : (stryCov_9fa48("198"), this.#now + ticks));
    }
  }

  /** Sets the time to `time` (if later) and runs every timer due then. */
  #fireAt(time: number): void {
    if (stryMutAct_9fa48("199")) {
      {}
    } else {
      stryCov_9fa48("199");
      if (stryMutAct_9fa48("203") ? time <= this.#now : stryMutAct_9fa48("202") ? time >= this.#now : stryMutAct_9fa48("201") ? false : stryMutAct_9fa48("200") ? true : (stryCov_9fa48("200", "201", "202", "203"), time > this.#now)) this.#now = time;
      const now = this.#now;
      for (let t = this.#queue.takeDue(now); stryMutAct_9fa48("205") ? t === undefined : stryMutAct_9fa48("204") ? false : (stryCov_9fa48("204", "205"), t !== undefined); t = this.#queue.takeDue(now)) {
        if (stryMutAct_9fa48("206")) {
          {}
        } else {
          stryCov_9fa48("206");
          t.callback();
        }
      }
    }
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
    if (stryMutAct_9fa48("207")) {
      {}
    } else {
      stryCov_9fa48("207");
      const maxSteps = stryMutAct_9fa48("208") ? options.maxSteps && 1_000_000 : (stryCov_9fa48("208"), options.maxSteps ?? 1_000_000);
      const until = stryMutAct_9fa48("209") ? options.until && Infinity : (stryCov_9fa48("209"), options.until ?? Infinity);
      let settled = stryMutAct_9fa48("210") ? true : (stryCov_9fa48("210"), false);
      const observed = promise.then(v => {
        if (stryMutAct_9fa48("211")) {
          {}
        } else {
          stryCov_9fa48("211");
          settled = stryMutAct_9fa48("212") ? false : (stryCov_9fa48("212"), true);
          return v;
        }
      }, (e: unknown) => {
        if (stryMutAct_9fa48("213")) {
          {}
        } else {
          stryCov_9fa48("213");
          settled = stryMutAct_9fa48("214") ? false : (stryCov_9fa48("214"), true);
          throw e;
        }
      });
      // Swallow here so an early rejection is not reported as unhandled while we step.
      observed.catch(() => {});
      if (stryMutAct_9fa48("215")) {
        for (let steps = 0; false; steps++) {
          await macrotask();
          if (settled) return observed;
          const next = this.nextTimerAt();
          if (next === undefined) {
            throw new StuckError(this.#now);
          }
          if (next > until) {
            throw new Error(`VirtualClock.runUntil: the promise is still pending at the time limit ${until}`);
          }
          if (steps >= maxSteps) {
            throw new Error(`VirtualClock.runUntil: the promise is still pending after ${maxSteps} timer steps (time ${this.#now})`);
          }
          this.#fireAt(next);
        }
      } else {
        stryCov_9fa48("215");
        for (let steps = 0;; stryMutAct_9fa48("216") ? steps-- : (stryCov_9fa48("216"), steps++)) {
          if (stryMutAct_9fa48("217")) {
            {}
          } else {
            stryCov_9fa48("217");
            await macrotask();
            if (stryMutAct_9fa48("219") ? false : stryMutAct_9fa48("218") ? true : (stryCov_9fa48("218", "219"), settled)) return observed;
            const next = this.nextTimerAt();
            if (stryMutAct_9fa48("222") ? next !== undefined : stryMutAct_9fa48("221") ? false : stryMutAct_9fa48("220") ? true : (stryCov_9fa48("220", "221", "222"), next === undefined)) {
              if (stryMutAct_9fa48("223")) {
                {}
              } else {
                stryCov_9fa48("223");
                throw new StuckError(this.#now);
              }
            }
            if (stryMutAct_9fa48("227") ? next <= until : stryMutAct_9fa48("226") ? next >= until : stryMutAct_9fa48("225") ? false : stryMutAct_9fa48("224") ? true : (stryCov_9fa48("224", "225", "226", "227"), next > until)) {
              if (stryMutAct_9fa48("228")) {
                {}
              } else {
                stryCov_9fa48("228");
                throw new Error(stryMutAct_9fa48("229") ? `` : (stryCov_9fa48("229"), `VirtualClock.runUntil: the promise is still pending at the time limit ${until}`));
              }
            }
            if (stryMutAct_9fa48("233") ? steps < maxSteps : stryMutAct_9fa48("232") ? steps > maxSteps : stryMutAct_9fa48("231") ? false : stryMutAct_9fa48("230") ? true : (stryCov_9fa48("230", "231", "232", "233"), steps >= maxSteps)) {
              if (stryMutAct_9fa48("234")) {
                {}
              } else {
                stryCov_9fa48("234");
                throw new Error(stryMutAct_9fa48("235") ? `` : (stryCov_9fa48("235"), `VirtualClock.runUntil: the promise is still pending after ${maxSteps} timer steps (time ${this.#now})`));
              }
            }
            this.#fireAt(next);
          }
        }
      }
    }
  }
}