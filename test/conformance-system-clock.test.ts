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

/** The largest delay Node's timers take; a longer one becomes 1 ms. */
const MAX_DELAY = 2 ** 31 - 1;

/** The fakes of one run: the virtual clock of the case that runs, and the system clock its streams get. */
class VirtualHost {
  #virtual: VirtualClock | null = null;
  #system: SystemClock | null = null;
  readonly #realClearTimeout = clearTimeout;

  constructor(
    readonly tick: number,
    readonly origin: number,
  ) {}

  /** The system clock of the case whose runner clock is `clock`, the fakes put in place for it. */
  systemFor(clock: Clock): SystemClock {
    if (!(clock instanceof VirtualClock)) throw new Error("the runner's clock is not a VirtualClock");
    if (this.#virtual !== clock) {
      this.#virtual = clock;
      this.#system = null;
      const tick = this.tick;
      vi.stubGlobal("performance", {
        timeOrigin: this.origin,
        now: () => clock.now() * tick,
      });
      vi.stubGlobal("setTimeout", (fn: () => void, delay: number) => {
        // Node's, without its lateness: a delay it cannot take (NaN, too long) is 1 ms, and one below 1 ms is not made 1.
        const ms = delay >= 0 && delay <= MAX_DELAY ? delay : delay < 0 ? 0 : 1;
        return new FakeTimeout(clock.schedule(clock.now() + Math.ceil(ms / tick), fn));
      });
      vi.stubGlobal("clearTimeout", (t: unknown) => (t instanceof FakeTimeout ? t.timer.cancel() : this.#realClearTimeout(t as NodeJS.Timeout)));
    }
    this.#system ??= new SystemClock({ tick: this.tick });
    return this.#system;
  }

  /** The real timers again, after a case. */
  end(): void {
    this.#virtual = null;
    this.#system = null;
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

// Milliseconds, starting half-way into one; and whole seconds (as C's time()), 970 ms into one.
describe.each([
  { tick: 1, origin: 0.5 },
  { tick: 1000, origin: 970 },
])("the reference on a system clock of tick $tick ms, time origin $origin ms", ({ tick, origin }) => {
  const exec = onSystemClock(new VirtualHost(tick, origin));
  it.each(suite.cases.map((c) => [`${c.id} (${c.source.file}:${c.source.line})`, c] as const))("%s", async (_name, c) => {
    const r = await runCase(exec, c);
    expect(r.status, `${r.source}: case ${r.id}\n${r.message ?? ""}`).toBe("pass");
  });
});
