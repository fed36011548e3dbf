import { Buffer, isAscii } from "node:buffer";
import { Bytewise, decodingOf, latin1, type Decoding } from "./decoding.js";

/**
 * Thrown by the line readers when a line is longer than the stream's
 * `maxLine`. The first `maxLine` bytes of the line are consumed and carried
 * here; the rest of the line stays in the stream and is what the next read
 * returns, so nothing is lost and memory stays bounded. A server that reads
 * commands must not take that rest for a command (a peer could pad a
 * command to slip it past a check): call {@link ProtStream.skipLine} (or
 * {@link ProtStream.trySkipLine}) to discard it up to the end of the line.
 */
export class LineTooLongError extends Error {
  /** The first `limit` bytes of the line, decoded with the stream's encoding. */
  readonly partial: string;
  /** The stream's `maxLine`. */
  readonly limit: number;
  /** The stream offset (a `bytesIn` value) at which the line began. */
  readonly offset: number;

  /** @internal */
  constructor(streamName: string, partial: string, limit: number, offset: number) {
    super(`${streamName}: line at byte ${offset} is longer than the limit of ${limit} bytes`);
    this.name = "LineTooLongError";
    this.partial = partial;
    this.limit = limit;
    this.offset = offset;
  }
}

/**
 * What an input buffer needs of the stream it buffers for: names for its
 * errors, whether the input is over, and a word when everything buffered
 * has been read.
 * @internal
 */
export interface InputOwner {
  readonly name: string;
  readonly encoding: BufferEncoding;
  readonly maxLine: number;
  /** No more input will come and none failed: an unterminated last line is a whole line. */
  readonly lastLineWhole: boolean;
  /**
   * Bytes read before the buffer's current memory: the stream's count,
   * which outlives its buffers. The buffer adds its read position to it
   * whenever it moves to new memory (a chunk adopted, a join, an ungetc,
   * let go), so that a line read moves the read position alone.
   */
  consumed: number;
  /** Everything buffered has been read. */
  inputDrained(): void;
}

const EMPTY = Buffer.alloc(0);
const LF = 10;
const CR = 13;
/**
 * Buffer's indexOf, called as the one function it is rather than looked up
 * on each buffer searched: in the compiled byte reader of a stream read to
 * its end, `buf.indexOf` stayed a generic property lookup (a call of V8's
 * LoadIC), some 80 instructions a line before the search itself (measured
 * with callgrind); a known function is called directly.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(buf, ...) only
const indexOfByte: (this: Buffer, value: number, byteOffset?: number) => number = (Buffer.prototype as Buffer).indexOf;
/** Chunks shorter than this are copied as they arrive behind unread input; longer ones are queued as they came. */
const SMALL = 1024;

/**
 * The class of the views readLineBytes hands out: a Buffer in all but the
 * constructor that made it (its prototype's prototype is Buffer.prototype,
 * and its `constructor` is Buffer, set rather than deleted: a prototype
 * that lost a property is a slow one to V8, through which every property
 * of a view, `length` included, was looked up the slow way, at some 100
 * instructions a line). Kept for speed, measured: making a
 * 100-byte view of a 64 KiB buffer costs about 16 ns this way, as a plain
 * Uint8Array does, against 31 ns for `Buffer.from(memory, offset, length)`
 * (which checks its arguments) and 40 ns for `buf.subarray()` (which looks
 * up the species constructor), on Node 20; at some 50 ns per line read,
 * either would make byte views a third to a half slower. Views need not be
 * Buffers made by Buffer: `Buffer.isBuffer` and every Buffer method work.
 */
class ByteView extends Uint8Array {}
Object.setPrototypeOf(ByteView.prototype, Buffer.prototype as Uint8Array);
ByteView.prototype.constructor = Buffer;

/**
 * The unread input of a stream, and the reads that take from it without
 * waiting: lines (as strings or as views of the bytes), bytes, skipped
 * lines. No promise and no allocation per line while input is buffered.
 * @internal
 */
