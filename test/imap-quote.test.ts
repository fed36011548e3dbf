import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { MAX_QUOTED, ProtWriter, type ProtWriterOptions, imapForm } from "prot-events";
import { prot_printamap, prot_printastring, prot_printliteral, prot_printmap, prot_printstring, prot_setisclient } from "prot-events/cyrus";

/** A Writable that keeps every chunk it is given. */
class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    cb();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Runs `act` on a fresh writer, flushes it and returns every byte the sink got. */
async function output(act: (w: ProtWriter) => unknown, options: ProtWriterOptions = {}): Promise<Buffer> {
  const sink = new Collector();
  const w = new ProtWriter(sink, options);
  act(w);
  await w.flush();
  return sink.bytes;
}

const enc = (s: string): Buffer => Buffer.from(s, "utf8");
const latin1 = (s: string): Buffer => Buffer.from(s, "latin1");

describe("imapForm", () => {
  it("is nil for null", () => {
    expect(imapForm(null, false)).toBe("nil");
    expect(imapForm(null, true)).toBe("nil");
  });

  it("quotes the empty value, never a bare empty atom", () => {
    expect(imapForm(new Uint8Array(0), false)).toBe("quoted");
    expect(imapForm(new Uint8Array(0), true)).toBe("quoted");
  });

  it("is an atom only where an astring is allowed", () => {
    expect(imapForm(enc("INBOX"), true)).toBe("atom");
    expect(imapForm(enc("INBOX"), false)).toBe("quoted");
  });

  it("never makes an atom of the exact string NIL", () => {
    expect(imapForm(enc("NIL"), true)).toBe("quoted");
    expect(imapForm(enc("NIL"), false)).toBe("quoted");
    // The check is exact and case-sensitive, as Cyrus's strcmp.
    expect(imapForm(enc("nil"), true)).toBe("atom");
    expect(imapForm(enc("Nil"), true)).toBe("atom");
    expect(imapForm(enc("NILS"), true)).toBe("atom");
    expect(imapForm(enc("NI"), true)).toBe("atom");
    expect(imapForm(enc("xNIL"), true)).toBe("atom");
  });

  it("allows resp-specials and other punctuation in atoms (ASTRING-CHAR)", () => {
    expect(imapForm(enc("a]b[c"), true)).toBe("atom");
    expect(imapForm(enc("user.foo/bar-baz_1+2=3&4~!#$&'`,:;<>?@^|"), true)).toBe("atom");
  });

  const atomSpecials: ReadonlyArray<[string, number]> = [
    ["space", 0x20],
    ["{", 0x7b],
    ["(", 0x28],
    [")", 0x29],
    ["*", 0x2a],
    ["TAB", 0x09],
    ["US (0x1f)", 0x1f],
    ["SOH (0x01)", 0x01],
    ["DEL", 0x7f],
  ];
  it.each(atomSpecials)("quotes rather than atomizes a value with %s", (_name, b) => {
    const v = Uint8Array.of(0x61, b, 0x62);
    expect(imapForm(v, true)).toBe("quoted");
    expect(imapForm(v, false)).toBe("quoted");
    expect(imapForm(Uint8Array.of(b), true)).toBe("quoted");
  });

  const literalOnly: ReadonlyArray<[string, number]> = [
    ["CR", 0x0d],
    ["LF", 0x0a],
    ['"', 0x22],
    ["%", 0x25],
    ["\\", 0x5c],
    ["NUL", 0x00],
    ["0x80", 0x80],
    ["0xff", 0xff],
  ];
  it.each(literalOnly)("sends a value with %s as a literal", (_name, b) => {
    const v = Uint8Array.of(0x61, b, 0x62);
    expect(imapForm(v, true)).toBe("literal");
    expect(imapForm(v, false)).toBe("literal");
    expect(imapForm(Uint8Array.of(b), true)).toBe("literal");
    expect(imapForm(Uint8Array.of(b), false)).toBe("literal");
  });

  it("has MAX_QUOTED = 1024", () => {
    expect(MAX_QUOTED).toBe(1024);
  });

  it("quotes 1023 quotable bytes and sends 1024 as a literal", () => {
    expect(imapForm(Buffer.alloc(1023, " "), false)).toBe("quoted");
    expect(imapForm(Buffer.alloc(1024, " "), false)).toBe("literal");
    expect(imapForm(Buffer.alloc(1023, " "), true)).toBe("quoted");
    expect(imapForm(Buffer.alloc(1024, " "), true)).toBe("literal");
  });

  it("atomizes 1023 atom bytes and sends 1024 as a literal", () => {
    expect(imapForm(Buffer.alloc(1023, "a"), true)).toBe("atom");
    expect(imapForm(Buffer.alloc(1024, "a"), true)).toBe("literal");
    expect(imapForm(Buffer.alloc(1023, "a"), false)).toBe("quoted");
    expect(imapForm(Buffer.alloc(1024, "a"), false)).toBe("literal");
    expect(imapForm(Buffer.alloc(5000, "a"), true)).toBe("literal");
  });

  it("looks at the whole value, not only its first bytes", () => {
    const v = Buffer.alloc(1000, "a");
    v[999] = 0x0a;
    expect(imapForm(v, true)).toBe("literal");
    v[999] = 0x20;
    expect(imapForm(v, true)).toBe("quoted");
  });
});

