/**
 * prot-events: protocol streams with wait events, the reference
 * implementation of the Cyrus IMAP prot layer's wait-event contract.
 *
 * @packageDocumentation
 */
export { type Clock, type Timer, type RunOptions, type SystemClockOptions, SystemClock, VirtualClock, StuckError, systemClock } from "./clock.js";
export { type ByteSink, type ByteSource, type Arrival, type ScriptEnd, type ReadableSourceOptions, ScriptedSource, readableSource } from "./source.js";
export { WaitEvent, type WaitEventProc } from "./wait-event.js";
export { ProtStream, type ProtStreamOptions, type ReadResult, type ReadOptions, type ReadCallback, type Flushable, type WouldBlock, WOULD_BLOCK } from "./prot-stream.js";
export { LineTooLongError } from "./input-buffer.js";
export { ProtWriter, ProtWriteError, ProtOutputLimitError, type ProtWriterOptions } from "./prot-writer.js";
export { ProtGroup, type ProtGroupOptions, select } from "./select.js";
export { protSocket, type ProtSocketOptions, type ProtConnection, type StartTlsOptions } from "./socket.js";
export { formatC } from "./printf.js";
export { imapForm, type ImapForm, MAX_QUOTED } from "./imap-quote.js";
export { Messages } from "./messages.js";
export { VERSION } from "./version.js";
