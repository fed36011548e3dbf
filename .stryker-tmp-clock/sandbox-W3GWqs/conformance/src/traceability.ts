/**
 * Ties requirements and cases together: every requirement of the spec is
 * checked by at least one case, every case cites only requirements that
 * exist, IDs are unique, and no RFC 2119 keyword stands outside a
 * requirement.
 */
import type { Suite } from "./load.js";

/** The problems found, one line each; empty when the suite is consistent. */
export function checkTraceability(suite: Suite): string[] {
  const problems: string[] = [];
  const defined = new Map<string, string>();
  for (const page of suite.pages) {
    for (const r of page.requirements) {
      const where = `${r.file}:${r.line}`;
      const first = defined.get(r.id);
      if (first !== undefined) problems.push(`${where}: requirement ${r.id} is already defined at ${first}`);
      else defined.set(r.id, where);
      if (!/\b(MUST|SHOULD|MAY|REQUIRED|SHALL|RECOMMENDED|OPTIONAL)\b/.test(r.text)) {
        problems.push(`${where}: requirement ${r.id} uses no RFC 2119 key word`);
      }
    }
    for (const k of page.strayKeywords) {
      problems.push(`${page.file}:${k.line}: "${k.keyword}" outside a requirement paragraph (give it an ID, or write it in lower case)`);
    }
  }
  const cited = new Set<string>();
  for (const c of suite.cases) {
    for (const id of c.requirements) {
      cited.add(id);
      if (!defined.has(id)) problems.push(`${c.source.file}:${c.source.line}: case ${c.id} cites ${id}, which no spec page defines`);
    }
  }
  for (const [id, where] of defined) {
    if (!cited.has(id)) problems.push(`${where}: requirement ${id} has no case`);
  }
  return problems;
}
