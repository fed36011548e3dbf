import { defineConfig } from "vitest/config";
import base from "../../vitest.config.js";
import LoadFailures from "./load-failures.js";

/**
 * The tests that count for `npm run mutation`: only what the conformance
 * suite itself checks against the reference implementation (every case and
 * its quirk forms, every case again on a system clock, the spec pages'
 * examples, the generated differential run against the model). A mutant
 * these miss is a blind spot of the suite, whatever the unit tests of src/
 * would catch.
 *
 * Only the base's aliases are taken: its projects would run every test of
 * every project (the browser's included) in place of these files.
 */
export default defineConfig({
  resolve: base.resolve ?? {},
  test: {
    include: ["test/conformance-reference.test.ts", "test/conformance-system-clock.test.ts", "test/quirks.test.ts", "test/spec.test.ts", "test/generated.test.ts"],
    // A hang guard sized for a busy 2-core machine, as the suite project's.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // A test file that cannot load counts as a failed test (see load-failures.ts).
    reporters: ["default", new LoadFailures()],
  },
});
