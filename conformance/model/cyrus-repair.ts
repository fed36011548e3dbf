/**
 * The repair of generated cases for the C layer: what would reach undefined
 * behaviour in C, or a difference that deviations.yaml does not declare, is cut
 * out of a case, as the shadow observer of ./cyrus.ts places it.
 */
import type fc from "fast-check";
import type { Action, Case } from "../src/case.js";
import { analyseForCyrus, OPEN, UNDEFINED, type CasePlace, type CyrusDeviation } from "./cyrus.js";
import { cyrusRawCaseArbitrary } from "./generate.js";

/**
 * Whether the differential run must keep `d` out of its cases: undefined
 * behaviour, neither declared nor left open by the specification, or
 * R_SPIN, after which the driver spends 1,000 select() calls to answer
 * with an error and no trace, so that nothing of the case can be checked.
 */
function mustAvoid(d: CyrusDeviation, declared: ReadonlySet<string>): boolean {
  return d in UNDEFINED || d === "R_SPIN" || !(declared.has(d) || d in OPEN);
}

/**
 * `c` without what makes the C layer meet undefined behaviour or an
 * undeclared difference: the step or action causing it is cut, and the case
 * analysed again, until its first trigger (if any) is one to keep.
 */
export function repairForCyrus(c: Case, declared: ReadonlySet<string>): Case {
  let out = c;
  for (;;) {
    const a = analyseForCyrus(out);
    if (a.trigger === undefined || !mustAvoid(a.trigger.deviation, declared)) return { ...out, expect: a.trace };
    const cut = without(out, a.trigger.cause);
    if (JSON.stringify(cut) === JSON.stringify(out)) throw new Error(`cannot cut ${a.trigger.deviation} out of case ${c.id}: ${JSON.stringify(a.trigger.cause)}`);
    out = cut;
  }
}

/** `c` without the step or action at `p` (a case keeps at least one step). */
function without(c: Case, p: CasePlace): Case {
  if (p.action === undefined) {
    const steps = c.steps.filter((_, i) => i !== p.step);
    return { ...c, steps: steps.length > 0 ? steps : [{ events: Object.keys(c.streams)[0] as string }] };
  }
  const { event, script, action } = p.action;
  const spec = c.events?.[event];
  if (spec === undefined) throw new Error(`no event ${event} to repair`);
  const cut = (s: Action[]): Action[] => s.filter((_, i) => i !== action);
  const on = script < 0 ? cut(spec.on as Action[]) : (spec.on as Action[][]).map((s, i) => (i === script ? cut(s) : s));
  return { ...c, events: { ...c.events, [event]: { ...spec, on } } };
}

/**
 * Cases for the C layer: the `cyrus` generator's cases, repaired so that
 * none reaches undefined behaviour in C or a difference outside `declared`
 * (the deviations deviations.yaml declares).
 */
export function cyrusCaseArbitrary(declared: ReadonlySet<string>): fc.Arbitrary<Case> {
  return cyrusRawCaseArbitrary.map((c) => repairForCyrus(c, declared));
}
