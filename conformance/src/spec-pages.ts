/**
 * Reads the spec pages with markdown-it's token stream: the executable
 * blocks (`ts` examples with their `output`, `scenario` cases) and the
 * requirements (paragraphs that open with a bold ID such as `**WE-FIRE-1**`),
 * each with the line it starts on.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";

/** A fenced block the suite executes. */
interface SpecBlock {
  /** `ts`: an example run against the reference implementation; `output`: what the `ts` block before it prints; `scenario`: a case. */
  kind: "ts" | "output" | "scenario";
  /** Page path relative to the repository root, e.g. `spec/firing.md`. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The block's text. */
  content: string;
}

/** A normative statement. */
export interface Requirement {
  /** Its ID, e.g. `WE-FIRE-1`. */
  id: string;
  /** Page path relative to the repository root. */
  file: string;
  /** 1-based line where the statement starts. */
  line: number;
  /** The statement, without its ID. */
  text: string;
}

/** One spec page. */
export interface SpecPage {
  /** Path relative to the repository root. */
  file: string;
  /** The text of its first heading. */
  title: string;
  /** Its executable blocks, in order. */
  blocks: SpecBlock[];
  /** Its requirements, in order. */
  requirements: Requirement[];
  /** Uppercase RFC 2119 keywords found outside requirements: each is a defect. */
  strayKeywords: Array<{ line: number; keyword: string }>;
}

const REQUIREMENT_ID = /^WE-[A-Z]+-[0-9]+$/;
const KEYWORDS = /\b(MUST NOT|MUST|REQUIRED|SHALL NOT|SHALL|SHOULD NOT|SHOULD|NOT RECOMMENDED|RECOMMENDED|MAY|OPTIONAL)\b/;

const md = new MarkdownIt({ html: false });

/** The text of an inline token without code spans, where keywords are quoted, not used. */
function proseOf(inline: Token): string {
  return (inline.children ?? [])
    .filter((t) => t.type === "text" || t.type === "softbreak")
    .map((t) => (t.type === "softbreak" ? " " : t.content))
    .join("");
}

/** Parses one page. `file` is the path reported; `source` the Markdown. */
function parsePage(file: string, source: string): SpecPage {
  const tokens = md.parse(source, {});
  const page: SpecPage = { file, title: "", blocks: [], requirements: [], strayKeywords: [] };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const line = (t.map?.[0] ?? 0) + 1;
    if (t.type === "heading_open" && page.title === "") {
      page.title = (tokens[i + 1] as Token).content;
    } else if (t.type === "fence") {
      const lang = t.info.trim().split(/\s+/)[0];
      if (lang === "ts" || lang === "output" || lang === "scenario") {
        page.blocks.push({ kind: lang, file, line, content: t.content });
      }
    } else if (t.type === "inline") {
      // markdown-it opens an inline run with an empty text token.
      const kids = (t.children ?? []).filter((k, j) => !(j === 0 && k.type === "text" && k.content === ""));
      const [open, id, close] = kids;
      const isRequirement = open?.type === "strong_open" && id?.type === "text" && REQUIREMENT_ID.test(id.content) && close?.type === "strong_close";
      if (isRequirement) {
        const text = kids
          .slice(3)
          .map((k) => (k.type === "code_inline" ? `\`${k.content}\`` : k.type === "softbreak" ? " " : k.content))
          .join("")
          .replace(/^[.:]?\s*/, "");
        page.requirements.push({ id: id.content, file, line, text });
      } else {
        const m = KEYWORDS.exec(proseOf(t));
        if (m !== null) page.strayKeywords.push({ line, keyword: m[1] as string });
      }
    }
  }
  return page;
}

/** Reads every `*.md` page of `dir` (sorted by name); `prefix` is how paths are reported. */
export function readSpec(dir: string, prefix = "spec"): SpecPage[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => parsePage(`${prefix}/${f}`, readFileSync(join(dir, f), "utf8")));
}