describe("ProtWriter.printString", () => {
  it("prints NIL for null", async () => {
    expect((await output((w) => w.printString(null))).toString("latin1")).toBe("NIL");
  });

  it('prints "" for the empty string', async () => {
    expect((await output((w) => w.printString(""))).toString("latin1")).toBe('""');
  });

  it("quotes even values that could be atoms", async () => {
    expect((await output((w) => w.printString("INBOX"))).toString("latin1")).toBe('"INBOX"');
    expect((await output((w) => w.printString("NIL"))).toString("latin1")).toBe('"NIL"');
  });

  it("quotes values with atom-specials, controls and DEL", async () => {
    const s = "a b{c(d)e*f\tg\x01h\x7fi]";
    expect(await output((w) => w.printString(s))).toEqual(latin1(`"${s}"`));
  });

  it.each([
    ["CR", "a\rb"],
    ["LF", "a\nb"],
    ["CRLF", "line1\r\nline2"],
    ['"', 'say "hi"'],
    ["%", "100%"],
    ["\\", "C:\\dir"],
    ["NUL", "a\0b"],
  ])("sends a string with %s as a literal", async (_name, s) => {
    const bytes = enc(s);
    expect(await output((w) => w.printString(s))).toEqual(Buffer.concat([latin1(`{${bytes.length}}\r\n`), bytes]));
  });

  it("sends 8-bit text as a literal counted in bytes", async () => {
    expect(await output((w) => w.printString("café"))).toEqual(Buffer.concat([latin1("{5}\r\n"), Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9])]));
  });

  it("quotes 1023 quotable bytes and sends 1024 as a literal", async () => {
    const s1023 = "x".repeat(1022) + " ";
    expect((await output((w) => w.printString(s1023))).toString("latin1")).toBe(`"${s1023}"`);
    const s1024 = "x".repeat(1023) + " ";
    expect((await output((w) => w.printString(s1024))).toString("latin1")).toBe(`{1024}\r\n${s1024}`);
  });

  it("counts a literal's length in encoded bytes, not characters", async () => {
    const s = "é".repeat(600);
    expect(await output((w) => w.printString(s))).toEqual(Buffer.concat([latin1("{1200}\r\n"), enc(s)]));
  });

  it("sends {n+} literals when isClient is set", async () => {
    expect((await output((w) => w.printString("a\r\nb"), { isClient: true })).toString("latin1")).toBe("{4+}\r\na\r\nb");
    // Quoted strings and NIL are the same on a client.
    expect((await output((w) => w.printString("ab"), { isClient: true })).toString("latin1")).toBe('"ab"');
    expect((await output((w) => w.printString(null), { isClient: true })).toString("latin1")).toBe("NIL");
  });

  it("encodes strings in the writer's encoding", async () => {
    expect(await output((w) => w.printString("café"), { encoding: "latin1" })).toEqual(Buffer.concat([latin1("{4}\r\n"), Buffer.from([0x63, 0x61, 0x66, 0xe9])]));
  });

  it("counts the bytes in bytesOut", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    w.printString("ab").printString(null).printString("\n");
    expect(w.bytesOut).toBe(4 + 3 + 6);
    await w.flush();
    expect(sink.bytes.toString("latin1")).toBe('"ab"NIL{1}\r\n\n');
  });
});

