/**
 * Loads the cases: the spec's `scenario` blocks and the files of
 * `conformance/cases/`, checked against the JSON Schema and for dangling
 * names. Every problem is reported as `file:line: case <id>: <field>: <what>`,
 * and all of them at once.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { LineCounter, parseDocument, type Document } from "yaml";
import { CASE_FORMAT_VERSION, type Case, type LoadedCase } from "./case.js";
import { checkCaseWith, checkScenario, lines, MAX_ALIAS_COUNT } from "./check.js";
import { readSpec, type SpecPage } from "./spec-pages.js";

/** The case files and spec pages could not be loaded; `problems` says every reason. */
export class CaseError extends Error {
  /** One line per problem. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`${problems.length} problem(s) in the conformance cases:\n${problems.join("\n")}`);
    this.name = "CaseError";
    this.problems = problems;
  }
}

/** Where the package's own spec pages, cases and schema are. */
export function packageRoot(): string {
  // This file sits at conformance/src/ in the sources and at dist/conformance/src/ of the package when
  // built, the package's data copied beside it (build.mjs).
  const here = fileURLToPath(new URL(".", import.meta.url));
  const source = join(here, "..", "..");
  return existsSync(join(source, "spec")) ? source : join(source, "..");
}

let validator: ValidateFunction | undefined;
/** The case format's JSON Schema, compiled once. */
export function caseValidator(): ValidateFunction {
  if (validator === undefined) {
    const schema: unknown = JSON.parse(readFileSync(join(packageRoot(), "conformance", "schema", "case-v1.schema.json"), "utf8"));
    validator = new Ajv2020({ allErrors: true, strict: false }).compile(schema as object);
  }
  return validator;
}

/** Checks one parsed case; returns its problems, each naming the field (and its line where known). */
export function checkCase(data: unknown, lineOf: (path: string) => number | undefined): string[] {
  return checkCaseWith(caseValidator(), data, lineOf);
}

/**
 * The document's data, or `undefined` with the problem noted: the yaml
 * library refuses aliases that expand past its limit (a "billion laughs"
 * document) by throwing, and that is bad input like any other.
 */
function dataOf(doc: Document, where: string, problems: string[]): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    problems.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

function idOf(data: unknown, fallback: string): string {
  const id = (data as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id : fallback;
}

/** Parses the scenario blocks of the spec pages into cases. */
function casesFromSpec(pages: SpecPage[], problems: string[]): LoadedCase[] {
  const out: LoadedCase[] = [];
  for (const page of pages) {
    for (const block of page.blocks) {
      if (block.kind !== "scenario") continue;
      const at = `${page.file}:${block.line}`;
      const { data, syntax, problems: found } = checkScenario(caseValidator(), block.content, block.line);
      if (syntax.length > 0) {
        for (const e of syntax) problems.push(`${page.file}:${e.line}: scenario block: ${e.message}`);
        continue;
      }
      if (found.length > 0) {
        problems.push(...found.map((p) => `${at}: case ${idOf(data, "(no id)")}: ${p}`));
        continue;
      }
      out.push({ ...(data as Case), source: { file: page.file, line: block.line + 1 } });
    }
  }
  return out;
}

/** Parses one case file: a YAML (or JSON) document `{ format: 1, cases: [...] }`. */
function casesFromFile(file: string, text: string, problems: string[]): LoadedCase[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) problems.push(`${file}:${counter.linePos(e.pos[0]).line}: ${e.message}`);
    return [];
  }
  const data = dataOf(doc, `${file}:1`, problems) as { format?: unknown; cases?: unknown } | null | undefined;
  if (data === undefined) return [];
  if (data === null || typeof data !== "object" || data.format !== CASE_FORMAT_VERSION || !Array.isArray(data.cases)) {
    problems.push(`${file}:1: a case file must be a mapping with "format: ${CASE_FORMAT_VERSION}" and a list "cases"`);
    return [];
  }
  const out: LoadedCase[] = [];
  data.cases.forEach((c: unknown, i: number) => {
    const lineOf = lines(doc, counter, ["cases", i], 0);
    const found = checkCase(c, lineOf);
    const start = lineOf("") ?? 1;
    if (found.length > 0) {
      problems.push(...found.map((p) => `${file}:${start}: case ${idOf(c, `#${i + 1}`)}: ${p}`));
      return;
    }
    out.push({ ...(c as Case), source: { file, line: start } });
  });
  return out;
}

/** Everything the suite is made of. */
export interface Suite {
  /** The spec pages. */
  pages: SpecPage[];
  /** Every case, spec scenarios first, in page and file order. */
  cases: LoadedCase[];
}

/**
 * Loads the spec pages and all cases under `root` (the package root by default).
 * @throws CaseError listing every problem found.
 */
export function loadSuite(root = packageRoot()): Suite {
  const problems: string[] = [];
  const pages = readSpec(join(root, "spec"));
  const cases = casesFromSpec(pages, problems);
  const dir = join(root, "conformance", "cases");
  for (const f of readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()) {
    cases.push(...casesFromFile(`conformance/cases/${f}`, readFileSync(join(dir, f), "utf8"), problems));
  }
  const seen = new Map<string, string>();
  for (const c of cases) {
    const where = `${c.source.file}:${c.source.line}`;
    const first = seen.get(c.id);
    if (first !== undefined) problems.push(`${where}: case ${c.id}: /id: also used at ${first}`);
    else seen.set(c.id, where);
  }
  if (problems.length > 0) throw new CaseError(problems);
  return { pages, cases };
}
