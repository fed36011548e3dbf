/**
 * Draws a conformance case as a timeline: an inline SVG with one lane per
 * stream, the input arriving and ending on each lane, and the case's expected
 * trace (firings, read results, flushes, read callbacks, event listings) as
 * labelled markers at their virtual times; select wake-ups are vertical lines
 * across the lanes of the streams selected.
 *
 * Everything comes from the case data alone, which is untrusted text: every
 * string is made visible (control bytes as control pictures, long data
 * elided) and XML-escaped. The output is deterministic and needs nothing but
 * the case.
 */
import type { Case, Rock, StreamSpec, TraceEntry } from "prot-conformance/browser";
import { escapeHtml } from "./escape.js";
import type { WakeReason, Wait } from "./waits.js";

// ---------------------------------------------------------------------------
// Geometry (viewBox units) and palette

/** The width of a timeline unless told otherwise: it is drawn for a page's column, and scales with it. */
const WIDTH = 800;
/** The time axis runs from X0 to the width less X1_MARGIN. */
const X0 = 28;
const X1_MARGIN = 28;
/** Labels may not go past these. */
const EDGE_LEFT = 8;
const EDGE_RIGHT_MARGIN = 8;
const ROW = 18;
const FONT = 12;
const SMALL = 11;
const LANE_HEADER = 24;
const LANE_PAD_BOTTOM = 6;
const LANE_GAP = 6;
/** The row under a lane's markers where its waits are drawn. */
const WAIT_ROW = 20;
/** Horizontal room kept free around a label. */
const GAP = 8;
/** From a marker's centre to its label. */
const LABEL_OFFSET = 9;

/** Visible characters a data string is shown with before it is elided. */
const DATA_MAX = 24;
/** The same, in the text description. */
const DESC_DATA_MAX = 60;
const NAME_MAX = 20;

/** Colours: every text colour has a contrast of at least 4.5:1 on white and on the lane background. */
const C = {
  background: "#ffffff",
  lane: "#f8fafc",
  laneBorder: "#e2e8f0",
  grid: "#e5e7eb",
  gridZero: "#cbd5e1",
  axis: "#475569",
  axisText: "#475569",
  heading: "#111827",
  headingSoft: "#4b5563",
  input: { fill: "#dbeafe", stroke: "#1d4ed8", text: "#1d4ed8" },
  end: { fill: "#374151", stroke: "#111827", text: "#374151" },
  fire: { fill: "#fbbf24", stroke: "#92400e", text: "#92400e" },
  read: { fill: "#10b981", stroke: "#065f46", text: "#065f46" },
  error: { fill: "#dc2626", stroke: "#991b1b", text: "#b91c1c" },
  select: { fill: "#8b5cf6", stroke: "#5b21b6", text: "#6d28d9" },
  flush: { fill: "#67e8f9", stroke: "#155e75", text: "#155e75" },
  callback: { fill: "#f9a8d4", stroke: "#9d174d", text: "#9d174d" },
  events: { fill: "#e2e8f0", stroke: "#475569", text: "#475569" },
  wait: { fill: "#fef3c7", stroke: "#b45309", text: "#92400e" },
  pass: "#78350f",
  differs: "#b91c1c",
} as const;

type Palette = { fill: string; stroke: string; text: string };

// ---------------------------------------------------------------------------
// Text: visible, elided, escaped

/**
 * One character of data as it is shown: control bytes and backslash as C
 * escapes (the Control Pictures block is missing from common fonts, Debian's
 * DejaVu among them), a few invisible ones spelled out.
 */
function visibleChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const named: Record<number, string> = { 0: "\\0", 9: "\\t", 10: "\\n", 13: "\\r", 0x5c: "\\\\" };
  if (named[code] !== undefined) return named[code];
  if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) return `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`;
  if (code >= 0xd800 && code <= 0xdfff) return "\ufffd"; // a lone surrogate
  if (code === 0xfffe || code === 0xffff) return "\ufffd";
  return ch;
}

/** The characters of a string, a surrogate pair counting as one. */
function chars(s: string): string[] {
  return Array.from(s);
}

/**
 * Data (one byte per character) as shown: visible characters, elided in the
 * middle when wider than `max` average characters (control pictures are wide).
 */
function showData(s: string, max: number): string {
  return elide(s, max).text;
}

function elide(s: string, max: number): { text: string; elided: boolean } {
  const tokens = chars(s).map(visibleChar);
  const width = (t: string) => ems(t);
  const budget = max * AVG_EM;
  if (tokens.reduce((w, t) => w + width(t), 0) <= budget) return { text: tokens.join(""), elided: false };
  const tail: string[] = [];
  let tailW = 0;
  for (let i = tokens.length - 1; i >= 0 && tail.length < 5; i--) {
    const w = width(tokens[i]!);
    if (tailW + w > budget / 4) break;
    tail.unshift(tokens[i]!);
    tailW += w;
  }
  const head: string[] = [];
  let headW = width("…") + tailW;
  for (const t of tokens) {
    const w = width(t);
    if (headW + w > budget) break;
    head.push(t);
    headW += w;
  }
  return { text: `${head.join("")}…${tail.join("")}`, elided: true };
}

/** A quoted data string with its length when it was elided. */
function quoted(s: string, max: number, open = "“", close = "”"): string {
  const shown = elide(s, max);
  return shown.elided ? `${open}${shown.text}${close} (${chars(s).length} bytes)` : `${open}${shown.text}${close}`;
}

/** A name (stream, event) or other free text as shown. */
function showName(s: string, max = NAME_MAX): string {
  return showData(s, max);
}

/** A title or description: line breaks become spaces, invalid XML characters are replaced. */
function showText(s: string): string {
  return chars(s.replace(/[\r\n\t]+/g, " "))
    .map((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff) return "\ufffd";
      return ch;
    })
    .join("");
}

