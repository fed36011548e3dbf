/**
 * Bytes from what a caller passed: a Buffer as it is, any other typed array
 * or DataView by the bytes it covers (a Uint16Array of 3 elements is 6
 * bytes, never 3 truncated ones); `undefined` for anything else, so the
 * caller can name what was wrong.
 * @internal
 */
// @ts-nocheck

export function bytesOf(x: unknown): Buffer | undefined {
  if (Buffer.isBuffer(x)) return x;
  if (ArrayBuffer.isView(x)) return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return undefined;
}

/** What a value is, for an error message: `42`, `NaN`, `the string "5"`, `an object (Promise)`. @internal */
export function kindOf(x: unknown): string {
  if (typeof x === "function") return "a function";
  if (typeof x === "object" && x !== null) return `an object (${Object.prototype.toString.call(x).slice(8, -1)})`;
  if (typeof x === "string") return `the string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x)}`;
  if (typeof x === "symbol") return "a symbol";
  return String(x);
}
