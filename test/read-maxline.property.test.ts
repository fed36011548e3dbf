/**
 * The line readers against a naive model when lines may be too long: a
 * small `maxLine`, chunks shorter and longer than it, and every other read
 * mixed in. A line whose content (without its LF or CRLF) is longer than
 * `maxLine` fails with the first `maxLine` bytes, which are consumed; the
 * rest of it stays unread. A line without its LF yet is too long once the
 * bytes that cannot be the CR of a CRLF are. This guards the decoded text's
 * stretches, which end after `maxLine + 1` bytes so that no line read from
 * one is too long, and before a LF that ends the buffer.
 *
 * PROT_EVENTS_GENERATED=<n> runs n sequences per encoding instead of 1,000;
 * PROT_EVENTS_SEED=<s> another seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineTooLongError, ProtStream, type ByteSink } from "prot-events";
import { generatedRuns, generatedSeed } from "../conformance/model/differential.js";
import { handFed, readStep, type ReadOp } from "./helpers.js";

type Op = ReadOp;

// Mostly ASCII, with line ends and the parts of multi-byte UTF-8 characters.
const byte = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.constantFrom(0x0a, 0x0d) },
  { weight: 1, arbitrary: fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac) },
);

// Lines of 0-30 bytes, so that some are longer than maxLine and many are not.
const lines = fc
  .array(fc.tuple(fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength: 30 }), fc.constantFrom([0x0a], [0x0d, 0x0a])), { minLength: 1, maxLength: 40 })
  .map((ls) => ls.flatMap(([content, end]) => [...content, ...end]));

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.array(byte, { minLength: 1, maxLength: 40 }).map((bytes) => ({ k: "push" as const, bytes })) },
  { weight: 2, arbitrary: lines.map((bytes) => ({ k: "push" as const, bytes })) },
  { weight: 5, arbitrary: fc.constant({ k: "line" as const }) },
  { weight: 2, arbitrary: fc.constant({ k: "lineBytes" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "getc" as const }) },
  { weight: 1, arbitrary: byte.map((b) => ({ k: "ungetc" as const, byte: b })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }).map((n) => ({ k: "read" as const, n })) },
  { weight: 1, arbitrary: fc.constant({ k: "skip" as const }) },
);

/** A line too long, as the model sees it: the bytes it failed with and where the line began. */
interface TooLong {
  tooLong: { partial: string; offset: number };
}

/** The model: `rest` is unread, `taken` how many bytes were read before it. */
class Model {
  readonly rest: number[] = [];
  taken = 0;

  constructor(
    readonly maxLine: number,
    readonly encoding: BufferEncoding,
  ) {}

  step(o: Op): unknown {
    const rest = this.rest;
    switch (o.k) {
      case "push":
        rest.push(...o.bytes);
        return undefined;
      case "line":
      case "lineBytes": {
        const nl = rest.indexOf(0x0a);
        const content = nl >= 0 ? nl - (nl > 0 && rest[nl - 1] === 0x0d ? 1 : 0) : rest.length - (rest[rest.length - 1] === 0x0d ? 1 : 0);
        if (content > this.maxLine) {
          const offset = this.taken;
          const partial = Buffer.from(this.take(this.maxLine)).toString(this.encoding);
          return { tooLong: { partial, offset } } satisfies TooLong;
        }
        if (nl < 0) return undefined;
        const bytes = Buffer.from(this.take(nl + 1).slice(0, content));
        return o.k === "line" ? bytes.toString(this.encoding) : bytes;
      }
      case "getc":
        return rest.length > 0 ? this.take(1)[0] : -1;
      case "ungetc":
        rest.unshift(o.byte);
        this.taken = Math.max(0, this.taken - 1);
        return undefined;
      case "read":
        return rest.length > 0 ? Buffer.from(this.take(o.n)) : undefined;
      case "skip": {
        const nl = rest.indexOf(0x0a);
        this.take(nl < 0 ? rest.length : nl + 1);
        return nl >= 0;
      }
    }
  }

  take(n: number): number[] {
    const out = this.rest.splice(0, n);
    this.taken += out.length;
    return out;
  }
}

function streamStep(s: ProtStream, sink: ByteSink, o: Op): unknown {
  try {
    return readStep(s, sink, o);
  } catch (e) {
    if (!(e instanceof LineTooLongError)) throw e;
    expect(e.limit).toBe(s.maxLine);
    return { tooLong: { partial: e.partial, offset: e.offset } } satisfies TooLong;
  }
}

describe("the line readers against a model, with lines longer than maxLine", () => {
  for (const encoding of ["utf8", "latin1"] as const) {
    it(`fail on a line too long, keep its rest, and read every other line whole (${encoding})`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 24 }), fc.array(op, { maxLength: 80 }), (maxLine, ops) => {
          const { s, sink } = handFed({ encoding, maxLine, highWaterMark: 1 << 20 });
          const model = new Model(maxLine, encoding);
          for (const o of ops) {
            expect(streamStep(s, sink, o)).toEqual(model.step(o));
            expect(s.buffered).toBe(model.rest.length);
            expect(s.bytesIn).toBe(model.taken);
          }
        }),
        { seed: generatedSeed(161616), numRuns: generatedRuns(1000) },
      );
    });
  }
});