function showRock(r: Rock | undefined): string {
  if (r === undefined || r === null) return "";
  return typeof r === "number" ? String(r) : quoted(r, 12, "‘", "’");
}

/** A number as written in the drawing: a typographic minus. */
function num(n: number): string {
  return n < 0 ? `\u2212${-n}` : String(n);
}

/** A coordinate, rounded to a tenth. */
function f(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Object.is(r, -0) ? "0" : String(r);
}

/** The width of an average character, in em. */
const AVG_EM = 0.56;

/** An estimate, slightly generous, of a character's width in em in a system sans-serif. */
function charEm(ch: string): number {
  const code = ch.codePointAt(0) ?? 0;
  if (/[ijlI.,:;'|!`]/.test(ch)) return 0.28;
  if (/[ frt()[\]{}\-‘’]/.test(ch)) return 0.36;
  if (/[mwMW@%]/.test(ch)) return 0.86;
  if (/[A-Z]/.test(ch)) return 0.68;
  if (/[0-9a-z]/.test(ch)) return 0.56;
  if (code > 0x2000) return 0.9;
  return 0.6;
}

/** The estimated width of a text in em. */
function ems(s: string): number {
  let em = 0;
  for (const ch of chars(s)) em += charEm(ch);
  return em;
}

/** The estimated width of a label's text; labels are placed with it, so it must not underestimate much. */
function textWidth(s: string, bold: boolean): number {
  return ems(s) * FONT * (bold ? 1.15 : 1.02);
}

// ---------------------------------------------------------------------------
// What is drawn

type Kind = "input" | "end" | "fire" | "read" | "select" | "flush" | "read-callback" | "events" | "refused";

/** A piece of a label; bold pieces are names. */
interface Span {
  text: string;
  bold?: boolean;
}

interface Item {
  kind: Kind;
  t: number;
  /** The lane it is on; -1 is the select strip. */
  lane: number;
  /** Its index in the trace, for markers of trace entries. */
  entry?: number;
  /** For reads: line, byte, data, skipped, eof, error, wouldblock or blocked. */
  outcome?: string;
  /** For firings: the event's name and mark. */
  event?: string;
  mark?: number;
  label: Span[];
  palette: Palette;
  /** For selects: the streams given and the ones reported ready. */
  selected?: string[];
  ready?: string[];
  // Layout
  x: number;
  markX?: number;
  markClipped?: "left" | "right";
  textX: number;
  anchor: "start" | "end";
  from: number;
  to: number;
  row: number;
}

interface Lane {
  name: string;
  spec: StreamSpec;
  items: Item[];
  rows: number;
  top: number;
  bottom: number;
}

function entryKind(e: TraceEntry): { kind: Kind; op?: string; stream?: string } {
  if ("fire" in e) return { kind: "fire" };
  if ("select" in e) return { kind: "select" };
  if ("flush" in e) return { kind: "flush", stream: e.flush };
  if ("read-callback" in e) return { kind: "read-callback", stream: e["read-callback"] };
  if ("events" in e) return { kind: "events", stream: e.events };
  if ("refused" in e) return { kind: "refused" };
  if ("read-line" in e) return { kind: "read", op: "read-line", stream: e["read-line"] };
  if ("getc" in e) return { kind: "read", op: "getc", stream: e.getc };
  if ("peek" in e) return { kind: "read", op: "peek", stream: e.peek };
  if ("fill" in e) return { kind: "read", op: "fill", stream: e.fill };
  if ("skip-line" in e) return { kind: "read", op: "skip-line", stream: e["skip-line"] };
  if ("read-exactly" in e) return { kind: "read", op: "read-exactly", stream: e["read-exactly"] };
  return { kind: "read", op: "read", stream: (e as { read: string }).read };
}

type ReadResult = { line?: string; byte?: number; data?: string; skipped?: true; eof?: true; error?: string; wouldblock?: true; blocked?: true };

function readOutcome(e: ReadResult): string {
  if (e.line !== undefined) return "line";
  if (e.byte !== undefined) return "byte";
  if (e.data !== undefined) return "data";
  if (e.skipped) return "skipped";
  if (e.eof) return "eof";
  if (e.error !== undefined) return "error";
  if (e.wouldblock) return "wouldblock";
  return "blocked";
}

function showByte(b: number): string {
  if (!Number.isInteger(b) || b < 0 || b > 255) return num(b);
  const ch = String.fromCharCode(b);
  if (b === 0x20) return "32 (space)";
  const shown = visibleChar(ch);
  return shown.startsWith("\\x") ? String(b) : `${b} ‘${shown}’`;
}

function readLabel(op: string, e: ReadResult): string {
  switch (readOutcome(e)) {
    case "line":
      return `${op} → ${quoted(e.line!, DATA_MAX)}`;
    case "data":
      return `${op} → ${quoted(e.data!, DATA_MAX)}`;
    case "byte":
      return `${op} → ${showByte(e.byte!)}`;
    case "skipped":
      return `${op} → past the LF`;
    case "eof":
      return `${op} → eof`;
    case "error":
      return `${op} → error: ${showData(e.error!, 32)}`;
    case "wouldblock":
      return `${op} → would block`;
    default:
      return `${op} → blocked`;
  }
}

function readSentence(op: string, stream: string, e: ReadResult): string {
  const on = `${op} on ${showName(stream, 40)}`;
  switch (readOutcome(e)) {
    case "line":
      return `${on} returns ${quoted(e.line!, DESC_DATA_MAX, '"', '"')}`;
    case "data":
      return `${on} returns ${quoted(e.data!, DESC_DATA_MAX, '"', '"')}`;
    case "byte":
      return `${on} returns byte ${showByte(e.byte!)}`;
    case "skipped":
      return `${on} has passed the end of a line`;
    case "eof":
      return `${on} returns end of file`;
    case "error":
      return `${on} fails: ${showText(e.error!)}`;
    case "wouldblock":
      return `${on} would block`;
    default:
      return `${on} blocks for ever; the case stops`;
  }
}

function listText(names: string[]): string {
  return names.length === 0 ? "none" : `[${names.map((n) => showName(n)).join(", ")}]`;
}

/** A sentence for the text description of one trace entry. */
function sentence(e: TraceEntry): string {
  const k = entryKind(e);
  switch (k.kind) {
    case "fire": {
      const f = e as { fire: string; mark: number; rock?: Rock; t: number };
      const rock = f.rock === undefined || f.rock === null ? "" : `, rock ${typeof f.rock === "number" ? f.rock : quoted(f.rock, 30, '"', '"')}`;
      return `${showName(f.fire, 40)} fires (mark ${f.mark}${rock})`;
    }
    case "select": {
      const s = (e as { select: string[] }).select;
      return s.length === 0 ? "select returns no stream" : `select returns ${listText(s)}`;
    }
    case "flush":
      return `${showName(k.stream!, 40)} flushes ${quoted((e as { data: string }).data, DESC_DATA_MAX, '"', '"')}`;
    case "read-callback":
      return `the read callback of ${showName(k.stream!, 40)} runs`;
    case "refused":
      return `adding ${showName((e as { refused: string }).refused, 40)}, which has no callback, is refused`;
    case "events": {
      const list = (e as { list: string[] }).list;
      return list.length === 0 ? `${showName(k.stream!, 40)} has no events` : `the events of ${showName(k.stream!, 40)} are ${list.map((x) => showName(x, 30)).join(", ")}`;
    }
    default:
      return readSentence(k.op!, k.stream!, e as ReadResult);
  }
}

function streamSettings(spec: StreamSpec): string[] {
  const out: string[] = [];
  if (spec.timeout !== undefined && spec.timeout > 0) out.push(`timeout ${num(spec.timeout)}`);
  if (spec.nonBlocking) out.push("non-blocking");
  if (spec.flushOnRead) out.push("flush on read");
  return out;
}

const WAKE_WORDS: Record<WakeReason, string> = { input: "input", end: "the end of the input", mark: "a mark", timeout: "the timeout" };

/** A wait in words. */
function waitSentence(wait: Wait): string {
  const span = wait.from === wait.to ? `at ${wait.from}` : `from ${wait.from} to ${wait.to}`;
  const passes = `${wait.passes.length === 1 ? "one pass" : `passes`} at ${wait.passes.join(", ")}`;
  const wakes = wait.wakes.map((k) => `at ${k.t} for ${WAKE_WORDS[k.why]}`);
  return `${showName(wait.stream, 40)} waits ${span}, ${passes}${wakes.length > 0 ? `, waking ${wakes.join(", ")}` : ""}`;
}

/** The text description: the streams, their input, the waits, then the trace in words. */
function describe(c: Case, laneNames: string[], o: TimelineOptions): string {
  const waits = o.waits ?? [];
  const traceName = o.traceName ?? "Expected trace";
  const parts: string[] = [];
  for (const name of laneNames) {
    const spec = c.streams[name] ?? {};
    const settings = streamSettings(spec);
    const input = (spec.input ?? []).map((i) => `${quoted(i.data, DESC_DATA_MAX, '"', '"')} at ${i.at}`);
    let s = `Stream ${showName(name, 40)}${settings.length > 0 ? ` (${settings.join(", ")})` : ""}: `;
    s += input.length > 0 ? `input ${input.join(", ")}` : "no input";
    s += spec.end !== undefined ? `; the input ends at ${spec.end}.` : "; the input never ends.";
    parts.push(s);
  }
  const trace: string[] = [];
  let lastT: number | undefined;
  for (const e of c.expect) {
    if (e.t === lastT) trace[trace.length - 1] += `; ${sentence(e)}`;
    else trace.push(`t=${e.t}: ${sentence(e)}`);
    lastT = e.t;
  }
  if (waits.length > 0) parts.push(`Waits: ${waits.map(waitSentence).join("; ")}.`);
  parts.push(trace.length > 0 ? `${traceName}: ${trace.join(". ")}.` : `${traceName}: nothing happens.`);
  const from = o.differsFrom === undefined ? undefined : c.expect[o.differsFrom];
  if (from !== undefined) parts.push(`It differs from the expected trace from the entry at t=${from.t} on.`);
  return parts.join(" ");
}

// ---------------------------------------------------------------------------
// The time axis

interface Axis {
  min: number;
  max: number;
  ticks: number[];
  x(t: number): number;
}

/** The smallest step among 1, 2, 5, 10, 20, 50... that gives at most `labels` labels. */
function niceStep(span: number, labels: number): number {
  for (let p = 1; ; p *= 10) {
    for (const m of [1, 2, 5]) {
      const step = m * p;
      if (Math.floor(span / step) + 1 <= labels) return step;
    }
    if (p > 1e15) return p;
  }
}

function makeAxis(core: number[], marks: number[], x1: number): Axis {
  let lo = Math.min(0, ...core);
  let hi = Math.max(0, ...core);
  // Marks far outside the times of the case would crush it: they are drawn clipped at the edge instead.
  const reach = Math.max(hi - lo, 5) * 0.5;
  for (const m of marks) {
    if (m < lo && m >= lo - reach) lo = m;
    if (m > hi && m <= hi + reach) hi = m;
  }
  // At least 4 ticks, so that a case that happens at once still reads as a timeline.
  hi = Math.max(hi, lo + 4);
  const span = hi - lo;
  // About one label per 80 units: ten on the usual width, four on a phone's.
  const step = niceStep(span, Math.max(4, Math.floor((x1 - X0) / 75)));
  // Starting at a multiple of the step would waste room when a few marks go just below 0.
  const min = lo % step === 0 ? lo : lo - Math.min(step * 0.35, span * 0.03);
  const max = hi + Math.max(step * 0.35, span * 0.04);
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) ticks.push(Object.is(v, -0) ? 0 : v);
  const scale = (x1 - X0) / (max - min);
  return { min, max, ticks, x: (t) => X0 + (t - min) * scale };
}

// ---------------------------------------------------------------------------
// Layout

/** Where an item's label goes and how much room the item takes on its row. */
function placeLabel(it: Item, edgeRight: number): void {
  const w = it.label.reduce((sum, s) => sum + textWidth(s.text, s.bold === true), 0);
  const left = Math.min(it.x, it.markX ?? it.x) - 7;
  const right = Math.max(it.x, it.markX ?? it.x) + 7;
  const startRight = it.x + LABEL_OFFSET;
  if (startRight + w <= edgeRight) {
    it.anchor = "start";
    it.textX = startRight;
    it.from = left;
    it.to = startRight + w + GAP;
    return;
  }
  // No room on the right: the label goes before the marker, and before the mark's connector when it fits there.
  const beforeAll = left - 2;
  it.anchor = "end";
  it.textX = beforeAll - w >= EDGE_LEFT ? beforeAll : Math.max(it.x - LABEL_OFFSET, EDGE_LEFT + w);
  it.from = it.textX - w - GAP;
  it.to = right;
}

/**
 * Gives each item a row of its lane so that no two overlap; items at the
 * same time are stacked downwards in their order (inputs, end, then trace
 * order). Returns the number of rows.
 */
function pack(items: Item[]): number {
  const rows: Array<Array<[number, number]>> = [];
  let prev: Item | undefined;
  for (const it of items) {
    let r = prev !== undefined && prev.t === it.t ? prev.row + 1 : 0;
    while (rows[r]?.some(([a, b]) => a < it.to && it.from < b)) r++;
    (rows[r] ??= []).push([it.from, it.to]);
    it.row = r;
    prev = it;
  }
  return rows.length;
}

// ---------------------------------------------------------------------------
// Drawing

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .flatMap(([k, v]) => (v === undefined ? [] : [` ${k}="${escapeHtml(typeof v === "number" ? f(v) : v)}"`]))
    .join("");
}

