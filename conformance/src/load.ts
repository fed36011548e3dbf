/**
 * Loads the cases: the spec's `scenario` blocks and the files of
 * `conformance/cases/`, checked against the JSON Schema and for dangling
 * names. Every problem is reported as `file:line: case <id>: <field>: <what>`,
 * and all of them at once.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { CASE_FORMAT_VERSION, scriptsOf, type Action, type Case, type LoadedCase, type Step } from "./case.js";
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
  // This file sits at conformance/src/ in the sources and at dist/conformance/src/ when built.
  const here = fileURLToPath(new URL(".", import.meta.url));
  const source = join(here, "..", "..");
  return existsSync(join(source, "spec")) ? source : join(source, "..");
}

let validator: ValidateFunction | undefined;
function validate(): ValidateFunction {
  if (validator === undefined) {
    const schema: unknown = JSON.parse(readFileSync(join(packageRoot(), "conformance", "schema", "case-v1.schema.json"), "utf8"));
    validator = new Ajv2020({ allErrors: true, strict: false }).compile(schema as object);
  }
  return validator;
}

/**
 * The telling errors among ajv's (for the case schema and the protocol's): the errors inside the branches of a
 * `oneOf` are dropped (the `oneOf` itself is explained instead), and so is
 * an error whose field another error explains more precisely.
 */
