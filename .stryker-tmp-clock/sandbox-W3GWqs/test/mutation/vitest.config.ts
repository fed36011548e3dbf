import { defineConfig } from "vitest/config";
import base from "../../vitest.config.js";

/**
 * The tests that count for `npm run mutation`: only what the conformance
 * suite itself checks against the reference implementation (every case and
 * its quirk forms, the spec pages' examples, the generated differential run
 * against the model). A mutant these miss is a blind spot of the suite,
 * whatever the unit tests of src/ would catch.
 */
// Spread, not mergeConfig: that would add these files to the base's include.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/conformance-reference.test.ts", "test/quirks.test.ts", "test/spec.test.ts", "test/generated.test.ts"],
    reporters: ["default"],
  },
});
