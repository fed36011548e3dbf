/**
 * The conformance runs the site shows: the bundled implementations, and any
 * the user names, each run once while the site is built.
 */
import reference from "../conformance/adapters/reference.js";
import { cyrusBuilds, shellCommand } from "../conformance/drivers/cyrus/builds.js";
import { needPackages } from "./need.js";
import { type LoadedCase, DriverExecutor, startAdapter, withQuirkForms, inProcess, runCases, type CaseExecutor, type RunReport } from "prot-conformance";

/** A run's counts, in words. */
export function summaryText({ summary: s }: RunReport): string {
  return `${s.pass} pass, ${s.fail} fail, ${s.xfail} expected failures, ${s.xpass} unexpected passes, ${s.skip} skipped`;
}

/** An implementation to run, and how. */
export interface Contender {
  /** Column label. */
  label: string;
  /** A short name, for badges and tight places; the label when not given. */
  short?: string;
  /** Its page's name on the site (`impl/<slug>.html`); made from the label when not given. */
  slug?: string;
  /** The command a reader can run to reproduce the column. */
  command: string;
  /** Debian packages it needs (`package:command`), installed on demand before it starts. */
  needs?: string[];
  /** Starts its executor. */
  start(): Promise<CaseExecutor & { close?(): Promise<void> }>;
}

/** One column of the matrix: a report, or why there is none. */
export interface Column {
  /** Column label. */
  label: string;
  /** A short name, for badges and tight places. */
  short: string;
  /** Its page's name on the site: `impl/<slug>.html`. */
  slug: string;
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
      short: "reference",
      slug: "reference",
      command: "npx prot-conformance --impl conformance/adapters/reference.ts",
      start: async () => inProcess(reference),
    },
    {
      label: "reference, through its driver",
      short: "reference driver",
      slug: "reference-driver",
      command: 'npx prot-conformance --driver "node --import tsx conformance/drivers/reference/driver.ts"',
      start: () => DriverExecutor.start(`${TSX} conformance/drivers/reference/driver.ts`),
    },
    {
      label: "Python example, through its driver",
      short: "Python example",
      slug: "python-example",
      command: 'npx prot-conformance --driver "python3 conformance/drivers/python/driver.py"',
      needs: ["python3:python3"],
      start: () => DriverExecutor.start("python3 conformance/drivers/python/driver.py"),
    },
    ...cyrusBuilds().map((b) => ({
      label: b.title,
      short: b.label.startsWith("shipped") ? `Cyrus ${b.version} as shipped` : `Cyrus ${b.label}`,
      slug: b.label.startsWith("shipped") ? `cyrus-${b.version}` : `cyrus-${b.label}-source`,
      command: shellCommand(b),
      start: () => DriverExecutor.start(b.command, 600_000),
    })),
  ];
}

/** The short name and page name of an implementation the user names by a module or command. */
function named(what: string): { short: string; slug: string } {
  return { short: what.length > 24 ? `…${what.slice(-23)}` : what, slug: `user-${slugOf(what)}` };
}

/** Implementations named by the user: `--impl <module>` or `--driver "<command>"`, repeatable. */
export function configured(impls: string[], drivers: string[]): Contender[] {
  return [
    ...impls.map((m) => ({ label: m, ...named(m), command: `npx prot-conformance --impl ${m}`, start: () => startAdapter(m) })),
    ...drivers.map((d) => ({ label: d, ...named(d), command: `npx prot-conformance --driver "${d}"`, start: () => DriverExecutor.start(d) })),
  ];
}

/** A name for a site path, made of the label's letters, digits, dots and dashes. */
function slugOf(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
}

/** Runs every contender on `cases`, reporting progress through `log`. */
export async function runAll(contenders: Contender[], cases: LoadedCase[], log: (line: string) => void): Promise<Column[]> {
  const columns: Column[] = [];
  for (const c of contenders) {
    const named = { label: c.label, short: c.short ?? c.label, slug: c.slug ?? slugOf(c.label), command: c.command };
    log(`conformance: ${c.label} ...`);
    let exec: (CaseExecutor & { close?(): Promise<void> }) | undefined;
    try {
      if (c.needs !== undefined) needPackages(`the ${c.label}`, ...c.needs);
      exec = await c.start();
      // A driver's quirk adds the form of each case that meets it (conformance/src/quirks.ts).
      const report = await runCases(exec, withQuirkForms(cases, exec.info.quirks), { timeoutMs: 20_000 });
      log(`conformance: ${c.label}: ${summaryText(report)}`);
      columns.push({ ...named, report });
    } catch (err) {
      // The first line says what happened; the driver's last line of output, when it wrote one, says why.
      const lines = (err instanceof Error ? err.message : String(err)).split("\n").filter((l) => l.trim() !== "");
      const output = lines.findIndex((l) => l.startsWith("standard error of "));
      const last = output >= 0 && output < lines.length - 1 ? lines.at(-1) : undefined;
      const why = `${lines[0] ?? "no reason given"}${last === undefined ? "" : `: ${last}`}`;
      log(`conformance: ${c.label}: not available: ${why}`);
      columns.push({ ...named, unavailable: why });
    } finally {
      await exec?.close?.();
    }
  }
  return columns;
}
