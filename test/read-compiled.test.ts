/**
 * The compiled line-reading loop stays compiled: V8 compiles a loop of
 * tryReadLine() with the line reader inlined, leaving out any branch it
 * has not seen run; input that takes such a branch later throws the
 * compiled loop away, and compiling it again costs as much CPU as reading
 * megabytes of lines. What only some chunks do (end on a line's end, or
 * between the CR and the LF of a CRLF) and what input may start doing late
 * (CRLF after LF lines) must not do that. Each case in a child process
 * whose loop is compiled by V8's test intrinsics, not by timing.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

function run(scenario: string): Promise<{ before: boolean; after: boolean }> {
  const args = ["--allow-natives-syntax", "--no-concurrent-recompilation", "--import", "tsx", "test/fixtures/read-compiled.ts", scenario];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${scenario}: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as { before: boolean; after: boolean });
    });
  });
}

describe("the compiled line-reading loop", () => {
  it.each(["line-end", "cr-lf-split", "first-crlf"])("stays compiled: %s", async (scenario) => {
    // Compiled before, or the case shows nothing.
    expect(await run(scenario)).toEqual({ before: true, after: true });
  });
});
