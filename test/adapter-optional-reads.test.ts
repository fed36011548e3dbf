import { describe, expect, it } from "vitest";
import reference from "../conformance/adapters/reference.js";
import { loadSuite, inProcess, runCases, type Adapter, type StreamUnderTest } from "prot-conformance";

// An adapter written before fill, skipLine and readExactly joined the interface: the reference's streams without them.
const older: Adapter = {
  ...reference,
  openStream(o) {
    const s: StreamUnderTest = reference.openStream(o);
    for (const method of ["fill", "skipLine", "readExactly"] as const) Object.defineProperty(s, method, { value: undefined });
    return s;
  },
};
const tags = ["fill", "skip-line", "read-exactly"];
const { cases } = loadSuite();
const needing = cases.filter((c) => c.tags.some((t) => tags.includes(t)));

describe("an adapter without the optional reads", () => {
  it("fails each case that needs one, naming the method and the tag to declare", async () => {
    expect(needing.length).toBeGreaterThan(0);
    const report = await runCases(inProcess(older), needing, { timeoutMs: 20_000 });
    for (const r of report.results) {
      expect(r.status, r.id).toBe("fail");
      expect(r.message, r.id).toMatch(/the adapter's stream has no (fill|skipLine|readExactly)\(\) \(declare the tag (fill|skip-line|read-exactly) unsupported\)/);
    }
  });

  it("has those cases skipped once it declares the tags unsupported, and passes the others", async () => {
    const declared: Adapter = { ...older, info: { ...older.info, unsupported: tags.map((tag) => ({ tag, reason: "written before this read" })) } };
    const report = await runCases(inProcess(declared), cases, { timeoutMs: 20_000 });
    const skipped = report.results.filter((r) => r.status === "skip").map((r) => r.id);
    expect(skipped.sort()).toEqual(needing.map((c) => c.id).sort());
    expect(report.results.filter((r) => r.status !== "pass" && r.status !== "skip").map((r) => `${r.id}: ${r.message ?? ""}`)).toEqual([]);
  });
});
