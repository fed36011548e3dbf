import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { ProtStream, ScriptedSource, VirtualClock, readableSource } from "prot-events";

// A stream given a Readable listens to it itself, with no source object of
// its own; a ByteSource (readableSource's included) it drives through the
// interface. These check that the two stay apart across switchSource and
// close.

/** A ByteSource that records what the stream asks of it. */
function recordingSource(): { calls: string[]; attach(): void; pause(): void; resume(): void; close(): void } {
  const calls: string[] = [];
  return {
    calls,
    attach: () => calls.push("attach"),
    pause: () => calls.push("pause"),
    resume: () => calls.push("resume"),
    close: () => calls.push("close"),
  };
}

describe("a stream over its own Readable", () => {
  it("destroys the Readable on close by default, and not with destroyOnClose: false", () => {
    const a = new PassThrough();
    new ProtStream(a).close();
    expect(a.destroyed).toBe(true);
    const b = new PassThrough();
    new ProtStream(b, { destroyOnClose: false }).close();
    expect(b.destroyed).toBe(false);
    expect(b.listenerCount("data")).toBe(0);
  });

  it("after switching from a Readable to a ByteSource, closes the source and leaves the old Readable alone", async () => {
    const old = new PassThrough();
    const s = new ProtStream(old);
    const src = recordingSource();
    s.switchSource(src);
    // The old Readable was let go of and destroyed (destroyOnClose defaults to true).
    expect(old.destroyed).toBe(true);
    expect(old.listenerCount("data")).toBe(0);
    s.close();
    expect(src.calls).toEqual(["attach", "close"]);
  });

  it("takes the new Readable's destroyOnClose on a switch, not the old one's", () => {
    const first = new PassThrough();
    const second = new PassThrough();
    const s = new ProtStream(first, { destroyOnClose: false });
    s.switchSource(second);
    expect(first.destroyed).toBe(false);
    s.close();
    expect(second.destroyed).toBe(true);

    const third = new PassThrough();
    const fourth = new PassThrough();
    const t = new ProtStream(third);
    t.switchSource(fourth, { destroyOnClose: false });
    t.close();
    expect(fourth.destroyed).toBe(false);
  });

  it("after switching from a ByteSource to a Readable, reads the Readable and pauses it when its buffer is full", async () => {
    const clock = new VirtualClock();
    const s = new ProtStream(new ScriptedSource(clock, []), { clock, highWaterMark: 4 });
    const r = new PassThrough();
    s.switchSource(r);
    r.write("abcdef\r\n");
    r.write("gh\r\n");
    await new Promise((done) => setImmediate(done));
    // The second chunk found the pause asked: the Readable is paused, both chunks held.
    expect(r.isPaused()).toBe(true);
    expect(s.tryReadLine()).toBe("abcdef");
    expect(s.tryReadLine()).toBe("gh");
    expect(r.isPaused()).toBe(false);
    s.close();
  });

  it("leaves a Readable's listeners to the stream that has it when an earlier source of it is closed again", async () => {
    const r = new PassThrough();
    const earlier = readableSource(r, { destroyOnClose: false });
    new ProtStream(earlier).close();
    const s = new ProtStream(r, { destroyOnClose: false });
    earlier.close();
    r.write("still heard\r\n");
    expect(await s.readLine()).toBe("still heard");
    s.close();
  });

  it("ends once, however many times the Readable's end is heard", async () => {
    const r = new PassThrough();
    const s = new ProtStream(r, { destroyOnClose: false });
    const viaSource = new ProtStream(readableSource(new PassThrough()));
    r.end("last\r\n");
    expect(await s.readLine()).toBe("last");
    expect(await s.readLine()).toBeNull();
    expect(s.error).toBe("end of file reached");
    r.emit("close");
    expect(s.error).toBe("end of file reached");
    viaSource.close();
    s.close();
  });
});
