/**
 * Every case against the reference on a {@link SystemClock}: the part of the
 * system clock the virtual one does not have (marks turned into Node timer
 * delays, ticks of more than a millisecond, one Node timer re-armed for the
 * earliest of all its timers) judged by the same cases.
 *
 * The runner and the adapter are the published ones; only the clock the
 * adapter is given differs. Node's `performance` and `setTimeout` are
 * replaced, for each case, by fakes that the runner's virtual clock drives,
 * as a test's fake timers would (time in tests is virtual): real time reads
 * as `timeOrigin + now()` = virtual time × tick + origin, the origin being a
 * part of a tick, so that the system clock reads the virtual time; a Node
 * timer armed for `delay` ms fires at the first virtual instant at least
 * that late: Node's timers without their lateness (Node makes a delay below
 * 1 ms 1 ms, and any timer late, which the contract allows), but with their
 * answer to a delay they cannot take (NaN, or more than 2^31 - 1 ms: 1 ms).
 * The origin holds whole ticks besides, so that a clock that left it out
 * would read another time.
 *
 * What the system clock promises of its Node timer is checked too, from its
 * public side (the timers it hands out): one Node timer at most, armed
 * exactly while it has a timer pending, and never firing before the
 * earliest of them is due. The cases run once more on the system clock seen
 * through a clock without `afterFiring`, as a user's own clock may be: a
 * read woken then goes on in a promise job, and must keep the same order.
 */
import { describe, expect, it, vi } from "vitest";
import reference from "../conformance/adapters/reference.js";
import { inProcess, loadSuite, runCase, type Adapter, type CaseExecutor } from "prot-conformance";
import { SystemClock, VirtualClock, type Clock, type Timer } from "prot-events";

const suite = loadSuite();

/** A Node timer of the fakes. */
class FakeTimeout {
  constructor(readonly timer: Timer) {}
}

/** Whole ticks in the time origin, before the part of a tick. */
const ORIGIN_TICKS = 1000;

/** The largest delay Node's timers take; a longer one becomes 1 ms. */
const MAX_DELAY = 2 ** 31 - 1;

/** The fakes of one run: the virtual clock of the case that runs, and the system clock its streams get. */
class VirtualHost {
  #virtual: VirtualClock | null = null;
  #system: Clock | null = null;
  readonly #realClearTimeout = clearTimeout;
  /** The Node timers armed and not yet fired or cleared. */
  readonly #armed = new Set<FakeTimeout>();
  /** The system clock's timers pending, with their times. */
  readonly #pending = new Map<object, number>();
  /** What the system clock did against its promises in this case. */
  #faults: string[] = [];
  /** What it did against them in the last case that ended. */
  lastFaults: string[] = [];

  constructor(
    readonly tick: number,
    readonly origin: number,
    readonly afterFiring: boolean,
  ) {}

  /** The system clock of the case whose runner clock is `clock`, the fakes put in place for it. */
  systemFor(clock: Clock): Clock {
    if (!(clock instanceof VirtualClock)) throw new Error("the runner's clock is not a VirtualClock");
    if (this.#virtual !== clock) {
      this.#virtual = clock;
      this.#system = null;
      const tick = this.tick;
      vi.stubGlobal("performance", {
        timeOrigin: ORIGIN_TICKS * tick + this.origin,
        now: () => (clock.now() - ORIGIN_TICKS) * tick,
      });
      vi.stubGlobal("setTimeout", (fn: () => void, delay: number) => {
        if (this.#armed.size > 0) this.#faults.push(`t=${clock.now()}: a second Node timer armed`);
        // Node's, without its lateness: a delay it cannot take (NaN, too long) is 1 ms, and one below 1 ms is not made 1.
        const ms = delay >= 0 && delay <= MAX_DELAY ? delay : delay < 0 ? 0 : 1;
        const t: FakeTimeout = new FakeTimeout(
          clock.schedule(clock.now() + Math.ceil(ms / tick), () => {
            this.#armed.delete(t);
            const earliest = Math.min(...this.#pending.values());
            if (!(earliest <= clock.now())) this.#faults.push(`t=${clock.now()}: the Node timer fired with no timer due (the earliest at ${earliest})`);
            fn();
            this.#check("after the Node timer fired");
          }),
        );
        this.#armed.add(t);
        return t;
      });
      vi.stubGlobal("clearTimeout", (t: unknown) => {
        if (!(t instanceof FakeTimeout)) return this.#realClearTimeout(t as NodeJS.Timeout);
        this.#armed.delete(t);
        t.timer.cancel();
      });
    }
    this.#system ??= this.#watched(new SystemClock({ tick: this.tick }));
    return this.#system;
  }

  /** `system` as its streams see it, its timers followed as they are scheduled, moved, cancelled and run. */
  #watched(system: SystemClock): Clock {
    const pending = this.#pending;
    return {
      now: () => system.now(),
      // Without it, the clock a user may write: a read woken by its timer goes on in a promise job.
      ...(this.afterFiring ? { afterFiring: (callback: () => void) => system.afterFiring(callback) } : {}),
      schedule: (at, callback) => {
        const id = {};
        pending.set(id, at);
        const timer = system.schedule(at, () => {
          pending.delete(id);
          callback();
        });
        return {
          cancel: () => {
            pending.delete(id);
            timer.cancel();
          },
          reschedule: (to: number) => {
            pending.set(id, to);
            timer.reschedule?.(to);
          },
        };
      },
    };
  }

  /** One Node timer armed exactly while the system clock has a timer pending. */
  #check(when: string): void {
    const want = this.#pending.size > 0 ? 1 : 0;
    if (this.#armed.size !== want) this.#faults.push(`${when}: ${this.#armed.size} Node timers armed for ${this.#pending.size} timers pending`);
  }

  /** The real timers again, after a case. */
  end(): void {
    this.#check("at the end of the case");
    this.lastFaults = this.#faults;
    this.#faults = [];
    this.#virtual = null;
    this.#system = null;
    this.#armed.clear();
    this.#pending.clear();
    vi.unstubAllGlobals();
  }
}

/** The reference, with its streams (and so their groups and scripted input) on the case's system clock. */
function onSystemClock(host: VirtualHost): CaseExecutor {
  const adapter: Adapter = { ...reference, openStream: (o) => reference.openStream({ ...o, clock: host.systemFor(o.clock) }) };
  const exec = inProcess(adapter);
  return {
    info: exec.info,
    async run(c, timeoutMs) {
      try {
        return await exec.run(c, timeoutMs);
      } finally {
        host.end();
      }
    },
  };
}

// Milliseconds, starting half-way into one; and whole seconds (as C's time()), 970 ms into one; and
// milliseconds on a clock that cannot say when a firing's timers have all run (no Clock.afterFiring).
describe.each([
  { tick: 1, origin: 0.5, afterFiring: true },
  { tick: 1000, origin: 970, afterFiring: true },
  { tick: 1, origin: 0.5, afterFiring: false },
])("the reference on a system clock of tick $tick ms, time origin $origin ms, afterFiring $afterFiring", ({ tick, origin, afterFiring }) => {
  const host = new VirtualHost(tick, origin, afterFiring);
  const exec = onSystemClock(host);
  it.each(suite.cases.map((c) => [`${c.id} (${c.source.file}:${c.source.line})`, c] as const))("%s", async (_name, c) => {
    const r = await runCase(exec, c);
    expect(r.status, `${r.source}: case ${r.id}\n${r.message ?? ""}`).toBe("pass");
    expect(host.lastFaults, `${r.source}: case ${r.id}: the system clock's Node timer`).toEqual([]);
  });
});