describe("ProtWriter.printAstring", () => {
  it("prints NIL for null", async () => {
    expect((await output((w) => w.printAstring(null))).toString("latin1")).toBe("NIL");
  });

  it('prints "" for the empty string, never a bare empty atom', async () => {
    expect((await output((w) => w.printAstring(""))).toString("latin1")).toBe('""');
  });

  it("prints atoms bare", async () => {
    expect((await output((w) => w.printAstring("INBOX"))).toString("latin1")).toBe("INBOX");
    expect((await output((w) => w.printAstring("user.fred]x[y"))).toString("latin1")).toBe("user.fred]x[y");
    expect((await output((w) => w.printAstring("nil"))).toString("latin1")).toBe("nil");
    expect((await output((w) => w.printAstring("NILE"))).toString("latin1")).toBe("NILE");
  });

  it('prints the string NIL as "NIL"', async () => {
    expect((await output((w) => w.printAstring("NIL"))).toString("latin1")).toBe('"NIL"');
  });

  it.each([
    ["space", "a b"],
    ["{", "a{b"],
    ["(", "a(b"],
    [")", "a)b"],
    ["*", "a*"],
    ["TAB", "a\tb"],
    ["0x1f", "a\x1fb"],
    ["DEL", "a\x7fb"],
  ])("quotes a value with %s", async (_name, s) => {
    expect(await output((w) => w.printAstring(s))).toEqual(latin1(`"${s}"`));
  });

  it.each([
    ["CR", "a\rb"],
    ["LF", "a\nb"],
    ['"', 'a"b'],
    ["%", "a%b"],
    ["\\", "a\\b"],
    ["NUL", "a\0b"],
    ["8-bit", "Grüße"],
  ])("sends a value with %s as a literal", async (_name, s) => {
    const bytes = enc(s);
    expect(await output((w) => w.printAstring(s))).toEqual(Buffer.concat([latin1(`{${bytes.length}}\r\n`), bytes]));
  });

  it("prints 1023 atom bytes bare and 1024 as a literal", async () => {
    const a1023 = "a".repeat(1023);
    expect((await output((w) => w.printAstring(a1023))).toString("latin1")).toBe(a1023);
    const a1024 = "a".repeat(1024);
    expect((await output((w) => w.printAstring(a1024))).toString("latin1")).toBe(`{1024}\r\n${a1024}`);
  });

  it("quotes 1023 quotable non-atom bytes and sends 1024 as a literal", async () => {
    const q1023 = " ".repeat(1023);
    expect((await output((w) => w.printAstring(q1023))).toString("latin1")).toBe(`"${q1023}"`);
    const q1024 = " ".repeat(1024);
    expect((await output((w) => w.printAstring(q1024))).toString("latin1")).toBe(`{1024}\r\n${q1024}`);
  });

  it("sends {n+} literals when isClient is set", async () => {
    expect((await output((w) => w.printAstring("a%b"), { isClient: true })).toString("latin1")).toBe("{3+}\r\na%b");
    expect((await output((w) => w.printAstring("abc"), { isClient: true })).toString("latin1")).toBe("abc");
  });
});

