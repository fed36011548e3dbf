/**
 * Saves a generated case as a regression case:
 *
 *   npx tsx conformance/model/save-regression.ts [--generator core|cyrus] --seed S --path P [--id name]
 *
 * The generator (default `core`), S and P are what a generated test
 * (./differential.ts) prints when a generated case fails. The case is
 * regenerated from them (the same arbitrary walked along fast-check's shrink
 * path, so it is the shrunk case), given the model's expected trace, and
 * appended to conformance/cases/regressions.yaml (created with `format: 1`
 * if missing). Save a case once the reference implementation passes it; the
 * C driver's run of the suite (test/cyrus-driver.test.ts) reports a saved
 * case that the C code fails as undeclared until deviations.yaml declares it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { isMap, isSeq, parseDocument, YAMLSeq } from "yaml";
import type { Case } from "../src/case.js";
import { checkCase, packageRoot } from "../src/load.js";
import { declaredDeviations } from "../drivers/cyrus/deviations.js";
import { cyrusCaseArbitrary } from "./cyrus-repair.js";
import { caseArbitrary, type GeneratorName } from "./generate.js";
import { expectedTrace } from "./model.js";

/** The case that generator `g` gives for `seed` at the end of `path`. */
function regenerate(seed: number, path: string, g: GeneratorName = "core"): Case {
  let found: Case | undefined;
  const arbitrary = g === "core" ? caseArbitrary : cyrusCaseArbitrary(declaredDeviations());
  // With a path, fast-check replays that value first; a property that always
  // holds keeps it from shrinking any further.
  fc.check(
    fc.property(arbitrary, (c) => {
      found ??= c;
      return true;
    }),
    { seed, path, numRuns: 1 },
  );
  if (found === undefined) throw new Error(`no case at seed ${seed}, path ${path}`);
  return found;
}

function main(): void {
  const { values } = parseArgs({
    options: { generator: { type: "string", default: "core" }, seed: { type: "string" }, path: { type: "string" }, id: { type: "string" }, file: { type: "string" } },
  });
  const g = values.generator;
  if (values.seed === undefined || values.path === undefined || !/^-?\d+$/.test(values.seed) || (g !== "core" && g !== "cyrus")) {
    console.error("usage: npx tsx conformance/model/save-regression.ts [--generator core|cyrus] --seed S --path P [--id name]");
    process.exit(2);
  }
  const seed = Number(values.seed);
  const path = values.path;
  const generated = regenerate(seed, path, g);
  const id = values.id ?? `generated-${seed >>> 0}-${path.replace(/:/g, "-")}`.slice(0, 80).replace(/-+$/, "");
  const c: Case = {
    ...generated,
    id,
    title: `Generated case, seed ${seed}, path ${path}`,
    tags: [...new Set([...generated.tags, "regression"])],
  };
  c.expect = expectedTrace(c);
  const problems = checkCase(c, () => undefined);
  if (problems.length > 0) {
    console.error(`the regenerated case is invalid:\n${problems.join("\n")}`);
    process.exit(1);
  }

  const file = values.file ?? join(packageRoot(), "conformance", "cases", "regressions.yaml");
  const text = existsSync(file)
    ? readFileSync(file, "utf8")
    : "# Regression cases: generated cases (conformance/model/generate.ts) that once\n# failed, saved by conformance/model/save-regression.ts.\nformat: 1\ncases: []\n";
  const doc = parseDocument(text);
  let cases = doc.get("cases", true);
  if (cases === undefined || cases === null) {
    cases = new YAMLSeq();
    doc.set("cases", cases);
  }
  if (!isSeq(cases)) throw new Error(`${file}: "cases" is not a list`);
  if (cases.items.some((n) => isMap(n) && n.get("id") === id)) {
    console.error(`${file}: a case with id ${id} is already there; choose another with --id`);
    process.exit(1);
  }
  const node = doc.createNode(c);
  // Short entries on one line, like the hand-written cases.
  for (const key of ["expect"]) {
    const seq = node.get(key, true);
    if (isSeq(seq)) for (const item of seq.items) if (isMap(item)) item.flow = true;
  }
  const streams = node.get("streams", true);
  if (isMap(streams)) {
    for (const s of streams.items) {
      const input = isMap(s.value) ? s.value.get("input", true) : undefined;
      if (isSeq(input)) for (const item of input.items) if (isMap(item)) item.flow = true;
    }
  }
  cases.flow = false;
  cases.items.push(node);
  writeFileSync(file, doc.toString({ blockQuote: false }));
  console.log(`saved case ${id} to ${file}`);
}

main();
