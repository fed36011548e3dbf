import { describe, expect, it } from "vitest";
import ts from "typescript";
import { fileURLToPath } from "node:url";

const entry = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));

/** Every exported symbol of an entry point, and every public member of exported classes and interfaces, without a doc comment. */
function undocumented(file: string): string[] {
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`cannot read ${file}`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${file} is not a module`);
  const missing: string[] = [];
  const hasDoc = (s: ts.Symbol): boolean => s.getDocumentationComment(checker).length > 0 || (s.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
  for (let sym of checker.getExportsOfModule(moduleSymbol)) {
    const name = sym.getName();
    if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    if (!hasDoc(sym)) missing.push(name);
    if (sym.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface)) {
      for (const [memberName, member] of sym.members ?? new Map<ts.__String, ts.Symbol>()) {
        const decl = member.declarations?.[0];
        if (decl === undefined || memberName === ts.InternalSymbolName.Constructor || member.flags & ts.SymbolFlags.TypeParameter) continue;
        const mods = ts.canHaveModifiers(decl) ? (ts.getModifiers(decl) ?? []) : [];
        if (mods.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) continue;
        if (ts.isPrivateIdentifier((decl as ts.NamedDeclaration).name ?? decl)) continue;
        if (ts.getJSDocTags(decl).some((t) => t.tagName.text === "internal")) continue;
        if (!hasDoc(member)) missing.push(`${name}.${String(memberName)}`);
      }
    }
  }
  return missing;
}

describe("TSDoc", () => {
  it.each(["src/index.ts", "src/cyrus.ts", "conformance/src/index.ts", "conformance/src/browser.ts"])("documents every export of %s and every public member", (file) => {
    expect(undocumented(entry(file))).toEqual([]);
  });
});
