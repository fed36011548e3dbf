import { describe, expect, it } from "vitest";
import reference from "../conformance/adapters/reference.js";
import { HORIZON } from "../conformance/src/case.js";
import { loadSuite } from "../conformance/src/load.js";
import { FORM_TAG, knownQuirks, withQuirkForms, withReadTimeout } from "../conformance/src/quirks.js";
import { inProcess, runCases } from "../conformance/src/runner.js";

const { cases } = loadSuite();

describe("the form of a case for the quirk events-need-read-timeout", () => {
  it("gives every stream without a read timeout one that never expires, and turns set-timeout 0 into it", () => {
    const base = cases.find((c) => Object.keys(c.events ?? {}).length > 0 && Object.values(c.streams).some((s) => (s.timeout ?? 0) === 0));
    expect(base).toBeDefined();
    const stream = Object.keys(base!.streams)[0]!;
    const withSetTimeout = { ...base!, steps: [{ "set-timeout": { stream, ticks: 0 } }, ...base!.steps] };
    const form = withReadTimeout(withSetTimeout);
    expect(form?.id).toBe(`${base!.id}-with-read-timeout`);
    expect(form?.tags).toContain(FORM_TAG);
    for (const s of Object.values(form!.streams)) expect(s.timeout).toBeGreaterThan(0);
    expect(form!.steps.some((s) => "set-timeout" in s && s["set-timeout"].ticks === 0)).toBe(false);
    expect(form!.steps.some((s) => "set-timeout" in s && s["set-timeout"].ticks === HORIZON)).toBe(true);
  });

  it("is not made for a case without events, nor for one whose streams all have a read timeout", () => {
    const noEvents = cases.filter((c) => Object.keys(c.events ?? {}).length === 0);
    const allTimed = cases.filter((c) => Object.values(c.streams).every((s) => (s.timeout ?? 0) > 0) && !c.steps.some((s) => "set-timeout" in s && s["set-timeout"].ticks === 0));
    expect(noEvents.length).toBeGreaterThan(0);
    expect(allTimed.length).toBeGreaterThan(0);
    for (const c of [...noEvents, ...allTimed]) expect(withReadTimeout(c)).toBeUndefined();
  });

  it("is passed by the reference implementation in every case: the model's trace of the form is the rules' answer", async () => {
    const forms = cases.flatMap((c) => withReadTimeout(c) ?? []);
    expect(forms.length).toBeGreaterThan(100);
    const report = await runCases(inProcess(reference), forms, { timeoutMs: 20_000 });
    expect(report.results.filter((r) => r.status !== "pass").map((r) => `${r.id}: ${r.status}\n${r.message ?? ""}`)).toEqual([]);
  });

  it("follows its case in the list, and an unknown quirk is refused by name", () => {
    const list = withQuirkForms(cases, ["events-need-read-timeout"]);
    const i = list.findIndex((c) => c.tags.includes(FORM_TAG));
    expect(list[i - 1]?.id).toBe(list[i]?.id.replace(/-with-read-timeout$/, ""));
    expect(withQuirkForms(cases, undefined)).toHaveLength(cases.length);
    expect(() => knownQuirks(["events-need-a-blessing"])).toThrow(/unknown quirk "events-need-a-blessing"/);
  });
});
