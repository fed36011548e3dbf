/**
 * The conformance runs the site shows: the bundled implementations, and any
 * the user names, each run once while the site is built.
 */
import reference from "../conformance/adapters/reference.js";
import type { LoadedCase } from "../conformance/src/case.js";
import { DriverExecutor } from "../conformance/src/driver.js";
import { startAdapter } from "../conformance/src/isolated.js";
import { inProcess, runCases, type CaseExecutor, type RunReport } from "../conformance/src/runner.js";

/** A run's counts, in words. */
export function summaryText({ summary: s }: RunReport): string {
  return `${s.pass} pass, ${s.fail} fail, ${s.xfail} expected failures, ${s.xpass} unexpected passes, ${s.skip} skipped`;
}

/** An implementation to run, and how. */
export interface Contender {
  /** Column label. */
  label: string;
  /** The command a reader can run to reproduce the column. */
  command: string;
  /** Starts its executor. */
  start(): Promise<CaseExecutor & { close?(): Promise<void> }>;
}

/** One column of the matrix: a report, or why there is none. */
export interface Column {
  /** Column label. */
  label: string;
  /** The command that reproduces it. */
  command: string;
  /** The run, when it could be made. */
  report?: RunReport;
  /** Why the implementation could not be run. */
  unavailable?: string;
}

const TSX = `${process.execPath} --import tsx`;

/** The bundled implementations. */
export function bundled(): Contender[] {
  return [
    {
      label: "reference, in process",
      command: "npx prot-conformance --impl conformance/adapters/reference.ts",
      start: async () => inProcess(reference),
    },
    {
      label: "reference, through its driver",
      command: 'npx prot-conformance --driver "node --import tsx conformance/drivers/reference/driver.ts"',
      start: () => DriverExecutor.start(`${TSX} conformance/drivers/reference/driver.ts`),
    },
    {
      label: "Python example, through its driver",
      command: 'npx prot-conformance --driver "python3 conformance/drivers/python/driver.py"',
      start: () => DriverExecutor.start("python3 conformance/drivers/python/driver.py"),
    },
    {
      label: "Cyrus 3.6.1 (C), through its driver",
      command: "npx prot-conformance --driver conformance/drivers/cyrus/run",
      start: () => DriverExecutor.start("conformance/drivers/cyrus/run", 600_000),
    },
  ];
}

/** Implementations named by the user: `--impl <module>` or `--driver "<command>"`, repeatable. */
export function configured(impls: string[], drivers: string[]): Contender[] {
  return [
    ...impls.map((m) => ({ label: m, command: `npx prot-conformance --impl ${m}`, start: () => startAdapter(m) })),
    ...drivers.map((d) => ({ label: d, command: `npx prot-conformance --driver "${d}"`, start: () => DriverExecutor.start(d) })),
  ];
}

/** Runs every contender on `cases`, reporting progress through `log`. */
export async function runAll(contenders: Contender[], cases: LoadedCase[], log: (line: string) => void): Promise<Column[]> {
  const columns: Column[] = [];
  for (const c of contenders) {
    log(`conformance: ${c.label} ...`);
    let exec: (CaseExecutor & { close?(): Promise<void> }) | undefined;
    try {
      exec = await c.start();
      const report = await runCases(exec, cases, { timeoutMs: 20_000 });
      log(`conformance: ${c.label}: ${summaryText(report)}`);
      columns.push({ label: c.label, command: c.command, report });
    } catch (err) {
      const why = err instanceof Error ? err.message.split("\n")[0] ?? err.message : String(err);
      log(`conformance: ${c.label}: not available: ${why}`);
      columns.push({ label: c.label, command: c.command, unavailable: why });
    } finally {
      await exec?.close?.();
    }
  }
  return columns;
}
