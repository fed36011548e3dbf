// npm run mutation (PROT_EVENTS_GENERATED=300 for a quicker run of the
// generated test): StrykerJS on the event core of src/, killed only by the
// conformance tests (test/mutation/vitest.config.ts). Survivors that are
// equivalent mutants are listed, each with its reason, in
// test/mutation/survivors.md (test/mutation/survivors.ts writes it); the report goes to reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "test/mutation/vitest.config.ts", related: false },
  // The event core; `npx stryker run --mutate src/prot-stream.ts` adds the stream (about 700 mutants more).
  mutate: ["src/wait-event.ts", "src/read-wait.ts", "src/select.ts", "src/clock.ts"],
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
