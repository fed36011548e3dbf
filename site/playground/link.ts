/**
 * How a scenario travels in the playground's URL, and how a published case
 * is recognised in a reader's scenario. Used by the site build (for the
 * "Try it" links and the data of known results) and by the page itself.
 */
import type { Case } from "prot-conformance/browser";

/** The playground's URL fragment that carries `yaml`: UTF-8, base64url. */
export function scenarioFragment(yaml: string): string {
  const bytes = new TextEncoder().encode(yaml);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `s=${btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

/** The scenario a fragment carries (`s=...`), or undefined when it carries none or is damaged. */
export function scenarioFromFragment(fragment: string): string | undefined {
  const m = /(?:^|[#&])s=([A-Za-z0-9_-]*)/.exec(fragment);
  if (m === null) return undefined;
  try {
    const bin = atob((m[1] as string).replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/**
 * What an implementation is given of a case (its streams, events and
 * steps), as a string: two scenarios with the same key run the same way
 * whatever their ID, title and expected trace say.
 */
export function runKey(c: Pick<Case, "streams" | "events" | "steps">): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sorted({ streams: c.streams, events: c.events ?? {}, steps: c.steps }));
}
