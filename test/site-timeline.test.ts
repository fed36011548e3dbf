import { describe, expect, it } from "vitest";
import { type Case, type TraceEntry, loadSuite } from "prot-conformance";
import { renderTimeline, timelineLegend, timelineWords } from "../site/timeline.js";
import { waitsOf } from "../site/waits.js";

const suite = loadSuite();
const byId = (id: string): Case => {
  const c = suite.cases.find((x) => x.id === id);
  if (c === undefined) throw new Error(`no case ${id}`);
  return c;
};

// ---------------------------------------------------------------------------
// A minimal XML parser: enough to check that the output is well-formed and to query it.

interface El {
  name: string;
  attrs: Record<string, string>;
  children: Array<El | string>;
  parent?: El;
}

const NAME = /^[A-Za-z_][\w.:-]*/;
// Characters XML 1.0 does not allow (C0 controls other than tab, LF and CR; lone surrogates; U+FFFE, U+FFFF).
const INVALID_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Decodes the references of a text or attribute value, failing on a bare `&` or an unknown entity. */
function decode(s: string, where: string): string {
  return s.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) throw new Error(`${where}: bare & in ${JSON.stringify(s)}`);
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (m === null) throw new Error(`${where}: unknown reference &${ref};`);
    return String.fromCodePoint(m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10));
  });
}

