// No input of any JavaScript type may make an IMAP print helper produce an
// unbalanced quote or an unannounced CR or LF: for random strings (lone
// surrogates, CR, LF, quotes, backslashes, NUL, 8-bit) and byte arrays, an
// IMAP string parser written here from RFC 3501's grammar (not from the
// implementation) reads every helper's output back as exactly one value with
// the same bytes; values of other types throw a TypeError and write nothing.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Writable } from "node:stream";
import { ProtWriter } from "prot-events";
import { prot_printamap, prot_printastring, prot_printliteral, prot_printmap, prot_printstring } from "prot-events/cyrus";

/** One IMAP string value parsed from `b` from offset 0: NIL, an atom, a quoted string or a literal; `end` is where it stopped. */
function parseValue(b: Buffer, astring: boolean): { value: Buffer | null; end: number } {
  const q = 0x22;
  if (b[0] === q) {
    const out: number[] = [];
    for (let i = 1; i < b.length; i++) {
      const c = b[i] as number;
      if (c === q) return { value: Buffer.from(out), end: i + 1 };
      if (c === 0x5c) {
        const n = b[++i];
        if (n !== q && n !== 0x5c) throw new Error(`bad escape at ${i}`);
        out.push(n);
        continue;
      }
      // QUOTED-CHAR is a TEXT-CHAR: 7-bit, no NUL, no CR, no LF.
      if (c === 0 || c === 10 || c === 13 || c >= 0x80) throw new Error(`byte ${c} inside a quoted string at ${i}`);
      out.push(c);
    }
    throw new Error("unterminated quoted string");
  }
  if (b[0] === 0x7b) {
    const m = /^\{(\d+)\+?\}\r\n/.exec(b.toString("latin1", 0, Math.min(b.length, 40)));
    if (m === null) throw new Error("bad literal header");
    const start = m[0].length;
    const n = Number(m[1]);
    if (start + n > b.length) throw new Error("literal shorter than announced");
    return { value: b.subarray(start, start + n), end: start + n };
  }
  // An atom: ATOM-CHARs up to the end; NIL is the null value.
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c <= 0x20 || c >= 0x7f || '(){%*"\\'.includes(String.fromCharCode(c))) break;
    i++;
  }
  if (i === 0) throw new Error(`no value at byte ${b[0]}`);
  const atom = b.subarray(0, i);
  if (atom.toString("latin1") === "NIL") return { value: null, end: i };
  if (!astring) throw new Error("an atom where only a string is allowed");
  return { value: atom, end: i };
}

/** A writer and what it has sent. */
function capture(isClient = false): { w: ProtWriter; out: () => Promise<Buffer> } {
  const chunks: Buffer[] = [];
  const w = new ProtWriter(new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) }), { isClient });
  return { w, out: async () => (await w.flush(), Buffer.concat(chunks)) };
}

const nasty = fc.constantFrom("\r", "\n", "\r\n", '"', "\\", "\0", "%", "{5}", "\ud800", "\udfff", "\u00e9", "\u0080", "NIL", " ", "(", "*");
const strings = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.array(fc.oneof(nasty, fc.string()), { maxLength: 8 }).map((a) => a.join("")),
  fc.string({ minLength: 1000, maxLength: 1100 }),
);
const bytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 1020, maxLength: 1030 }), fc.constantFrom(Buffer.from("NIL"), Buffer.alloc(0)));

type Helper = (w: ProtWriter, v: string | Uint8Array | null) => unknown;
const helpers: Array<[string, Helper, boolean]> = [
  ["printString", (w, v) => w.printString(v), false],
  ["printAstring", (w, v) => w.printAstring(v), true],
  ["printMap", (w, v) => w.printMap(v), false],
  ["printAmap", (w, v) => w.printAmap(v), true],
  ["printLiteral", (w, v) => w.printLiteral(v as string | Uint8Array), false],
  ["prot_printstring", (w, v) => prot_printstring(w, v as string | null), false],
  ["prot_printastring", (w, v) => prot_printastring(w, v as string | null), true],
  ["prot_printmap", (w, v) => prot_printmap(w, v), false],
  ["prot_printamap", (w, v) => prot_printamap(w, v), true],
  ["prot_printliteral", (w, v) => prot_printliteral(w, v as string | Uint8Array), false],
];

describe("IMAP print helpers: every output reads back as exactly one value", () => {
  for (const [name, print, astring] of helpers) {
    it(`${name}: strings and bytes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(strings, bytes), fc.boolean(), async (v, isClient) => {
          const { w, out } = capture(isClient);
          print(w, v);
          const b = await out();
          const { value, end } = parseValue(b, astring);
          expect(end).toBe(b.length);
          expect(value).toEqual(typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v));
        }),
        { numRuns: 300 },
      );
    });
  }

  it("the issue's two cases: a CRLF and a lone quote go out as literals", async () => {
    for (const v of ["x\r\nA2 DELETE INBOX", 'a"b']) {
      const { w, out } = capture();
      w.printMap(v);
      const b = await out();
      expect(b.toString()).toBe(`{${Buffer.byteLength(v)}}\r\n${v}`);
    }
  });

  it("values of any other type throw a TypeError naming the helper, and write nothing", () => {
    const wrong = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(undefined), fc.object(), fc.array(fc.integer()), fc.bigInt(), fc.func(fc.integer()));
    for (const [name, print] of helpers) {
      fc.assert(
        fc.property(wrong, (v) => {
          const { w } = capture();
          expect(() => print(w, v as unknown as string)).toThrow(TypeError);
          expect(() => print(w, v as unknown as string)).toThrow(new RegExp(name.startsWith("prot_") ? "must be a string or bytes" : `ProtWriter\\.${name}: `));
          expect(w.bytesOut).toBe(0);
          expect(w.buffered).toBe(0);
        }),
        { numRuns: 50 },
      );
    }
  });
});