describe("ProtWriter.printMap", () => {
  it("prints NIL for null", async () => {
    expect((await output((w) => w.printMap(null))).toString("latin1")).toBe("NIL");
  });

  it('prints "" for no bytes', async () => {
    expect((await output((w) => w.printMap(new Uint8Array(0)))).toString("latin1")).toBe('""');
  });

  it("quotes printable bytes, even atom ones", async () => {
    expect((await output((w) => w.printMap(enc("INBOX")))).toString("latin1")).toBe('"INBOX"');
    expect((await output((w) => w.printMap(enc("NIL")))).toString("latin1")).toBe('"NIL"');
    expect((await output((w) => w.printMap(enc("a b")))).toString("latin1")).toBe('"a b"');
  });

  it("keeps NUL bytes, in a literal", async () => {
    const bytes = Uint8Array.of(0x61, 0x00, 0x62, 0x00);
    expect(await output((w) => w.printMap(bytes))).toEqual(Buffer.concat([latin1("{4}\r\n"), Buffer.from(bytes)]));
  });

  it("sends raw 8-bit bytes unchanged in a literal", async () => {
    const bytes = Uint8Array.of(0x80, 0xff, 0xfe, 0x41);
    expect(await output((w) => w.printMap(bytes))).toEqual(Buffer.concat([latin1("{4}\r\n"), Buffer.from(bytes)]));
  });

  it.each([
    ["CR", 0x0d],
    ["LF", 0x0a],
    ['"', 0x22],
    ["%", 0x25],
    ["\\", 0x5c],
  ])("sends bytes with %s as a literal", async (_name, b) => {
    const bytes = Uint8Array.of(0x78, b);
    expect(await output((w) => w.printMap(bytes))).toEqual(Buffer.concat([latin1("{2}\r\n"), Buffer.from(bytes)]));
  });

  it("quotes 1023 bytes and sends 1024 as a literal", async () => {
    const b1023 = Buffer.alloc(1023, "q");
    expect(await output((w) => w.printMap(b1023))).toEqual(Buffer.concat([latin1('"'), b1023, latin1('"')]));
    const b1024 = Buffer.alloc(1024, "q");
    expect(await output((w) => w.printMap(b1024))).toEqual(Buffer.concat([latin1("{1024}\r\n"), b1024]));
  });

  it("prints only the view's bytes of a subarray", async () => {
    const whole = enc("xxHELLOxx");
    expect((await output((w) => w.printMap(whole.subarray(2, 7)))).toString("latin1")).toBe('"HELLO"');
  });

  it("sends {n+} literals when isClient is set", async () => {
    expect(await output((w) => w.printMap(Uint8Array.of(0)), { isClient: true })).toEqual(Buffer.concat([latin1("{1+}\r\n"), Buffer.from([0])]));
  });
});

describe("ProtWriter.printAmap", () => {
  it("prints NIL for null", async () => {
    expect((await output((w) => w.printAmap(null))).toString("latin1")).toBe("NIL");
  });

  it('prints "" for no bytes', async () => {
    expect((await output((w) => w.printAmap(new Uint8Array(0)))).toString("latin1")).toBe('""');
  });

  it('prints atoms bare, but NIL as "NIL"', async () => {
    expect((await output((w) => w.printAmap(enc("Sent")))).toString("latin1")).toBe("Sent");
    expect((await output((w) => w.printAmap(enc("NIL")))).toString("latin1")).toBe('"NIL"');
  });

  it("quotes bytes with atom-specials", async () => {
    expect((await output((w) => w.printAmap(enc("Sent Items")))).toString("latin1")).toBe('"Sent Items"');
    expect((await output((w) => w.printAmap(Uint8Array.of(0x61, 0x7f)))).toString("latin1")).toBe('"a\x7f"');
  });

  it("sends NUL and 8-bit bytes as a literal", async () => {
    const bytes = Uint8Array.of(0x61, 0x00, 0xe9);
    expect(await output((w) => w.printAmap(bytes))).toEqual(Buffer.concat([latin1("{3}\r\n"), Buffer.from(bytes)]));
  });

  it("prints 1023 atom bytes bare and 1024 as a literal", async () => {
    const b1023 = Buffer.alloc(1023, "z");
    expect(await output((w) => w.printAmap(b1023))).toEqual(b1023);
    const b1024 = Buffer.alloc(1024, "z");
    expect(await output((w) => w.printAmap(b1024))).toEqual(Buffer.concat([latin1("{1024}\r\n"), b1024]));
  });

  it("sends {n+} literals when isClient is set", async () => {
    expect((await output((w) => w.printAmap(enc("a\\b")), { isClient: true })).toString("latin1")).toBe("{3+}\r\na\\b");
  });
});

