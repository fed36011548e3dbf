/**
 * The error texts a stream reports through {@link ProtStream.error}. They
 * are the texts the C prot layer's `prot_error` gives for the same
 * conditions, so logs read alike.
 */
export const Messages = {
  /** Reported once a read found the input ended. */
  eof: "end of file reached",
  /** Reported when a read waited past the read timeout. */
  idle: "idle for too long",
  /** Reported after {@link ProtStream.close}. */
  closed: "stream closed",
} as const;

/** Renders a thrown value for an error message. */
export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
