/**
 * The read path against a naive model, for any input, any chunking and any
 * mix of readers: a byte array that every read takes from the front. This
 * is what guards the buffer's fast paths (a chunk adopted without a copy, a
 * partial line grown by doubling, a large chunk queued behind unread input
 * and joined by its head only, small chunks gathered behind it, a chunk
 * decoded once and sliced per line)
 * and every way they can meet (a pushed-back byte, a read of n bytes, a
 * multi-byte character cut between chunks).
 *
 * PROT_EVENTS_GENERATED=<n> runs n sequences per encoding instead of 1,500;
 * PROT_EVENTS_SEED=<s> another seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generatedRuns, generatedSeed } from "../conformance/model/differential.js";
import { handFed, readStep, type ReadOp } from "./helpers.js";

type Op = ReadOp;

// Bytes that make lines interesting: ASCII, CR and LF, and the parts of multi-byte UTF-8 characters.
const byte = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.constantFrom(0x0a, 0x0d) },
  { weight: 1, arbitrary: fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff) },
);

// A chunk of 1-2 KiB, over the size from which chunks are queued as they came rather than copied.
const large = fc
  .tuple(fc.array(byte, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1024, max: 2048 }))
  .map(([pattern, length]) => Array.from({ length }, (_, i) => pattern[i % pattern.length] as number));

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.array(byte, { minLength: 1, maxLength: 40 }).map((bytes) => ({ k: "push" as const, bytes })) },
  { weight: 1, arbitrary: large.map((bytes) => ({ k: "push" as const, bytes })) },
  { weight: 4, arbitrary: fc.constant({ k: "line" as const }) },
  { weight: 2, arbitrary: fc.constant({ k: "lineBytes" as const }) },
  { weight: 1, arbitrary: fc.constant({ k: "getc" as const }) },
  { weight: 1, arbitrary: byte.map((b) => ({ k: "ungetc" as const, byte: b })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }).map((n) => ({ k: "read" as const, n })) },
  { weight: 1, arbitrary: fc.constant({ k: "skip" as const }) },
);

/** What the model says `o` returns, taking it from `rest`. */
function modelStep(rest: number[], o: Op, encoding: BufferEncoding): unknown {
  switch (o.k) {
    case "push":
      rest.push(...o.bytes);
      return undefined;
    case "line":
    case "lineBytes": {
      const nl = rest.indexOf(0x0a);
      if (nl < 0) return undefined;
      const taken = rest.splice(0, nl + 1);
      const content = Buffer.from(taken.slice(0, nl > 0 && taken[nl - 1] === 0x0d ? nl - 1 : nl));
      return o.k === "line" ? content.toString(encoding) : content;
    }
    case "getc":
      return rest.length > 0 ? rest.shift() : -1;
    case "ungetc":
      rest.unshift(o.byte);
      return undefined;
    case "read":
      return rest.length > 0 ? Buffer.from(rest.splice(0, o.n)) : undefined;
    case "skip": {
      const nl = rest.indexOf(0x0a);
      rest.splice(0, nl < 0 ? rest.length : nl + 1);
      return nl >= 0;
    }
  }
}

describe("the read path against a byte-array model", () => {
  for (const encoding of ["latin1", "utf8", "ascii"] as const) {
    it(`gives the model's results for every chunking and mix of reads (${encoding})`, () => {
      fc.assert(
        fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
          const { s, sink } = handFed({ encoding, highWaterMark: 1 << 20 });
          const rest: number[] = [];
          const seen: Array<{ views: Buffer; copy: Buffer }> = [];
          for (const o of ops) {
            const got = readStep(s, sink, o);
            expect(got).toEqual(modelStep(rest, o, encoding));
            if (o.k === "lineBytes" && got instanceof Buffer) seen.push({ views: got, copy: Buffer.from(got) });
            expect(s.buffered).toBe(rest.length);
          }
          // No later push, read or pushed-back byte wrote into bytes handed out as views.
          for (const v of seen) expect(v.views).toEqual(v.copy);
        }),
        { seed: generatedSeed(424242), numRuns: generatedRuns(1500) },
      );
    });
  }
});
