/**
 * The judge of generated cases run through the C layer's driver
 * (test/generated-cyrus.test.ts): its trace must be the model's up to the
 * first trigger of a declared deviation that the C shadow (./cyrus.ts)
 * finds, and may differ from there on. The generic parts of a differential
 * run (running, shrinking, reporting, the exact judge) are in
 * ./differential.ts, which imports nothing of the C layer.
 */
import type { Case } from "../src/case.js";
import { describeDifference, firstDifference } from "../src/compare.js";
import type { CaseExecutor } from "../src/runner.js";
import { analyseForCyrus, type CyrusAnalysis } from "./cyrus.js";
import { GENERATED_CASE_TIMEOUT_MS, invalid, loaded, match, type Verdict } from "./differential.js";

/** The prefix of an error answer that the C driver gave on purpose (undefined behaviour refused, a spin stopped). */
const DRIVER_ERROR = "the driver could not run the case: ";

/**
 * Judges the C layer through `exec`: the C trace must be the model's before
 * the first trigger of a declared deviation (./cyrus.ts). A driver that
 * answers with an error after a trigger (undefined behaviour reached once
 * the traces parted, say) leaves no trace: the steps before the trigger's
 * are run again alone, and must give the model's trace exactly.
 */
export function cyrusJudge(exec: CaseExecutor): (c: Case) => Promise<Verdict> {
  const explain = (a: CyrusAnalysis): string =>
    a.trigger === undefined
      ? `no declared deviation is triggered before${a.lost === undefined ? "" : ` (the account of the C code lost track: ${a.lost})`}`
      : `the first declared deviation, ${a.trigger.deviation}, is triggered at entry ${a.trigger.position + 1} (t=${a.trigger.t}, step ${a.trigger.step + 1})`;
  return async (c) => {
    const bad = invalid(c);
    if (bad !== undefined) return bad;
    const a = analyseForCyrus(c);
    const r = await exec.run(loaded(c), GENERATED_CASE_TIMEOUT_MS);
    if (r.crash !== undefined) {
      if (a.trigger === undefined || !r.crash.startsWith(DRIVER_ERROR)) return { ok: false, why: `the C driver failed: ${r.crash}\n${explain(a)}` };
      const before: Case = { ...c, steps: c.steps.slice(0, a.trigger.step) };
      if (before.steps.length > 0) {
        const b = analyseForCyrus(before);
        const rb = await exec.run(loaded(before), GENERATED_CASE_TIMEOUT_MS);
        const at = rb.crash === undefined ? firstDifference(b.trace, rb.trace) : 0;
        if (at >= 0 && (b.trigger === undefined || at < b.trigger.position)) {
          return { ok: false, why: `the steps before step ${a.trigger.step + 1} alone give another trace than the model's:\n${rb.crash ?? describeDifference(b.trace, rb.trace)}` };
        }
      }
      return { ok: true, outcome: `after ${a.trigger.deviation}, then a driver error` };
    }
    const at = firstDifference(a.trace, r.trace);
    if (at < 0) return match(a.trace);
    if (a.trigger !== undefined && at >= a.trigger.position) return { ok: true, outcome: `after ${a.trigger.deviation}` };
    return { ok: false, why: `the C trace differs from the model's at entry ${at + 1}, and ${explain(a)}:\n${describeDifference(a.trace, r.trace)}` };
  };
}
