/**
 * Line splitting, whatever the chunks: the lines of a byte string, read as
 * strings and as views, are the same however the string is cut into
 * chunks, small (copied as they come) or large (queued as they came and
 * joined by their head only); a CRLF or a multi-byte UTF-8 character cut
 * between two chunks is whole in the line; a line over `maxLine` fails
 * with its first `maxLine` bytes, and the next line is read as if it had
 * not been there. Against a model that splits the whole string at once.
 *
 * PROT_EVENTS_GENERATED=<n> runs n cases per property instead of 300;
 * PROT_EVENTS_SEED=<s> another seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineTooLongError, type ProtStream } from "prot-events";
import { generatedRuns, generatedSeed } from "../conformance/model/differential.js";
import { handFed } from "./helpers.js";

const EURO = [0xe2, 0x82, 0xac];
const E_ACUTE = [0xc3, 0xa9];
const CRLF = [0x0d, 0x0a];

// A line's content: ASCII, lone CRs, and whole multi-byte characters.
const content = fc
  .array(
    fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((b) => [b]) }, { weight: 1, arbitrary: fc.constant([0x0d]) }, { weight: 2, arbitrary: fc.constantFrom(EURO, E_ACUTE) }),
    {
      maxLength: 120,
    },
  )
  .map((parts) => parts.flat())
  // A CR that ends a content would make a CRLF of an LF line end.
  .map((c) => (c[c.length - 1] === 0x0d ? [...c, 0x78] : c));

// Lines ended by CRLF or LF; the input's last line is ended too, so every line is whole.
const lines = fc.array(fc.tuple(content, fc.boolean()), { minLength: 1, maxLength: 60 });

function bytesOf(ls: ReadonlyArray<readonly [number[], boolean]>): Buffer {
  return Buffer.from(ls.flatMap(([c, crlf]) => [...c, ...(crlf ? CRLF : [0x0a])]));
}

/** `bytes` cut at `cuts` (any positions, sorted and deduplicated here). */
function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    if (c > from) out.push(Buffer.from(bytes.subarray(from, c)));
    from = Math.max(from, c);
  }
  return out;
}

// Cut positions: few (large chunks, queued whole and joined by their head) or many (small ones, copied).
const cuts = fc.oneof(fc.array(fc.nat(), { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 200 }));

type Read = "line" | "bytes";

/** Pushes each chunk and after it reads every whole line, the reader of each read picked by `readers` in turn. */
function readAll(s: ProtStream, push: (b: Buffer) => void, chunks: readonly Buffer[], readers: readonly Read[]): Buffer[] {
  const got: Buffer[] = [];
  let k = 0;
  for (const chunk of chunks) {
    push(chunk);
    for (;;) {
      const how = readers[k % readers.length] as Read;
      const l = how === "line" ? s.tryReadLine() : s.tryReadLineBytes();
      if (l === undefined) break;
      k++;
      got.push(typeof l === "string" ? Buffer.from(l, s.encoding) : Buffer.from(l));
    }
  }
  return got;
}

const runs = { seed: generatedSeed(161616), numRuns: generatedRuns(300) };

