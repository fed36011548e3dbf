import { Buffer } from "node:buffer";

/** Decodes `buf[start, end)`. @internal */
export type Decoder = (buf: Buffer, start: number, end: number) => string;

interface SliceMethods {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  asciiSlice(start: number, end: number): string;
}

/** Whether a decoded string has one character per byte: always, for ASCII input only, or never. @internal */
export const enum Bytewise {
  Always,
  IfAscii,
  Never,
}

/** How a stream decodes: the decoder, and whether lines may be sliced from one decoded chunk. @internal */
export interface Decoding {
  decode: Decoder;
  bytewise: Bytewise;
}

/** Decodes bytes one to one into characters. @internal */
export const latin1: Decoder = (buf, start, end) => (buf as unknown as SliceMethods).latin1Slice(start, end);
const utf8: Decoder = (buf, start, end) => (buf as unknown as SliceMethods).utf8Slice(start, end);
const ascii: Decoder = (buf, start, end) => (buf as unknown as SliceMethods).asciiSlice(start, end);

const decodings = new Map<BufferEncoding, Decoding>();

/**
 * The decoding of `encoding`, one object shared by all streams.
 * `toString(encoding, start, end)` looks the encoding up and wraps the slice
 * on every call, a quarter of the time of a line read in profiles; Buffer's
 * own per-encoding slice methods skip that, and a direct call of one (not
 * through `Function.prototype.call`) is what the JIT inlines. They are not
 * part of Node's documented API, so each is used only where it exists, and
 * only with them are lines sliced from a decoded chunk (the same slice
 * method decodes both, so both paths give the same strings).
 * @internal
 */
export function decodingOf(encoding: BufferEncoding): Decoding {
  let decoding = decodings.get(encoding);
  if (decoding === undefined) decodings.set(encoding, (decoding = makeDecoding(encoding)));
  return decoding;
}

function makeDecoding(encoding: BufferEncoding): Decoding {
  const has = (name: keyof SliceMethods): boolean => typeof (Buffer.prototype as unknown as Partial<SliceMethods>)[name] === "function";
  if ((encoding === "latin1" || encoding === "binary") && has("latin1Slice")) return { decode: latin1, bytewise: Bytewise.Always };
  if ((encoding === "utf8" || encoding === "utf-8") && has("utf8Slice")) return { decode: utf8, bytewise: Bytewise.IfAscii };
  if (encoding === "ascii" && has("asciiSlice")) return { decode: ascii, bytewise: Bytewise.IfAscii };
  return { decode: (buf, start, end) => buf.toString(encoding, start, end), bytewise: Bytewise.Never };
}
