#!/usr/bin/env node
/**
 * `prot-conformance`: runs the conformance suite against an implementation.
 * See conformance/README.md for the options.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { LoadedCase } from "./case.js";
import { DriverExecutor } from "./driver.js";
import { IsolatedExecutor } from "./isolated.js";
import { CaseError, loadSuite } from "./load.js";
import { withQuirkForms } from "./quirks.js";
import { progressLine, render, REPORTERS, type ReporterName } from "./reporters.js";
import { runCases, succeeded, type CaseExecutor } from "./runner.js";

const USAGE = `usage: prot-conformance (--impl <module> | --driver "<command line>") [--filter <text>]
                        [--profile <name>] [--list] [--reporter text|json|junit|tap] [--timeout <ms>]`;

function fail(message: string): never {
  process.stderr.write(`prot-conformance: ${message}\n${USAGE}\n`);
  process.exit(2);
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
        timeout: { type: "string", default: "5000" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const reporter = args.reporter as ReporterName;
  if (!REPORTERS.includes(reporter)) fail(`unknown reporter "${args.reporter}"; use one of ${REPORTERS.join(", ")}`);
  const timeoutMs = Number(args.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) fail(`--timeout must be a positive number of milliseconds, got "${args.timeout}"`);

  let cases: LoadedCase[];
  try {
    cases = loadSuite().cases;
  } catch (err) {
    if (err instanceof CaseError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (args.filter !== undefined) cases = cases.filter((c) => matches(c, args.filter as string));
  if (args.list) {
    for (const c of cases) process.stdout.write(`${c.id}  [${c.requirements.join(" ")}]  ${c.source.file}:${c.source.line}  ${c.title}\n`);
    process.stdout.write(`${cases.length} cases\n`);
    return;
  }
  if ((args.impl === undefined) === (args.driver === undefined)) fail("give one of --impl <module> or --driver <command line>");

  let exec: IsolatedExecutor | DriverExecutor;
  try {
    exec =
      args.impl !== undefined
        ? await IsolatedExecutor.start(resolve(process.cwd(), args.impl))
        : await DriverExecutor.start(args.driver as string);
  } catch (err) {
    const what = args.impl !== undefined ? `the adapter ${args.impl}` : `the driver ${args.driver as string}`;
    fail(`cannot load ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (args.profile !== undefined && args.profile !== "core" && args.profile !== exec.info.profile) {
    fail(`${exec.info.name} claims the profile "${exec.info.profile}"; --profile can be that one or "core"`);
  }
  // Judged by the core rules, an implementation's declared deviations do not count.
  const executor: CaseExecutor =
    args.profile === undefined || args.profile === exec.info.profile
      ? exec
      : { info: { ...exec.info, profile: "core", deviations: [] }, run: (c) => exec.run(c), reset: () => exec.reset() };
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
  process.stdout.write(`${render(report, reporter)}\n`);
  process.exitCode = succeeded(report) ? 0 : 1;
}

await main();
