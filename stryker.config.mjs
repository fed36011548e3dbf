// npm run mutation: StrykerJS on the event core of src/, killed only by the
// conformance tests (vitest.mutation.config.ts). Survivors that are
// equivalent mutants are listed, each with its reason, in
// mutation-survivors.md; the report goes to reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  mutate: ["src/wait-event.ts", "src/select.ts", "src/prot-stream.ts", "src/clock.ts"],
  coverageAnalysis: "perTest",
  concurrency: 2,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  tempDirName: ".stryker-tmp",
  // The sandbox needs the sources and tests, not the C sources and builds.
  ignorePatterns: ["conformance/drivers/cyrus/build", "conformance/drivers/cyrus/.deb", "bench/c/build", "dist", "_site", "reports", "screenshots", "coverage"],
  disableTypeChecks: "src/**/*.ts",
  timeoutMS: 60000,
  thresholds: { high: 90, low: 80, break: null },
};
