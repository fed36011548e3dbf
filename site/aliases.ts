/**
 * The packages' names (`prot-events`, `prot-conformance` and their
 * subpaths) mapped to their sources, read from the `paths` of
 * tsconfig.json, the one list of them: the tests (vitest.config.ts) and the
 * site's browser bundles (./bundle.ts) import the packages by name, as users
 * do, and need no build.
 */
import { dirname, resolve } from "node:path";
import ts from "typescript";

/** One alias in the form vite and vitest take. */
export interface SourceAlias {
  /** The import specifier, matched whole. */
  find: RegExp;
  /** The source file it stands for. */
  replacement: string;
}

/** The `paths` of `tsconfigPath` as aliases, each specifier matched whole. */
export function sourceAliases(tsconfigPath: string): SourceAlias[] {
  const read: { config?: { compilerOptions?: { paths?: Record<string, string[]> } }; error?: ts.Diagnostic } = ts.readConfigFile(tsconfigPath, (p) => ts.sys.readFile(p));
  if (read.error !== undefined) throw new Error(`${tsconfigPath}: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
  const paths = read.config?.compilerOptions?.paths ?? {};
  return Object.entries(paths).map(([name, [target]]) => {
    if (target === undefined) throw new Error(`${tsconfigPath}: the path "${name}" maps to nothing`);
    return { find: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`), replacement: resolve(dirname(tsconfigPath), target) };
  });
}