/** A text with a white halo so that it stays legible over lines. */
function label(x: number, y: number, spans: Span[], fill: string, anchor: "start" | "end"): string {
  const body = spans.map((s) => (s.bold ? `<tspan font-weight="600">${escapeHtml(s.text)}</tspan>` : escapeHtml(s.text))).join("");
  return `<text${attrs({ x, y, fill, "text-anchor": anchor === "end" ? "end" : undefined, stroke: C.background, "stroke-width": 3, "paint-order": "stroke" })}>${body}</text>`;
}

/** The marker of an item, centred on (x, y). */
function shape(it: Item, x: number, y: number): string {
  const p = it.palette;
  const common = { fill: p.fill, stroke: p.stroke, "stroke-width": 1.5 };
  switch (it.kind) {
    case "input": // an arrow head pointing down into the stream
      return `<path${attrs({ d: `M${f(x - 6)} ${f(y - 5)}H${f(x + 6)}L${f(x)} ${f(y + 5)}Z`, ...common })}/>`;
    case "end": // a bar
      return `<rect${attrs({ x: x - 2, y: y - 7, width: 4, height: 14, fill: p.fill, rx: 1 })}/>`;
    case "fire": // a diamond
      return `<path${attrs({ d: `M${f(x)} ${f(y - 6.5)}L${f(x + 6.5)} ${f(y)}L${f(x)} ${f(y + 6.5)}L${f(x - 6.5)} ${f(y)}Z`, ...common })}/>`;
    case "read": {
      if (it.outcome === "error" || it.outcome === "blocked") {
        // a square with a cross
        return (
          `<rect${attrs({ x: x - 5.5, y: y - 5.5, width: 11, height: 11, rx: 1.5, ...common })}/>` +
          `<path${attrs({ d: `M${f(x - 3)} ${f(y - 3)}L${f(x + 3)} ${f(y + 3)}M${f(x + 3)} ${f(y - 3)}L${f(x - 3)} ${f(y + 3)}`, stroke: "#ffffff", "stroke-width": 1.8, "stroke-linecap": "round" })}/>`
        );
      }
      const hollow = it.outcome === "eof" || it.outcome === "wouldblock";
      return `<circle${attrs({ cx: x, cy: y, r: 5.5, ...common, fill: hollow ? C.background : p.fill, "stroke-width": hollow ? 2 : 1.5 })}/>`;
    }
    case "select": // a rounded square
      return `<rect${attrs({ x: x - 5.5, y: y - 5.5, width: 11, height: 11, rx: 3, ...common })}/>`;
    case "flush": // an arrow head pointing up, out of the stream
      return `<path${attrs({ d: `M${f(x - 6)} ${f(y + 5)}H${f(x + 6)}L${f(x)} ${f(y - 5)}Z`, ...common })}/>`;
    case "refused": // a struck-out circle: an event that never got on the list
      return (
        `<circle${attrs({ cx: x, cy: y, r: 5.5, ...common, fill: C.background, "stroke-width": 1.5 })}/>` +
        `<path${attrs({ d: `M${f(x - 3.9)} ${f(y + 3.9)}L${f(x + 3.9)} ${f(y - 3.9)}`, stroke: p.stroke, "stroke-width": 1.5 })}/>`
      );
    case "read-callback": {
      // a hexagon
      const pts = [0, 1, 2, 3, 4, 5].map((i) => {
        const a = (Math.PI / 3) * i;
        return `${f(x + 6 * Math.cos(a))} ${f(y + 6 * Math.sin(a))}`;
      });
      return `<path${attrs({ d: `M${pts.join("L")}Z`, ...common })}/>`;
    }
    default: // events: a list
      return (
        `<rect${attrs({ x: x - 5.5, y: y - 5.5, width: 11, height: 11, rx: 1.5, ...common, "stroke-width": 1.2 })}/>` +
        `<path${attrs({ d: `M${f(x - 3)} ${f(y - 2.2)}H${f(x + 3)}M${f(x - 3)} ${f(y + 0.2)}H${f(x + 3)}M${f(x - 3)} ${f(y + 2.6)}H${f(x + 3)}`, stroke: p.stroke, "stroke-width": 1 })}/>`
      );
  }
}