function parseXml(src: string): El {
  if (INVALID_CHAR.test(src)) throw new Error(`a character XML does not allow at ${src.search(INVALID_CHAR)}`);
  let i = 0;
  const stack: El[] = [];
  let root: El | undefined;
  const fail = (what: string): never => {
    throw new Error(`${what} at ${i}: ${JSON.stringify(src.slice(Math.max(0, i - 40), i + 40))}`);
  };
  const skipSpace = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  if (src.startsWith("<?xml")) {
    const end = src.indexOf("?>");
    if (end < 0) fail("unterminated declaration");
    i = end + 2;
  }
  while (i < src.length) {
    if (src.startsWith("<!--", i)) {
      const end = src.indexOf("-->", i + 4);
      if (end < 0) fail("unterminated comment");
      i = end + 3;
    } else if (src.startsWith("</", i)) {
      i += 2;
      const name = NAME.exec(src.slice(i))?.[0] ?? fail("bad closing tag");
      i += name.length;
      skipSpace();
      if (src[i] !== ">") fail("bad closing tag");
      i++;
      const open = stack.pop() ?? fail(`</${name}> closes nothing`);
      if (open.name !== name) fail(`</${name}> closes <${open.name}>`);
    } else if (src[i] === "<") {
      i++;
      const name = NAME.exec(src.slice(i))?.[0] ?? fail("bad tag name");
      i += name.length;
      const el: El = { name, attrs: {}, children: [] };
      for (;;) {
        const before = i;
        skipSpace();
        if (src.startsWith("/>", i) || src[i] === ">") break;
        if (i === before) fail("attributes must be separated by spaces");
        const attr = NAME.exec(src.slice(i))?.[0] ?? fail("bad attribute name");
        i += attr.length;
        if (src[i] !== "=") fail(`attribute ${attr} without a value`);
        i++;
        const quote = src[i];
        if (quote !== '"' && quote !== "'") fail(`attribute ${attr} not quoted`);
        const end = src.indexOf(quote!, i + 1);
        if (end < 0) fail("unterminated attribute");
        const raw = src.slice(i + 1, end);
        if (raw.includes("<")) fail(`< in attribute ${attr}`);
        if (attr in el.attrs) fail(`attribute ${attr} twice`);
        el.attrs[attr] = decode(raw, `attribute ${attr}`);
        i = end + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent === undefined) {
        if (root !== undefined) fail("a second root element");
        root = el;
      } else {
        el.parent = parent;
        parent.children.push(el);
      }
      if (src.startsWith("/>", i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
    } else {
      const end = src.indexOf("<", i);
      const raw = src.slice(i, end < 0 ? src.length : end);
      const parent = stack[stack.length - 1];
      if (parent === undefined) {
        if (raw.trim() !== "") fail("text outside the root element");
      } else {
        if (raw.includes("]]>")) fail("]]> in text");
        parent.children.push(decode(raw, "text"));
      }
      i += raw.length;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root === undefined) throw new Error("no root element");
  return root;
}

function all(el: El, pred: (e: El) => boolean = () => true): El[] {
  const out: El[] = [];
  const walk = (e: El) => {
    if (pred(e)) out.push(e);
    for (const c of e.children) if (typeof c !== "string") walk(c);
  };
  walk(el);
  return out;
}

function text(el: El): string {
  return el.children.map((c) => (typeof c === "string" ? c : text(c))).join("");
}

function ancestor(el: El, pred: (e: El) => boolean): El | undefined {
  for (let p = el.parent; p !== undefined; p = p.parent) if (pred(p)) return p;
  return undefined;
}

/** A presentation attribute as the element gets it: its own, or the nearest ancestor's that sets it. */
function inherited(el: El, name: string): string | undefined {
  return el.attrs[name] ?? ancestor(el, (p) => p.attrs[name] !== undefined)?.attrs[name];
}

/** The label of a marker group: its text element. */
function labelOf(g: El): El {
  const t = all(g, (e) => e.name === "text");
  expect(t.length).toBe(1);
  return t[0]!;
}

function num(el: El, attr: string): number {
  const v = el.attrs[attr];
  if (v === undefined) throw new Error(`<${el.name}> has no ${attr}`);
  return Number(v);
}

/** The x of a firing's marker: the centre of its diamond. */
function markerX(g: El): number {
  const diamond = all(g, (e) => e.name === "path" && e.attrs["data-mark"] === undefined)[0]!;
  const xs = [...diamond.attrs.d!.matchAll(/[ML](-?[\d.]+) /g)].map((m) => Number(m[1]));
  expect(xs).toHaveLength(4);
  return (Math.min(...xs) + Math.max(...xs)) / 2;
}

function entryKind(e: TraceEntry): string {
  if ("fire" in e) return "fire";
  if ("select" in e) return "select";
  if ("flush" in e) return "flush";
  if ("read-callback" in e) return "read-callback";
  if ("events" in e) return "events";
  if ("refused" in e) return "refused";
  return "read";
}

function relativeLuminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (m === null) throw new Error(`not a #rrggbb colour: ${hex}`);
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [l1, l2] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (l1! + 0.05) / (l2! + 0.05);
}

// ---------------------------------------------------------------------------

describe("renderTimeline on every case of the suite", () => {
  it.each(suite.cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const svg = renderTimeline(c);
    expect(renderTimeline(c)).toBe(svg); // deterministic
    const root = parseXml(svg);

    // A standalone, scalable, accessible SVG.
    expect(root.name).toBe("svg");
    expect(root.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    expect(root.attrs.width).toBe("100%");
    expect(root.attrs.height).toBeUndefined();
    const vb = root.attrs.viewBox!.split(" ").map(Number);
    expect(vb.slice(0, 3)).toEqual([0, 0, 800]);
    expect(vb[3]).toBeGreaterThan(60);
    expect(vb[3]).toBeLessThan(1200);
    expect(root.attrs.role).toBe("img");
    expect(root.attrs["font-family"]).toMatch(/system-ui.*sans-serif/);
    const labelled = root.attrs["aria-labelledby"]!.split(" ");
    const title = root.children.find((e): e is El => typeof e !== "string" && e.name === "title");
    const desc = root.children.find((e): e is El => typeof e !== "string" && e.name === "desc");
    expect(title).toBeDefined();
    expect(desc).toBeDefined();
    expect(labelled).toEqual([title!.attrs.id, desc!.attrs.id]);
    expect(text(title!)).toBe(c.title);
    expect(text(desc!)).toMatch(/Expected trace: t=/);
    for (const e of c.expect) expect(text(desc!)).toContain(`t=${e.t}: `);

    // IDs: unique and prefixed with the case's ID.
    const ids = all(root, (e) => e.attrs.id !== undefined).map((e) => e.attrs.id!);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.startsWith(`tl-${c.id}-`)).toBe(true);

    // One marker per trace entry, of the entry's kind; one per input arrival and per end.
    const markers = all(root, (e) => e.name === "g" && e.attrs["data-entry"] !== undefined);
    expect(markers.map((g) => Number(g.attrs["data-entry"])).sort((a, b) => a - b)).toEqual(c.expect.map((_, i) => i));
    for (const g of markers) {
      const e = c.expect[Number(g.attrs["data-entry"])]!;
      expect(g.attrs["data-kind"]).toBe(entryKind(e));
      expect(Number(g.attrs["data-t"])).toBe(e.t);
    }
    const streams = Object.values(c.streams);
    expect(all(root, (e) => e.attrs["data-kind"] === "input")).toHaveLength(streams.reduce((n, s) => n + (s.input?.length ?? 0), 0));
    expect(all(root, (e) => e.attrs["data-kind"] === "end")).toHaveLength(streams.filter((s) => s.end !== undefined).length);

    // Entries at the same time on the same lane are stacked, in trace order.
    const lanes = new Map<string, El[]>();
    for (const g of markers) {
      const lane = ancestor(g, (p) => p.attrs["data-stream"] !== undefined)?.attrs["data-stream"] ?? "(select)";
      lanes.set(lane, [...(lanes.get(lane) ?? []), g]);
    }
    for (const gs of lanes.values()) {
      const sorted = gs.sort((a, b) => Number(a.attrs["data-entry"]) - Number(b.attrs["data-entry"]));
      for (let i = 0; i < sorted.length; i++) {
        for (let j = i + 1; j < sorted.length; j++) {
          if (sorted[i]!.attrs["data-t"] !== sorted[j]!.attrs["data-t"]) continue;
          expect(num(labelOf(sorted[j]!), "y")).toBeGreaterThan(num(labelOf(sorted[i]!), "y"));
        }
      }
    }

    // Text: legible sizes, inside the drawing, AA contrast on white and on the lanes' background.
    for (const t of all(root, (e) => e.name === "text")) {
      expect(Number(inherited(t, "font-size"))).toBeGreaterThanOrEqual(11);
      expect(num(t, "x")).toBeGreaterThanOrEqual(0);
      expect(num(t, "x")).toBeLessThanOrEqual(800);
      expect(num(t, "y")).toBeLessThanOrEqual(vb[3]!);
      expect(contrast(inherited(t, "fill")!, "#ffffff")).toBeGreaterThanOrEqual(4.5);
      expect(contrast(inherited(t, "fill")!, "#f8fafc")).toBeGreaterThanOrEqual(4.5);
    }

    // The axis: a nice step, about 5 to 10 labels, from 0 or below to past the last time.
    const ticks = all(root, (e) => e.attrs["data-tick"] !== undefined).map((e) => Number(e.attrs["data-tick"]));
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks.length).toBeLessThanOrEqual(11);
    const step = ticks[1]! - ticks[0]!;
    expect(step / 10 ** Math.floor(Math.log10(step))).toSatisfy((m: number) => [1, 2, 5].includes(m));
    ticks.forEach((v, k) => expect(v).toBe(ticks[0]! + k * step));
    expect(ticks[0]!).toBeLessThanOrEqual(0);
    expect(ticks[ticks.length - 1]! + step).toBeGreaterThan(Math.max(...c.expect.map((e) => e.t)));
  });

  it("gives IDs that stay unique when every case shares one page", () => {
    const ids = suite.cases.flatMap((c) => [...renderTimeline(c).matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!));
    expect(ids.length).toBeGreaterThan(suite.cases.length);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("what the picture shows", () => {
  it("labels the three firings of fire-list-order-not-mark-order c, a, b, stacked in trace order with dashed connectors back to their marks", () => {
    const root = parseXml(renderTimeline(byId("fire-list-order-not-mark-order")));
    const fires = all(root, (e) => e.attrs["data-kind"] === "fire");
    expect(fires.map((g) => g.attrs["data-event"])).toEqual(["c", "a", "b"]);
    expect(fires.map((g) => text(labelOf(g)))).toEqual(["fire c", "fire a", "fire b"]);
    // All three happen at t=40: same x, one below the other in the order of the trace.
    const xs = fires.map(markerX);
    expect(new Set(xs).size).toBe(1);
    const ys = fires.map((g) => num(labelOf(g), "y"));
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    expect(new Set(ys).size).toBe(3);
    // The connectors go back to the marks 30, 10, 20: their x positions are in that order.
    const markXs = fires.map((g) => {
      const mark = all(g, (e) => e.attrs["data-mark"] !== undefined)[0]!;
      expect(all(g, (e) => e.name === "line" && e.attrs["stroke-dasharray"] !== undefined)).toHaveLength(1);
      return num(mark, "cx");
    });
    expect(fires.map((g) => all(g, (e) => e.attrs["data-mark"] !== undefined)[0]!.attrs["data-mark"])).toEqual(["30", "10", "20"]);
    expect(markXs[1]!).toBeLessThan(markXs[2]!);
    expect(markXs[2]!).toBeLessThan(markXs[0]!);
    expect(markXs[0]!).toBeLessThan(xs[0]!);
  });

  it("places firings at different times left to right in time order (fire-sleeps-until-earliest-mark: y, z, then x)", () => {
    const root = parseXml(renderTimeline(byId("fire-sleeps-until-earliest-mark")));
    const fires = all(root, (e) => e.attrs["data-kind"] === "fire").map((g) => ({ name: g.attrs["data-event"], x: markerX(g), y: num(labelOf(g), "y") }));
    const order = [...fires].sort((a, b) => a.x - b.x || a.y - b.y).map((f) => f.name);
    expect(order).toEqual(["y", "z", "x"]);
    expect(fires[0]!.x).toBe(fires[1]!.x);
    expect(fires[2]!.x).toBeGreaterThan(fires[0]!.x);
    // A firing at its mark has no connector.
    expect(all(root, (e) => e.attrs["data-mark"] !== undefined)).toHaveLength(0);
  });

  it("labels lanes with the stream's settings and reads with their outcomes", () => {
    const svg = renderTimeline(byId("timeout-restarted-by-input"));
    const root = parseXml(svg);
    const texts = all(root, (e) => e.name === "text").map(text);
    expect(texts).toContain("stream s · timeout 30");
    expect(texts).toContain("read-line → “a”");
    expect(texts).toContain("read-line → error: idle for too long");
    expect(texts).toContain("in “a\\n”");
    const reads = all(root, (e) => e.attrs["data-kind"] === "read").map((g) => g.attrs["data-outcome"]);
    expect(reads).toEqual(["line", "line", "error"]);

    const nb = parseXml(renderTimeline(byId("select-reports-the-stream-whose-deadline-comes")));
    const nbTexts = all(nb, (e) => e.name === "text").map(text);
    expect(nbTexts).toContain("stream a · non-blocking");
    expect(nbTexts).toContain("read-line → would block");
    expect(nbTexts).toContain("select → [b]");

    const keepalive = all(parseXml(renderTimeline(byId("pattern-keepalive"))), (e) => e.name === "text").map(text);
    expect(keepalive).toContain("stream s · flush on read");
    expect(keepalive).toContain("flush “* OK still here\\r\\n”");

    const blocked = all(parseXml(renderTimeline(byId("pattern-push-poll"))), (e) => e.attrs["data-outcome"] === "blocked");
    expect(blocked.map((g) => text(labelOf(g)))).toEqual(["read-line → blocked"]);
  });

  it("draws a select as a line across the lanes of the streams given, with a filled dot on the ready ones", () => {
    const root = parseXml(renderTimeline(byId("select-times-out-empty")));
    const selects = all(root, (e) => e.attrs["data-kind"] === "select");
    expect(selects.map((g) => text(labelOf(g)))).toEqual(["select → none", "select → [a]"]);
    expect(selects.map((g) => all(g, (e) => e.attrs["data-ready"] !== undefined).map((d) => `${d.attrs["data-stream"]}:${d.attrs["data-ready"]}`))).toEqual([["a:false"], ["a:true"]]);

    const three = parseXml(renderTimeline(byId("select-overdue-and-input-together")));
    const [s] = all(three, (e) => e.attrs["data-kind"] === "select");
    expect(all(s!, (e) => e.attrs["data-ready"] !== undefined).map((d) => `${d.attrs["data-stream"]}:${d.attrs["data-ready"]}`)).toEqual(["a:true", "b:true", "c:false"]);
    const line = all(s!, (e) => e.name === "line")[0]!;
    expect(num(line, "x1")).toBe(num(line, "x2"));
    expect(num(line, "y2") - num(line, "y1")).toBeGreaterThan(100);
  });

  it("uses a distinct shape or colour for input, end, firing, read result, error, select and flush", () => {
    const root = parseXml(renderTimeline(byId("flush-before-sleeping")));
    const look = (g: El) => {
      const shape = g.children.find((e): e is El => typeof e !== "string" && e.name !== "text" && e.name !== "line" && e.attrs["data-mark"] === undefined && e.attrs["data-ready"] === undefined)!;
      return `${shape.name} ${shape.attrs.fill} ${shape.attrs.d === undefined ? "" : shape.attrs.d.replace(/-?[\d.]+/g, "n")}`;
    };
    const first = (r: El, pred: (e: El) => boolean) => all(r, (e) => e.name === "g" && pred(e))[0]!;
    const looks = new Map<string, string>();
    looks.set("input", look(first(root, (e) => e.attrs["data-kind"] === "input")));
    looks.set("end", look(first(root, (e) => e.attrs["data-kind"] === "end")));
    looks.set("fire", look(first(root, (e) => e.attrs["data-kind"] === "fire")));
    looks.set("read", look(first(root, (e) => e.attrs["data-outcome"] === "line")));
    looks.set("flush", look(first(root, (e) => e.attrs["data-kind"] === "flush")));
    const err = parseXml(renderTimeline(byId("timeout-restarted-by-input")));
    looks.set("error", look(first(err, (e) => e.attrs["data-outcome"] === "error")));
    const sel = parseXml(renderTimeline(byId("select-times-out-empty")));
    looks.set("select", look(first(sel, (e) => e.attrs["data-kind"] === "select")));
    expect(new Set(looks.values()).size).toBe(looks.size);
  });

  it("describes the trace in words", () => {
    const desc = text(all(parseXml(renderTimeline(byId("fire-due-exactly-at-mark"))), (e) => e.name === "desc")[0]!);
    expect(desc).toContain('Stream s: input "early\\n" at 9; the input ends at 20.');
    expect(desc).toContain('Expected trace: t=9: read-line on s returns "early". t=10: e fires (mark 10). t=20: read-line on s returns end of file.');
    const same = text(all(parseXml(renderTimeline(byId("fire-list-order-not-mark-order"))), (e) => e.name === "desc")[0]!);
    expect(same).toContain("t=40: c fires (mark 30); a fires (mark 10); b fires (mark 20).");
  });

  it("keeps far-off marks from crushing the axis and says where they are", () => {
    const root = parseXml(renderTimeline(byId("fire-past-mark-once-per-tick")));
    const ticks = all(root, (e) => e.attrs["data-tick"] !== undefined).map((e) => Number(e.attrs["data-tick"]));
    expect(ticks[0]).toBe(0);
    expect(ticks[ticks.length - 1]).toBeLessThanOrEqual(10);
    const labels = all(root, (e) => e.attrs["data-kind"] === "fire").map((g) => text(labelOf(g)));
    expect(labels).toEqual(["fire eager", "fire eager · mark −1000", "fire eager · mark −999", "fire eager · mark −998"]);
    // A near negative mark stays on the axis.
    const neg = parseXml(renderTimeline(byId("fire-negative-marks-at-clock-start")));
    const minus = all(neg, (e) => e.attrs["data-event"] === "minus")[0]!;
    const markX = num(all(minus, (e) => e.attrs["data-mark"] !== undefined)[0]!, "cx");
    expect(markX).toBeGreaterThan(0);
    expect(markX).toBeLessThan(markerX(minus));
  });

  it("shows control bytes as C escapes (glyphs every font has) and elides long data with its length", () => {
    const svg = renderTimeline(byId("read-every-byte-value"));
    const root = parseXml(svg);
    const labels = all(root, (e) => e.name === "text").map(text);
    const read = labels.find((l) => l.startsWith("read → "))!;
    expect(read).toMatch(/^read → “\\0\\x01.*….*” \(256 bytes\)$/);
    expect(labels).toContain("read-line → “\\x80ÿ\\0\\rþ”");
    expect(labels).toContain("getc → eof");
  });
});

describe("untrusted case data", () => {
  const evil = "<script>alert(1)</script> & co";
  const hostile: Case = {
    id: 'evil"<id> & co',
    title: `Title ${evil}`,
    requirements: [],
    tags: [],
    streams: {
      [evil]: {
        input: [
          { at: 3, data: `${evil}\r\n` },
          { at: 5, data: "\u0000\u0007\u007f\u0085\r\n" },
        ],
        end: 20,
        timeout: 50,
      },
      "s'\"": { flushOnRead: true },
    },
    events: { [evil]: { stream: evil, mark: 2, rock: evil, on: [] } },
    steps: [{ select: { streams: [evil, "s'\""], timeout: null } }],
    expect: [
      { t: 2, fire: evil, mark: 2, rock: evil },
      { t: 3, "read-line": evil, line: evil },
      { t: 3, select: [evil] },
      { t: 4, flush: "s'\"", data: `${evil}\r\n` },
      { t: 5, "read-line": evil, error: evil },
      { t: 6, events: evil, list: [`${evil}@7`] },
      { t: 7, "read-callback": evil },
      { t: 8, getc: evil, byte: 60 },
      { t: 9, read: "s'\"", data: "<&>" },
    ],
  };

  it("is escaped everywhere and never becomes markup", () => {
    const svg = renderTimeline(hostile);
    expect(svg).not.toMatch(/<script/i);
    expect(svg).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(svg).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co");
    const root = parseXml(svg);
    expect(all(root, (e) => e.name === "script")).toHaveLength(0);
    expect(
      all(
        root,
        (e) =>
          e.name !== "svg" &&
          e.name !== "title" &&
          e.name !== "desc" &&
          e.name !== "g" &&
          e.name !== "text" &&
          e.name !== "tspan" &&
          e.name !== "rect" &&
          e.name !== "line" &&
          e.name !== "circle" &&
          e.name !== "path",
      ),
    ).toHaveLength(0);
    expect(text(all(root, (e) => e.name === "title")[0]!)).toBe(`Title ${evil}`);
    const desc = text(all(root, (e) => e.name === "desc")[0]!);
    expect(desc).toContain(`t=3: read-line on ${evil} returns "${evil}"; select returns [`);
    expect(desc).toContain("\\0\\x07\\x7F\\x85\\r\\n");
    const labels = all(root, (e) => e.name === "text").map(text);
    expect(labels.some((l) => l.startsWith("read-line → “<script>alert(1)"))).toBe(true);
    expect(labels).toContain("read → “<&>”");
    expect(labels).toContain("getc → 60 ‘<’");
    expect(labels).toContain("in “\\0\\x07\\x7F\\x85\\r\\n”");
    // Every entry still has its marker.
    expect(all(root, (e) => e.attrs["data-entry"] !== undefined)).toHaveLength(hostile.expect.length);
  });

  it("makes IDs out of a hostile case ID that are still valid and unique", () => {
    const root = parseXml(renderTimeline(hostile));
    const ids = all(root, (e) => e.attrs.id !== undefined).map((e) => e.attrs.id!);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^tl-[A-Za-z0-9_-]+$/);
    expect(new Set(ids).size).toBe(2);
    expect(root.attrs["aria-labelledby"]).toBe(ids.join(" "));
    const other = parseXml(renderTimeline({ ...hostile, id: "evil_id_co" }));
    const otherIds = all(other, (e) => e.attrs.id !== undefined).map((e) => e.attrs.id!);
    expect(otherIds.some((id) => ids.includes(id))).toBe(false);
  });

  it("copes with an empty trace, a lone stream and times that are all zero", () => {
    const c: Case = { id: "empty", title: "Nothing", requirements: [], tags: [], streams: { s: {} }, steps: [], expect: [] };
    const root = parseXml(renderTimeline(c));
    expect(text(all(root, (e) => e.name === "desc")[0]!)).toContain("Expected trace: nothing happens.");
    const ticks = all(root, (e) => e.attrs["data-tick"] !== undefined).map((e) => Number(e.attrs["data-tick"]));
    expect(ticks).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("waits, differences, the legend and the width", () => {
  it("draws each wait with its passes and why it woke, from the model", () => {
    const c = byId("timeout-after-event-marks");
    const waits = waitsOf(c);
    expect(waits).toEqual([
      {
        stream: "s",
        from: 0,
        to: 40,
        passes: [0, 10, 25, 35, 40],
        wakes: [
          { t: 10, why: "mark" },
          { t: 25, why: "mark" },
          { t: 35, why: "mark" },
          { t: 40, why: "timeout" },
        ],
      },
    ]);
    const root = parseXml(renderTimeline(c, { waits }));
    const band = all(root, (e) => e.attrs["data-kind"] === "wait");
    expect(band.map((g) => [g.attrs["data-from"], g.attrs["data-to"]])).toEqual([["0", "40"]]);
    expect(all(band[0]!, (e) => e.attrs["data-pass"] !== undefined).map((e) => e.attrs["data-pass"])).toEqual(["0", "10", "25", "35", "40"]);
    expect(all(band[0]!, (e) => e.attrs["data-wake"] !== undefined).map((e) => e.attrs["data-wake"])).toEqual(["mark", "mark", "mark", "timeout"]);
    expect(timelineWords(c, { waits })).toContain("s waits from 0 to 40, passes at 0, 10, 25, 35, 40, waking at 10 for a mark, at 25 for a mark, at 35 for a mark, at 40 for the timeout");
    // Without waits, none is drawn.
    expect(all(parseXml(renderTimeline(c)), (e) => e.attrs["data-kind"] === "wait")).toEqual([]);
  });

  it("tells a wake for input from one for a mark", () => {
    const waits = waitsOf(byId("pattern-keepalive"));
    expect(waits.map((w) => w.wakes.map((k) => `${k.t}:${k.why}`))).toEqual([["15:mark", "30:mark", "40:input"]]);
  });

  it("rings the entries from the first difference on, and says so", () => {
    const c = byId("timeout-after-event-marks");
    const actual: TraceEntry[] = [c.expect[0]!, { t: 40, "read-line": "s", error: "idle for too long" }];
    const drawn = { ...c, expect: actual };
    const root = parseXml(renderTimeline(drawn, { differsFrom: 1, traceName: "Trace of C", idSuffix: "c" }));
    const marked = all(root, (e) => e.attrs["data-differs"] === "true").map((e) => e.attrs["data-entry"]);
    expect(marked).toEqual(["1"]);
    const desc = text(all(root, (e) => e.name === "desc")[0]!);
    expect(desc).toContain("Trace of C: t=10");
    expect(desc).toContain("It differs from the expected trace from the entry at t=40 on.");
    expect(root.attrs["aria-labelledby"]).toBe("tl-timeout-after-event-marks-c-title tl-timeout-after-event-marks-c-desc");
  });

  it("is described by the page's words where the page has them, and carries no words of its own then", () => {
    const c = byId("pattern-keepalive");
    const root = parseXml(renderTimeline(c, { waits: waitsOf(c), describedBy: "words-pattern-keepalive" }));
    expect(all(root, (e) => e.name === "desc")).toEqual([]);
    expect(root.attrs["aria-labelledby"]).toBe("tl-pattern-keepalive-title");
    expect(root.attrs["aria-describedby"]).toBe("words-pattern-keepalive");
    // The words it leaves to the page are the ones it would have carried.
    const own = parseXml(renderTimeline(c, { waits: waitsOf(c) }));
    expect(text(all(own, (e) => e.name === "desc")[0]!)).toBe(timelineWords(c, { waits: waitsOf(c) }));
  });

  it("has a legend with every sign a timeline draws", () => {
    const legend = timelineLegend();
    const items = legend.match(/<li>/g) ?? [];
    expect(items.length).toBe(17);
    for (const words of [
      "input arrives",
      "input ends",
      "fires",
      "returns a line",
      "end of file",
      "fails",
      "flushed",
      "read callback",
      "listed",
      "is refused",
      "select returns",
      "a read waits",
      "input came",
      "a mark was due",
      "timeout was due",
      "the input ended",
      "differs from the expected trace",
    ]) {
      expect(legend).toContain(words);
    }
    // Each icon is well-formed SVG.
    for (const svg of legend.match(/<svg.*?<\/svg>/g) ?? []) parseXml(svg);
  });

  it("draws at a phone's width, with fewer axis labels", () => {
    const c = byId("sleep-fifty-events-scattered-marks");
    const wide = parseXml(renderTimeline(c));
    const narrow = parseXml(renderTimeline(c, { width: 340 }));
    expect(narrow.attrs.viewBox).toMatch(/^0 0 340 /);
    const ticks = (r: El): number => all(r, (e) => e.attrs["data-tick"] !== undefined).length;
    expect(ticks(narrow)).toBeLessThan(ticks(wide));
    expect(ticks(narrow)).toBeGreaterThanOrEqual(2);
    // Every marker stays inside the drawing.
    for (const g of all(narrow, (e) => e.attrs["data-t"] !== undefined)) {
      for (const m of all(g, (e) => e.name === "circle" || e.name === "rect")) {
        const x = Number(m.attrs.cx ?? m.attrs.x);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(340);
      }
    }
  });
});
