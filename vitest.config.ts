import { fileURLToPath } from "node:url";
import { sourceAliases } from "./site/aliases.js";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

// Tests and examples import the packages by their names, as users do; here
// the names resolve to the sources, so no build is needed to run them.
const alias = sourceAliases(fileURLToPath(new URL("./tsconfig.json", import.meta.url)));

// Every test file belongs to exactly one project; a file not named below is
// a unit test, so a new file always runs. The time limits are hang guards
// sized to each kind of work on a busy 2-core machine, never a measure.
const SUITE = ["conformance-reference", "conformance-system-clock", "faulty", "generated", "model", "spec", "examples", "tsdoc", "abuse"];
const PROCESSES = [
  "cli",
  "close",
  "driver",
  "fault-matrix",
  "hostile-peer",
  "python-driver",
  "cyrus-driver",
  "generated-cyrus",
  "generated-driver",
  "package",
  "bench-smoke",
  "site-bench",
  "site-cyrus-wasm",
  "site-build-cli",
];
const BROWSER = ["site.browser"];
const SOAK = ["soak"];
const files = (names: string[]): string[] => names.map((n) => `test/${n}.test.ts`);

const project = (name: string, include: string[], testTimeout: number, extra: TestProjectInlineConfiguration["test"] = {}): TestProjectInlineConfiguration => ({
  extends: true,
  test: { name, include, testTimeout, hookTimeout: testTimeout, ...extra },
});

export default defineConfig({
  resolve: { alias },
  test: {
    reporters: ["default", "./test/closing-line-reporter.ts"],
    projects: [
      // Virtual time and in-process streams: seconds at most; `npm run test:unit` runs these alone.
      project("unit", ["test/**/*.test.ts"], 60_000, { exclude: files([...SUITE, ...PROCESSES, ...BROWSER, ...SOAK]) }),
      // Every case and generated case against models and the reference, in process; megabytes of hostile input.
      project("suite", files(SUITE), 300_000),
      // Child processes: the built CLI, drivers (the C one may fetch and build first), npm pack.
      // One file at a time: npm pack rebuilds the dist/ the others start.
      project("processes", files(PROCESSES), 900_000, { globalSetup: ["./test/setup/processes.ts"], maxWorkers: 1 }),
      // The site built (the suite against every implementation, typedoc, pagefind), then crawled in Debian's Chromium.
      project("browser", files(BROWSER), 1_800_000, { globalSetup: ["./test/setup/chromium.ts"] }),
      project("soak", files(SOAK), 900_000),
    ],
  },
});
