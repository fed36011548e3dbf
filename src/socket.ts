import type { Duplex } from "node:stream";
import { ProtStream, type ProtStreamOptions } from "./prot-stream.js";
import { ProtWriter, type ProtWriterOptions } from "./prot-writer.js";

/** Options of {@link protSocket}. */
export interface ProtSocketOptions {
  /** Options of the read stream. */
  input?: ProtStreamOptions;
  /** Options of the writer. */
  output?: ProtWriterOptions;
}

/** The two protocol streams over one connection. */
export interface ProtConnection {
  /** Reads from the connection; its buffered replies are flushed before it waits. */
  readonly input: ProtStream;
  /** Writes to the connection. */
  readonly output: ProtWriter;
  /**
   * Flushes what is buffered for the peer (if it can still be sent), then
   * closes both streams and destroys the connection.
   */
  close(): Promise<void>;
}

/**
 * Wraps a connection (a `net.Socket`, a TLS socket, any `Duplex`) in a read
 * stream and a writer, paired so that replies are flushed whenever the read
 * side is about to wait: the usual shape of a protocol server's connection,
 * like Cyrus's `protin`/`protout`.
 */
export function protSocket(socket: Duplex, options: ProtSocketOptions = {}): ProtConnection {
  const input = new ProtStream(socket, { destroyOnClose: false, ...options.input });
  const output = new ProtWriter(socket, { endOnClose: false, ...options.output });
  input.setFlushOnRead(output);
  return {
    input,
    output,
    async close(): Promise<void> {
      try {
        if (output.error === null && output.buffered > 0) await output.flush();
      } catch {
        // The peer is gone; there is nobody left to tell.
      }
      input.close();
      await output.close().catch(() => {});
      socket.destroy();
    },
  };
}
