/**
 * Differential testing: generated cases (conformance/model/generate.ts) run
 * through the reference implementation in process must give the trace the
 * executable model computes. On a failure fast-check shrinks the case; the
 * message shows the seed, the path and the shrunk case, and the command that
 * saves it as a regression case.
 *
 * PROT_EVENTS_GENERATED=<n> runs n cases instead of the default;
 * PROT_EVENTS_SEED=<s> another seed.
 */
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import reference from "../conformance/adapters/reference.js";
import { caseArbitrary, DEFAULT_SEED } from "../conformance/model/generate.js";
import type { Case } from "../conformance/src/case.js";
import { interpret } from "../conformance/src/interpreter.js";
import { checkCase } from "../conformance/src/load.js";

const runs = Number(process.env.PROT_EVENTS_GENERATED ?? 2000);
const seed = Number(process.env.PROT_EVENTS_SEED ?? DEFAULT_SEED);

/** Why `c` fails, or null when the reference gives the model's trace. */
async function problem(c: Case): Promise<string | null> {
  const invalid = checkCase(c, () => undefined);
  if (invalid.length > 0) return `the generated case is invalid:\n${invalid.join("\n")}`;
  const run = await interpret(c, reference);
  if (run.crash !== undefined) return `the reference crashed: ${run.crash}`;
  if (!isDeepStrictEqual(run.trace, c.expect)) return `the reference's trace differs from the model's:\n${stringify({ actual: run.trace }, { blockQuote: false })}`;
  return null;
}

describe("generated cases: the reference against the model", () => {
  it(`${runs} cases, seed ${seed}`, { timeout: 120_000 }, async () => {
    const details = await fc.check(
      fc.asyncProperty(caseArbitrary, async (c) => {
        const p = await problem(c);
        if (p !== null) throw new Error(p);
      }),
      { seed, numRuns: runs },
    );
    if (!details.failed) return;
    const c = details.counterexample?.[0] as Case | undefined;
    const why = c === undefined ? String(details.errorInstance) : ((await problem(c)) ?? String(details.errorInstance));
    const path = details.counterexamplePath ?? "";
    expect.fail(
      [
        `generated case failed after ${details.numRuns} run(s) and ${details.numShrinks} shrink(s): seed ${details.seed}, path "${path}"`,
        why,
        "the shrunk case (expect: the model's trace):",
        c === undefined ? "(none)" : stringify(c, { blockQuote: false }),
        `save it with: npx tsx conformance/model/save-regression.ts --seed ${details.seed} --path "${path}" --id <name>`,
      ].join("\n"),
    );
  });
});
