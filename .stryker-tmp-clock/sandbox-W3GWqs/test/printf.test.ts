import { describe, expect, it } from "vitest";
import { formatC } from "prot-events";

/** formatC with rest arguments, for readability. */
function f(fmt: string, ...args: unknown[]): string {
  return formatC(fmt, args);
}

/** Calls `fn`, expecting it to throw, and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw, got none");
}

describe("formatC: plain text", () => {
  it("returns a format without conversions unchanged", () => {
    expect(f("")).toBe("");
    expect(f("* OK ready\r\n")).toBe("* OK ready\r\n");
  });

  it("ignores arguments beyond those the format uses", () => {
    expect(f("x", 1, 2, 3)).toBe("x");
    expect(f("%d", 1, 2, 3)).toBe("1");
  });

  it("keeps the text between conversions", () => {
    expect(f("%s OK %s\r\n", "A001", "LOGIN completed")).toBe("A001 OK LOGIN completed\r\n");
    expect(f("[%d][%s][%x]", 7, "ab", 255)).toBe("[7][ab][ff]");
  });
});

describe("formatC: %% and %s", () => {
  it("prints %% as a single percent and consumes no argument", () => {
    expect(f("%%")).toBe("%");
    expect(f("100%% of %d", 5)).toBe("100% of 5");
    expect(f("%%%d%%", 3)).toBe("%3%");
  });

  it("prints strings", () => {
    expect(f("%s", "hello")).toBe("hello");
    expect(f("%s%s", "", "x")).toBe("x");
    expect(f("<%s>", "é€")).toBe("<é€>");
  });

  it("prints null and undefined as (null), as glibc does", () => {
    expect(f("%s", null)).toBe("(null)");
    expect(f("%s", undefined)).toBe("(null)");
  });

  it("prints other values with String()", () => {
    expect(f("%s", 42)).toBe("42");
    expect(f("%s", 10n)).toBe("10");
    expect(f("%s", true)).toBe("true");
    expect(f("%s", { toString: () => "obj" })).toBe("obj");
  });

  it("pads strings to a width, right-justified, and left with -", () => {
    expect(f("[%5s]", "ab")).toBe("[   ab]");
    expect(f("[%-5s]", "ab")).toBe("[ab   ]");
    expect(f("[%2s]", "abcdef")).toBe("[abcdef]");
  });

  it("does not zero-pad strings", () => {
    expect(f("[%05s]", "ab")).toBe("[   ab]");
  });

  it("truncates strings to the precision", () => {
    expect(f("[%.3s]", "abcdef")).toBe("[abc]");
    expect(f("[%.0s]", "abcdef")).toBe("[]");
    expect(f("[%.10s]", "abc")).toBe("[abc]");
    expect(f("[%6.2s]", "abcdef")).toBe("[    ab]");
    expect(f("[%-6.2s]", "abcdef")).toBe("[ab    ]");
  });

  it("takes the precision from the arguments with .*", () => {
    expect(f("[%.*s]", 3, "abcdef")).toBe("[abc]");
    expect(f("[%.*s]", 0, "abcdef")).toBe("[]");
    expect(f("%.*s|%s", 2, "xyz", "rest")).toBe("xy|rest");
  });

  it("treats a negative .* precision as no precision, as C does", () => {
    expect(f("[%.*s]", -1, "abcdef")).toBe("[abcdef]");
    expect(f("[%.*d]", -5, 42)).toBe("[42]");
  });

  it("takes the width from the arguments with *", () => {
    expect(f("[%*s]", 5, "ab")).toBe("[   ab]");
    expect(f("[%-*s]", 5, "ab")).toBe("[ab   ]");
    expect(f("[%*.*s]", 6, 2, "abcdef")).toBe("[    ab]");
    expect(f("[%*d]", 4, 7)).toBe("[   7]");
  });

  // C99 7.19.6.1p5: a negative * width is the - flag and the absolute width.
  it("treats a negative * width as the - flag with its absolute value (C99 7.19.6.1p5)", () => {
    expect(f("[%*s]", -5, "ab")).toBe("[ab   ]");
    expect(f("[%*d]", -4, 7)).toBe("[7   ]");
  });
});

describe("formatC: %d and %i", () => {
  it("prints signed decimals", () => {
    expect(f("%d", 0)).toBe("0");
    expect(f("%d", 42)).toBe("42");
    expect(f("%d", -42)).toBe("-42");
    expect(f("%i", 123)).toBe("123");
    expect(f("%i", -7)).toBe("-7");
  });

  it("truncates fractional numbers toward zero", () => {
    expect(f("%d", 3.99)).toBe("3");
    expect(f("%d", -3.99)).toBe("-3");
    expect(f("%d", -0)).toBe("0");
  });

  it("prints numbers beyond 2^31 and up to 2^53 exactly", () => {
    expect(f("%d", 2 ** 31)).toBe("2147483648");
    expect(f("%d", Number.MAX_SAFE_INTEGER)).toBe("9007199254740991");
    expect(f("%d", -Number.MAX_SAFE_INTEGER)).toBe("-9007199254740991");
  });

  it("takes booleans as 1 and 0", () => {
    expect(f("%d %d", true, false)).toBe("1 0");
  });

  it("prints bigints exactly, including 64-bit extremes", () => {
    expect(f("%lld", 9223372036854775807n)).toBe("9223372036854775807");
    expect(f("%lld", -9223372036854775808n)).toBe("-9223372036854775808");
    expect(f("%d", 12345678901234567890n)).toBe("12345678901234567890");
    expect(f("%i", -1n)).toBe("-1");
  });

  it("pads to a width with spaces, or on the left with -", () => {
    expect(f("[%5d]", 42)).toBe("[   42]");
    expect(f("[%5d]", -42)).toBe("[  -42]");
    expect(f("[%-5d]", 42)).toBe("[42   ]");
    expect(f("[%-5d]", -42)).toBe("[-42  ]");
    expect(f("[%1d]", 12345)).toBe("[12345]");
  });

  it("zero-pads after the sign with 0", () => {
    expect(f("[%05d]", 42)).toBe("[00042]");
    expect(f("[%05d]", -42)).toBe("[-0042]");
    expect(f("[%05d]", 123456)).toBe("[123456]");
    expect(f("[%02d:%02d:%02d]", 9, 5, 0)).toBe("[09:05:00]");
  });

  it("lets - override 0", () => {
    expect(f("[%-05d]", 42)).toBe("[42   ]");
    expect(f("[%0-5d]", -42)).toBe("[-42  ]");
  });

  it("pads digits to the precision, after the sign", () => {
    expect(f("[%.5d]", 42)).toBe("[00042]");
    expect(f("[%.5d]", -42)).toBe("[-00042]");
    expect(f("[%.2d]", 12345)).toBe("[12345]");
    expect(f("[%8.5d]", -42)).toBe("[  -00042]");
    expect(f("[%-8.5d]", 42)).toBe("[00042   ]");
    expect(f("[%.*d]", 4, 7)).toBe("[0007]");
  });

  it("ignores the 0 flag when a precision is given, as C does", () => {
    expect(f("[%08.5d]", -42)).toBe("[  -00042]");
    expect(f("[%06.3d]", 7)).toBe("[   007]");
  });

  // C99 7.19.6.1p8: "The result of converting a zero value with a precision
  // of zero is no characters."
  it("prints zero with precision 0 as no characters (C99 7.19.6.1p8)", () => {
    expect(f("[%.0d]", 0)).toBe("[]");
    expect(f("[%3.0d]", 0)).toBe("[   ]");
    expect(f("[%.0x]", 0)).toBe("[]");
  });

  it("still prints non-zero values with precision 0", () => {
    expect(f("[%.0d]", 5)).toBe("[5]");
    expect(f("[%.0u]", 5)).toBe("[5]");
  });
});

describe("formatC: %u, %x, %X, %o", () => {
  it("prints unsigned decimals", () => {
    expect(f("%u", 0)).toBe("0");
    expect(f("%u", 4294967295)).toBe("4294967295");
    expect(f("%lu", 4294967296)).toBe("4294967296");
    expect(f("%llu", 18446744073709551615n)).toBe("18446744073709551615");
  });

  it("prints hexadecimal, lower and upper case", () => {
    expect(f("%x", 255)).toBe("ff");
    expect(f("%X", 255)).toBe("FF");
    expect(f("%x", 0)).toBe("0");
    expect(f("%x", 0xdeadbeef)).toBe("deadbeef");
    expect(f("%X", 0xdeadbeef)).toBe("DEADBEEF");
    expect(f("%llx", 0x1234567890abcdefn)).toBe("1234567890abcdef");
    expect(f("%llX", 0x1234567890abcdefn)).toBe("1234567890ABCDEF");
  });

  it("prints octal", () => {
    expect(f("%o", 8)).toBe("10");
    expect(f("%o", 0o755)).toBe("755");
    expect(f("%o", 0)).toBe("0");
  });

  it("prints negative numbers as 64-bit two's complement", () => {
    expect(f("%u", -1)).toBe("18446744073709551615");
    expect(f("%x", -1)).toBe("ffffffffffffffff");
    expect(f("%X", -1)).toBe("FFFFFFFFFFFFFFFF");
    expect(f("%o", -1)).toBe("1777777777777777777777");
    expect(f("%u", -2)).toBe("18446744073709551614");
    expect(f("%x", -256)).toBe("ffffffffffffff00");
    expect(f("%lu", -1n)).toBe("18446744073709551615");
    expect(f("%llx", -9223372036854775808n)).toBe("8000000000000000");
    expect(f("%u", -3.7)).toBe("18446744073709551613");
  });

  it("wraps bigints beyond 64 bits modulo 2^64", () => {
    expect(f("%u", 2n ** 64n + 5n)).toBe("5");
    expect(f("%x", 2n ** 64n)).toBe("0");
  });

  it("applies width, 0, - and precision", () => {
    expect(f("[%08x]", 0xbeef)).toBe("[0000beef]");
    expect(f("[%-6X]", 0xab)).toBe("[AB    ]");
    expect(f("[%6o]", 8)).toBe("[    10]");
    expect(f("[%.4x]", 0xa)).toBe("[000a]");
    expect(f("[%06u]", 42)).toBe("[000042]");
    expect(f("[%*x]", 4, 255)).toBe("[  ff]");
  });
});

describe("formatC: %c", () => {
  it("prints a character code", () => {
    expect(f("%c", 65)).toBe("A");
    expect(f("%c%c", 0x4f, 0x4b)).toBe("OK");
    expect(f("%c", 65n)).toBe("A");
  });

  it("keeps the low 8 bits of the code, as C's unsigned char conversion", () => {
    expect(f("%c", 0x141)).toBe("A");
    expect(f("%c", 0)).toBe("\0");
  });

  it("prints the first character of a string", () => {
    expect(f("%c", "xyz")).toBe("x");
  });

  it("pads to a width but never with zeros", () => {
    expect(f("[%3c]", 65)).toBe("[  A]");
    expect(f("[%-3c]", 65)).toBe("[A  ]");
    expect(f("[%03c]", 65)).toBe("[  A]");
  });
});

describe("formatC: length modifiers", () => {
  const cases: ReadonlyArray<[string, number | bigint, string]> = [
    ["%hhd", 5, "5"],
    ["%hd", -5, "-5"],
    ["%ld", 123, "123"],
    ["%lld", -123, "-123"],
    ["%zd", 7, "7"],
    ["%zu", 7, "7"],
    ["%jd", 8, "8"],
    ["%td", 9, "9"],
    ["%lu", 10, "10"],
    ["%llu", 11n, "11"],
    ["%lx", 255, "ff"],
    ["%llX", 255, "FF"],
    ["%ho", 8, "10"],
    ["%li", 12, "12"],
    ["%lc", 66, "B"],
    ["%ls", 0, "0"],
    ["%5ld", 42, "   42"],
    ["%-5lu", 42, "42   "],
    ["%05lld", -42, "-0042"],
    ["%.3zu", 4, "004"],
  ];
  it.each(cases)("accepts and ignores the modifier in %s", (fmt, arg, want) => {
    expect(f(fmt, arg)).toBe(want);
  });

  it("accepts modifiers on width and precision taken from the arguments", () => {
    expect(f("[%*.*ld]", 6, 3, 5)).toBe("[   005]");
  });
});

describe("formatC: errors", () => {
  it("throws a RangeError naming the offset of an unknown conversion", () => {
    const err = thrown(() => f("abc %q", 1));
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/unknown conversion/);
    expect((err as Error).message).toMatch(/offset 4\b/);
  });

  it("names the offset of the % that starts a bad conversion with flags and width", () => {
    const err = thrown(() => f("%d and %-5.2y", 1, 2));
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/offset 7\b/);
  });

  it.each([
    ["%", 0],
    ["ab%", 2],
    ["%l", 0],
    ["%5", 0],
    ["x %f", 2],
    ["%e", 0],
    ["%p", 0],
    ["%n", 0],
    ["% d", 0],
    ["%+d", 0],
    ["%#x", 0],
    ["%Lu", 0],
    ["%d %qd", 3],
  ] as const)("rejects %j as an unknown conversion at offset %d", (fmt, at) => {
    const err = thrown(() => f(fmt, 1, 2, 3));
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toContain(`offset ${at}`);
  });

  it("throws a RangeError naming the offset when an argument is missing", () => {
    const err = thrown(() => f("%s %s", "only"));
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toMatch(/offset 3\b/);
    expect(thrown(() => f("%d"))).toBeInstanceOf(RangeError);
    expect(thrown(() => f("%%%c"))).toBeInstanceOf(RangeError);
  });

  it("throws a RangeError when a * width or precision has no argument", () => {
    expect(thrown(() => f("%*d"))).toBeInstanceOf(RangeError);
    expect(thrown(() => f("%*d", 5))).toBeInstanceOf(RangeError);
    expect(thrown(() => f("%.*s", 2))).toBeInstanceOf(RangeError);
  });

  it("counts undefined as a given argument (printed as (null) by %s)", () => {
    expect(f("%s|%s", undefined, "b")).toBe("(null)|b");
  });

  it("throws a TypeError naming the offset for a non-number to an integer conversion", () => {
    const err = thrown(() => f("n=%d", "12"));
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/offset 2\b/);
    expect((err as Error).message).toContain("string");
  });

  it.each([
    ["%d", "5"],
    ["%i", null],
    ["%u", undefined],
    ["%x", {}],
    ["%X", [1]],
    ["%o", Symbol("s")],
    ["%c", null],
    ["%d", Number.NaN],
    ["%d", Number.POSITIVE_INFINITY],
    ["%u", Number.NEGATIVE_INFINITY],
  ] as const)("throws a TypeError for %s given %s", (fmt, arg) => {
    expect(thrown(() => f(fmt, arg))).toBeInstanceOf(TypeError);
  });

  it("throws a TypeError for a * width or precision that is not a number", () => {
    expect(thrown(() => f("%*d", "5", 1))).toBeInstanceOf(TypeError);
    expect(thrown(() => f("%.*s", "2", "abc"))).toBeInstanceOf(TypeError);
  });

  it("is usable again after throwing", () => {
    expect(() => f("%q")).toThrow(RangeError);
    expect(f("%d-%d", 1, 2)).toBe("1-2");
  });
});

describe("formatC: re-entrancy", () => {
  // A nested formatC call must not disturb the outer one's place in its format.
  it("formats correctly when an argument's toString itself calls formatC", () => {
    const addr = { toString: () => formatC("%s@%s", ["user", "example.com"]) };
    expect(formatC("<%s> %d\r\n", [addr, 7])).toBe("<user@example.com> 7\r\n");
  });
});
