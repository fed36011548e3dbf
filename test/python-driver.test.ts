import { describe, expect, it } from "vitest";
import { loadSuite, runCases } from "prot-conformance";
import { driversClosedAfterAll, failedButUnsupported } from "./helpers.js";

const { cases } = loadSuite();
const startDriver = driversClosedAfterAll();

describe("the Python example driver (conformance/drivers/python)", () => {
  it("passes every case through the driver protocol, but those of the feature it declares unsupported", async () => {
    const driver = await startDriver("python3 conformance/drivers/python/driver.py");
    expect(driver.info).toMatchObject({ name: "protevents.py example", language: "Python", profile: "core" });
    expect(driver.info.unsupported?.map((u) => u.tag)).toEqual(["slow-peer"]);
    const report = await runCases(driver, cases, { timeoutMs: 20_000 });
    const { failed, tagged, skipped } = failedButUnsupported(report, cases, "slow-peer");
    expect(failed).toEqual([]);
    expect(skipped).toBe(tagged);
  }, 300_000);
});
