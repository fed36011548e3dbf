/**
 * Quirks: conditions an implementation needs before it runs its events at
 * all, declared in its start answer (`quirks`). For each case that such a
 * quirk keeps from its events, the runner also runs a second form of the
 * case that meets the condition, with the model's trace of that form as its
 * expectation, and reports both: the first shows the difference the quirk
 * makes, the second whether the events themselves follow the rules.
 *
 * `events-need-read-timeout`: the implementation runs events only while a
 * stream with a read timeout (or a non-blocking one) waits, as the C prot
 * layer's prot_fill() does. The second form gives every stream without a
 * read timeout one that never expires within the case (HORIZON ticks), and
 * a `set-timeout` to 0 becomes one to HORIZON.
 */
import { expectedTrace } from "../model/model.js";
import { HORIZON, type Case, type LoadedCase, type Step } from "./case.js";

/** The quirks the runner knows how to work around. */
export const QUIRKS = ["events-need-read-timeout"] as const;

/** One of QUIRKS. */
export type Quirk = (typeof QUIRKS)[number];

/** The ID suffix of a case's form for a quirk. */
export const FORM_SUFFIX: Record<Quirk, string> = { "events-need-read-timeout": "-with-read-timeout" };

/** The tag each quirk form carries, so that reports can tell the forms apart. */
export const FORM_TAG = "quirk-form";

function hasEvents(c: Case): boolean {
  return Object.keys(c.events ?? {}).length > 0;
}

/** `c` with a read timeout that never expires on every stream, or undefined if it has no events or nothing to change. */
export function withReadTimeout(c: LoadedCase): LoadedCase | undefined {
  if (!hasEvents(c)) return undefined;
  let changed = false;
  const streams = Object.fromEntries(
    Object.entries(c.streams).map(([name, s]) => {
      if ((s.timeout ?? 0) > 0) return [name, s];
      changed = true;
      return [name, { ...s, timeout: HORIZON }];
    }),
  );
  const steps = c.steps.map((st): Step => {
    if ("set-timeout" in st && st["set-timeout"].ticks === 0) {
      changed = true;
      return { "set-timeout": { ...st["set-timeout"], ticks: HORIZON } };
    }
    return st;
  });
  if (!changed) return undefined;
  const form: Case = {
    ...c,
    id: `${c.id}${FORM_SUFFIX["events-need-read-timeout"]}`,
    title: `${c.title} (every stream with a read timeout that never expires)`,
    tags: [...c.tags, FORM_TAG],
    streams,
    steps,
    expect: [],
  };
  return { ...form, expect: expectedTrace(form), source: c.source };
}

const FORMS: Record<Quirk, (c: LoadedCase) => LoadedCase | undefined> = { "events-need-read-timeout": withReadTimeout };

/** The quirks among `declared` that the runner knows; an unknown one is an error naming it. */
export function knownQuirks(declared: readonly string[] | undefined): Quirk[] {
  return (declared ?? []).map((q) => {
    if (!(QUIRKS as readonly string[]).includes(q)) throw new Error(`unknown quirk "${q}" (known: ${QUIRKS.join(", ")})`);
    return q as Quirk;
  });
}

/** Every case, each followed by its form for each quirk that changes it. */
export function withQuirkForms(cases: readonly LoadedCase[], quirks: readonly string[] | undefined): LoadedCase[] {
  const known = knownQuirks(quirks);
  return cases.flatMap((c) => [c, ...known.flatMap((q) => FORMS[q](c) ?? [])]);
}

/** The ID of the written case that `id` is a quirk form of, or `id` itself when it is no form. */
export function writtenCaseId(id: string): string {
  for (const suffix of Object.values(FORM_SUFFIX)) if (id.endsWith(suffix)) return id.slice(0, -suffix.length);
  return id;
}
