import { describe, expect, it } from "vitest";
import { loadSuite } from "../conformance/src/load.js";
import { runCases } from "../conformance/src/runner.js";
import { driversClosedAfterAll } from "./helpers.js";

const { cases } = loadSuite();
const startDriver = driversClosedAfterAll();

describe("the original C implementation (Debian's libcyrus 3.6.1) through its driver", () => {
  it("runs every case, and every difference from the core profile is a declared deviation", async () => {
    // The first start may fetch Debian's package and build the driver.
    const driver = await startDriver("conformance/drivers/cyrus/run", 600_000);
    expect(driver.info).toMatchObject({ name: "cyrus-imapd prot layer", version: "3.6.1", language: "C", profile: "cyrus-3.6" });
    const report = await runCases(driver, cases, { timeoutMs: 20_000 });
    const undeclared = report.results.filter((r) => r.status === "fail" || r.status === "xpass").map((r) => `${r.source}: ${r.id}: ${r.status}\n${r.message ?? ""}`);
    expect(undeclared).toEqual([]);
    console.info(`cyrus-3.6: ${JSON.stringify(report.summary)}`);
    expect(report.summary.pass).toBeGreaterThan(0);
    expect(report.summary.xfail).toBeGreaterThan(0);
  }, 900_000);
});
