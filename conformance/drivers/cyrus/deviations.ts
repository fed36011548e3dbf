/**
 * The C driver's deviations, read from deviations.yaml beside this file (the
 * one list of them), and what is made from it: the driver's table
 * (deviations.h, which driver-core.c includes for both C drivers) and the table of
 * README.md's "Deviations" section. Run as a script, it writes both:
 *
 *   npx tsx conformance/drivers/cyrus/deviations.ts
 *
 * The header is committed rather than made by the build scripts, so that
 * the driver builds with gcc or emcc alone, from any checkout, and a reader
 * of driver-core.c finds the table it includes; test/cyrus-deviations.test.ts
 * makes both again and fails when they differ from the files.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The directory of the C driver. */
export const CYRUS_DRIVER_DIR = dirname(fileURLToPath(import.meta.url));

/** One deviation of the C prot layer from the core rules. */
export interface CyrusDeviationEntry {
  /** Its name, the macro of its reason in deviations.h (`R_NO_TIMEOUT`). */
  name: string;
  /** The reason the driver declares. */
  reason: string;
  /** What lib/prot.c does, in a line. */
  summary: string;
  /** The case that shows it best. */
  shownBy: string;
  /** It shows only where malloc() hands a freed block out again at once: not under valgrind. */
  dependsOnAllocator: boolean;
  /** The case IDs it is declared for. */
  cases: string[];
  /** The requirement IDs it is declared for. */
  requirements: string[];
}

const FIELDS = new Set(["reason", "summary", "shownBy", "dependsOnAllocator", "cases", "requirements"]);

/** Reads and checks deviations.yaml (or `file`); a problem is an error naming the file, the deviation and the field. */
export function loadDeviations(file = join(CYRUS_DRIVER_DIR, "deviations.yaml")): CyrusDeviationEntry[] {
  const doc: unknown = parse(readFileSync(file, "utf8"));
  const fail = (where: string, what: string): never => {
    throw new Error(`${file}: ${where}: ${what}`);
  };
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return fail("the top", "a mapping of deviation names is expected");
  const seen = new Map<string, string>();
  return Object.entries(doc).map(([name, value]: [string, unknown]) => {
    if (!/^R_[A-Z_]+$/.test(name)) fail(name, "a name is R_ and capitals, as the C macro it becomes");
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(name, "a mapping of fields is expected");
    const v = value as Record<string, unknown>;
    for (const key of Object.keys(v)) if (!FIELDS.has(key)) fail(`${name}.${key}`, `unknown field (known: ${[...FIELDS].join(", ")})`);
    const text = (key: string): string => {
      const s = v[key];
      return typeof s === "string" && s.trim() !== "" ? s : fail(`${name}.${key}`, "a non-empty string is expected");
    };
    const ids = (key: string, shape: RegExp): string[] => {
      const list = v[key] ?? [];
      if (!Array.isArray(list)) return fail(`${name}.${key}`, "a list is expected");
      return list.map((id: unknown, i) => {
        if (typeof id !== "string" || !shape.test(id)) return fail(`${name}.${key}[${i}]`, `${JSON.stringify(id)} is not an ID of the form ${String(shape)}`);
        const before = seen.get(`${name} ${id}`);
        if (before !== undefined) fail(`${name}.${key}[${i}]`, `${id} is listed twice`);
        seen.set(`${name} ${id}`, key);
        return id;
      });
    };
    const allocator = v["dependsOnAllocator"] ?? false;
    if (typeof allocator !== "boolean") fail(`${name}.dependsOnAllocator`, "true or false is expected");
    const entry: CyrusDeviationEntry = {
      name,
      reason: text("reason"),
      summary: text("summary"),
      shownBy: text("shownBy"),
      dependsOnAllocator: allocator === true,
      cases: ids("cases", /^[a-z0-9]+(-[a-z0-9]+)*$/),
      requirements: ids("requirements", /^WE-[A-Z]+-\d+$/),
    };
    if (entry.cases.length + entry.requirements.length === 0) fail(name, "declared for no case and no requirement");
    return entry;
  });
}

/** One row of the driver's table: an ID and the deviations declared for it, in the file's order. */
export interface DeclaredId {
  /** A case ID or a requirement ID. */
  id: string;
  /** The deviations' entries. */
  deviations: CyrusDeviationEntry[];
}

/** The driver's table: case IDs first, then requirement IDs, each once, with every deviation that lists it. */
export function declaredIds(deviations: readonly CyrusDeviationEntry[]): DeclaredId[] {
  const rows = new Map<string, DeclaredId>();
  for (const kind of ["cases", "requirements"] as const) {
    for (const d of deviations) {
      for (const id of d[kind]) {
        const row = rows.get(id) ?? { id, deviations: [] };
        row.deviations.push(d);
        rows.set(id, row);
      }
    }
  }
  return [...rows.values()];
}