/** The sign of why a wait woke, centred on (x, y): input an arrow down, the end a bar, a mark a diamond, the timeout a cross. */
function wakeSign(why: WakeReason, x: number, y: number): string {
  const d = `data-wake="${why}"`;
  switch (why) {
    case "input":
      return `<path ${d}${attrs({ d: `M${f(x - 5)} ${f(y - 11)}H${f(x + 5)}L${f(x)} ${f(y - 3)}Z`, fill: C.input.fill, stroke: C.input.stroke, "stroke-width": 1.2 })}/>`;
    case "end":
      return `<rect ${d}${attrs({ x: x - 1.5, y: y - 12, width: 3, height: 9, fill: C.end.fill })}/>`;
    case "mark":
      return `<path ${d}${attrs({ d: `M${f(x)} ${f(y - 12)}L${f(x + 4.5)} ${f(y - 7.5)}L${f(x)} ${f(y - 3)}L${f(x - 4.5)} ${f(y - 7.5)}Z`, fill: C.fire.fill, stroke: C.fire.stroke, "stroke-width": 1.2 })}/>`;
    default:
      return `<path ${d}${attrs({ d: `M${f(x - 4)} ${f(y - 11)}L${f(x + 4)} ${f(y - 3)}M${f(x + 4)} ${f(y - 11)}L${f(x - 4)} ${f(y - 3)}`, stroke: C.error.stroke, "stroke-width": 2, "stroke-linecap": "round" })}/>`;
  }
}

