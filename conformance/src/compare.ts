/**
 * Compares an expected trace with the one an implementation produced, and
 * renders both, one entry per line, with the first difference marked.
 */
import type { TraceEntry } from "./case.js";

/** Renders an entry as a one-line flow mapping, keys in a fixed order. */
function formatEntry(e: TraceEntry): string {
  const order = [
    "t",
    "fire",
    "mark",
    "rock",
    "read-line",
    "getc",
    "read",
    "peek",
    "fill",
    "skip-line",
    "read-exactly",
    "select",
    "events",
    "list",
    "read-callback",
    "flush",
    "refused",
    "line",
    "byte",
    "data",
    "skipped",
    "eof",
    "error",
    "wouldblock",
    "blocked",
  ];
  const rec = e as unknown as Record<string, unknown>;
  const keys = Object.keys(rec).sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return `{ ${keys.map((k) => `${k}: ${JSON.stringify(rec[k])}`).join(", ")} }`;
}

function same(a: TraceEntry, b: TraceEntry): boolean {
  return formatEntry(a) === formatEntry(b);
}

/** The index of the first entry that differs, or -1 when the traces are equal. */
export function firstDifference(expected: TraceEntry[], actual: TraceEntry[]): number {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === undefined || a === undefined || !same(e, a)) return i;
  }
  return -1;
}

/** A readable account of how `actual` differs from `expected`; empty when they are equal. */
export function describeDifference(expected: TraceEntry[], actual: TraceEntry[]): string {
  const at = firstDifference(expected, actual);
  if (at < 0) return "";
  const lines: string[] = [`traces differ at entry ${at + 1}:`];
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e !== undefined && a !== undefined && same(e, a)) lines.push(`    ${formatEntry(e)}`);
    else {
      if (e !== undefined) lines.push(`  - ${formatEntry(e)}`);
      if (a !== undefined) lines.push(`  + ${formatEntry(a)}`);
    }
  }
  lines.push("  (- expected, + actual)");
  return lines.join("\n");
}
