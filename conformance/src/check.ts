/**
 * Checks one case against the JSON Schema of the case format and for
 * dangling names, and one scenario's YAML text. It needs no file system, so
 * that the site's playground gives a reader's scenario the very messages the
 * command line gives (load.ts reads the schema and the files and calls this).
 */
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import { scriptsOf, type Action, type Case, type OutsideStep, type Step } from "./case.js";

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
      return `${field}: a trace entry must name one of fire, read-line, getc, read, peek, fill, skip-line, read-exactly, select, events, read-callback, flush, refused`;
    case "minProperties":
    case "maxProperties":
      return `${field}: must have exactly one key (one action or one step)`;
    case "oneOf":
      if (/\/expect\/\d+$/.test(field)) return `${field}: a read entry needs exactly one result: line, byte, data, skipped, eof, error, wouldblock or blocked`;
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
  // An event without a callback is refused when added (WE-API-7): it never has a handle to name.
  const needHandle = (name: string, field: string): void => {
    needEvent(name, field);
    if (c.events?.[name]?.on === null) problems.push(`${field}: event "${name}" has no callback, so adding it is refused and it has no handle to name`);
  };
  for (const [name, e] of Object.entries(c.events ?? {})) {
    needStream(e.stream, `/events/${name}/stream`);
    const scripts = scriptsOf(e.on);
    scripts.forEach((script, si) =>
      script.forEach((a: Action, ai) => {
        const field = `/events/${name}/on/${Array.isArray(e.on?.[0]) ? `${si}/` : ""}${ai}`;
        if ("set-mark" in a && a["set-mark"].event !== undefined) needHandle(a["set-mark"].event, `${field}/set-mark/event`);
        if ("remove" in a && a.remove !== "self") needHandle(a.remove, `${field}/remove`);
        if ("add" in a) needEvent(a.add.event, `${field}/add/event`);
      }),
    );
  }
  for (const [name, st] of Object.entries(c.streams)) {
    if (st.error !== undefined && st.end === undefined) problems.push(`/streams/${name}/error: an input that fails needs the time it fails at, in end`);
    if (st.echo === true && st.flushOnRead !== true) problems.push(`/streams/${name}/echo: only a stream with flushOnRead has a writer whose output can come back`);
    if (st.peerReadsAt !== undefined && st.flushOnRead !== true) problems.push(`/streams/${name}/peerReadsAt: only a stream with flushOnRead has a writer whose peer can be slow to read`);
  }
  const groups = new Map<string, string>();
  const eventSteps = (s: Step | OutsideStep, field: string): void => {
    if ("add-event" in s) needEvent(s["add-event"].event, `${field}/add-event/event`);
    if ("remove-event" in s) {
      const r = s["remove-event"];
      if (typeof r === "string") needHandle(r, `${field}/remove-event`);
      else {
        needHandle(r.event, `${field}/remove-event/event`);
        needStream(r.stream, `${field}/remove-event/stream`);
      }
    }
    if ("set-mark" in s) needHandle(s["set-mark"].event, `${field}/set-mark/event`);
  };
  c.steps.forEach((s: Step, i) => {
    const field = `/steps/${i}`;
    eventSteps(s, field);
    if ("meanwhile" in s) eventSteps(s.meanwhile.do, `${field}/meanwhile/do`);
    if ("peek" in s) needStream(s.peek, `${field}/peek`);
    if ("select" in s && s.select.group !== undefined) {
      // A group is made once, by its first select: later selects of it name the same streams.
      const members = JSON.stringify(s.select.streams);
      const first = groups.get(s.select.group);
      if (first === undefined) groups.set(s.select.group, members);
      else if (first !== members) problems.push(`${field}/select/streams: group "${s.select.group}" was made with ${first}; each select of a group names its streams in the same order`);
    }
    if ("read-line" in s) needStream(s["read-line"], `${field}/read-line`);
    if ("getc" in s) needStream(s.getc, `${field}/getc`);
    if ("read" in s) needStream(s.read.stream, `${field}/read/stream`);
    if ("fill" in s) needStream(s.fill, `${field}/fill`);
    if ("skip-line" in s) needStream(s["skip-line"], `${field}/skip-line`);
    if ("read-exactly" in s) needStream(s["read-exactly"].stream, `${field}/read-exactly/stream`);
    if ("select" in s) s.select.streams.forEach((n, j) => needStream(n, `${field}/select/streams/${j}`));
    if ("set-timeout" in s) needStream(s["set-timeout"].stream, `${field}/set-timeout/stream`);
    if ("reset-timeout" in s) needStream(s["reset-timeout"], `${field}/reset-timeout`);
    if ("nonblocking" in s) needStream(s.nonblocking.stream, `${field}/nonblocking/stream`);
    if ("events" in s) needStream(s.events, `${field}/events`);
    if ("close" in s) needStream(s.close, `${field}/close`);
    if ("write" in s) needStream(s.write.stream, `${field}/write/stream`);
    if ("read-callback" in s) {
      const arg = s["read-callback"];
      if (typeof arg === "string") needStream(arg, `${field}/read-callback`);
      else needStream(arg.stream, `${field}/read-callback/stream`);
    }
  });
  c.expect.forEach((e, i) => {
    if ("fire" in e) needEvent(e.fire, `/expect/${i}/fire`);
    if ("refused" in e) needEvent(e.refused, `/expect/${i}/refused`);
  });
  return problems;
}

/**
 * Checks one parsed case with `v` (the case format's schema, compiled);
 * returns its problems, each naming the field (and its line where known).
 */
export function checkCaseWith(v: ValidateFunction, data: unknown, lineOf: (path: string) => number | undefined): string[] {
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
export function lines(doc: Document, counter: LineCounter, base: Array<string | number>, offset: number) {
  return (pointer: string): number | undefined => {
    const path = [
      ...base,
      ...pointer
        .split("/")
        .filter((p) => p !== "")
        .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
    ];
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range !== undefined && node.range !== null) return counter.linePos(node.range[0]).line + offset;
    }
    return undefined;
  };
}

/** How many alias expansions a case document may make before it is refused. */
export const MAX_ALIAS_COUNT = 100;

/** What is wrong with a scenario's text: its YAML, or the case it holds. */
export interface ScenarioCheck {
  /** The parsed case, when the YAML could be read. */
  data: unknown;
  /** YAML syntax errors, each with its 1-based line (offset added). */
  syntax: Array<{ line: number; message: string }>;
  /** The case's problems, as {@link checkCaseWith} words them. */
  problems: string[];
}

/** Checks a scenario written as YAML whose first line is line `offset + 1` of its file. */
export function checkScenario(v: ValidateFunction, text: string, offset = 0): ScenarioCheck {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    // Without pretty errors, yaml leaves linePos unset: the line comes from the error's offset.
    return { data: undefined, syntax: doc.errors.map((e) => ({ line: offset + counter.linePos(e.pos[0]).line, message: e.message })), problems: [] };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml refuses aliases that expand past the limit (a "billion laughs" document) by throwing.
    return { data: undefined, syntax: [{ line: offset + 1, message: err instanceof Error ? err.message : String(err) }], problems: [] };
  }
  return { data, syntax: [], problems: checkCaseWith(v, data, lines(doc, counter, [], offset)) };
}