/** What a timeline shows, in words: its streams and input, the waits, then the trace, as its SVG describes itself. */
export function timelineWords(c: Case, o: TimelineOptions = {}): string {
  const names = [...Object.keys(c.streams)];
  for (const e of c.expect) {
    const k = entryKind(e);
    if (k.stream !== undefined && !names.includes(k.stream)) names.push(k.stream);
  }
  return describe(c, names, o);
}

/** A safe prefix for the IDs of one case's SVG. */
function idPrefix(id: string): string {
  // Other characters (and "_", so that no two IDs meet) become "_" and their code in hex.
  const clean = Array.from(id, (ch) => (/[A-Za-z0-9-]/.test(ch) ? ch : `_${(ch.codePointAt(0) ?? 0).toString(16)}`)).join("");
  return `tl-${clean}`;
}

/** What a timeline shows beside the case's own data. */
export interface TimelineOptions {
  /** The waits of the case's reads (from `waitsOf`), drawn under each lane's markers. */
  waits?: Wait[] | undefined;
  /** The index of the first entry of `c.expect` that differs from the expected trace: it and those after it are marked. */
  differsFrom?: number | undefined;
  /** What the trace is called in the description; default "Expected trace". */
  traceName?: string;
  /** Added to the IDs of the SVG, so that two drawings of one case can share a page. */
  idSuffix?: string;
  /** The drawing's width in user units (800 unless given): narrower for a phone, where one unit is one pixel. */
  width?: number | undefined;
  /**
   * The id of an element of the page that already tells the timeline in
   * words (from `timelineWords`): the SVG is described by it rather than
   * carry the same words again.
   */
  describedBy?: string | undefined;
}

/**
 * Renders a case as a self-contained, accessible inline SVG timeline.
 *
 * The SVG scales to its container's width (`width="100%"` with a `viewBox`
 * 800 units wide); its accessible name is the case title, its description
 * the input and the expected trace in words (its own, or the page's element
 * `describedBy`). Every marker of
 * a trace entry carries `data-kind` (`fire`, `read`, `select`, `flush`,
 * `read-callback`, `events`) and `data-entry` (its index in `c.expect`);
 * input arrivals and ends carry `data-kind="input"` and `data-kind="end"`.
 */