describe("line splitting, whatever the chunks", () => {
  it("gives the lines of the whole input for any cutting, as strings and as views, in utf8 and latin1", () => {
    fc.assert(
      fc.property(lines, cuts, fc.array(fc.constantFrom<Read>("line", "bytes"), { minLength: 1, maxLength: 5 }), fc.constantFrom<BufferEncoding>("utf8", "latin1"), (ls, cs, readers, encoding) => {
        const { s, sink } = handFed({ encoding, maxLine: 1000 });
        const got = readAll(s, (b) => sink.push(b), chunked(bytesOf(ls), cs), readers);
        expect(got).toEqual(ls.map(([c]) => Buffer.from(c)));
        expect(s.buffered).toBe(0);
      }),
      runs,
    );
  });

  it("reads a CRLF cut between its CR and its LF as one line end", () => {
    fc.assert(
      fc.property(lines, fc.nat(), (ls, pick) => {
        const bytes = bytesOf(ls);
        // Cut after one of the CRs of a CRLF, when there is one.
        const crs = [...bytes.keys()].filter((i) => bytes[i] === 0x0d && bytes[i + 1] === 0x0a);
        const cut = crs.length > 0 ? (crs[pick % crs.length] as number) + 1 : pick % (bytes.length + 1);
        const { s, sink } = handFed({ maxLine: 1000 });
        const got = readAll(s, (b) => sink.push(b), chunked(bytes, [cut]), ["line"]);
        expect(got.map((b) => b.toString("utf8"))).toEqual(ls.map(([c]) => Buffer.from(c).toString("utf8")));
      }),
      runs,
    );
  });

  it("keeps in its line a lone CR that ends a large chunk when the next one does not begin with the LF", () => {
    // Large ASCII chunks: the string reader joins the line across the cut as
    // strings, and only a LF that begins the next chunk makes the CR part of a CRLF.
    const { s, sink } = handFed({ maxLine: 5000 });
    sink.push(Buffer.from(`${"x".repeat(1500)}\r\nlone\r`, "latin1"));
    sink.push(Buffer.from(`y\n${"z".repeat(1500)}\r\n`, "latin1"));
    expect([s.tryReadLine(), s.tryReadLine(), s.tryReadLine(), s.tryReadLine()]).toEqual(["x".repeat(1500), "lone\ry", "z".repeat(1500), undefined]);
  });

  it("decodes a multi-byte character cut between chunks whole", () => {
    fc.assert(
      fc.property(lines, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (ls, picks) => {
        const bytes = bytesOf(ls);
        // Cut inside multi-byte characters: after a lead byte or a continuation byte that another one follows.
        const within = [...bytes.keys()].filter((i) => (bytes[i] as number) >= 0x80 && ((bytes[i + 1] ?? 0) & 0xc0) === 0x80);
        const at = within.length > 0 ? picks.map((p) => (within[p % within.length] as number) + 1) : picks;
        const { s, sink } = handFed({ maxLine: 1000 });
        const got = readAll(s, (b) => sink.push(b), chunked(bytes, at), ["line"]);
        expect(got.map((b) => b.toString("utf8"))).toEqual(ls.map(([c]) => Buffer.from(c).toString("utf8")));
        expect(got.join("")).not.toContain("\ufffd");
      }),
      runs,
    );
  });

  it("fails exactly the lines over maxLine, with their first maxLine bytes, and reads on after them", () => {
    fc.assert(
      fc.property(lines, cuts, fc.integer({ min: 1, max: 40 }), fc.constantFrom<Read>("line", "bytes"), (ls, cs, maxLine, how) => {
        const { s, sink } = handFed({ encoding: "latin1", maxLine });
        const got: string[] = [];
        let skipping = false;
        for (const chunk of chunked(bytesOf(ls), cs)) {
          sink.push(chunk);
          for (;;) {
            if (skipping) {
              if (!s.trySkipLine()) break;
              skipping = false;
            }
            try {
              const l = how === "line" ? s.tryReadLine() : s.tryReadLineBytes();
              if (l === undefined) break;
              got.push(typeof l === "string" ? l : l.toString("latin1"));
            } catch (err) {
              if (!(err instanceof LineTooLongError)) throw err;
              expect(err.limit).toBe(maxLine);
              got.push(`too long: ${err.partial}`);
              skipping = true;
            }
          }
        }
        const want = ls.map(([c]) => {
          const text = Buffer.from(c).toString("latin1");
          return c.length > maxLine ? `too long: ${text.slice(0, maxLine)}` : text;
        });
        expect(got).toEqual(want);
      }),
      runs,
    );
  });
});

describe("a line that runs into a large chunk", () => {
  it("is joined with the head of that chunk only: the lines after it are views of the chunk as it came", () => {
    const { s, sink } = handFed({ maxLine: 1 << 20 });
    sink.push(Buffer.from("A1 NOOP\r\nA2 LOG"));
    const big = Buffer.from("IN user pass\r\n" + "A3 NOOP\r\n".repeat(7000));
    sink.push(big);
    expect(s.tryReadLine()).toBe("A1 NOOP");
    expect(s.tryReadLineBytes()?.toString()).toBe("A2 LOGIN user pass");
    for (let i = 0; i < 7000; i++) {
      const line = s.tryReadLineBytes() as Buffer;
      expect(line.toString()).toBe("A3 NOOP");
      // A view of the chunk pushed, not of a copy of it joined with the partial line.
      expect(line.buffer).toBe(big.buffer);
    }
    expect(s.tryReadLineBytes()).toBeUndefined();
  });
});
