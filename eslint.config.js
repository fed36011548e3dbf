// Lint rules that catch faults, not taste (the formatter, Prettier, owns
// layout): promises nobody awaits or that are passed where a plain function
// is expected, unused code, `any`, and the checks of eslint's and
// typescript-eslint's recommended sets. Type-aware, through tsconfig.json.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/dist/",
      "_site*/",
      "reports/",
      "coverage/",
      "screenshots/",
      ".stryker-tmp/",
      "conformance/drivers/cyrus/build/",
      "conformance/drivers/cyrus/.deb/",
      "bench/c/build/",
      "bench/results/",
      ".spec-run/",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      // Control characters in patterns are the point where output is made printable.
      "no-control-regex": "off",
      // An async function without await still turns a throw into a rejection, which callers rely on.
      "@typescript-eslint/require-await": "off",
      "no-duplicate-imports": "error",
      // Re-throwing or passing on what was caught (an abort's reason included) keeps it as it was.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    // The generic differential modules know no one implementation: the C layer's judge, shadow and
    // repair import them, never the other way.
    files: ["conformance/model/differential.ts", "conformance/model/generate.ts", "conformance/model/model.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["./cyrus*", "../drivers/cyrus/*"], message: "a generic module must not import C-specific code" }] }],
    },
  },
  {
    // A union over the deviation tables, some of which may be empty at times.
    files: ["conformance/model/cyrus.ts"],
    rules: { "@typescript-eslint/no-redundant-type-constituents": "off" },
  },
  {
    // Plain JavaScript (configs, fixtures, build scripts) is outside the TypeScript project.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        Buffer: "readonly",
        URL: "readonly",
      },
    },
  },
);
