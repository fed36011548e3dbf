/**
 * The page shell of the site: header, navigation (a plain list, folded on
 * narrow screens without JavaScript), the page's own contents, and links to
 * the previous and next pages.
 */
import { escapeHtml } from "./escape.js";
import { relative } from "./markdown.js";

/** A page of the site, in reading order. */
export interface NavItem {
  /** Site path, e.g. `spec/01-model.html`. */
  path: string;
  /** Its title. */
  title: string;
  /** The section of the navigation it belongs to. */
  section: string;
}

/** A heading of a page, for its table of contents. */
export interface Heading {
  /** Anchor id. */
  id: string;
  /** Text. */
  text: string;
  /** 2 or 3. */
  level: number;
}

/** Collects the h2 and h3 headings of rendered HTML. */
export function headings(html: string): Heading[] {
  const out: Heading[] = [];
  const re = /<h([23]) id="([^"]+)"[^>]*>(.*?)<\/h\1>/g;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    out.push({ level: Number(m[1]), id: m[2] as string, text: (m[3] as string).replace(/<[^>]+>/g, "") });
  }
  return out;
}

/** The header of every page, the API reference's included; `rel` makes a site path relative to the page. */
export function siteHeader(rel: (path: string) => string): string {
  return `<header class="site-header">
  <a class="brand" href="${rel("index.html")}">prot-events</a>
  <span class="tagline">wait events on protocol streams: spec, reference implementation, conformance</span>
  <nav class="header-links" aria-label="Sections"><a href="${rel("spec/00-overview.html")}">Specification</a> <a href="${rel("playground.html")}">Playground</a> <a href="${rel("implementations.html")}">Implementations</a> <a href="${rel("api/index.html")}">API</a> <a href="${rel("search.html")}">Search</a></nav>
</header>`;
}

/**
 * The site's navigation, by section, folded on narrow screens; `current` is
 * the path of the page it is on (the API reference's pages pass
 * `api/index.html`, whose entry then shows as the current one).
 */
export function siteNav(nav: NavItem[], rel: (path: string) => string, current: string): string {
  const link = (path: string, title: string): string => `<li><a href="${rel(path)}"${path === current ? ' aria-current="page"' : ""}>${escapeHtml(title)}</a></li>`;
  const sections = [...new Set(nav.map((n) => n.section))];
  const items = sections
    .map(
      (s) =>
        `<li><span class="nav-section">${escapeHtml(s)}</span><ul>${nav
          .filter((n) => n.section === s)
          .map((n) => link(n.path, n.title))
          .join("")}</ul></li>`,
    )
    .join("");
  return `<details class="site-nav-fold" open>
    <summary>Pages</summary>
    <nav class="site-nav" aria-label="Site"><ul>${items}<li><span class="nav-section">Reference</span><ul>${link("api/index.html", "API reference")}</ul></li></ul></nav>
  </details>`;
}

/** Wraps a page's content in the site's shell. */
export function layout(options: { page: NavItem; nav: NavItem[]; content: string; toc?: Heading[]; head?: string | undefined }): string {
  const { page, nav, content } = options;
  const rel = (to: string): string => relative(page.path, to);
  const at = nav.findIndex((n) => n.path === page.path);
  const prev = at > 0 ? nav[at - 1] : undefined;
  const next = at >= 0 && at < nav.length - 1 ? nav[at + 1] : undefined;
  const toc =
    options.toc !== undefined && options.toc.length > 1
      ? `<nav class="toc" aria-label="On this page"><h2 class="toc-title">On this page</h2><ul>${options.toc
          .map((h) => `<li class="toc-${h.level}"><a href="#${escapeHtml(h.id)}">${escapeHtml(h.text)}</a></li>`)
          .join("")}</ul></nav>`
      : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="${rel("favicon.ico")}" type="image/svg+xml">
<title>${escapeHtml(page.title)} · prot-events</title>
<link rel="stylesheet" href="${rel("style.css")}">
${options.head ?? ""}
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
${siteHeader(rel)}
<div class="shell">
  ${siteNav(nav, rel, page.path)}
  <main id="main" data-pagefind-body>
${content.includes("</h1>") ? content.replace("</h1>", `</h1>\n${toc}`) : `${toc}${content}`}
    <nav class="prev-next" aria-label="Previous and next page">
      ${prev !== undefined ? `<a rel="prev" href="${rel(prev.path)}">← ${escapeHtml(prev.title)}</a>` : "<span></span>"}
      ${next !== undefined ? `<a rel="next" href="${rel(next.path)}">${escapeHtml(next.title)} →</a>` : "<span></span>"}
    </nav>
  </main>
</div>
</body>
</html>
`;
}
