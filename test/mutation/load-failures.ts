/**
 * A vitest reporter for `npm run mutation`: a test file that fails to load
 * gets one failed test carrying its load error.
 *
 * Stryker's vitest runner (9.6, stryker-js#6150) judges a mutant by the
 * tests it finds in each file once the run ends, and a file whose import
 * throws holds none: a mutant that stops a module of src/ from loading
 * (src/clock.ts builds its default clock at import) fails every test file,
 * yet counted as survived. With this reporter such a run fails, as it does
 * for anyone who imports the mutated package.
 */
import type { RunnerTestCase } from "vitest";
import type { Reporter, Vitest } from "vitest/node";

export default class LoadFailures implements Reporter {
  #vitest: Vitest | null = null;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(): void {
    for (const file of this.#vitest?.state.getFiles() ?? []) {
      if (file.result?.state !== "fail" || file.tasks.length > 0) continue;
      // What Stryker reads of a test: its type, name, file, suite, mode and result.
      const test: Partial<RunnerTestCase> = {
        type: "test",
        id: `${file.id}_load`,
        name: "loads",
        mode: "run",
        file,
        suite: file,
        meta: {},
        result: { state: "fail", errors: file.result.errors ?? [] },
      };
      file.tasks.push(test as RunnerTestCase);
    }
  }
}
