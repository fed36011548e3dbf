import { describe, expect, it } from "vitest";
import { FAULTY, TOY } from "../conformance/faulty/index.js";
import { loadSuite, inProcess, runCases } from "prot-conformance";
import { failedButUnsupported } from "./helpers.js";

const { cases } = loadSuite();

describe("the suite proves it can fail", () => {
  it("passes the toy implementation without faults on every case, but those of the feature it declares unsupported", async () => {
    const report = await runCases(inProcess(TOY), cases);
    const { failed, tagged, skipped } = failedButUnsupported(report, cases, "slow-peer");
    expect(failed).toEqual([]);
    expect(skipped).toBe(tagged);
  });

  it.each(FAULTY.map((f) => [f.name, f] as const))("catches the toy with %s", async (_name, f) => {
    const report = await runCases(inProcess(f.adapter), cases, { timeoutMs: 2000 });
    const failed = report.results.filter((r) => r.status === "fail");
    const caught = failed.map((r) => r.id);
    // Name the cases that catch it, so the report shows which rule each fault trips.
    console.info(`${f.name} (breaks ${f.breaks}) is caught by ${caught.length} case(s): ${caught.slice(0, 6).join(", ")}${caught.length > 6 ? ", ..." : ""}`);
    // Caught by a case of the rule it breaks, not only by some unrelated failure.
    const rule = f.breaks.split(":")[0] as string;
    expect(failed.filter((r) => r.requirements.includes(rule)).map((r) => r.id)).not.toEqual([]);
  });
});