export class InputBuffer {
  readonly #owner: InputOwner;
  readonly #decoding: Decoding;
  // The owner's, read once: the line readers check it with every line.
  // Declared with a number, not left undefined until the constructor sets
  // it: V8 then holds the field as a small integer, which compiled code
  // compares without first testing what it holds (callgrind: 0.5% of
  // the instructions of reading 200 MB).
  readonly #maxLine: number = 0;
  // Unread input is #buf[#pos, #end), then the chunks of #queue in order.
  // #buf is a chunk adopted as it came (#end is its length) or, once a line
  // ran past its end, a buffer of ours holding the rest of that line and the
  // head of the next chunk up to its first LF (#joinHead), with room after
  // #end, so a line arriving in many small chunks is copied a bounded number
  // of times rather than once per chunk, and a line split across two large
  // chunks costs a copy of that line, not of the chunk (none when the string
  // reader can join its two pieces as strings: #readLineRest). Bytes before #end
  // are never written again (views of them may be out); a LF at #buf[#end]
  // stops line searches there. #queue holds chunks only while #buf has
  // unread bytes: a chunk arriving to an empty #buf is adopted. Chunks under
  // SMALL bytes are copied on arrival instead, so that a peer sending a byte
  // at a time fills buffers, not a queue of a Buffer object per byte: into
  // #buf, or into the queue's tail, a buffer of ours whose start the last queued chunk
  // is a view of.
  #buf: Buffer = EMPTY;
  // #buf's memory and where #buf starts in it, once readLineBytes asked:
  // Buffer's getters of them are calls, too slow to make per line.
  #bufMemory: ArrayBuffer | null = null;
  #bufOffset = 0;
  #pos = 0;
  #end = 0;
  #own = false;
  // Made when a chunk is first queued, and kept: most streams never queue one.
  #queue: ChunkQueue | null = null;
  // #buf[#textBase, #end) decoded as latin1 by #readLineRest, null until asked
  // or when it would not do; reset whenever those bytes change.
  #text: string | null = null;
  #textBase = 0;
  // Whether the lines in #text are slices of it.
  #textLines = false;
  // Index in #buf from which no LF has been seen yet, when above #pos: a
  // long line is searched once.
  #scan = 0;
  // Set by #findLine: the end of the found line's content.
  #lineEnd = 0;

  constructor(owner: InputOwner) {
    this.#owner = owner;
    this.#decoding = decodingOf(owner.encoding);
    this.#maxLine = owner.maxLine;
  }

  /**
   * A buffer that holds nothing and is never written to, for every stream
   * that has no unread input: a stream makes its own when input arrives and
   * lets it go once it is read, so that an idle connection holds none. Its
   * reads find nothing by the paths a drained buffer's take.
   */
  static readonly none = new InputBuffer({ name: "", encoding: "latin1", maxLine: 1, lastLineWhole: false, consumed: 0, inputDrained() {} });

  /** Bytes read from the buffer's current memory: the stream's `bytesIn` is the owner's `consumed` plus this. */
  get readInBuf(): number {
    return this.#pos;
  }

  /** Bytes buffered and not yet read. */
  get buffered(): number {
    return this.#end - this.#pos + this.#queued();
  }

  /** Bytes that can be read without joining queued chunks. */
  get contiguous(): number {
    return this.#end - this.#pos;
  }

