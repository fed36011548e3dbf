/**
 * Markdown to HTML for the site: markdown-it with raw HTML off, heading
 * anchors, requirement anchors, shiki highlighting, links between pages
 * rewritten to the site's URLs, and code spans that name an API linked to
 * the API reference.
 */
import MarkdownIt from "markdown-it";
import anchor from "markdown-it-anchor";
import type Token from "markdown-it/lib/token.mjs";
import { createHighlighter, type Highlighter } from "shiki";
import { escapeHtml } from "./escape.js";

/** How a rendered page refers to the rest of the site. */
export interface LinkContext {
  /** Path of the page being rendered, relative to the site root (e.g. `spec/01-model.html`). */
  page: string;
  /** Repository path of its Markdown (e.g. `spec/01-model.md`), against which its links resolve. */
  source: string;
  /** Repository path (e.g. `spec/01-model.md`, `conformance/README.md`) → site path. */
  pages: Map<string, string>;
  /** API name → site path with anchor (e.g. `api/classes/index.ProtStream.html#addwaitevent`). */
  api: Map<string, string>;
  /** Renders a scenario block (YAML source, 1-based line) as HTML. */
  scenario: (yaml: string, line: number) => string;
  /** HTML to put after a requirement's paragraph (its cases and results). */
  requirementNote: (id: string) => string;
}

const REQUIREMENT_ID = /^WE-[A-Z]+-[0-9]+$/;

/** A path from `from` (a site page) to `to` (a site path). */
export function relative(from: string, to: string): string {
  const a = from.split("/").slice(0, -1);
  const b = to.split("/");
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/") || ".";
}

/** Makes an anchor id from heading text, as GitHub does. */
function slug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s+/g, "-");
}

/** The languages highlighted; anything else is shown as plain text. */
const LANGS: readonly string[] = ["ts", "js", "yaml", "json", "sh", "c"];

let highlighter: Promise<Highlighter> | undefined;
/** The shared shiki highlighter. */
export function getHighlighter(): Promise<Highlighter> {
  highlighter ??= createHighlighter({ themes: ["github-light-high-contrast"], langs: [...LANGS] });
  return highlighter;
}

/** Highlights `code` as `lang` (plain text for anything unknown). */
export function highlight(h: Highlighter, code: string, lang: string): string {
  const l = lang === "scenario" ? "yaml" : lang === "typescript" ? "ts" : lang;
  if (!LANGS.includes(l)) return `<pre class="shiki plain" tabindex="0"><code>${escapeHtml(code)}</code></pre>`;
  return h.codeToHtml(code, { lang: l, theme: "github-light-high-contrast" });
}

/**
 * The API name a code span refers to, if any: `stream.addWaitEvent(...)` →
 * `addWaitEvent`. A bare call such as `select()` or `read()` is how the
 * pages name C and system functions, so only the C facade's own names
 * (`prot_fill()`) are taken in that form.
 */
function apiName(code: string): string | undefined {
  const m = /^(?:[A-Za-z_$][\w$]*\.)*([A-Za-z_$][\w$]*)(\(.*\))?$/.exec(code.trim());
  if (m === null) return undefined;
  const name = m[1] as string;
  if (m[2] === "()" && !/^prot/.test(name)) return undefined;
  return name;
}

/** A markdown-it for one page. */
export function markdown(h: Highlighter, ctx: LinkContext): MarkdownIt {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
  md.use(anchor, { slugify: slug, tabIndex: false, permalink: anchor.permalink.headerLink({ safariReaderFix: true }) });

  md.renderer.rules.fence = (tokens, idx) => {
    const t = tokens[idx] as Token;
    const lang = t.info.trim().split(/\s+/)[0] ?? "";
    const line = (t.map?.[0] ?? 0) + 1;
    if (lang === "scenario") return ctx.scenario(t.content, line);
    if (lang === "output") return `<div class="output"><div class="label">Output</div>${highlight(h, t.content, "text")}</div>`;
    const label = lang === "ts" ? `<div class="label">Example (runs as a test)</div>` : "";
    return `<div class="code">${label}${highlight(h, t.content, lang)}</div>`;
  };

  // Requirement paragraphs: an anchor on the paragraph, the ID a self-link, its cases after.
  md.core.ruler.push("requirements", (state) => {
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as Token;
      if (t.type !== "inline") continue;
      const kids = (t.children ?? []).filter((k, j) => !(j === 0 && k.type === "text" && k.content === ""));
      const [open, id, close] = kids;
      if (open?.type !== "strong_open" || id?.type !== "text" || !REQUIREMENT_ID.test(id.content) || close?.type !== "strong_close") continue;
      const p = tokens[i - 1] as Token;
      if (p.type !== "paragraph_open") continue;
      p.attrSet("id", id.content);
      p.attrSet("class", "requirement");
      const closeP = tokens[i + 1] as Token;
      closeP.meta = { requirement: id.content };
      const link = new state.Token("link_open", "a", 1);
      link.attrSet("href", `#${id.content}`);
      link.attrSet("class", "req-id");
      link.attrSet("data-pagefind-weight", "10");
      const strongAt = (t.children ?? []).indexOf(open);
      t.children?.splice(strongAt, 0, link);
      t.children?.splice(strongAt + 4, 0, new state.Token("link_close", "a", -1));
    }
  });
  const defaultParagraphClose = md.renderer.rules.paragraph_close ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.paragraph_close = (tokens, idx, options, env, self) => {
    const base = defaultParagraphClose(tokens, idx, options, env, self);
    const req = ((tokens[idx] as Token).meta as { requirement?: string } | null)?.requirement;
    return req === undefined ? base : `${base}${ctx.requirementNote(req)}`;
  };

  // Links to other Markdown files of the repository become links to their pages.
  md.core.ruler.push("site-links", (state) => {
    for (const t of state.tokens) {
      if (t.type !== "inline") continue;
      const kids = t.children ?? [];
      for (let k = 0; k < kids.length; k++) {
        const c = kids[k] as Token;
        if (c.type === "link_open") {
          const href = c.attrGet("href") ?? "";
          if (/^[a-z]+:/i.test(href) || href.startsWith("#")) continue;
          const [path = "", hash] = href.split("#");
          const repoPath = resolveRepo(ctx.source, path);
          const target = ctx.pages.get(repoPath);
          if (target !== undefined) c.attrSet("href", `${relative(ctx.page, target)}${hash === undefined ? "" : `#${hash}`}`);
          else {
            // A link to a file the site does not publish: keep the text, drop the link.
            const end = kids.findIndex((x, j) => j > k && x.type === "link_close");
            c.type = "html_inline";
            c.content = `<span class="repo-path" title="${escapeHtml(repoPath)}">`;
            if (end > 0) Object.assign(kids[end] as Token, { type: "html_inline", content: "</span>" });
          }
        } else if (c.type === "code_inline") {
          const name = apiName(c.content);
          const target = name === undefined ? undefined : ctx.api.get(name);
          if (target !== undefined) {
            const prev = kids[k - 1];
            if (prev?.type === "link_open" || prev?.type === "html_inline") continue;
            c.type = "html_inline";
            c.content = `<a class="api" href="${relative(ctx.page, target)}"><code>${escapeHtml(c.content)}</code></a>`;
          }
        }
      }
    }
  });
  return md;
}

/** Resolves `path` relative to the repository file `from`. */
function resolveRepo(from: string, path: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const seg of path.split("/")) {
    if (seg === "..") parts.pop();
    else if (seg !== "." && seg !== "") parts.push(seg);
  }
  return parts.join("/");
}
