// One deliberately bad adapter (test/fixtures/bad-adapter.mjs) and one bad
// driver (test/fixtures/bad-driver.mjs) through every class of fault the
// runner must survive, each through the built CLI as a user runs it: every
// run ends with a report or a one-line reason, the documented exit code
// (0 passed, 1 a case failed, 2 the run could not be made), no process of
// the implementation left, and no hang (a run the guard kills reads as -1).
import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CaseError, loadSuite, caseRequest, protocolProblem } from "prot-conformance";
import { cli, type Exit } from "./helpers.js";

const scratch = mkdtempSync(join(tmpdir(), "prot-fault-matrix-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let runs = 0;

/** Runs the CLI with the implementation noting its process IDs, then checks that none of them is alive. */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Exit> {
  const pids = join(scratch, `pids-${++runs}`);
  mkdirSync(pids);
  const r = await cli(args, { ...env, PIDS_DIR: pids });
  expect(r.code, `hung or killed:\n${r.stdout}\n${r.stderr}`).not.toBe(-1);
  const noted = readdirSync(pids).filter((f) => /^\d+$/.test(f));
  expect(noted.length, "the implementation never started").toBeGreaterThan(0);
  const alive = noted.filter((pid) => {
    try {
      // A zombie (state Z) is dead; it only waits for a parent to reap it.
      return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return false;
    }
  });
  expect(alive, "processes left behind").toEqual([]);
  // Nothing the implementation wrote reaches the terminal raw.
  expect(r.stdout + r.stderr).not.toMatch(/\u001b/);
  return r;
}

const adapter = (fault: string, ...args: string[]): Promise<Exit> => run(["--impl", "test/fixtures/bad-adapter.mjs", ...args], { FAULT: fault });
const driver = (mode: string, ...args: string[]): Promise<Exit> => run(["--driver", `${process.execPath} test/fixtures/bad-driver.mjs ${mode}`, ...args]);
const ONE = ["--filter", "fire-input-at-the-very-mark"];

describe("fault class 1: slow starts, hangs, lost children", () => {
  it("a driver 3 s slow to start, with --timeout 2000, crashing on cases: a report, exit 1, every restart tracked", async () => {
    // Each fault here is immediate, and each costs a restart of 3 s, longer than a case may take.
    const r = await driver("slow", "--filter", "model-e", "--timeout", "2000");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL model-events-run-only-while-waiting[^\n]*\n {4}protocol error: answer for seq \d+, expected \d+/);
    expect(r.stdout).toMatch(/FAIL model-events-belong-to-their-stream[^\n]*\n {4}crashed: the driver exited with code 7/);
    expect(r.stdout).toMatch(/0 passed, 2 failed, 0 skipped\n$/);
  });

  it("a driver 3 s slow to start that hangs: killed after --timeout 2000, restarted in its own time", async () => {
    const r = await driver("slow", "--filter", "read-lines", "--timeout", "2000");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL read-lines-lf-and-crlf[^\n]*\n {4}hung: no answer after 2000 ms/);
  });

  it("a driver that cannot be restarted fails every later case at once, with the reason", async () => {
    // Time enough for the first start on a busy machine; the restart never answers.
    const r = await driver("restart-hangs", "--filter", "model-", "--start-timeout", "30000");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL model-mark-is-absolute[^\n]*\n {4}protocol error: not a JSON object/);
    expect(r.stdout).toMatch(/FAIL model-never-before-the-mark[^\n]*\n {4}crashed: the driver could not be restarted: no answer to the start after 30000 ms/);
    expect(r.stdout).toMatch(/0 passed, \d+ failed, 0 skipped\n$/);
  });

  it("a grandchild holding the driver's output is killed with it: the run ends at once", async () => {
    const r = await driver("grandchild", "--filter", "read-lines-lf-and-crlf", "--timeout", "2000");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/0 passed, 1 failed, 0 skipped\n$/);
  });
});

describe("fault class 2: adapters that never load, loop or kill themselves", () => {
  it.each(["load-await", "load-loop"])("%s: exit 2 once the start time is up", async (fault) => {
    const r = await adapter(fault, ...ONE, "--start-timeout", "3000");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^prot-conformance: cannot load the adapter test\/fixtures\/bad-adapter\.mjs: no answer to the start after 3000 ms\n$/);
  });

  it("an adapter that sends itself SIGKILL costs its case, not the run", async () => {
    const r = await adapter("kill", "--filter", "fire-");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL fire-input-at-the-very-mark[^\n]*\n {4}crashed: the adapter exited with signal SIGKILL/);
    expect(r.stdout).toMatch(/\d+ passed, 1 failed, 0 skipped\n$/);
  });

  it("an adapter looping synchronously in a case is hung, killed and restarted", async () => {
    const r = await adapter("loop", "--filter", "fire-", "--timeout", "10000");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL fire-input-at-the-very-mark[^\n]*\n {4}hung: no answer after 10000 ms/);
    expect(r.stdout).toMatch(/\d+ passed, 1 failed, 0 skipped\n$/);
  });
});

