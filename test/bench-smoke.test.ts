import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function tiny(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { cwd: root, timeout: 240_000, maxBuffer: 16 << 20, env: { ...process.env, BENCH_TINY: "1" } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${args.join(" ")} failed: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

// Benchmarks are never timed tests: this only checks that each one runs, on a tiny size, and writes its results.
describe("benchmarks, on a tiny size", () => {
  it.each([
    ["line-throughput", ["--import", "tsx", "bench/line-throughput.ts", "--tiny", "--rounds", "1"]],
    ["event-dispatch", ["--import", "tsx", "bench/event-dispatch.ts", "--tiny", "--rounds", "1"]],
    ["select-scaling", ["--expose-gc", "--import", "tsx", "bench/select-scaling.ts", "--tiny"]],
    ["idle-connections", ["--import", "tsx", "bench/idle-connections.ts", "--tiny"]],
  ])("%s runs and writes its results", async (name, args) => {
    const out = await tiny(args);
    expect(out.length).toBeGreaterThan(0);
    const results: unknown = JSON.parse(readFileSync(`${root}bench/results/${name}.tiny.json`, "utf8"));
    expect(results).toBeTypeOf("object");
  }, 300_000);
});
