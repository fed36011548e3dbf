#!/usr/bin/env node
/**
 * `prot-conformance`: runs the conformance suite against an implementation.
 * See conformance/README.md for the options and the exit codes: 0 when
 * every case passed, 1 when one failed, 2 when the run could not be made.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { LoadedCase } from "./case.js";
import { DEFAULT_START_TIMEOUT_MS, DriverExecutor, killAllDrivers } from "./driver.js";
import { startAdapter } from "./isolated.js";
import { CaseError, loadSuite } from "./load.js";
import { withQuirkForms } from "./quirks.js";
import { printable } from "./protocol.js";
import { progressLine, render, REPORTERS, type ReporterName } from "./reporters.js";
import { DEFAULT_CASE_TIMEOUT_MS, runCases, succeeded, type CaseExecutor } from "./runner.js";

const USAGE = `usage: prot-conformance (--impl <module> | --driver "<command line>") [--filter <text>]
                        [--profile <name>] [--list] [--reporter text|json|junit|tap] [--output <file>]
                        [--timeout <ms>] [--start-timeout <ms>]`;

/** Node's timers hold at most this many milliseconds. */
const MAX_MS = 2 ** 31 - 1;

/** Exit codes. */
const EXIT = { passed: 0, failed: 1, unusable: 2 } as const;

/** Writes `text` to standard output and waits until it is handed on, so that an exit right after loses nothing. */
function stdout(text: string): Promise<void> {
  return new Promise((r) => process.stdout.write(text, () => r()));
}

/** Ends the run: every driver process group still alive is killed on the way out. */
function exit(code: number): never {
  killAllDrivers();
  process.exit(code);
}

function fail(message: string, usage = true): never {
  process.stderr.write(`prot-conformance: ${printable(message)}\n${usage ? `${USAGE}\n` : ""}`);
  exit(EXIT.unusable);
}

function milliseconds(option: string, value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_MS) fail(`--${option} must be a whole number of milliseconds from 1 to ${MAX_MS}, got "${value}"`);
  return n;
}

function matches(c: LoadedCase, filter: string): boolean {
  const f = filter.toLowerCase();
  return [c.id, c.title, ...c.requirements, ...c.tags].some((s) => s.toLowerCase().includes(f));
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        impl: { type: "string" },
        driver: { type: "string" },
        filter: { type: "string" },
        profile: { type: "string" },
        list: { type: "boolean", default: false },
        reporter: { type: "string", default: "text" },
        output: { type: "string" },
        timeout: { type: "string", default: String(DEFAULT_CASE_TIMEOUT_MS) },
        "start-timeout": { type: "string", default: String(DEFAULT_START_TIMEOUT_MS) },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (args.help) {
    await stdout(`${USAGE}\n`);
    return;
  }
  const reporter = args.reporter as ReporterName;
  if (!REPORTERS.includes(reporter)) fail(`unknown reporter "${args.reporter}"; use one of ${REPORTERS.join(", ")}`);
  const timeoutMs = milliseconds("timeout", args.timeout);
  const startTimeoutMs = milliseconds("start-timeout", args["start-timeout"]);

  let cases: LoadedCase[];
  try {
    cases = loadSuite().cases;
  } catch (err) {
    if (err instanceof CaseError) fail(err.message, false);
    throw err;
  }
  if (args.filter !== undefined) cases = cases.filter((c) => matches(c, args.filter as string));
  if (args.list) {
    await stdout(cases.map((c) => `${c.id}  [${c.requirements.join(" ")}]  ${c.source.file}:${c.source.line}  ${c.title}\n`).join("") + `${cases.length} cases\n`);
    return;
  }
  if ((args.impl === undefined) === (args.driver === undefined)) fail("give one of --impl <module> or --driver <command line>");

  let exec: DriverExecutor;
  try {
    exec = args.impl !== undefined ? await startAdapter(resolve(process.cwd(), args.impl), startTimeoutMs) : await DriverExecutor.start(args.driver as string, startTimeoutMs);
  } catch (err) {
    const what = args.impl !== undefined ? `the adapter ${args.impl}` : `the driver ${args.driver as string}`;
    fail(`cannot load ${what}: ${err instanceof Error ? err.message : String(err)}`, false);
  }
  if (args.profile !== undefined && args.profile !== "core" && args.profile !== exec.info.profile) {
    fail(`${exec.info.name} claims the profile "${exec.info.profile}"; --profile can be that one or "core"`);
  }
  // Judged by the core rules, an implementation's declared deviations do not count.
  const executor: CaseExecutor = args.profile === undefined || args.profile === exec.info.profile ? exec : { info: { ...exec.info, profile: "core", deviations: [] }, run: (c, ms) => exec.run(c, ms) };
  try {
    cases = withQuirkForms(cases, exec.info.quirks);
  } catch (err) {
    fail(`${exec.info.name}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const report = await runCases(executor, cases, {
    timeoutMs,
    onResult: reporter === "text" ? (r, i, n) => process.stdout.write(`${progressLine(r, i, n)}\n`) : undefined,
  });
  await exec.close();
  const text = `${render(report, reporter)}\n`;
  if (args.output === undefined) await stdout(text);
  else {
    try {
      writeFileSync(args.output, text);
    } catch (err) {
      fail(`cannot write the report to ${args.output}: ${err instanceof Error ? err.message : String(err)}`, false);
    }
  }
  exit(succeeded(report) ? EXIT.passed : EXIT.failed);
}

// A reader that went away (a pipe into head) ends the run, without a stack trace.
process.stdout.on("error", () => exit(EXIT.unusable));
// Interrupted, it takes its drivers with it: they run in process groups of their own, out of the terminal's reach.
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const)
  process.once(signal, () => exit(code));

try {
  await main();
  exit(EXIT.passed);
} catch (err) {
  fail(`internal error: ${err instanceof Error ? err.message : String(err)}`, false);
}