describe("ProtWriter.printLiteral", () => {
  it("writes {n}CRLF then the bytes", async () => {
    expect((await output((w) => w.printLiteral("hello"))).toString("latin1")).toBe("{5}\r\nhello");
  });

  it("writes {0}CRLF for nothing", async () => {
    expect((await output((w) => w.printLiteral(""))).toString("latin1")).toBe("{0}\r\n");
    expect((await output((w) => w.printLiteral(new Uint8Array(0)))).toString("latin1")).toBe("{0}\r\n");
  });

  it("counts encoded bytes for strings", async () => {
    expect(await output((w) => w.printLiteral("€"))).toEqual(Buffer.concat([latin1("{3}\r\n"), Buffer.from([0xe2, 0x82, 0xac])]));
  });

  it("writes raw bytes unchanged", async () => {
    const bytes = Uint8Array.of(0, 1, 0x0d, 0x0a, 0xff);
    expect(await output((w) => w.printLiteral(bytes))).toEqual(Buffer.concat([latin1("{5}\r\n"), Buffer.from(bytes)]));
  });

  it("writes {n+}CRLF on a client, following isClient when it changes", async () => {
    expect((await output((w) => w.printLiteral("ab"), { isClient: true })).toString("latin1")).toBe("{2+}\r\nab");
    const out = await output((w) => {
      w.printLiteral("a");
      w.isClient = true;
      w.printLiteral("b");
      w.isClient = false;
      w.printLiteral("c");
    });
    expect(out.toString("latin1")).toBe("{1}\r\na{1+}\r\nb{1}\r\nc");
  });

  it("is not limited by the buffer size", async () => {
    const big = Buffer.alloc(10_000, "L");
    expect(await output((w) => w.printLiteral(big), { bufferSize: 16 })).toEqual(Buffer.concat([latin1("{10000}\r\n"), big]));
  });
});

describe("cyrus facade print helpers", () => {
  it("print the same bytes and return 0", async () => {
    const sink = new Collector();
    const w = new ProtWriter(sink);
    expect(prot_printstring(w, "a b")).toBe(0);
    expect(prot_printstring(w, null)).toBe(0);
    expect(prot_printastring(w, "INBOX")).toBe(0);
    expect(prot_printastring(w, "NIL")).toBe(0);
    expect(prot_printastring(w, "")).toBe(0);
    expect(prot_printmap(w, Uint8Array.of(0x41, 0x00), 2)).toBe(0);
    expect(prot_printamap(w, enc("atomXYZ"), 4)).toBe(0);
    expect(prot_printamap(w, null)).toBe(0);
    expect(prot_printliteral(w, "xy")).toBe(0);
    await w.flush();
    expect(sink.bytes).toEqual(Buffer.concat([latin1('"a b"NILINBOX"NIL"""{2}\r\nA'), Buffer.from([0]), latin1("atomNIL{2}\r\nxy")]));
  });

  it("prot_printmap and prot_printamap print only the first n bytes", async () => {
    const out = await output((w) => {
      prot_printmap(w, enc("abc\r\n"), 3);
      prot_printamap(w, enc("ab cd"), 2);
      prot_printmap(w, enc("xyz"), 0);
    });
    expect(out.toString("latin1")).toBe('"abc"ab""');
  });

  it("prot_setisclient switches literals to {n+}", async () => {
    const out = await output((w) => {
      expect(prot_setisclient(w, 1)).toBe(0);
      prot_printstring(w, "\n");
      prot_setisclient(w, 0);
      prot_printastring(w, "\n");
    });
    expect(out.toString("latin1")).toBe("{1+}\r\n\n{1}\r\n\n");
  });
});
