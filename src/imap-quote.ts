/**
 * How the IMAP output helpers print a value; the same choices as the C prot
 * layer's `prot_printstring`, `prot_printastring`, `prot_printmap` and
 * `prot_printamap` (lib/prot.c), restated:
 *
 * - no value: the atom `NIL`;
 * - a bare atom, where an astring is allowed, for a non-empty value of
 *   atom characters shorter than 1024 bytes that is not `NIL` itself;
 * - a quoted string for a value shorter than 1024 bytes without CR, LF,
 *   `"`, `%`, `\`, NUL or 8-bit bytes;
 * - a literal otherwise.
 */
export type ImapForm = "nil" | "atom" | "quoted" | "literal";

/** Values of this many bytes or more are always sent as literals. */
export const MAX_QUOTED = 1024;

const NIL = [0x4e, 0x49, 0x4c];

function isQuotable(b: number): boolean {
  return !(b === 0 || b >= 0x80 || b === 13 || b === 10 || b === 0x22 || b === 0x25 || b === 0x5c);
}

function isAtomChar(b: number): boolean {
  return !(b >= 0x80 || b <= 0x1f || b === 0x7f || b === 0x20 || b === 0x7b || b === 0x28 || b === 0x29 || b === 0x22 || b === 0x25 || b === 0x2a || b === 0x5c);
}

/**
 * Chooses the form for `bytes` (or `null`, printed as NIL).
 * @param astring - true where IMAP allows an astring (a bare atom).
 */
export function imapForm(bytes: Uint8Array | null, astring: boolean): ImapForm {
  if (bytes === null) return "nil";
  const n = bytes.length;
  if (n >= MAX_QUOTED) return "literal";
  if (astring && n > 0 && !(n === 3 && bytes[0] === NIL[0] && bytes[1] === NIL[1] && bytes[2] === NIL[2])) {
    let atom = true;
    for (let i = 0; i < n; i++) {
      if (!isAtomChar(bytes[i] as number)) {
        atom = false;
        break;
      }
    }
    if (atom) return "atom";
  }
  for (let i = 0; i < n; i++) if (!isQuotable(bytes[i] as number)) return "literal";
  return "quoted";
}
