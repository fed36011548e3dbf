/**
 * Builds the site: the spec pages with their scenarios drawn as timelines,
 * the requirement index, the conformance matrix from a real run, the case
 * files, the performance page from the benchmarks' results files, the
 * guides, the API reference (typedoc) and the search index (pagefind).
 * With `--serve`, serves it afterwards.
 *
 *   tsx site/build.ts [--out _site] [--serve] [--port N]
 *                     [--impl <module>]... [--driver "<command>"]...
 *                     [--bench-results <dir>]   (default bench/results)
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative as relativePath, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Application, ReflectionKind, type DeclarationReflection } from "typedoc";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { LoadedCase } from "../conformance/src/case.js";
import { loadSuite } from "../conformance/src/load.js";
import type { CaseResult, Status } from "../conformance/src/runner.js";
import { headings, layout, type NavItem } from "./layout.js";
import { escapeHtml, getHighlighter, highlight, markdown, relative, type LinkContext } from "./markdown.js";
import { performancePage } from "./performance.js";
import { bundled, configured, runAll, summaryText, type Column } from "./results.js";
import { parsePort, PortError, serve } from "./serve.js";
import { renderTimeline } from "./timeline.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const started = Date.now();
const log = (line: string): void => void process.stdout.write(`[site ${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);

const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: "_site" },
    serve: { type: "boolean", default: false },
    port: { type: "string" },
    impl: { type: "string", multiple: true, default: [] },
    driver: { type: "string", multiple: true, default: [] },
    "bench-results": { type: "string", default: "bench/results" },
  },
});
// A port that is no port is refused in one line, before the build rather than after it.
if (args.serve) {
  try {
    parsePort(args.port ?? process.env.PORT);
  } catch (err) {
    if (!(err instanceof PortError)) throw err;
    process.stderr.write(`site: ${err.message}\n`);
    process.exit(2);
  }
}
const out = join(root, args.out);
const benchResults = resolve(root, args["bench-results"]);

const STATUS_TEXT: Record<Status, string> = { pass: "pass", fail: "fail", xfail: "expected failure", xpass: "unexpected pass", skip: "skipped" };

/** Writes `html` to the site path `path`. */
function emit(path: string, html: string): void {
  const file = join(out, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, html);
}

/** Runs typedoc into api/ and returns API names → site paths whose anchors exist. */
async function apiReference(): Promise<Map<string, string>> {
  const app = await Application.bootstrapWithPlugins({
    entryPoints: [join(root, "src/index.ts"), join(root, "src/cyrus.ts"), join(root, "conformance/src/index.ts")],
    tsconfig: join(root, "tsconfig.build.json"),
    excludeInternal: true,
    readme: "none",
    name: "prot-events API",
    logLevel: "Error",
    disableSources: true,
  });
  const project = await app.convert();
  if (project === undefined) throw new Error("typedoc could not convert the sources");
  const apiDir = join(out, "api");
  await app.generateDocs(project, apiDir);
  const folder: Partial<Record<ReflectionKind, string>> = {
    [ReflectionKind.Class]: "classes",
    [ReflectionKind.Interface]: "interfaces",
    [ReflectionKind.Function]: "functions",
    [ReflectionKind.Variable]: "variables",
    [ReflectionKind.TypeAlias]: "types",
  };
  // Names of the reference implementation win; within one module, a name
  // that means two things (a method of two classes) links nowhere.
  const map = new Map<string, string>();
  const ambiguous = new Set<string>();
  let fromEarlierModules = new Set<string>();
  const put = (name: string, path: string): void => {
    if (ambiguous.has(name) || fromEarlierModules.has(name)) return;
    const had = map.get(name);
    if (had !== undefined && had !== path) {
      map.delete(name);
      ambiguous.add(name);
    } else map.set(name, path);
  };
  const html = new Map<string, string>();
  const hasAnchor = (file: string, anchor: string): boolean => {
    if (!html.has(file)) html.set(file, existsSync(join(apiDir, file)) ? readFileSync(join(apiDir, file), "utf8") : "");
    return (html.get(file) as string).includes(`id="${anchor}"`);
  };
  const order = (name: string): number => (name.startsWith("conformance") ? 2 : name.includes("cyrus") ? 1 : 0);
  for (const mod of [...(project.children ?? [])].sort((a, b) => order(a.name) - order(b.name))) {
    fromEarlierModules = new Set([...map.keys(), ...ambiguous]);
    for (const r of mod.children ?? []) {
      const dir = folder[r.kind];
      if (dir === undefined) continue;
      const file = `${dir}/${mod.name.replace(/[^\w.-]/g, "_")}.${r.name}.html`;
      if (!existsSync(join(apiDir, file))) continue;
      put(r.name, `api/${file}`);
      for (const m of (r as DeclarationReflection).children ?? []) {
        const anchor = m.name.toLowerCase();
        if (hasAnchor(file, anchor)) put(m.name, `api/${file}#${anchor}`);
      }
    }
  }
  // Let the search index typedoc's pages too: they have no data-pagefind-body of their own.
  for (const f of walk(apiDir)) {
    if (!f.endsWith(".html")) continue;
    const text = readFileSync(f, "utf8");
    writeFileSync(f, text.replace('<div class="col-content">', '<div class="col-content" data-pagefind-body>'));
  }
  return map;
}