export function explain(errors: ErrorObject[]): ErrorObject[] {
  const kept = errors.filter((e) => !e.schemaPath.includes("/oneOf/") && e.keyword !== "if" && e.keyword !== "$ref");
  const seen = new Set<string>();
  return kept.filter((e) => {
    if (kept.some((o) => o !== e && o.instancePath.startsWith(`${e.instancePath}/`))) return false;
    const key = `${e.instancePath} ${e.keyword} ${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describeError(e: ErrorObject): string {
  const field = e.instancePath === "" ? "(the case)" : e.instancePath;
  switch (e.keyword) {
    case "additionalProperties":
      return `${field}: unknown field "${String(e.params.additionalProperty)}"`;
    case "enum":
      return `${field}: must be one of ${JSON.stringify(e.params.allowedValues)}`;
    case "false schema":
      return `${field}: a trace entry must name one of fire, read-line, getc, read, select, events, read-callback, flush`;
    case "minProperties":
    case "maxProperties":
      return `${field}: must have exactly one key (one action or one step)`;
    case "oneOf":
      if (/\/expect\/\d+$/.test(field)) return `${field}: a read entry needs exactly one result: line, byte, data, eof, error, wouldblock or blocked`;
      if (/(set-mark|add|add-event)$/.test(field)) return `${field}: give exactly one of at, now (or mark, for set-mark)`;
      if (/\/on$/.test(field)) return `${field}: must be a script (a list of actions) or a list of scripts`;
      return `${field}: matches none or several of its allowed forms`;
    default:
      return `${field}: ${e.message ?? "is invalid"}`;
  }
}

/** Names a case refers to that do not exist. */
function danglingNames(c: Case): string[] {
  const problems: string[] = [];
  const streams = new Set(Object.keys(c.streams));
  const events = new Set(Object.keys(c.events ?? {}));
  const needStream = (name: string, field: string): void => {
    if (!streams.has(name)) problems.push(`${field}: no stream named "${name}"`);
  };
  const needEvent = (name: string, field: string): void => {
    if (!events.has(name)) problems.push(`${field}: no event named "${name}"`);
  };
  for (const [name, e] of Object.entries(c.events ?? {})) {
    needStream(e.stream, `/events/${name}/stream`);
    const scripts = scriptsOf(e.on);
    scripts.forEach((script, si) =>
      script.forEach((a: Action, ai) => {
        const field = `/events/${name}/on/${Array.isArray(e.on[0]) ? `${si}/` : ""}${ai}`;
        if ("set-mark" in a && a["set-mark"].event !== undefined) needEvent(a["set-mark"].event, `${field}/set-mark/event`);
        if ("remove" in a && a.remove !== "self") needEvent(a.remove, `${field}/remove`);
        if ("add" in a) needEvent(a.add.event, `${field}/add/event`);
      }),
    );
  }
  c.steps.forEach((s: Step, i) => {
    const field = `/steps/${i}`;
    if ("read-line" in s) needStream(s["read-line"], `${field}/read-line`);
    if ("getc" in s) needStream(s.getc, `${field}/getc`);
    if ("read" in s) needStream(s.read.stream, `${field}/read/stream`);
    if ("select" in s) s.select.streams.forEach((n, j) => needStream(n, `${field}/select/streams/${j}`));
    if ("set-timeout" in s) needStream(s["set-timeout"].stream, `${field}/set-timeout/stream`);
    if ("reset-timeout" in s) needStream(s["reset-timeout"], `${field}/reset-timeout`);
    if ("nonblocking" in s) needStream(s.nonblocking.stream, `${field}/nonblocking/stream`);
    if ("add-event" in s) needEvent(s["add-event"].event, `${field}/add-event/event`);
    if ("remove-event" in s) needEvent(s["remove-event"], `${field}/remove-event`);
    if ("set-mark" in s) needEvent(s["set-mark"].event, `${field}/set-mark/event`);
    if ("events" in s) needStream(s.events, `${field}/events`);
    if ("close" in s) needStream(s.close, `${field}/close`);
    if ("write" in s) needStream(s.write.stream, `${field}/write/stream`);
    if ("read-callback" in s) needStream(s["read-callback"], `${field}/read-callback`);
  });
  c.expect.forEach((e, i) => {
    if ("fire" in e) needEvent(e.fire, `/expect/${i}/fire`);
  });
  return problems;
}

/** Checks one parsed case; returns its problems, each naming the field (and its line where known). */
export function checkCase(data: unknown, lineOf: (path: string) => number | undefined): string[] {
  const v = validate();
  if (!v(data)) {
    return explain(v.errors ?? []).map((e) => {
      const line = lineOf(e.instancePath);
      return `${line === undefined ? "" : `line ${line}: `}${describeError(e)}`;
    });
  }
  return danglingNames(data as Case).map((p) => {
    const line = lineOf(p.split(":")[0] as string);
    return `${line === undefined ? "" : `line ${line}: `}${p}`;
  });
}

/** A function from a JSON pointer below `base` to the 1-based line of that node in the YAML document. */
function lines(doc: Document, counter: LineCounter, base: Array<string | number>, offset: number) {
  return (pointer: string): number | undefined => {
    const path = [...base, ...pointer.split("/").filter((p) => p !== "").map((p) => (/^\d+$/.test(p) ? Number(p) : p))];
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range !== undefined && node.range !== null) return counter.linePos(node.range[0]).line + offset;
    }
    return undefined;
  };
}

/**
 * The document's data, or `undefined` with the problem noted: the yaml
 * library refuses aliases that expand past its limit (a "billion laughs"
 * document) by throwing, and that is bad input like any other.
 */
function dataOf(doc: Document, where: string, problems: string[]): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
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
      const counter = new LineCounter();
      const doc = parseDocument(block.content, { lineCounter: counter, prettyErrors: false });
      const at = `${page.file}:${block.line}`;
      if (doc.errors.length > 0) {
        for (const e of doc.errors) problems.push(`${page.file}:${block.line + (e.linePos?.[0].line ?? 0)}: scenario block: ${e.message}`);
        continue;
      }
      const data = dataOf(doc, at, problems);
      if (data === undefined) continue;
      const found = checkCase(data, lines(doc, counter, [], block.line));
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
    for (const e of doc.errors) problems.push(`${file}:${e.linePos?.[0].line ?? 1}: ${e.message}`);
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
  for (const f of readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
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