describe("fault class 3: answers the protocol does not allow are faults, never verdicts", () => {
  it("a read outcome of an unknown kind fails the case it once passed", async () => {
    const r = await adapter("nonsense", "--filter", "nb-nothing-due-returns-at-once");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL nb-nothing-due-returns-at-once[^\n]*\n {4}the adapter could not run the case: AdapterFault: readLine\(\) returned \{"kind":"nonsense"\}/);
  });

  it.each([
    ["cb-postpone-another-event", /protocol error: \/trace\/0: must be object/],
    ["cb-rock-passed-and-replaced", /protocol error: \/trace\/0\/byte: must be <= 255/],
  ])("a driver's trace that is no trace (%s)", async (id, message) => {
    const r = await driver("", "--filter", id);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(message);
  });
});

describe("fault class 4: numeric options", () => {
  it.each([
    ["--timeout", "2147483648"],
    ["--timeout", "0"],
    ["--timeout", "1e3"],
    ["--start-timeout", "-5"],
  ])("%s %s is refused with exit 2", async (option, value) => {
    const r = await cli(["--impl", "test/fixtures/bad-adapter.mjs", `${option}=${value}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^prot-conformance: ${option} must be a whole number of milliseconds from 1 to 2147483647, got "${value}"\\n`));
  });
});

describe("fault class 5: what the implementation prints stays out of the report's stream", () => {
  it("--reporter json stays parseable; the output is shown with its case", async () => {
    const r = await adapter("print", ...ONE, "--reporter", "json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { results: Array<{ status: string; output?: string }> };
    expect(report.results).toHaveLength(1);
    expect(report.results[0]?.output).toMatch(/^output of the implementation:\n\[1\/1\] pass everything\n\\x1b\[31ma red line on standard error\\x1b\[0m$/);
  });

  it("--output writes the report to a file and nothing else to standard output", async () => {
    const file = join(scratch, "report.xml");
    const r = await adapter("print", ...ONE, "--reporter", "junit", "--output", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(readFileSync(file, "utf8")).toMatch(/<system-out>output of the implementation:\n\[1\/1\] pass everything/);
  });
});

describe("fault class 6: malformed claims end in exit 2 and one line, not a stack trace", () => {
  it.each([
    ["deviations-number", "/implementation/deviations: must be array"],
    ["deviations-null", "/implementation/deviations/0: must be object"],
  ])("an adapter with %s", async (fault, message) => {
    const r = await adapter(fault, ...ONE);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`prot-conformance: cannot load the adapter test/fixtures/bad-adapter.mjs: protocol error: the answer to the start: ${message}\n`);
  });

  it("a driver whose version is a number", async () => {
    const r = await driver("version-number", ...ONE);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^prot-conformance: cannot load the driver .*: protocol error: the answer to the start: \/implementation\/version: must be string\n$/);
  });

  it("a YAML alias bomb in a case file is a problem of that file", () => {
    const root = join(scratch, "bomb");
    mkdirSync(join(root, "spec"), { recursive: true });
    mkdirSync(join(root, "conformance", "cases"), { recursive: true });
    cpSync("conformance/schema", join(root, "conformance", "schema"), { recursive: true });
    let yaml = "format: 1\na0: &a0 [x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++)
      yaml += `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(", ")}]\n`;
    writeFileSync(join(root, "conformance", "cases", "bomb.yaml"), `${yaml}cases: [*a8]\n`);
    expect(() => loadSuite(root)).toThrow(CaseError);
    expect(() => loadSuite(root)).toThrow(/conformance\/cases\/bomb\.yaml:1: Excessive alias count/);
  });
});

describe("fault class 7: escape sequences from the implementation are shown, not obeyed", () => {
  it("in a driver's error, a refused start and an adapter's name", async () => {
    const error = await driver("", "--filter", "cb-throw-fails-the-stream");
    expect(error.code).toBe(1);
    expect(error.stdout).toContain("the driver could not run the case: \\x1b[2J\\x1b[32mall good\\x1b[0m");
    const refused = await driver("ansi", ...ONE);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("the driver refused to start: \\x1b[2J\\x1b[31mno\\x1b[0m");
    const named = await adapter("ansi", ...ONE);
    expect(named.code).toBe(0);
    expect(named.stdout).toContain("\\x1b[2J\\x1b[32mall good\\x1b[0m 0.1.0");
  });
});

describe("fault class 10: the suite does not hand the answers to what it tests", () => {
  it("a driver that answers with the expected trace it is sent has none to answer with", async () => {
    const r = await driver("cheat", "--filter", "model-");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/0 passed, \d+ failed, 0 skipped\n$/);
  });

  it("every case, as sent, is a valid run request, without expect, title or requirements", () => {
    for (const c of loadSuite().cases) {
      const sent = { cmd: "run", seq: 1, case: caseRequest(c) };
      expect(protocolProblem("runRequest", sent), c.id).toBeUndefined();
      expect(Object.keys(sent.case)).not.toContain("expect");
      expect(protocolProblem("runRequest", { ...sent, case: { ...sent.case, expect: c.expect } })).toBe('/case: unknown field "expect"');
    }
  });
});
