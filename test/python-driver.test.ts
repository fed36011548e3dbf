import { describe, expect, it } from "vitest";
import { loadSuite, runCases } from "prot-conformance";
import { driversClosedAfterAll } from "./helpers.js";

const { cases } = loadSuite();
const startDriver = driversClosedAfterAll();

describe("the Python example driver (conformance/drivers/python)", () => {
  it("passes every case through the driver protocol, but those of the feature it declares unsupported", async () => {
    const driver = await startDriver("python3 conformance/drivers/python/driver.py");
    expect(driver.info).toMatchObject({ name: "protevents.py example", language: "Python", profile: "core" });
    expect(driver.info.unsupported?.map((u) => u.tag)).toEqual(["slow-peer"]);
    const report = await runCases(driver, cases, { timeoutMs: 20_000 });
    const slowPeer = new Set(cases.filter((c) => c.tags.includes("slow-peer")).map((c) => c.id));
    const failed = report.results.filter((r) => r.status !== "pass" && !(r.status === "skip" && slowPeer.has(r.id))).map((r) => `${r.source}: ${r.id}\n${r.message ?? ""}`);
    expect(failed).toEqual([]);
    expect(report.results.filter((r) => r.status === "skip").length).toBe(slowPeer.size);
  }, 300_000);
});
