import type { Reporter, TestModule } from "vitest/node";

/**
 * Ends the run with the plain closing line that CI reads:
 * `vitest: N passed, N failed, N skipped`.
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      let testsFailed = 0;
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") testsFailed++;
        else skipped++;
      }
      // A file that failed with no failed test failed outside them (collection,
      // a beforeAll or afterAll hook): its tests read as skipped or passed, so
      // the file itself counts as a failure, or the line would read as green.
      failed += m.state() === "failed" && testsFailed === 0 ? 1 : testsFailed;
    }
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
