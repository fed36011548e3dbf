import { ProtStream, ScriptedSource, VirtualClock, type Arrival, type ProtStreamOptions, type ScriptEnd } from "prot-events";

/** A stream over scripted input on a fresh virtual clock. */
export function scripted(
  arrivals: Arrival[],
  end?: ScriptEnd,
  options: ProtStreamOptions = {},
): { clock: VirtualClock; s: ProtStream } {
  const clock = new VirtualClock();
  const s = new ProtStream(new ScriptedSource(clock, arrivals, end), { clock, ...options });
  return { clock, s };
}

/** Reads lines until the stream ends or fails, noting when each arrived. */
export async function readAll(s: ProtStream): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const line = await s.readLine();
    if (typeof line !== "string") {
      out.push(`${String(line)}: ${s.error}`);
      return out;
    }
    out.push(`${s.clock.now()} ${line}`);
  }
}
