/**
 * Bytes from what a caller passed: a Buffer as it is, any other typed array
 * or DataView by the bytes it covers (a Uint16Array of 3 elements is 6
 * bytes, never 3 truncated ones); `undefined` for anything else, so the
 * caller can name what was wrong.
 * @internal
 */
export function bytesOf(x: unknown): Buffer | undefined {
  if (Buffer.isBuffer(x)) return x;
  if (ArrayBuffer.isView(x)) return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return undefined;
}

/** What a value is, for an error message: `number 42`, `object Object`, `a Promise`. @internal */
export function kindOf(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object" || typeof x === "function") {
    const tag = Object.prototype.toString.call(x).slice(8, -1);
    return typeof x === "function" ? "a function" : `an object (${tag})`;
  }
  if (typeof x === "string") return `a string`;
  return `${typeof x} ${String(x)}`;
}
