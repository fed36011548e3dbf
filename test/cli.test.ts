import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cli as run } from "./helpers.js";

const root = fileURLToPath(new URL("..", import.meta.url));
// The adapter as users write it, in TypeScript (its process loads tsx), and built, for the runs that build on it.
const referenceTs = join(root, "conformance", "adapters", "reference.ts");
const reference = join(root, "dist", "conformance", "adapters", "reference.js");
const scratch = mkdtempSync(join(tmpdir(), "prot-conformance-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cli = (...args: string[]) => run(args);

/** An implementation that misbehaves on chosen cases, recognised by their input. */
const HOSTILE = `
import reference from ${JSON.stringify(reference)};
const has = (input, text) => input.arrivals.some((a) => Buffer.from(a.bytes).toString("latin1").includes(text));
const arrives = (input, text) => input.arrivals.some((a) => Buffer.from(a.bytes).toString("latin1") === text);
export default {
  info: { name: "hostile", version: "0", language: "TypeScript", profile: "core" },
  select: reference.select,
  group: reference.group,
  openStream(o) {
    const s = reference.openStream(o);
    if (arrives(o.input, "a001 LOG")) s.readLine = () => { for (;;) {} };
    if (has(o.input, "hello")) s.readLine = async () => { throw new Error("kaboom"); };
    if (has(o.input, "cmd1")) s.readLine = async () => process.exit(3);
    if (has(o.input, "too late")) s.readLine = () => new Promise(() => {});
    return s;
  },
};
`;

describe("prot-conformance", () => {
  it("passes the reference implementation and closes with a summary by requirement", async () => {
    const r = await cli("--impl", referenceTs);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[1\/\d+\] pass model-mark-is-absolute \(spec\/01-model\.md:\d+\)/);
    expect(r.stdout).toMatch(/^WE-FIRE-2 +\d+ +0 +0 +0 +0$/m);
    expect(r.stdout).toMatch(/^expected failures: 0, unexpected passes: 0\n\d+ passed, 0 failed, 0 skipped\n$/m);
  });

  it("lists and filters cases", async () => {
    const r = await cli("--list", "--filter", "WE-TIMEOUT-3");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^timeout-events-at-the-instant-run-first +\[WE-TIMEOUT-3 WE-TIMEOUT-1\] +spec\/05-firing\.md:\d+/m);
    expect(r.stdout).not.toMatch(/model-mark-is-absolute/);
  });

  it.each([
    ["json", (out: string) => expect((JSON.parse(out) as { summary: { fail: number } }).summary.fail).toBe(0)],
    ["junit", (out: string) => expect(out).toMatch(/<testsuites name="prot-events conformance" tests="\d+" failures="0"/)],
    ["tap", (out: string) => expect(out).toMatch(/^TAP version 13\n1\.\.\d+\nok 1 - /)],
  ] as const)("writes a %s report", async (reporter, check) => {
    const r = await cli("--impl", reference, "--filter", "select", "--reporter", reporter);
    expect(r.code).toBe(0);
    check(r.stdout);
  });

  it("reports an implementation that hangs, loops, throws or exits, case by case, and finishes the run", async () => {
    const file = join(scratch, "hostile.mjs");
    writeFileSync(file, HOSTILE);
    // The limit ends the cases that hang; the others are over long before it on any machine.
    const r = await cli("--impl", file, "--timeout", "10000", "--reporter", "json");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { results: Array<{ id: string; status: string; message?: string }> };
    const byId = new Map(report.results.map((x) => [x.id, x]));
    expect(byId.get("read-line-in-pieces-runs-events")?.message).toMatch(/^hung: no answer after 10000 ms/);
    expect(byId.get("fire-input-at-the-very-mark")?.message).toMatch(/^the adapter could not run the case: Error: kaboom/);
    expect(byId.get("flush-before-sleeping")?.message).toMatch(/^crashed: the adapter exited with code 3/);
    // A read that never settles runs out of virtual time: the trace shows it blocked where it should have failed.
    expect(byId.get("err-failed-stream-stays-failed")?.message).toMatch(/\+ \{ t: 30, read-line: "s", blocked: true \}/);
    const failed = report.results
      .filter((x) => x.status === "fail")
      .map((x) => x.id)
      .sort();
    expect(failed).toEqual(["err-failed-stream-stays-failed", "fire-input-at-the-very-mark", "flush-before-sleeping", "read-line-in-pieces-runs-events"]);
  });

  it("judges declared deviations: expected failure, or unexpected pass; --profile core ignores them", async () => {
    const file = join(scratch, "deviant.mjs");
    writeFileSync(
      file,
      `import reference from ${JSON.stringify(reference)};
export default { ...reference, info: { ...reference.info, name: "deviant", profile: "deviant-1",
  deviations: [{ id: "model-mark-is-absolute", reason: "claims marks are intervals" }],
  unsupported: [{ tag: "select", reason: "no select here" }] } };`,
    );
    const r = await cli("--impl", file, "--filter", "model");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/UNEXPECTED PASS model-mark-is-absolute[^\n]*\n +declared deviation, but the case passes: claims marks are intervals/);
    const core = await cli("--impl", file, "--filter", "model", "--profile", "core");
    expect(core.code).toBe(0);
    const skipped = await cli("--impl", file, "--filter", "select-");
    expect(skipped.stdout).toMatch(/skipped select-ready-at-once[^\n]*\n +select: no select here/);
    expect(skipped.code).toBe(0);
  });

  it("runs the driver command it is given and nothing else: no shell reads the command line", async () => {
    const marker = join(scratch, "marker");
    // Through a shell the ';' would end the command and run `touch`; here it is an argument like any other.
    const r = await cli("--driver", `${process.execPath} -e 0 ; touch ${marker}`, "--filter", "read-crlf");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/driver/);
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses bad arguments with a clear message and exit code 2", async () => {
    const noImpl = await cli();
    expect(noImpl.code).toBe(2);
    expect(noImpl.stderr).toMatch(/give one of --impl <module> or --driver <command line>/);
    const badReporter = await cli("--impl", reference, "--reporter", "xml");
    expect(badReporter.code).toBe(2);
    expect(badReporter.stderr).toMatch(/unknown reporter "xml"; use one of text, json, junit, tap/);
    const missing = await cli("--impl", join(scratch, "nope.mjs"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot load the adapter .*nope\.mjs/);
    const notAdapter = join(scratch, "not-adapter.mjs");
    writeFileSync(notAdapter, "export default 42;");
    const bad = await cli("--impl", notAdapter);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/the default export is not an adapter/);
  });
});
