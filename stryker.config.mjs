// npm run mutation (PROT_EVENTS_GENERATED=300 for a quicker run of the
// generated test): StrykerJS on the event core of src/ (wait-event.ts,
// heap.ts, read-wait.ts, select.ts, clock.ts and the wait and pass code of
// prot-stream.ts), killed only by the conformance tests
// (test/mutation/vitest.config.ts). Survivors that are
// equivalent mutants are listed, each with its reason, in
// test/mutation/survivors.md (test/mutation/survivors.ts writes it); the report goes to reports/mutation/.
import { readFileSync } from "node:fs";

/**
 * The wait and pass code of src/prot-stream.ts as Stryker line ranges,
 * found by the code that bounds each part rather than by line numbers, so
 * that edits elsewhere in the file do not move them: what the stream gives
 * its wait (the wait host), the settings and wait-event API, the reads that
 * wait, and closing, failing and firing. Left out: the line-reading fast path
 * and switchSource (Node's side of the stream).
 */
function waitAndPassCode(file) {
  const lines = readFileSync(file, "utf8").split("\n");
  const at = (text, from = 0) => {
    const i = lines.findIndex((l, n) => n >= from && l.startsWith(text));
    if (i < 0) throw new Error(`stryker.config.mjs: ${file} has no line beginning ${JSON.stringify(text)}`);
    return i + 1;
  };
  const host = at("    get clock(): Clock {");
  // (A range may end in a doc comment: comments hold no mutants.)
  const parts = [
    [host, at("  };", host) - 1],
    [at("  // ---- settings ---"), at("  // ---- synchronous reads") - 1],
    [at("  // ---- reads that wait"), at("  switchSource(") - 1],
    [at("  // ---- closing"), at("}", at("  // ---- closing")) - 1],
  ];
  return parts.map(([from, to]) => `${file}:${from}-${to}`);
}

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "test/mutation/vitest.config.ts", related: false },
  // The event core; `npx stryker run --mutate src/prot-stream.ts` mutates the whole stream (about 700 mutants).
  mutate: ["src/wait-event.ts", "src/heap.ts", "src/read-wait.ts", "src/select.ts", "src/clock.ts", ...waitAndPassCode("src/prot-stream.ts")],
  coverageAnalysis: "perTest",
  concurrency: 2,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  tempDirName: ".stryker-tmp",
  // The sandbox needs the sources and tests, not the C sources and builds.
  ignorePatterns: [
    "conformance/drivers/cyrus/build",
    "conformance/drivers/cyrus/.deb",
    "conformance/drivers/cyrus/.deb-bullseye",
    "bench/c/build",
    "dist",
    "_site",
    "reports",
    "screenshots",
    "coverage",
  ],
  disableTypeChecks: "src/**/*.ts",
  // A mutant that never lets the virtual clock settle hangs; it counts as killed (timed out).
  timeoutMS: 5000,
  thresholds: { high: 90, low: 80, break: null },
};
