/**
 * C-style formatting for {@link ProtWriter.printf}, so that ported C code
 * such as `prot_printf(out, "%s OK %s\r\n", tag, text)` keeps its format
 * strings. Supported: flags `-` and `0`, a width, a precision (`.N`; `.*`
 * takes it from the arguments), the length modifiers `h hh l ll z j t`
 * (accepted and ignored: JavaScript numbers have one size), and the
 * conversions `s d i u x X o c %`.
 */

const SPEC = /%([-0]*)(\d+|\*)?(?:\.(\d+|\*))?(?:hh|h|ll|l|z|j|t)?([sdiuxXoc%])?/g;

function argAt(args: readonly unknown[], i: number, fmt: string, at: number): unknown {
  if (i >= args.length) {
    throw new RangeError(`printf: format ${JSON.stringify(fmt)} needs an argument for the conversion at offset ${at}, but only ${args.length} were given`);
  }
  return args[i];
}

function integer(v: unknown, fmt: string, at: number): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isFinite(v)) return BigInt(Math.trunc(v));
  if (typeof v === "boolean") return v ? 1n : 0n;
  throw new TypeError(`printf: the conversion at offset ${at} of ${JSON.stringify(fmt)} needs a number, got ${typeof v}`);
}

/**
 * Formats `args` by the C format string `fmt`.
 * @throws RangeError naming the offset of an unknown conversion or a missing argument.
 * @throws TypeError naming the offset of a conversion given the wrong kind of value.
 */
export function formatC(fmt: string, args: readonly unknown[]): string {
  let next = 0;
  let out = "";
  let last = 0;
  // A regex of its own per call: an argument's toString may call formatC again.
  const spec = new RegExp(SPEC);
  for (let m = spec.exec(fmt); m !== null; m = spec.exec(fmt)) {
    const at = m.index;
    out += fmt.slice(last, at);
    last = spec.lastIndex;
    const [, flags = "", widthSpec, precSpec, conv] = m;
    if (conv === undefined) {
      throw new RangeError(`printf: unknown conversion at offset ${at} of ${JSON.stringify(fmt)}`);
    }
    if (conv === "%") {
      out += "%";
      continue;
    }
    let width = widthSpec === "*" ? Number(integer(argAt(args, next++, fmt, at), fmt, at)) : widthSpec === undefined ? 0 : Number(widthSpec);
    let left = flags.includes("-");
    // C: a negative width from `*` is the `-` flag with its absolute value.
    if (width < 0) {
      left = true;
      width = -width;
    }
    const prec = precSpec === "*" ? Number(integer(argAt(args, next++, fmt, at), fmt, at)) : precSpec === undefined ? -1 : Number(precSpec);
    const v = argAt(args, next++, fmt, at);
    let body: string;
    switch (conv) {
      case "s": {
        // %s prints whatever it is given, as C would print the string it points to.
        // eslint-disable-next-line @typescript-eslint/no-base-to-string
        const s = v === null || v === undefined ? "(null)" : String(v);
        body = prec >= 0 ? s.slice(0, prec) : s;
        break;
      }
      case "c":
        body = typeof v === "string" ? v.slice(0, 1) : String.fromCharCode(Number(integer(v, fmt, at)) & 0xff);
        break;
      case "d":
      case "i":
        body = integer(v, fmt, at).toString();
        break;
      case "u":
        body = BigInt.asUintN(64, integer(v, fmt, at)).toString();
        break;
      case "x":
        body = BigInt.asUintN(64, integer(v, fmt, at)).toString(16);
        break;
      case "X":
        body = BigInt.asUintN(64, integer(v, fmt, at))
          .toString(16)
          .toUpperCase();
        break;
      default: // "o"
        body = BigInt.asUintN(64, integer(v, fmt, at)).toString(8);
        break;
    }
    if (conv !== "s" && conv !== "c" && prec >= 0) {
      // C: zero with precision 0 prints no digits.
      if (prec === 0 && body === "0") body = "";
      const neg = body.startsWith("-");
      const digits = neg ? body.slice(1) : body;
      body = (neg ? "-" : "") + digits.padStart(prec, "0");
    }
    if (body.length < width) {
      if (left) body = body.padEnd(width, " ");
      else if (flags.includes("0") && conv !== "s" && conv !== "c" && prec < 0) {
        const neg = body.startsWith("-");
        body = (neg ? "-" : "") + (neg ? body.slice(1) : body).padStart(width - (neg ? 1 : 0), "0");
      } else body = body.padStart(width, " ");
    }
    out += body;
  }
  return out + fmt.slice(last);
}