export function renderTimeline(c: Case, o: TimelineOptions = {}): string {
  const prefix = idPrefix(o.idSuffix === undefined ? c.id : `${c.id}-${o.idSuffix}`);
  const waits = o.waits ?? [];
  const events = c.events ?? {};

  // Lanes: the streams in the order they are written, then any stream only the trace names.
  const lanes: Lane[] = [];
  const laneIndex = new Map<string, number>();
  const laneOf = (name: string): number => {
    let i = laneIndex.get(name);
    if (i === undefined) {
      i = lanes.length;
      laneIndex.set(name, i);
      lanes.push({ name, spec: Object.prototype.hasOwnProperty.call(c.streams, name) ? c.streams[name]! : {}, items: [], rows: 1, top: 0, bottom: 0 });
    }
    return i;
  };
  for (const name of Object.keys(c.streams)) laneOf(name);

  const items: Item[] = [];
  const blank = { x: 0, textX: 0, anchor: "start" as const, from: 0, to: 0, row: 0 };

  for (const lane of [...lanes]) {
    const i = laneIndex.get(lane.name)!;
    for (const inp of lane.spec.input ?? []) {
      items.push({ ...blank, kind: "input", t: inp.at, lane: i, label: [{ text: `in ${quoted(inp.data, DATA_MAX)}` }], palette: C.input });
    }
    if (lane.spec.end !== undefined) {
      const fails = lane.spec.error === undefined ? "end" : `input fails: ${showData(lane.spec.error, 32)}`;
      items.push({ ...blank, kind: "end", t: lane.spec.end, lane: i, label: [{ text: fails }], palette: C.end });
    }
  }

  // Select entries are matched, in order, with the select steps to know which streams each one was given.
  const selectSteps = c.steps.flatMap((s) => ("select" in s ? [s.select.streams] : []));
  let selects = 0;

  c.expect.forEach((e, entry) => {
    const k = entryKind(e);
    const base = { ...blank, t: e.t, entry };
    switch (k.kind) {
      case "fire": {
        const fe = e as { fire: string; mark: number; rock?: Rock };
        const stream = Object.prototype.hasOwnProperty.call(events, fe.fire) ? events[fe.fire]!.stream : (Object.keys(c.streams)[0] ?? "?");
        const label: Span[] = [{ text: "fire " }, { text: showName(fe.fire), bold: true }];
        const rock = showRock(fe.rock);
        if (rock !== "") label.push({ text: ` · rock ${rock}` });
        items.push({ ...base, kind: "fire", lane: laneOf(stream), event: fe.fire, mark: fe.mark, label, palette: C.fire });
        break;
      }
      case "select": {
        const ready = (e as { select: string[] }).select;
        const given = selectSteps[selects++] ?? ready;
        items.push({
          ...base,
          kind: "select",
          lane: -1,
          selected: given,
          ready,
          label: [{ text: "select → " }, { text: ready.length === 0 ? "none" : listText(ready), bold: ready.length > 0 }],
          palette: C.select,
        });
        break;
      }
      case "flush":
        items.push({ ...base, kind: "flush", lane: laneOf(k.stream!), label: [{ text: `flush ${quoted((e as { data: string }).data, DATA_MAX)}` }], palette: C.flush });
        break;
      case "read-callback":
        items.push({ ...base, kind: "read-callback", lane: laneOf(k.stream!), label: [{ text: "read callback runs" }], palette: C.callback });
        break;
      case "refused": {
        const name = (e as { refused: string }).refused;
        const stream = Object.prototype.hasOwnProperty.call(events, name) ? events[name]!.stream : (Object.keys(c.streams)[0] ?? "?");
        items.push({ ...base, kind: "refused", lane: laneOf(stream), event: name, label: [{ text: "refused " }, { text: showName(name), bold: true }, { text: " (no callback)" }], palette: C.error });
        break;
      }
      case "events": {
        const list = (e as { list: string[] }).list;
        const text = list.length === 0 ? "none" : showData(list.map((x) => showName(x)).join(", "), 36);
        items.push({ ...base, kind: "events", lane: laneOf(k.stream!), label: [{ text: `events: ${text}` }], palette: C.events });
        break;
      }
      default: {
        const r = e as ReadResult;
        const outcome = readOutcome(r);
        const bad = outcome === "error" || outcome === "blocked";
        items.push({ ...base, kind: "read", lane: laneOf(k.stream!), outcome, label: [{ text: readLabel(k.op!, r) }], palette: bad ? C.error : C.read });
      }
    }
  });

  // The axis covers every time of the case and the marks near them.
  const core = [...items.map((it) => it.t), ...waits.flatMap((w) => [w.from, w.to])];
  const marks = items.flatMap((it) => (it.mark !== undefined ? [it.mark] : []));
  const width = o.width ?? WIDTH;
  const x1 = width - X1_MARGIN;
  const axis = makeAxis(core, marks, x1);

  for (const it of items) {
    it.x = axis.x(it.t);
    if (it.mark !== undefined && it.mark !== it.t) {
      if (it.mark < axis.min) {
        it.markX = X0 - 10;
        it.markClipped = "left";
      } else if (it.mark > axis.max) {
        it.markX = x1 + 10;
        it.markClipped = "right";
      } else it.markX = axis.x(it.mark);
      if (it.markClipped) it.label.push({ text: ` · mark ${num(it.mark)}` });
    }
    placeLabel(it, width - EDGE_RIGHT_MARGIN);
  }

  // Rows: each lane (and the select strip) packs its items, in time order, then the order above.
  const order = new Map(items.map((it, i) => [it, i]));
  const byTime = (a: Item, b: Item) => a.t - b.t || order.get(a)! - order.get(b)!;
  const strip = items.filter((it) => it.lane === -1).sort(byTime);
  for (const it of items) if (it.lane >= 0) lanes[it.lane]!.items.push(it);
  for (const lane of lanes) {
    lane.items.sort(byTime);
    lane.rows = pack(lane.items);
  }
  const stripRows = strip.length > 0 ? pack(strip) : 0;

  // Vertical layout.
  let y = 8;
  const stripTop = y;
  if (strip.length > 0) y += LANE_HEADER + stripRows * ROW + LANE_PAD_BOTTOM + LANE_GAP;
  const waitsOn = (lane: Lane): Wait[] => waits.filter((w) => w.stream === lane.name);
  for (const lane of lanes) {
    lane.top = y;
    lane.bottom = y + LANE_HEADER + lane.rows * ROW + (waitsOn(lane).length > 0 ? WAIT_ROW : 0) + LANE_PAD_BOTTOM;
    y = lane.bottom + LANE_GAP;
  }
  const plotTop = 8;
  const axisY = y + 4;
  const height = axisY + 40;
  const rowY = (top: number, row: number) => top + LANE_HEADER + row * ROW + ROW / 2;
  const itemY = (it: Item) => (it.lane === -1 ? rowY(stripTop, it.row) : rowY(lanes[it.lane]!.top, it.row));

  const out: string[] = [];
  const titleId = `${prefix}-title`;
  const descId = `${prefix}-desc`;
  // Shared presentation is set once, where every element inherits it: the font, and round joins for every outline and halo.
  const labelled = o.describedBy === undefined ? { "aria-labelledby": `${titleId} ${descId}` } : { "aria-labelledby": titleId, "aria-describedby": o.describedBy };
  out.push(
    `<svg${attrs({ xmlns: "http://www.w3.org/2000/svg", viewBox: `0 0 ${width} ${f(height)}`, width: "100%", role: "img", ...labelled, "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "font-size": FONT, "stroke-linejoin": "round", class: "prot-timeline", "data-case": showText(c.id) })}>`,
  );
  out.push(`<title id="${escapeHtml(titleId)}">${escapeHtml(showText(c.title))}</title>`);
  if (o.describedBy === undefined) {
    out.push(
      `<desc id="${escapeHtml(descId)}">${escapeHtml(
        describe(
          c,
          lanes.map((l) => l.name),
          o,
        ),
      )}</desc>`,
    );
  }
  out.push(`<rect${attrs({ width, height, fill: C.background })}/>`);

  // Lane backgrounds.
  if (strip.length > 0) {
    out.push(
      `<rect${attrs({ x: 2, y: stripTop, width: width - 4, height: LANE_HEADER + stripRows * ROW + LANE_PAD_BOTTOM, rx: 6, fill: C.background, stroke: C.laneBorder, "stroke-dasharray": "4 3" })}/>`,
    );
  }
  for (const lane of lanes) {
    out.push(`<rect${attrs({ x: 2, y: lane.top, width: width - 4, height: lane.bottom - lane.top, rx: 6, fill: C.lane, stroke: C.laneBorder })}/>`);
  }

  // Grid lines at the ticks.
  out.push(`<g${attrs({ stroke: C.grid, "stroke-width": 1, "aria-hidden": "true" })}>`);
  for (const v of axis.ticks) {
    const x = axis.x(v);
    out.push(`<line${attrs({ x1: x, y1: plotTop, x2: x, y2: axisY, stroke: v === 0 && axis.min < 0 ? C.gridZero : undefined })}/>`);
  }
  out.push(`</g>`);

  // Waits: a band from when the read began to wait to when it returned, a tick at each pass, a sign at each wake.
  for (const lane of lanes) {
    const yy = lane.top + LANE_HEADER + lane.rows * ROW + 8;
    for (const wait of waitsOn(lane)) {
      const x0 = axis.x(wait.from);
      const x1 = Math.max(axis.x(wait.to), x0 + 3);
      const parts = [`<rect${attrs({ x: x0, y: yy, width: x1 - x0, height: 8, rx: 2, fill: C.wait.fill, stroke: C.wait.stroke, "stroke-width": 1 })}/>`];
      for (const t of wait.passes) parts.push(`<line${attrs({ x1: axis.x(t), y1: yy - 2, x2: axis.x(t), y2: yy + 10, stroke: C.pass, "stroke-width": 2, "data-pass": String(t) })}/>`);
      for (const k of wait.wakes) parts.push(wakeSign(k.why, axis.x(k.t), yy + 4));
      out.push(`<g${attrs({ "data-kind": "wait", "data-stream": showName(lane.name, 200), "data-from": String(wait.from), "data-to": String(wait.to) })}>${parts.join("")}</g>`);
    }
  }

  // Select wake-ups: a line from the select strip across the lanes of the streams given, a dot on each (filled when ready).
  for (const it of strip) {
    const x = it.x;
    const y0 = itemY(it);
    const involved = (it.selected ?? []).map((n) => laneIndex.get(n)).filter((i): i is number => i !== undefined);
    const lowest = involved.length > 0 ? Math.max(...involved) : lanes.length - 1;
    const yEnd = lowest >= 0 ? lanes[lowest]!.bottom : y0;
    const parts: string[] = [];
    parts.push(`<line${attrs({ x1: x, y1: y0, x2: x, y2: yEnd, stroke: C.select.text, "stroke-width": 1.5, opacity: 0.85 })}/>`);
    for (const i of [...new Set(involved)].sort((a, b) => a - b)) {
      const lane = lanes[i]!;
      const isReady = it.ready?.includes(lane.name) ?? false;
      parts.push(
        `<circle${attrs({ cx: x, cy: lane.top, r: 4, fill: isReady ? C.select.fill : C.background, stroke: C.select.stroke, "stroke-width": 1.5, "data-ready": isReady ? "true" : "false", "data-stream": showName(lane.name, 200) })}/>`,
      );
    }
    parts.push(shape(it, x, y0));
    parts.push(label(it.textX, y0 + 4, it.label, it.palette.text, it.anchor));
    out.push(`<g${attrs({ "data-kind": "select", "data-entry": String(it.entry), "data-t": String(it.t) })}>${parts.join("")}</g>`);
  }

  // Headings.
  if (strip.length > 0) out.push(label(10, stripTop + 16, [{ text: "select", bold: true }, { text: " wake-ups" }], C.heading, "start"));
  for (const lane of lanes) {
    const settings = streamSettings(lane.spec);
    const spans: Span[] = [{ text: "stream " }, { text: showName(lane.name, 40), bold: true }];
    if (settings.length > 0) spans.push({ text: ` · ${settings.join(" · ")}` });
    out.push(label(10, lane.top + 16, spans, C.heading, "start"));
  }

  // Markers, lane by lane.
  for (const lane of lanes) {
    out.push(`<g${attrs({ "data-stream": showName(lane.name, 200) })}>`);
    for (const it of lane.items) {
      const yy = itemY(it);
      const parts: string[] = [];
      if (it.markX !== undefined) {
        // A thin dashed connector back to the mark.
        parts.push(`<line${attrs({ x1: it.markX, y1: yy, x2: it.x, y2: yy, stroke: it.palette.stroke, "stroke-width": 1, "stroke-dasharray": "3 3" })}/>`);
        if (it.markClipped === undefined) {
          parts.push(`<circle${attrs({ cx: it.markX, cy: yy, r: 2.5, fill: C.background, stroke: it.palette.stroke, "stroke-width": 1.2, "data-mark": String(it.mark) })}/>`);
        } else {
          const dir = it.markClipped === "left" ? -1 : 1;
          const tip = it.markX;
          parts.push(
            `<path${attrs({ d: `M${f(tip - dir * 5)} ${f(yy - 4)}L${f(tip)} ${f(yy)}L${f(tip - dir * 5)} ${f(yy + 4)}`, fill: "none", stroke: it.palette.stroke, "stroke-width": 1.2, "data-mark": String(it.mark) })}/>`,
          );
        }
      }
      const differs = o.differsFrom !== undefined && it.entry !== undefined && it.entry >= o.differsFrom;
      if (differs) parts.push(`<circle${attrs({ cx: it.x, cy: yy, r: 10, fill: "none", stroke: C.differs, "stroke-width": 1.5, "stroke-dasharray": "3 2" })}/>`);
      parts.push(shape(it, it.x, yy));
      parts.push(label(it.textX, yy + 4, it.label, it.palette.text, it.anchor));
      const data: Record<string, string | undefined> = {
        "data-differs": differs ? "true" : undefined,
        "data-kind": it.kind,
        "data-entry": it.entry === undefined ? undefined : String(it.entry),
        "data-t": String(it.t),
        "data-outcome": it.outcome,
        "data-event": it.event === undefined ? undefined : showName(it.event, 200),
      };
      out.push(`<g${attrs(data)}>${parts.join("")}</g>`);
    }
    out.push(`</g>`);
  }

  // The axis.
  // Its lines in one group and its labels in another, each group holding what its members share.
  out.push(`<g${attrs({ "aria-hidden": "true" })}>`);
  out.push(`<g${attrs({ stroke: C.axis, "stroke-width": 1 })}><line${attrs({ x1: X0, y1: axisY, x2: x1, y2: axisY })}/>`);
  for (const v of axis.ticks) out.push(`<line${attrs({ x1: axis.x(v), y1: axisY, x2: axis.x(v), y2: axisY + 5 })}/>`);
  out.push(`</g><g${attrs({ fill: C.axisText, "font-size": SMALL, "text-anchor": "middle" })}>`);
  for (const v of axis.ticks) out.push(`<text${attrs({ x: axis.x(v), y: axisY + 18, "data-tick": String(v) })}>${escapeHtml(num(v))}</text>`);
  out.push(`<text${attrs({ x: x1, y: axisY + 33, fill: C.headingSoft, "text-anchor": "end" })}>virtual time (ticks)</text>`);
  out.push(`</g></g>`);
  out.push(`</svg>`);
  return out.join("");
}

