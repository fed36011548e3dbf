/**
 * prot-events: protocol streams with wait events, the reference
 * implementation of the Cyrus IMAP prot layer's wait-event contract.
 *
 * @packageDocumentation
 */
export { type Clock, type Timer, type RunOptions, type SystemClockOptions, SystemClock, VirtualClock, StuckError, systemClock } from "./clock.js";
export { type ByteSink, type ByteSource, type Arrival, type ScriptEnd, type ReadableSourceOptions, ScriptedSource, readableSource } from "./source.js";
export { WaitEvent, type WaitEventProc, ProtStream, type ReadCallback } from "./prot-stream.js";
export { type ProtStreamOptions, type ReadResult, type ReadOptions, type WouldBlock, WOULD_BLOCK } from "./stream-options.js";
export { type Flushable } from "./read-wait.js";
export { LineTooLongError } from "./input-buffer.js";
export { ProtWriter, ProtWriteError, ProtOutputLimitError, type ProtWriterOptions } from "./prot-writer.js";
export { ProtGroup, type ProtGroupOptions, select } from "./select.js";
export { protSocket, type ProtSocketOptions, type ProtConnection, type StartTlsOptions } from "./socket.js";
export { formatC } from "./printf.js";
export { imapForm, type ImapForm, MAX_QUOTED } from "./imap-quote.js";
export { Messages } from "./messages.js";
export { VERSION } from "./version.js";
