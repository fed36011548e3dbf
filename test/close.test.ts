import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("closing", () => {
  it("lets a process with pending reads, events, timeouts and a select exit on its own", async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, ["--import", "tsx", "test/fixtures/close-exits.ts"], { cwd: root, timeout: 20_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      );
      child.stdin?.end();
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ read: null, error: "stream closed", selected: 1 });
    // It exited on its own, long before any of its hour-long timers: the 20 s kill would have given no code 0.
  });
});
