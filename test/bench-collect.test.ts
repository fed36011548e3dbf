import { describe, expect, it } from "vitest";
import { readmeTable, type CollectedResults } from "../bench/collect.js";
import type { ResultsDoc } from "../bench/lib.js";

const doc = (benchmark: string, goals: ResultsDoc["goals"]): ResultsDoc => ({
  benchmark,
  date: "2026-01-02T03:04:05.000Z",
  command: `npx tsx bench/${benchmark}.ts --rounds 3 --warmup 1`,
  revision: "abc1234",
  options: { rounds: 3, warmup: 1, tiny: false },
  node: "v20.0.0",
  platform: "Linux",
  cpu: "CPU",
  cpus: 2,
  load: { start: [0.5, 0, 0], end: [1, 0, 0] },
  cases: [],
  goals,
});

const collected: CollectedResults = {
  format: 1,
  date: "2026-01-02T04:00:00.000Z",
  revision: "abc1234",
  machine: { cpu: "CPU", cpus: 2, memoryGiB: 4, platform: "Linux", node: "v20.0.0" },
  benchmarks: [
    doc("timers", [
      { description: "ours ÷ setTimeout", value: 1.1, target: 1.2, higherIsBetter: false, holds: true },
      { description: "ours ÷ C", value: 1.3, target: 1, higherIsBetter: false, holds: false, floor: { peer: "setTimeout", value: 1.25 } },
    ]),
  ],
};

describe("the README's table of goals", () => {
  const table = readmeTable(collected).split("\n");

  it("has a row per goal, held or missed, with Node's floor where the benchmark measures one", () => {
    expect(table).toContain("| timers | ours ÷ setTimeout | 1.100 | ≤ 1.200 | held |  |");
    expect(table).toContain("| timers | ours ÷ C | 1.300 | ≤ 1.000 | **missed** | 1.250 (setTimeout) |");
  });

  it("says what the floor means and where the figures come from", () => {
    expect(table.join("\n")).toContain("no Node implementation can meet that goal as stated");
    expect(table[1]).toContain("Collected 2026-01-02 at abc1234 on 2 × CPU");
    expect(table[1]).toContain("`npx tsx bench/timers.ts --rounds 3 --warmup 1` (load 0.500-1.000)");
  });
});