/** The site page of a case file: `conformance/cases/firing.yaml` → `cases/firing.html`. */
function casePage(file: string): string {
  return `cases/${basename(file).replace(/\.ya?ml$/, "")}.html`;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

function badge(r: CaseResult | undefined, column: Column): string {
  if (column.report === undefined) return `<span class="st st-none">not run</span>`;
  if (r === undefined) return `<span class="st st-none">not run</span>`;
  const text = STATUS_TEXT[r.status];
  if (r.message === undefined || r.status === "pass") return `<span class="st st-${r.status}">${text}</span>`;
  return `<details class="st-details"><summary><span class="st st-${r.status}">${text}</span></summary><pre class="reason">${escapeHtml(r.message)}</pre></details>`;
}

async function main(): Promise<void> {
  log("loading the spec and the cases");
  const suite = loadSuite(root);
  const byId = new Map(suite.cases.map((c) => [c.id, c]));

  const columns = await runAll([...bundled(), ...configured(args.impl, args.driver)], suite.cases, log);
  const resultOf = new Map<string, Map<string, CaseResult>>();
  for (const col of columns) resultOf.set(col.label, new Map((col.report?.results ?? []).map((r) => [r.id, r])));
  const result = (col: Column, id: string): CaseResult | undefined => resultOf.get(col.label)?.get(id);

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  log("API reference (typedoc)");
  const api = await apiReference();

  // Pages, in reading order.
  const specPages = suite.pages.map((p) => ({ repo: p.file, path: p.file === "spec/00-overview.md" ? "index.html" : p.file.replace(/\.md$/, ".html"), title: p.title }));
  const caseFiles = [...new Set(suite.cases.filter((c) => c.source.file.startsWith("conformance/cases/")).map((c) => c.source.file))];
  const guides = [
    { repo: "conformance/README.md", path: "guide/conformance.html", title: "Running the suite" },
    { repo: "conformance/DRIVERS.md", path: "guide/drivers.html", title: "The driver protocol" },
    { repo: "conformance/drivers/python/README.md", path: "guide/python-driver.html", title: "A driver in Python" },
    { repo: "conformance/drivers/cyrus/README.md", path: "guide/cyrus-driver.html", title: "The C driver" },
    { repo: "README.md", path: "guide/readme.html", title: "The project" },
  ];
  const nav: NavItem[] = [
    ...specPages.map((p) => ({ path: p.path, title: p.title, section: "Specification" })),
    { path: "requirements.html", title: "Requirements", section: "Conformance" },
    { path: "conformance.html", title: "Conformance matrix", section: "Conformance" },
    ...caseFiles.map((f) => ({ path: casePage(f), title: `Cases: ${basename(f)}`, section: "Conformance" })),
    { path: "performance.html", title: "Performance", section: "Reference implementation" },
    ...guides.map((g) => ({ path: g.path, title: g.title, section: "Guides" })),
    { path: "search.html", title: "Search", section: "Guides" },
  ];
  const pages = new Map<string, string>([...specPages, ...guides].map((p) => [p.repo, p.path]));
  const caseHome = (c: LoadedCase): string =>
    c.source.file.startsWith("spec/") ? `${pages.get(c.source.file) ?? ""}#${c.id}` : `${casePage(c.source.file)}#${c.id}`;
  const reqHome = new Map<string, string>();
  for (const p of suite.pages) for (const r of p.requirements) reqHome.set(r.id, `${pages.get(p.file) ?? ""}#${r.id}`);
  const casesOf = new Map<string, LoadedCase[]>();
  for (const c of suite.cases) for (const id of c.requirements) casesOf.set(id, [...(casesOf.get(id) ?? []), c]);

  const h = await getHighlighter();
  const caseFigure = (c: LoadedCase, page: string, yaml: string): string => {
    const reqs = c.requirements.map((id) => `<a href="${relative(page, reqHome.get(id) ?? "requirements.html")}">${id}</a>`).join(", ");
    const results = columns.map((col) => `<li><span class="col-label">${escapeHtml(col.label)}</span> ${badge(result(col, c.id), col)}</li>`).join("");
    return `<figure class="case" id="${escapeHtml(c.id)}">
<figcaption><a class="case-id" href="#${escapeHtml(c.id)}">${escapeHtml(c.id)}</a> <span class="case-title">${escapeHtml(c.title)}</span> <span class="case-reqs">checks ${reqs}</span></figcaption>
<div class="timeline" tabindex="0" role="group" aria-label="Timeline of ${escapeHtml(c.id)}">${renderTimeline(c)}</div>
<ul class="results">${results}</ul>
<details class="case-data"><summary>The case as data</summary>${highlight(h, yaml, "yaml")}</details>
</figure>`;
  };
  const requirementNote = (page: string) => (id: string): string => {
    const cs = casesOf.get(id) ?? [];
    if (cs.length === 0) return "";
    const shown = cs.slice(0, 8).map((c) => `<a href="${relative(page, caseHome(c))}">${escapeHtml(c.id)}</a>`).join(", ");
    const more = cs.length > 8 ? `, and <a href="${relative(page, `requirements.html#${id}`)}">${cs.length - 8} more</a>` : "";
    return `<p class="req-cases">Checked by ${shown}${more}.</p>`;
  };

  // Markdown pages.
  for (const p of [...specPages, ...guides]) {
    log(`page ${p.path}`);
    const ctx: LinkContext = {
      page: p.path,
      source: p.repo,
      pages,
      api,
      requirementNote: requirementNote(p.path),
      scenario: (yaml, line) => {
        const data = parseYaml(yaml) as { id?: string };
        const c = data.id === undefined ? undefined : byId.get(data.id);
        return c === undefined ? `<p class="error">scenario at line ${line} could not be loaded</p>` : caseFigure(c, p.path, yaml);
      },
    };
    const html = markdown(h, ctx).render(readFileSync(join(root, p.repo), "utf8"));
    const item = nav.find((n) => n.path === p.path) as NavItem;
    emit(p.path, layout({ page: item, nav, content: html, toc: headings(html) }));
  }

  // Case files.
  for (const file of caseFiles) {
    const item = nav.find((n) => n.path === casePage(file)) as NavItem;
    const cs = suite.cases.filter((c) => c.source.file === file);
    const doc = parseYaml(readFileSync(join(root, file), "utf8")) as { cases: unknown[] };
    const body = cs.map((c, i) => caseFigure(c, item.path, stringifyYaml(doc.cases[i], { flowCollectionPadding: false }))).join("\n");
    const toc = cs.map((c) => ({ id: c.id, text: c.id, level: 2 }));
    emit(item.path, layout({ page: item, nav, toc, content: `<h1>${escapeHtml(item.title)}</h1><p>The edge cases kept out of the spec's prose, from <code>${escapeHtml(file)}</code>: ${cs.length} cases, each drawn as a timeline with its results.</p>${body}` }));
  }

  // The requirement index.
  {
    const item = nav.find((n) => n.path === "requirements.html") as NavItem;
    const rows = suite.pages.flatMap((p) =>
      p.requirements.map((r) => {
        const cs = casesOf.get(r.id) ?? [];
        const list = cs.map((c) => `<li><a href="${caseHome(c)}">${escapeHtml(c.id)}</a> ${columns.map((col) => badge(result(col, c.id), col)).join(" ")}</li>`).join("");
        return `<section class="req-entry" id="${r.id}"><h2 data-pagefind-weight="10"><a href="${reqHome.get(r.id)}">${r.id}</a></h2><p>${escapeHtml(r.text)}</p><p class="req-source">Stated in <a href="${pages.get(p.file)}#${r.id}">${escapeHtml(p.title)}</a>.</p><ul class="req-case-list">${list}</ul></section>`;
      }),
    );
    const legend = `<p>Each case is followed by its result for ${columns.map((c) => escapeHtml(c.label)).join(", ")}, in that order.</p>`;
    emit(item.path, layout({ page: item, nav, content: `<h1>Requirements</h1><p>Every normative statement of the specification, with the cases that check it.</p>${legend}${rows.join("\n")}` }));
  }

  // The conformance matrix.
  {
    const item = nav.find((n) => n.path === "conformance.html") as NavItem;
    const ids = suite.pages.flatMap((p) => p.requirements.map((r) => r.id));
    const head = `<tr><th scope="col">requirement</th>${columns.map((c) => `<th scope="col">${escapeHtml(c.label)}</th>`).join("")}</tr>`;
    const cell = (col: Column, cs: LoadedCase[]): string => {
      if (col.report === undefined) return `<td><span class="st st-none">not run</span></td>`;
      const counts: Record<Status, number> = { pass: 0, fail: 0, xfail: 0, xpass: 0, skip: 0 };
      for (const c of cs) {
        const r = result(col, c.id);
        if (r !== undefined) counts[r.status]++;
      }
      const parts = (Object.keys(counts) as Status[]).filter((k) => counts[k] > 0).map((k) => `<span class="st st-${k}">${counts[k]} ${STATUS_TEXT[k]}</span>`);
      return `<td>${parts.join(" ")}</td>`;
    };
    const byReq = ids.map((id) => `<tr><th scope="row"><a href="requirements.html#${id}">${id}</a></th>${columns.map((c) => cell(c, casesOf.get(id) ?? [])).join("")}</tr>`).join("");
    const caseHead = `<tr><th scope="col">case</th>${columns.map((c) => `<th scope="col">${escapeHtml(c.label)}</th>`).join("")}</tr>`;
    const byCase = suite.cases.map((c) => `<tr><th scope="row"><a href="${caseHome(c)}">${escapeHtml(c.id)}</a></th>${columns.map((col) => `<td>${badge(result(col, c.id), col)}</td>`).join("")}</tr>`).join("");
    const runs = columns
      .map((c) => {
        const info = c.report?.implementation;
        const what = info === undefined ? `not available: ${escapeHtml(c.unavailable ?? "")}` : `${escapeHtml(info.name)} ${escapeHtml(info.version)} (${escapeHtml(info.language)}), profile <code>${escapeHtml(info.profile)}</code>; ${c.report === undefined ? "" : summaryText(c.report)}`;
        return `<li><strong>${escapeHtml(c.label)}</strong>: ${what}.<br>Reproduce: <code>${escapeHtml(c.command)}</code></li>`;
      })
      .join("");
    const when = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const content = `<h1>Conformance matrix</h1>
<p>Made while this site was built, on ${when}, with Node ${escapeHtml(process.version)}, by <code>npm run site</code>. Expected failures are the declared deviations of an implementation's profile; open one to read its reason and the difference.</p>
<ul class="runs">${runs}</ul>
<h2 id="by-requirement">By requirement</h2>
<div class="table-wrap" tabindex="0" role="group" aria-label="Conformance results"><table class="matrix"><thead>${head}</thead><tbody>${byReq}</tbody></table></div>
<h2 id="by-case">By case</h2>
<div class="table-wrap" tabindex="0" role="group" aria-label="Conformance results"><table class="matrix"><thead>${caseHead}</thead><tbody>${byCase}</tbody></table></div>`;
    emit(item.path, layout({ page: item, nav, content, toc: [{ id: "by-requirement", text: "By requirement", level: 2 }, { id: "by-case", text: "By case", level: 2 }] }));
  }

  // Performance.
  {
    const item = nav.find((n) => n.path === "performance.html") as NavItem;
    // Named as the reader would type it: relative to the repository when inside it.
    const shown = relativePath(root, benchResults) || ".";
    const { content, toc } = performancePage(benchResults, shown.startsWith("..") ? benchResults : shown);
    emit(item.path, layout({ page: item, nav, content, toc }));
  }

  // Search.
  {
    const item = nav.find((n) => n.path === "search.html") as NavItem;
    const content = `<h1>Search</h1>
<p>Search the specification, the cases and the API reference: a requirement ID such as <code>WE-FIRE-2</code>, an API name such as <code>addWaitEvent</code>, or any words. Searching needs JavaScript; every page reads without it.</p>
<div id="search"></div>
<script src="pagefind/pagefind-ui.js"></script>
<script>
new PagefindUI({ element: "#search", showSubResults: true, resetStyles: false });
for (const input of document.querySelectorAll(".pagefind-ui__search-input")) input.setAttribute("aria-label", "Search the site");
</script>`;
    emit(item.path, layout({ page: item, nav, content, head: `<link rel="stylesheet" href="pagefind/pagefind-ui.css">` }));
  }

  cpSync(join(root, "site", "style.css"), join(out, "style.css"));
  cpSync(join(root, "site", "favicon.svg"), join(out, "favicon.ico"));
  log("search index (pagefind)");
  execFileSync(join(root, "node_modules", ".bin", "pagefind"), ["--site", out, "--silent"], { stdio: "inherit" });
  log(`built ${walk(out).filter((f) => f.endsWith(".html")).length} pages into ${args.out}/`);
  if (args.serve) await serve(out, args.port);
}

await main();
