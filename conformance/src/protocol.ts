/**
 * The driver protocol's messages (conformance/DRIVERS.md), checked against
 * their JSON Schema, `conformance/schema/protocol-v2.schema.json`: every
 * answer of an implementation is validated before the runner believes it,
 * and a case is stripped of its expected trace before it is sent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import type { ImplementationInfo } from "./adapter.js";
import type { Case, TraceEntry } from "./case.js";
import { explain } from "./check.js";
import { packageRoot } from "./load.js";

/** The protocol version this runner speaks. */
export const PROTOCOL_VERSION = 2;

/** The messages the schema describes, by the name of their definition. */
export type MessageKind = "startRequest" | "runRequest" | "stopRequest" | "startAnswer" | "runAnswer" | "implementation";

/** A case as an implementation receives it: what to do, not what should come of it. */
export type CaseRequest = Pick<Case, "id" | "tags" | "streams" | "events" | "steps">;

/** What a driver answers to a `run`. */
export type RunAnswer = { seq: number; trace: TraceEntry[] } | { seq: number; error: string; trace?: TraceEntry[] };

/** What a driver answers to a `start`. */
export type StartAnswer = { ok: true; version: number; implementation: ImplementationInfo } | { ok: false; version?: number; error: string };

/** The case without its expected trace, title and requirements: the suite does not hand the answers to what it tests. */
export function caseRequest(c: Case): CaseRequest {
  const { id, tags, streams, events, steps } = c;
  return events === undefined ? { id, tags, streams, steps } : { id, tags, streams, events, steps };
}

const validators = new Map<MessageKind, ValidateFunction>();

function validator(kind: MessageKind): ValidateFunction {
  let v = validators.get(kind);
  if (v === undefined) {
    const dir = join(packageRoot(), "conformance", "schema");
    const read = (f: string): object => JSON.parse(readFileSync(join(dir, f), "utf8")) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    ajv.addSchema(read("case-v1.schema.json"), "case-v1.schema.json");
    ajv.addSchema(read("protocol-v2.schema.json"), "protocol");
    for (const k of ["startRequest", "runRequest", "stopRequest", "startAnswer", "runAnswer", "implementation"] as const) {
      validators.set(k, ajv.getSchema(`protocol#/$defs/${k}`) as ValidateFunction);
    }
    v = validators.get(kind) as ValidateFunction;
  }
  return v;
}

/**
 * Why `message` is not a valid `kind` message: one line naming the field
 * and what is wrong with it, or `undefined` when it is valid.
 */
export function protocolProblem(kind: MessageKind, message: unknown): string | undefined {
  const v = validator(kind);
  if (v(message)) return undefined;
  const [e] = explain(v.errors ?? []);
  if (e === undefined) return "does not match the protocol";
  const field = e.instancePath === "" ? "the message" : e.instancePath;
  switch (e.keyword) {
    case "additionalProperties":
      return `${field}: unknown field "${String(e.params.additionalProperty)}"`;
    case "not":
      return `${field}: a trace entry must name one of fire, read-line, getc, read, peek, fill, skip-line, read-exactly, select, events, read-callback, flush, refused`;
    case "oneOf":
      return `${field}: a read entry needs exactly one result: line, byte, data, skipped, eof, error, wouldblock or blocked`;
    case "const":
      return `${field}: must be ${JSON.stringify(e.params.allowedValue)}`;
    default:
      return `${field}: ${e.message ?? "is invalid"}`;
  }
}

/**
 * Text from an implementation, safe to print on a terminal: control
 * characters other than newline and tab (an escape sequence would restyle
 * the report or move the cursor over it) and bidirectional overrides are
 * shown as `\xHH` or `\u{HHHH}` escapes.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}
