/**
 * What the committed results of the C builds share (`coverage.json`, written
 * by coverage.ts, and `matrix.json`, written by matrix.ts): the written runs
 * they were measured with, and the section of spec/08-compatibility.md each
 * is made into, between two markers. test/cyrus-page.test.ts fails while a
 * section differs from what its file makes, or while a file was measured
 * with other runs than the suite's as it stands.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FORM_TAG, loadSuite, withQuirkForms, type LoadedCase } from "prot-conformance";

const here = dirname(fileURLToPath(import.meta.url));

/** The quirk every C build declares: its runs are each case and each case's form with a read timeout. */
export const CYRUS_QUIRKS = ["events-need-read-timeout"] as const;

/** The written runs of the suite as it stands: each case, then its form with a read timeout. */
export function writtenRuns(): LoadedCase[] {
  return withQuirkForms(loadSuite().cases, CYRUS_QUIRKS);
}

/** Which written runs a results file was measured with. */
export interface SuiteStamp {
  /** The written runs: each written case, and each case's second form. */
  written: number;
  /** Of those, the second forms. */
  secondForms: number;
}

/** The stamp of `runs`. */
export function suiteStamp(runs: readonly LoadedCase[]): SuiteStamp {
  return { written: runs.length, secondForms: runs.filter((c) => c.tags.includes(FORM_TAG)).length };
}

/** The page whose sections are made from the committed results. */
export const PAGE = join(here, "..", "..", "..", "spec", "08-compatibility.md");

/** The path of the results file `name`.json beside this file. */
export const recordFile = (name: string): string => join(here, `${name}.json`);

/** The markers of the section made from `name`.json by `name`.ts. */
function markers(name: string): { begin: string; end: string } {
  return { begin: `[//]: # "${name}: made from conformance/drivers/cyrus/${name}.json by ${name}.ts"`, end: `[//]: # "${name}: end"` };
}

/** `page` with the section of `name` made again: `body` between its markers. */
export function withSection(page: string, name: string, body: string): string {
  const { begin, end } = markers(name);
  const from = page.indexOf(begin);
  const to = page.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${PAGE}: the markers ${begin} and ${end} are missing`);
  return `${page.slice(0, from)}${begin}\n\n${body}\n\n${end}${page.slice(to + end.length)}`;
}
