import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { benchmarks } from "../bench/benchmarks.js";
import type { ResultsDoc } from "../bench/lib.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const results = mkdtempSync(path.join(os.tmpdir(), "prot-events-bench-smoke-"));
afterAll(() => rmSync(results, { recursive: true, force: true }));

function tiny(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [...args, "--tiny", "--rounds", "1", "--results", results], { cwd: root, timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${args.join(" ")} failed: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

// Benchmarks are never timed tests: this only checks that each one runs, on
// a tiny size, compares ours with its peers and writes its results.
describe("benchmarks, on a tiny size", () => {
  it.each([
    [
      "line-throughput",
      ["--import", "tsx", "bench/line-throughput.ts"],
      ["hand-loop", "hand-latin1", "hand-bytes", "scan-latin1", "scan-bytes", "raw-data", "readline-on-line", "readline-for-await", "split2", "c-prot_fgets", "c-reader64k", "c-memchr"],
    ],
    ["event-dispatch", ["--import", "tsx", "bench/event-dispatch.ts"], ["c-prot"]],
    ["timers", ["--import", "tsx", "bench/timers.ts"], ["setTimeout", "c-prot"]],
    ["select-scaling", ["--expose-gc", "--import", "tsx", "bench/select-scaling.ts"], ["c-prot_select"]],
    ["select-sockets", ["--import", "tsx", "bench/select-sockets.ts"], ["node-data", "c-prot_select", "c-select", "c-epoll"]],
    ["idle-connections", ["--import", "tsx", "bench/idle-connections.ts"], ["minimal", "minimal-await", "readline"]],
  ])(
    "%s runs and writes its results",
    async (name, args, peers) => {
      const out = await tiny(args);
      expect(out).toMatch(/(ours ÷ peer|peer ÷ ours)/);
      const doc = JSON.parse(readFileSync(path.join(results, `${name}.tiny.json`), "utf8")) as ResultsDoc;
      expect(doc.command.startsWith(benchmarks.find((b) => b.name === name)?.command ?? "?")).toBe(true);
      expect(doc.goals.length).toBeGreaterThan(0);
      for (const peer of peers) {
        expect(
          doc.cases.some((c) => peer in c.ratio),
          `${name}: a ratio of ours to ${peer}`,
        ).toBe(true);
      }
    },
    300_000,
  );
});

describe("the heap breakdown per connection", () => {
  it("counts each server's objects per connection", async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", "bench/heap-breakdown.ts", "--connections", "200"], { cwd: root, timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
        err ? reject(new Error(`heap-breakdown failed: ${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const section = (kind: string): string => out.split(/\n(?=\S)/).find((s) => s.startsWith(`${kind}:`)) ?? "";
    const objects = (kind: string, what: string): number => Number(new RegExp(`^ +-?\\d+ +(-?[\\d.]+)  ${what}$`, "m").exec(section(kind))?.[1] ?? 0);
    // A pending read holds a wait; the select server's streams have none, and the minimal server has no stream.
    expect(objects("ours", "ProtStream")).toBe(1);
    expect(objects("ours", "ReadWait")).toBe(1);
    expect(objects("ours-select", "ProtStream")).toBe(1);
    expect(objects("ours-select", "ReadWait")).toBe(0);
    expect(objects("minimal", "ProtStream")).toBe(0);
    expect(objects("minimal", "Socket")).toBe(1);
  }, 300_000);
});
