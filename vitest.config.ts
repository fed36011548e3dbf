import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests and examples import the package by its name, as users do; here that
// name resolves to the sources, so no build is needed to run them.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^prot-events\/cyrus$/, replacement: fileURLToPath(new URL("./src/cyrus.ts", import.meta.url)) },
      { find: /^prot-events$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "./test/closing-line-reporter.ts"],
    testTimeout: 10_000,
  },
});