  /** Takes a chunk that arrived. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    if (this.#pos >= this.#end) this.#adopt(chunk);
    else if (this.#queued() === 0 && (n < SMALL || (this.#own && this.#end + n <= this.#buf.length))) this.#append(chunk, n);
    else {
      if (n < SMALL) this.#appendQueued(chunk);
      // Kept as it came: a line running into it is joined with its head
      // only when a read gets there (#joinHead).
      else (this.#queue ??= new ChunkQueue()).chunks.push(chunk);
      (this.#queue as ChunkQueue).bytes += n;
    }
  }

  /** Bytes in the queue. */
  #queued(): number {
    const queue = this.#queue;
    return queue === null ? 0 : queue.bytes;
  }

  /** The next line as a string; see {@link ProtStream.tryReadLine}. */
  readLine(): string | undefined {
    // The usual case, apart from the byte reader's so that each stays small
    // enough for the JIT to inline: the line ends in the decoded text,
    // before its end. Everything else is #readLineRest's, once per chunk,
    // so that this path, which runs for every other line, has no branch
    // that runs only now and then (the optimizing compiler leaves out code
    // it has never seen run and, when it does run, throws away the compiled
    // reading loop, inlined into the caller's, to compile it again), and is
    // small in each function V8 inlines it into: compiling those copies is
    // most of what reading costs beyond the reading itself.
    const text = this.#text;
    if (text !== null) {
      const pos = this.#pos;
      const base = this.#textBase;
      const from = pos - base;
      const lf = text.indexOf("\n", from);
      // A LF found in the text is never the buffer's last byte, whose line
      // #readLineRest reads (the text ends before it), so that this is not
      // tested here with every line.
      if (lf !== -1) {
        // LF-only input does not leave the subtraction for a CRLF line unseen
        // (see above). The CR is looked for in the buffer, whose bytes from
        // #textBase are the text's characters: a byte of a Buffer is one load
        // in compiled code, where the text's charCodeAt first dispatches on
        // how the string is held (callgrind: 2% of reading 200 MB, 22M
        // instructions in 980M).
        const to = lf - (lf > from && this.#buf[base + lf - 1] === CR ? 1 : 0);
        if (to - from <= this.#maxLine) {
          // `=== true`, not a truth test: a field's boolean is to the JIT any
          // value, whose truth it works out in a dozen instructions a line.
          const line = this.#textLines === true ? text.slice(from, to) : this.#decoding.decode(this.#buf, pos, base + to);
          this.#pos = base + lf + 1;
          return line;
        }
      }
    }
    return this.#readLineRest(text);
  }

  /**
   * {@link readLine} where the line does not end inside the decoded text
   * `text`, once or twice per chunk: there is no text yet, or the line ends
   * the buffer, runs past it, or is too long. One function, not one per
   * case: V8 inlines no function of more than 460 bytes of bytecode, and
   * this one is more, so it is compiled once instead of into each compiled
   * caller of readLine (the user's reading loop, the wait's retries), where
   * it made two fifths of the reading loop's compiling (callgrind).
   */
  #readLineRest(text: string | null): string | undefined {
    // The line's part before the buffer's end, when the line moved on to the next chunk.
    let head = "";
    if (text === null) {
      const pos = this.#pos;
      const end = this.#end;
      // A chunk's first line: the unread bytes are decoded as one string
      // whose characters are the bytes (latin1), for readLine to search: a
      // search of a string costs no native call per line, as Buffer's
      // indexOf does, and one decoding per chunk costs less than those
      // calls. Its lines may be sliced from it where the encoding decodes
      // each byte to its own character (latin1; utf8 and ascii for ASCII
      // input), sparing a decoding per line. Not when the unread bytes
      // start a line of which some bytes were searched already (#scan): a
      // line still arriving, which the byte search goes on with, so that a
      // long line is not decoded again with every chunk of it.
      if (this.#scan <= pos && pos < end) {
        const buf = this.#buf;
        const bytewise = this.#decoding.bytewise;
        // The whole buffer when it is all unread; else a plain view, which costs
        // less than a Buffer's subarray (and V8 compiles less for it).
        this.#textLines =
          bytewise === Bytewise.Always || (bytewise === Bytewise.IfAscii && isAscii(pos === 0 && end === buf.length ? buf : new Uint8Array(buf.buffer, buf.byteOffset + pos, end - pos)));
        this.#textBase = pos;
        // Without a LF that ends the buffer: the line it ends is read by the
        // byte search below, as consuming it brings in the next chunk.
        this.#text = latin1(buf, pos, buf[end - 1] === LF ? end - 1 : end);
        return this.readLine();
      }
    } else {
      const from = this.#pos - this.#textBase;
      if (text.indexOf("\n", from) === -1) {
        // Searched to the text's end, which is the buffer's end or the LF
        // that ends it.
        const textEnd = this.#textBase + text.length;
        this.#scan = textEnd;
        if (textEnd === this.#end && this.#textLines === true && this.#queued() > 0) {
          // The usual end of a chunk: the line runs from the end of the
          // text into the first queued chunk. When it ends there, its part
          // in the text is sliced off, and the chunk, as it came, becomes
          // the buffer, where the byte search below finds the rest of the
          // line (the chunk starts on a character, as the byte before it
          // is one). No bytes are copied, as the byte join (#joinHead)
          // copies the line into a buffer of ours and makes a view of the
          // rest of the chunk; and the line ends by the same search and
          // decoding as one that ends the buffer, so that the compiled
          // reading loop has run those before a chunk happens to end on a
          // line's end. A line longer than the chunk (no LF) or too long is
          // left to the byte join.
          const queue = this.#queue as ChunkQueue;
          const next = queue.chunks[0] as Buffer;
          const lf = indexOfByte.call(next, LF);
          // The CR of a CRLF is the buffer's last byte when the LF begins the
          // chunk. Both tests run for every chunk, so that a chunk boundary
          // between a CR and its LF, once in a hundred chunks, runs no
          // comparison that had not run before this function was compiled:
          // V8 would throw the compiled function away and compile it again.
          const endsInCr = text.charCodeAt(text.length - 1) === CR;
          const lfFirst = lf === 0;
          const cut = text.length - (endsInCr && lfFirst ? 1 : 0);
          if (lf !== -1 && cut - from + lf - (lf > 0 && next[lf - 1] === CR ? 1 : 0) <= this.#maxLine) {
            // The buffer is read to its end.
            this.#pos = this.#end;
            queue.chunks.shift();
            queue.bytes -= next.length;
            if (queue.bytes === 0) queue.tail = null;
            this.#adopt(next);
            head = text.slice(from, cut);
          }
        }
      }
    }
    // #findLine, written out: called from here, it was compiled on its own as well.
    let next = this.#lineInBuf();
    if (next === -1) next = this.#findLineAcross();
    if (next === -1) return undefined;
    const line = head + this.#decoding.decode(this.#buf, this.#pos, this.#lineEnd);
    this.#consume(next);
    return line;
  }

  /** The next line as a view of the buffer; see {@link ProtStream.tryReadLineBytes}. */
  readLineBytes(): Buffer | undefined {
    // The bytes are searched, not a decoded text: decoding a chunk only to
    // search it costs more than a native call per line (measured).
    const next = this.#findLine();
    if (next === -1) return undefined;
    const pos = this.#pos;
    let memory = this.#bufMemory;
    if (memory === null) {
      const buf = this.#buf;
      this.#bufMemory = memory = buf.buffer as ArrayBuffer;
      this.#bufOffset = buf.byteOffset;
    }
    const view = new ByteView(memory, this.#bufOffset + pos, this.#lineEnd - pos);
    this.#advance(next);
    return view as unknown as Buffer;
  }

  /** Consumes the line just read, up to `next`. */
  #advance(next: number): void {
    // Most lines are not the last of the buffer: #consume's work for that is not needed.
    if (next < this.#end) this.#pos = next;
    else this.#consume(next);
  }

  /**
   * Finds the next whole line by searching the bytes: sets #lineEnd where
   * its content ends, and returns where the line after it begins, or -1
   * when no whole line is buffered. The byte reader's search, and what the
   * string reader falls back on when its search of the decoded text finds
   * no line: a line that runs past #buf, one too long, or bytes not decoded
   * (see #readLineRest).
   */
  #findLine(): number {
    const next = this.#lineInBuf();
    return next !== -1 ? next : this.#findLineAcross();
  }

  /** #findLine within #buf: the line that the next LF before #end ends, if there is one. */
  #lineInBuf(): number {
    const start = this.#pos;
    const end = this.#end;
    const scan = this.#scan;
    const from = scan > start ? scan : start;
    // Searched to the end already (as the string reader does before it
    // falls back here, and a read that waits does twice per chunk): no call.
    if (from >= end) return -1;
    const buf = this.#buf;
    const nl = indexOfByte.call(buf, LF, from);
    if (nl === -1 || nl >= end) return -1;
    const content = nl - (nl > start && buf[nl - 1] === CR ? 1 : 0);
    if (content - start > this.#maxLine) throw this.#lineTooLong();
    this.#lineEnd = content;
    return nl + 1;
  }

  /** #findLine when #buf holds no LF: joins queued input until a line is whole, or finds none. */
  #findLineAcross(): number {
    for (;;) {
      const start = this.#pos;
      const len = this.#end;
      if (start >= len) return -1;
      this.#scan = len;
      // Without a LF yet: too long once the bytes that cannot be a CR of a CRLF exceed the limit.
      const known = len - start - (this.#buf[len - 1] === CR ? 1 : 0);
      if (known > this.#maxLine) throw this.#lineTooLong();
      if (this.#queued() === 0) {
        if (!this.#owner.lastLineWhole) return -1;
        this.#lineEnd = len;
        return len;
      }
      this.#joinHead();
      const next = this.#lineInBuf();
      if (next !== -1) return next;
    }
  }

  /**
   * Appends to the unread bytes the head of the first queued chunk, up to
   * and including its first LF (all of it when it has none), and leaves the
   * rest of it queued.
   */
  #joinHead(): void {
    const queue = this.#queue as ChunkQueue;
    const chunks = queue.chunks;
    const next = chunks[0] as Buffer;
    const nl = indexOfByte.call(next, LF);
    const take = nl === -1 ? next.length : nl + 1;
    this.#append(next, take);
    if (take === next.length) chunks.shift();
    else chunks[0] = next.subarray(take);
    queue.bytes -= take;
  }

  /** Appends `bytes[0, take)` to the unread bytes of #buf. */
  #append(bytes: Buffer, take: number): void {
    const buf = this.#buf;
    const end = this.#end;
    this.#text = null;
    if (this.#own && end + take <= buf.length) {
      bytes.copy(buf, end, 0, take);
      this.#end = end + take;
    } else {
      // Room in proportion to what is unread: a line that keeps growing
      // doubles its buffer, so each byte is copied O(1) times on average.
      const pos = this.#pos;
      const rest = end - pos;
      const size = Math.max(rest + take, 2 * rest);
      const nb = Buffer.allocUnsafe(size);
      buf.copy(nb, 0, pos, end);
      bytes.copy(nb, rest, 0, take);
      this.#scan -= pos;
      this.#setBuf(nb);
      this.#owner.consumed += pos;
      this.#pos = 0;
      this.#end = rest + take;
      this.#own = true;
    }
    if (this.#end < this.#buf.length) this.#buf[this.#end] = LF;
  }

  /** Appends a small chunk to the last queued one, in the queue's tail. */
  #appendQueued(chunk: Buffer): void {
    const queue = this.#queue as ChunkQueue;
    const chunks = queue.chunks;
    const last = chunks[chunks.length - 1] as Buffer;
    const len = last.length;
    const n = chunk.length;
    let tail = queue.tail;
    if (tail === null || last.buffer !== tail.buffer || last.byteOffset !== tail.byteOffset || len + n > tail.length) {
      tail = Buffer.allocUnsafe(Math.max(len + n, 2 * len));
      last.copy(tail, 0);
      queue.tail = tail;
    }
    chunk.copy(tail, len);
    chunks[chunks.length - 1] = tail.subarray(0, len + n);
  }

  /** The next byte (0-255), or -1 when none is buffered. */
  getc(): number {
    const pos = this.#pos;
    if (pos >= this.#end) return -1;
    const c = this.#buf[pos] as number;
    this.#consume(pos + 1);
    return c;
  }

  /** The next byte without consuming it, or -1 when none is buffered. */
  peek(): number {
    return this.#pos < this.#end ? (this.#buf[this.#pos] as number) : -1;
  }

  /** Up to `n` buffered bytes (a copy), or `undefined` when none are buffered. */
  read(n: number): Buffer | undefined {
    const avail = this.buffered;
    if (avail === 0) return undefined;
    const k = n < avail ? n : avail;
    const out = Buffer.allocUnsafe(k);
    for (let got = 0; got < k;) {
      const pos = this.#pos;
      const take = Math.min(k - got, this.#end - pos);
      this.#buf.copy(out, got, pos, pos + take);
      got += take;
      this.#consume(pos + take);
    }
    return out;
  }

  /** Puts `byte` in front of the unread input; see {@link ProtStream.ungetc}. */
  ungetc(byte: number): void {
    // The byte just read is still there: step back over it. Anything else
    // goes in front in a new buffer, as the old one may be out as a view.
    if (this.#pos > 0 && this.#buf[this.#pos - 1] === byte) {
      this.#pos--;
      if (this.#pos < this.#textBase) this.#text = null;
    } else {
      this.#text = null;
      const unread = this.#end - this.#pos;
      const nb = Buffer.allocUnsafe(unread + 1);
      nb[0] = byte;
      this.#buf.copy(nb, 1, this.#pos, this.#end);
      // The byte counts as not yet read, as if it had been: bytesIn steps back, to no less than 0.
      const owner = this.#owner;
      const bytesIn = owner.consumed + this.#pos;
      owner.consumed = bytesIn > 0 ? bytesIn - 1 : 0;
      this.#setBuf(nb);
      this.#pos = 0;
      this.#end = nb.length;
      this.#own = true;
    }
    this.#scan = this.#pos;
  }

  /** Discards up to and including the next LF; true once it was discarded. See {@link ProtStream.trySkipLine}. */
  skipLine(): boolean {
    // Chunk by chunk: consuming the whole buffer brings the next queued chunk in.
    while (this.#pos < this.#end) {
      const end = this.#end;
      const nl = indexOfByte.call(this.#buf, LF, this.#pos);
      if (nl !== -1 && nl < end) {
        this.#consume(nl + 1);
        return true;
      }
      this.#consume(end);
    }
    return false;
  }

  /** Forgets the buffered input: nothing is unread, and what was read is counted in the owner's `consumed`. */
  drop(): void {
    this.#adopt(EMPTY);
    const queue = this.#queue;
    if (queue !== null && queue.bytes > 0) {
      queue.chunks.length = 0;
      queue.bytes = 0;
      queue.tail = null;
    }
  }

  #consume(to: number): void {
    this.#pos = to;
    if (to >= this.#end) {
      // Once read, the buffer gives way to the next chunk as it came.
      const queue = this.#queue;
      const next = queue !== null && queue.bytes > 0 ? queue.chunks.shift() : undefined;
      if (next !== undefined) {
        const q = queue as ChunkQueue;
        q.bytes -= next.length;
        if (q.bytes === 0) q.tail = null;
        this.#adopt(next);
      } else {
        this.drop();
        this.#owner.inputDrained();
      }
    }
  }

  #lineTooLong(): LineTooLongError {
    const owner = this.#owner;
    const start = this.#pos;
    const limit = this.#maxLine;
    const offset = owner.consumed + start;
    const partial = this.#buf.toString(owner.encoding, start, start + limit);
    this.#consume(start + limit);
    return new LineTooLongError(owner.name, partial, limit, offset);
  }

  #setBuf(buf: Buffer): void {
    this.#buf = buf;
    this.#bufMemory = null;
  }

  /** Makes `chunk`, as it came, the buffer. */
  #adopt(chunk: Buffer): void {
    this.#text = null;
    this.#setBuf(chunk);
    this.#owner.consumed += this.#pos;
    this.#pos = 0;
    this.#end = chunk.length;
    this.#scan = 0;
    this.#own = false;
  }
}

/** Chunks queued behind the unread bytes of #buf, as they came. */
class ChunkQueue {
  readonly chunks: Buffer[] = arrayOfObjects();
  /** Bytes in `chunks`. */
  bytes = 0;
  /** A buffer of ours whose start the last chunk is a view of, while small chunks are appended to it. */
  tail: Buffer | null = null;
}

/**
 * An empty array that V8 keeps as one of objects. An empty literal is kept
 * as one of small integers until an object goes in, and the compiled code
 * of a chunk's arrival, which queues it, had met only arrays that already
 * held chunks: the first chunk queued by a new buffer (one is made whenever
 * a read empties the last) threw that code away (V8's trace: "not a Smi")
 * to compile it again, at some 19M instructions.
 */
function arrayOfObjects(): Buffer[] {
  const array = [EMPTY];
  array.pop();
  return array;
}