/**
 * The legend of the timelines, as HTML: every sign they draw with what it
 * means. The signs are drawn by the same code as the timelines.
 */
export function timelineLegend(): string {
  const item = (kind: Kind, palette: Palette, outcome?: string): Item => ({ kind, palette, outcome, t: 0, lane: 0, label: [], x: 0, textX: 0, anchor: "start", from: 0, to: 0, row: 0 }) as Item;
  const icon = (body: string, width = 24): string => `<svg viewBox="0 0 ${width} 24" width="${width}" height="24" stroke-linejoin="round" aria-hidden="true" focusable="false">${body}</svg>`;
  const entries: Array<[string, string]> = [
    [icon(shape(item("input", C.input), 12, 12)), "input arrives on the stream"],
    [icon(shape(item("end", C.end), 12, 12)), "the stream's input ends"],
    [
      icon(
        `<line${attrs({ x1: 5, y1: 12, x2: 28, y2: 12, stroke: C.fire.stroke, "stroke-dasharray": "3 3" })}/><circle${attrs({ cx: 5, cy: 12, r: 2.5, fill: C.background, stroke: C.fire.stroke, "stroke-width": 1.2 })}/>${shape(item("fire", C.fire), 30, 12)}`,
        40,
      ),
      "a wait event fires; the dashed line goes back to the mark it was due at",
    ],
    [icon(shape(item("read", C.read, "line"), 12, 12)), "a read returns a line, a byte or data"],
    [icon(shape(item("read", C.read, "eof"), 12, 12)), "a read returns end of file, or would block"],
    [icon(shape(item("read", C.error, "error"), 12, 12)), "a read fails, or blocks for ever"],
    [icon(shape(item("flush", C.flush), 12, 12)), "the paired writer's output is flushed"],
    [icon(shape(item("read-callback", C.callback), 12, 12)), "the read callback runs"],
    [icon(shape(item("events", C.events), 12, 12)), "the stream's events are listed"],
    [icon(shape(item("refused", C.error), 12, 12)), "adding an event without a callback is refused"],
    [icon(shape(item("select", C.select), 12, 12)), "select returns; a filled dot on a stream: reported ready"],
    [
      icon(
        `<rect${attrs({ x: 3, y: 12, width: 34, height: 8, rx: 2, fill: C.wait.fill, stroke: C.wait.stroke })}/><line${attrs({ x1: 8, y1: 10, x2: 8, y2: 22, stroke: C.pass, "stroke-width": 2 })}/><line${attrs({ x1: 30, y1: 10, x2: 30, y2: 22, stroke: C.pass, "stroke-width": 2 })}/>`,
        40,
      ),
      "a read waits (the band); each tick is a pass over the stream's events",
    ],
    [icon(wakeSign("input", 12, 20)), "the wait woke: input came"],
    [icon(wakeSign("mark", 12, 20)), "the wait woke: a mark was due"],
    [icon(wakeSign("timeout", 12, 20)), "the wait woke: the read timeout was due"],
    [icon(wakeSign("end", 12, 20)), "the wait woke: the input ended"],
    [icon(`<circle${attrs({ cx: 12, cy: 12, r: 10, fill: "none", stroke: C.differs, "stroke-width": 1.5, "stroke-dasharray": "3 2" })}/>`), "differs from the expected trace"],
  ];
  return `<figure class="tl-legend"><figcaption>How to read a timeline</figcaption><ul>${entries.map(([i, t]) => `<li>${i}<span>${escapeHtml(t)}</span></li>`).join("")}</ul><p>Time runs left to right in virtual ticks; each stream has its own lane, and labels spell control bytes as C escapes (<code>\\n</code>, <code>\\r</code>, <code>\\x00</code>).</p></figure>`;
}
