import { describe, expect, it } from "vitest";
import { loadSuite } from "../conformance/src/load.js";
import { runCases } from "../conformance/src/runner.js";
import { driversClosedAfterAll } from "./helpers.js";

const { cases } = loadSuite();
const startDriver = driversClosedAfterAll();

describe("the Python example driver (conformance/drivers/python)", () => {
  it("passes every case through the driver protocol", async () => {
    const driver = await startDriver("python3 conformance/drivers/python/driver.py");
    expect(driver.info).toMatchObject({ name: "protevents.py example", language: "Python", profile: "core" });
    const report = await runCases(driver, cases, { timeoutMs: 20_000 });
    const failed = report.results.filter((r) => r.status !== "pass").map((r) => `${r.source}: ${r.id}\n${r.message ?? ""}`);
    expect(failed).toEqual([]);
  }, 300_000);
});