/**
 * The deviations the driver declares for case `c`: those of the first row of
 * `table` that names the case or one of its requirements, as the runner
 * takes the first declared deviation that matches a case.
 */
export function declaredFor(table: readonly DeclaredId[], c: { id: string; requirements: readonly string[] }): CyrusDeviationEntry[] {
  return table.find((r) => r.id === c.id || c.requirements.includes(r.id))?.deviations ?? [];
}

/** Per case or requirement ID, the names of the deviations declared for it. */
export function deviationTable(deviations: readonly CyrusDeviationEntry[] = loadDeviations()): Map<string, string[]> {
  return new Map(declaredIds(deviations).map((r) => [r.id, r.deviations.map((d) => d.name)]));
}

/** The names of the deviations the driver declares. */
export function declaredDeviations(deviations: readonly CyrusDeviationEntry[] = loadDeviations()): Set<string> {
  return new Set(deviations.map((d) => d.name));
}

const cString = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/** `text` cut at spaces into pieces of at most `width` characters, each but the last keeping its trailing space. */
function pieces(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + word.length > width) {
      out.push(line);
      line = "";
    }
    line += line === "" ? word : ` ${word}`;
  }
  out.push(line);
  return out.map((p, i) => (i < out.length - 1 ? `${p} ` : p));
}

/** deviations.h: a macro per reason, and the table DEVIATIONS[] of the driver's start answer. */
export function cHeader(deviations: readonly CyrusDeviationEntry[]): string {
  const lines = [
    "/*",
    " * Made from deviations.yaml by deviations.ts: edit that file, then run",
    " *   npx tsx conformance/drivers/cyrus/deviations.ts",
    " * (test/cyrus-deviations.test.ts fails while this file differs from what",
    " * that writes).",
    " *",
    " * The deviations the driver declares in its start answer, each with its",
    " * reason: case IDs first, then requirement IDs, as the runner takes the",
    " * first entry that matches a case. Included once, by driver-core.c,",
    " * which both C drivers share.",
    " */",
    "",
  ];
  for (const d of deviations) {
    const body = pieces(d.reason, 96).map(cString);
    lines.push(`#define ${d.name} \\`, ...body.map((p, i) => `    ${p}${i < body.length - 1 ? " \\" : ""}`));
  }
  lines.push(
    "",
    "struct deviation {",
    "    const char *id;     /* a case ID or a requirement ID */",
    '    const char *reason; /* one R_* macro, or several joined by "; " */',
    "    /* 1: shows only where malloc() hands a freed block out again at once, which valgrind's allocator does not */",
    "    int depends_on_allocator;",
    "};",
    "",
    "static const struct deviation DEVIATIONS[] = {",
  );
  let group = "";
  for (const row of declaredIds(deviations)) {
    const first = /^WE-/.test(row.id) ? "requirement IDs" : (row.deviations[0]?.name ?? "");
    if (first !== group) lines.push(`    /* ${(group = first)} */`);
    const reason = row.deviations.map((d) => d.name).join(' "; " ');
    lines.push(`    {${cString(row.id)}, ${reason}, ${row.deviations.some((d) => d.dependsOnAllocator) ? 1 : 0}},`);
  }
  lines.push("    {NULL, NULL, 0},", "};", "");
  return lines.join("\n");
}

const README_BEGIN = "<!-- deviations: made from deviations.yaml by deviations.ts -->";
const README_END = "<!-- deviations: end -->";

/** The table of README.md's "Deviations" section. */
export function readmeTable(deviations: readonly CyrusDeviationEntry[]): string {
  const rows = deviations.map((d) => `| \`${d.name}\` | ${d.summary} | \`${d.shownBy}\` |`);
  return ["| reason | in `lib/prot.c` | shown by |", "| --- | --- | --- |", ...rows].join("\n");
}

/** `readme` with the table between its markers made again from `deviations`. */
export function withReadmeTable(readme: string, deviations: readonly CyrusDeviationEntry[]): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README.md of the C driver: the markers ${README_BEGIN} and ${README_END} are missing`);
  return `${readme.slice(0, begin + README_BEGIN.length)}\n\n${readmeTable(deviations)}\n\n${readme.slice(end)}`;
}

/** The two files made from deviations.yaml, by path, as they should be. */
export function madeFiles(deviations: readonly CyrusDeviationEntry[] = loadDeviations()): Map<string, string> {
  const readme = join(CYRUS_DRIVER_DIR, "README.md");
  return new Map([
    [join(CYRUS_DRIVER_DIR, "deviations.h"), cHeader(deviations)],
    [readme, withReadmeTable(readFileSync(readme, "utf8"), deviations)],
  ]);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of madeFiles()) writeFileSync(file, text);
}
