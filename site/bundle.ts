/**
 * Bundles the site's browser code (the playground, ./main.ts; the timelines'
 * redrawing for phones, ../client/timelines.ts) with vite, each into one
 * classic script, so that it runs from the built site with no network, even
 * from file:. For the playground, the
 * case format's schema is compiled to plain code here (ajv's standalone
 * mode): the page validates without `eval`, with the very schema the
 * command line uses.
 */
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as standalone from "ajv/dist/standalone/index.js";
import { build, type Plugin } from "vite";
import { sourceAliases } from "./aliases.js";

const VIRTUAL = "virtual:case-validator";

function caseValidator(root: string): Plugin {
  return {
    name: "case-validator",
    resolveId: (id) => (id === VIRTUAL ? `\0${VIRTUAL}` : undefined),
    load(id) {
      if (id !== `\0${VIRTUAL}`) return undefined;
      const schema = JSON.parse(readFileSync(join(root, "conformance", "schema", "case-v1.schema.json"), "utf8")) as object;
      // The options load.ts compiles the schema with, plus code generation.
      const ajv = new Ajv2020({ allErrors: true, strict: false, code: { source: true, esm: true } });
      // A CommonJS module seen from ESM: its exports object is the default, and the function its `default`.
      const code = standalone.default.default(ajv, ajv.compile(schema));
      // The generated code still requires one runtime helper; make it an import.
      return `import ucs2length from "ajv/dist/runtime/ucs2length.js";\n${code.replace(/require\("ajv\/dist\/runtime\/ucs2length"\)\.default/g, "ucs2length")}`;
    },
  };
}

/**
 * Fails the bundle at the first import of a Node module: vite would stand an
 * empty module in for it, and the page would fail only when it ran.
 */
function browserOnly(root: string): Plugin {
  return {
    name: "browser-only",
    enforce: "pre",
    resolveId(id, importer) {
      if (id.startsWith("node:") || builtinModules.includes(id))
        this.error(`${importer === undefined ? "the entry" : relative(root, importer)} imports the Node module "${id}", which a browser does not have`);
      return undefined;
    },
  };
}

/** Bundles the browser module `entry` (relative to site/, or absolute) into `outDir/fileName`, one classic script. */
export async function bundleScript(root: string, entry: string, outDir: string, fileName: string): Promise<void> {
  await build({
    configFile: false,
    logLevel: "warn",
    root: join(root, "site"),
    plugins: [browserOnly(root), caseValidator(root)],
    // The runner by its browser entry, prot-conformance/browser, from its sources.
    resolve: { alias: sourceAliases(join(root, "tsconfig.json")) },
    build: {
      outDir,
      emptyOutDir: false,
      minify: true,
      reportCompressedSize: false,
      lib: { entry: resolve(root, "site", entry), formats: ["iife"], name: "protSite", fileName: () => fileName },
    },
  });
}
