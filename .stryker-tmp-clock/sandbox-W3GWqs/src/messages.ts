/**
 * The error texts a stream reports through {@link ProtStream.error}. They
 * are the texts the C prot layer's `prot_error` gives for the same
 * conditions, so logs read alike.
 */
// @ts-nocheck

export const Messages = {
  /** Reported once a read found the input ended. */
  eof: "end of file reached",
  /** Reported when a read waited past the read timeout. */
  idle: "idle for too long",
  /** Reported when a read waited past {@link ProtStream.deadline} (no C counterpart). */
  deadline: "deadline passed",
  /** Reported when a Readable is destroyed before its input ended. */
  closedEarly: "the input was closed before its end",
  /** Reported after {@link ProtStream.close}. */
  closed: "stream closed",
} as const;

/**
 * Renders a thrown value for an error message. Total: a value that cannot
 * be turned into text (an object without a prototype, an Error whose
 * `message` getter throws) is named by its kind, so reporting a failure
 * never fails itself.
 */
export function describe(err: unknown): string {
  try {
    if (err instanceof Error) return String(err.message);
    return String(err);
  } catch {
    return `a thrown ${Object.prototype.toString.call(err).slice(8, -1)} that cannot be shown`;
  }
}
