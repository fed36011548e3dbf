import { describe, expect, it } from "vitest";
import reference from "../conformance/adapters/reference.js";
import { DriverExecutor, DriverStartError, splitCommand } from "../conformance/src/driver.js";
import { interpret } from "../conformance/src/interpreter.js";
import { loadSuite } from "../conformance/src/load.js";
import { runCases } from "../conformance/src/runner.js";
import { driversClosedAfterAll } from "./helpers.js";

const { cases } = loadSuite();
const tsx = (file: string, ...args: string[]): string => [process.execPath, "--import", "tsx", file, ...args].join(" ");
const bad = (...args: string[]): string => [process.execPath, "test/fixtures/bad-driver.mjs", ...args].join(" ");
const startDriver = driversClosedAfterAll();

describe("the driver protocol", () => {
  it("splits command lines, keeping quoted arguments whole", () => {
    expect(splitCommand(`python3 "my driver.py" --flag 'a b'`)).toEqual(["python3", "my driver.py", "--flag", "a b"]);
  });

  it("gives, through the reference driver, exactly the traces of the in-process run", async () => {
    const driver = await startDriver(tsx("conformance/drivers/reference/driver.ts"));
    expect(driver.info).toMatchObject({ name: "prot-events reference (driver)", profile: "core", language: "TypeScript" });
    for (const c of cases) {
      const [local, remote] = [await interpret(c, reference), await driver.run(c)];
      expect(remote, `${c.source.file}:${c.source.line} ${c.id}`).toEqual(local);
    }
  });

  it("reports each fault of a misbehaving driver against its case, restarts it, and finishes the run", async () => {
    const driver = await startDriver(bad());
    // The limit only ends the case that hangs; the others, the flood among them, are over long before it on any machine.
    const report = await runCases(driver, cases, { timeoutMs: 10_000 });
    const why = (id: string): string => report.results.find((r) => r.id === id)?.message ?? "(passed)";
    const output = (id: string): string => report.results.find((r) => r.id === id)?.output ?? "";
    expect(why("model-mark-is-absolute")).toMatch(/^protocol error: not a JSON object: "this is not json"/);
    expect(why("model-events-run-only-while-waiting")).toMatch(/^protocol error: answer for seq \d+, expected \d+/);
    expect(why("model-events-belong-to-their-stream")).toMatch(/^crashed: the driver exited with code 7/);
    expect(why("read-lines-lf-and-crlf")).toMatch(/^hung: no answer after 10000 ms/);
    expect(why("read-line-in-pieces-runs-events")).toMatch(/^flooded its output: more than 1048576 bytes during the case\n/);
    expect(output("read-line-in-pieces-runs-events")).toMatch(/^standard error of the driver:\nx+$/);
    expect(why("read-bytes-and-short-reads")).toMatch(/^protocol error: a line longer than 16777216 bytes, starting "\{\\"seq\\":1,\\"trace\\":\\"yyy/);
    expect(why("read-after-end-reports-eof-without-events")).toMatch(/^the driver could not run the case: no pipes left/);
    expect(why("api-add-appends-and-does-not-run")).toMatch(/^protocol error: an answer without a seq, expected seq \d+/);
    expect(why("api-mark-changed-between-reads")).toMatch(/^protocol error: answer for seq "(\d+)", expected \1\n/);
    expect(why("api-remove-between-reads-and-twice")).toMatch(/^protocol error: a line longer than 16777216 bytes, starting "\{\\"seq\\":\d+,\\"trace\\":\\"zzz/);
    expect(why("cb-null-without-removing")).toMatch(/^crashed: the driver exited with code 0\n/);
    expect(why("cb-reschedule-every-ten")).toMatch(/^crashed: the driver exited with signal SIGKILL\n/);
    // A second answer to a case is only seen when the next case waits for its own.
    expect(why("cb-remove-later-event-in-pass")).toBe("(passed)");
    expect(why("cb-added-event-waits-for-next-pass")).toMatch(/^protocol error: answer for seq (\d+), expected (\d+)\n/);
    expect(why("cb-postpone-another-event")).toMatch(/^protocol error: \/trace\/0: must be object\n/);
    expect(why("cb-rock-passed-and-replaced")).toMatch(/^protocol error: \/trace\/0\/byte: must be <= 255\n/);
    expect(why("cb-throw-fails-the-stream")).toMatch(/^the driver could not run the case: \\x1b\[2J/);
    const [, stale, wanted] = /seq (\d+), expected (\d+)/.exec(why("cb-added-event-waits-for-next-pass")) ?? [];
    expect(Number(wanted) - Number(stale)).toBe(1);
    const failed = report.results.filter((r) => r.status === "fail").map((r) => r.id);
    expect(failed).toHaveLength(16);
    expect(report.summary.pass).toBe(cases.length - 16);
    // Every fault restarts the driver, and the cases after the last one still pass.
    const last = Math.max(...failed.map((id) => cases.findIndex((c) => c.id === id)));
    expect(last).toBeLessThan(cases.length - 50);
    expect(report.results.slice(last + 1).every((r) => r.status === "pass")).toBe(true);
  });

  it("stops a driver sending a 100 MiB line at the 16 MiB limit, without holding more than the limit, and goes on", async () => {
    const driver = await startDriver(bad());
    const chosen = [...cases.filter((c) => c.id === "api-remove-between-reads-and-twice"), ...cases.slice(-2)];
    expect(chosen).toHaveLength(3);
    const base = process.memoryUsage();
    let peak = 0;
    let samples = 0;
    // Not sleeping: sampling memory while the runner takes the line in.
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (base.heapUsed + base.arrayBuffers));
      samples++;
    }, 1);
    const report = await runCases(driver, chosen, { timeoutMs: 20_000 });
    clearInterval(sampler);
    const [big, ...after] = report.results;
    expect(big?.message).toMatch(/^protocol error: a line longer than 16777216 bytes/);
    // The driver notes each mebibyte the kernel took from it: it was stopped long before 100.
    const sent = [...(big?.output ?? "").matchAll(/^sent (\d+) MiB$/gm)].map((m) => Number(m[1]));
    expect(sent.length).toBeGreaterThan(0);
    expect(Math.max(...sent)).toBeLessThan(24);
    expect(after.map((r) => r.status)).toEqual(["pass", "pass"]);
    // Joining the line piece by piece at every chunk once peaked near 200 MiB here.
    expect(samples).toBeGreaterThan(0);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
    console.log(`driver: 100 MiB line stopped after ${Math.max(...sent)} MiB, runner memory peak +${(peak / 2 ** 20).toFixed(1)} MiB, ${big?.ms} ms`);
  });

  it.each([
    ["version", /the driver speaks protocol version 99; this runner speaks 2/],
    ["garbage", /protocol error: not a JSON object: "hello there"/],
    ["exit", /the driver exited with code 4/],
    ["refuse", /^the driver refused to start: no thanks$/],
  ])("refuses a driver whose start fails (%s)", async (mode, message) => {
    await expect(DriverExecutor.start(bad(mode))).rejects.toThrow(message);
  });

  it("gives up on a driver that never answers the start", async () => {
    const err = await DriverExecutor.start(bad("silent"), 1500).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverStartError);
    expect((err as Error).message).toMatch(/no answer to the start after 1500 ms/);
  });

  it("names a driver that cannot be started", async () => {
    await expect(DriverExecutor.start("/nonexistent/driver")).rejects.toThrow(/cannot start the driver: spawn \/nonexistent\/driver ENOENT/);
  });
});
