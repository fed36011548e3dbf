/**
 * Builds the site: the spec pages with their scenarios drawn as timelines,
 * the requirement index, the conformance matrix from a real run, the case
 * files, the performance page from the benchmarks' results files, the
 * guides, the API reference (typedoc) and the search index (pagefind).
 * With `--serve`, serves it afterwards.
 *
 *   tsx site/build.ts [--out _site] [--serve] [--port N]
 *                     [--impl <module>]... [--driver "<command>"]...
 *                     [--bench-results <file>]  (default bench/results.json)
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative as relativePath, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { type Case, type LoadedCase, loadSuite, type CaseResult, type Status, firstDifference, writtenCaseId } from "prot-conformance";
import { headings, layout, type NavItem } from "./layout.js";
import { apiReference } from "./api.js";
import { escapeHtml } from "./escape.js";
import { getHighlighter, markdown, relative, type LinkContext } from "./markdown.js";
import { performancePage } from "./performance.js";
import { homePage } from "./home.js";
import { badgeMessage, badgeSvg, implementationPage, scoreByRequirement, versionHistory, type RequirementScore } from "./implementations.js";
import { bundleScript } from "./bundle.js";
import { runKey } from "./playground/link.js";
import { playgroundPage } from "./playground/page.js";
import { bundled, configured, runAll, summaryText, type Column } from "./results.js";
import { CYRUS_WASM_RELEASE } from "../conformance/drivers/cyrus/wasm.js";
import { buildCyrusWasm } from "../conformance/drivers/cyrus/wasm-load.js";
import { parsePort, PortError, serve } from "./serve.js";
import { renderTimeline, timelineLegend, timelineWords, type TimelineOptions } from "./timeline.js";
import { waitsOf } from "./waits.js";

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
    "bench-results": { type: "string", default: "bench/results.json" },
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
const out = resolve(root, args.out);
// The build empties its output folder first: never the project or a folder that holds it.
if (out === root || root.startsWith(out.endsWith(sep) ? out : out + sep)) {
  process.stderr.write(`site: --out ${args.out} would empty ${out}, which holds the project; give a folder of its own\n`);
  process.exit(2);
}
const benchResults = resolve(root, args["bench-results"]);

const STATUS_TEXT: Record<Status, string> = { pass: "pass", fail: "fail", xfail: "expected failure", xpass: "unexpected pass", skip: "skipped" };

/** Writes `html` to the site path `path`. */
function emit(path: string, html: string): void {
  const file = join(out, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, html);
}

/** The site page of a case file: `conformance/cases/firing.yaml` → `cases/firing.html`. */
function casePage(file: string): string {
  return `cases/${basename(file).replace(/\.ya?ml$/, "")}.html`;
}

/**
 * A timeline in its scrolling box, with what it is drawn from (as JSON) for
 * timelines.js to draw it again at a phone's width.
 */
function timelineBox(c: LoadedCase | Case, label: string, withWaits: boolean, o: Omit<TimelineOptions, "waits" | "width"> = {}): string {
  const { source: _source, ...data } = c as LoadedCase;
  // In a JSON script element, where only "<" needs escaping (so that no case text can end it).
  const draw = JSON.stringify({ c: data, waits: withWaits || undefined, o }).replace(/</g, "\\u003c");
  return `<div class="timeline" tabindex="0" role="group" aria-label="${escapeHtml(label)}"><script type="application/json" class="tl-data">${draw}</script>${renderTimeline(c, { ...o, waits: withWaits ? waitsOf(c) : undefined })}</div>`;
}

/** The script that redraws a page's timelines on a phone, for the page `path`. */
const TIMELINES_SCRIPT = (path: string): string => `<script src="${relative(path, "timelines.js")}" defer></script>`;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The page of one case, spec scenarios included: `case/<id>.html`. */
function caseOwnPage(id: string): string {
  return `case/${id.replace(/[^A-Za-z0-9._-]/g, (ch) => `_${(ch.codePointAt(0) ?? 0).toString(16)}`)}.html`;
}

/** A result's badge; `details` adds its reason, to be opened (on a case's own page). */
function badge(r: CaseResult | undefined, column: Column, details = false): string {
  if (column.report === undefined || r === undefined) return `<span class="st st-none">not run</span>`;
  const text = STATUS_TEXT[r.status];
  if (!details || r.message === undefined || r.status === "pass") return `<span class="st st-${r.status}">${text}</span>`;
  return `<details class="st-details"><summary><span class="st st-${r.status}">${text}</span></summary><pre class="reason">${escapeHtml(r.message)}</pre></details>`;
}

/** One case's results in a line that names the implementations, grouped by status. */
function namedBadges(columns: Column[], resultOf: (col: Column) => CaseResult | undefined): string {
  const groups = new Map<string, string[]>();
  for (const col of columns) {
    const r = resultOf(col);
    const key = col.report === undefined || r === undefined ? "none" : r.status;
    groups.set(key, [...(groups.get(key) ?? []), col.short]);
  }
  return [...groups].map(([k, names]) => `<span class="st st-named st-${k}">${k === "none" ? "not run" : STATUS_TEXT[k as Status]}: ${names.map(escapeHtml).join(", ")}</span>`).join(" ");
}

async function main(): Promise<void> {
  log("loading the spec and the cases");
  const suite = loadSuite(root);
  const byId = new Map(suite.cases.map((c) => [c.id, c]));
  // Built while the suite runs; it waits for a driver build of the same source (one lock).
  const wasmStarted = Date.now();
  const wasmBuilt = buildCyrusWasm().then((b) => ({ ...b, seconds: (Date.now() - wasmStarted) / 1000 }));

  const columns = await runAll([...bundled(), ...configured(args.impl, args.driver)], suite.cases, log);
  const resultOf = new Map<string, Map<string, CaseResult>>();
  for (const col of columns) resultOf.set(col.label, new Map((col.report?.results ?? []).map((r) => [r.id, r])));
  const result = (col: Column, id: string): CaseResult | undefined => resultOf.get(col.label)?.get(id);

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // Pages, in reading order.
  const specPages = suite.pages.map((p) => ({ repo: p.file, path: p.file.replace(/\.md$/, ".html"), title: p.title }));
  const caseFiles = [...new Set(suite.cases.filter((c) => c.source.file.startsWith("conformance/cases/")).map((c) => c.source.file))];
  const guides = [
    { repo: "conformance/README.md", path: "guide/conformance.html", title: "Running the suite" },
    { repo: "conformance/DRIVERS.md", path: "guide/drivers.html", title: "The driver protocol" },
    { repo: "conformance/drivers/python/README.md", path: "guide/python-driver.html", title: "A driver in Python" },
    { repo: "conformance/drivers/cyrus/README.md", path: "guide/cyrus-driver.html", title: "The C driver" },
    { repo: "README.md", path: "guide/readme.html", title: "The project" },
  ];
  const nav: NavItem[] = [
    { path: "index.html", title: "Home", section: "Start here" },
    { path: "playground.html", title: "Playground", section: "Start here" },
    ...specPages.map((p) => ({ path: p.path, title: p.title, section: "Specification" })),
    { path: "requirements.html", title: "Requirements", section: "Conformance" },
    { path: "conformance.html", title: "Conformance matrix", section: "Conformance" },
    { path: "implementations.html", title: "Implementations", section: "Conformance" },
    ...columns.map((c) => ({ path: `impl/${c.slug}.html`, title: c.short, section: "Conformance" })),
    ...caseFiles.map((f) => ({ path: casePage(f), title: `Cases: ${basename(f)}`, section: "Conformance" })),
    { path: "performance.html", title: "Performance", section: "Reference implementation" },
    ...guides.map((g) => ({ path: g.path, title: g.title, section: "Guides" })),
    { path: "search.html", title: "Search", section: "Guides" },
  ];
  log("API reference (typedoc)");
  const api = await apiReference(root, out, nav);
  const pages = new Map<string, string>([...specPages, ...guides].map((p) => [p.repo, p.path]));
  // Where a case is read: a spec scenario in its page, a case of conformance/cases/ on its own page.
  const caseHome = (c: LoadedCase): string => (c.source.file.startsWith("spec/") ? `${pages.get(c.source.file) ?? ""}#${c.id}` : caseOwnPage(c.id));
  const reqHome = new Map<string, string>();
  for (const p of suite.pages) for (const r of p.requirements) reqHome.set(r.id, `${pages.get(p.file) ?? ""}#${r.id}`);
  // The requirement index, one page per spec page so that no page grows too heavy.
  const reqPageOf = (file: string): string => `requirements/${basename(file, ".md")}.html`;
  const reqIndex = new Map<string, string>();
  for (const p of suite.pages) for (const r of p.requirements) reqIndex.set(r.id, `${reqPageOf(p.file)}#${r.id}`);
  const casesOf = new Map<string, LoadedCase[]>();
  for (const c of suite.cases) for (const id of c.requirements) casesOf.set(id, [...(casesOf.get(id) ?? []), c]);

  const h = await getHighlighter();
  // The YAML of every case, for the playground's "Try it" links.
  const caseYaml = new Map<string, string>();
  const legendOn = new Set<string>();
  /**
   * A case drawn as a timeline with its results. In full (on the case's own
   * page) it also draws what each implementation that parted from the
   * expected trace did, and gives the reasons; elsewhere it links there.
   */
  const caseFigure = (c: LoadedCase, page: string, yaml: string, full: boolean): string => {
    caseYaml.set(c.id, yaml);
    const reqs = c.requirements.map((id) => `<a href="${relative(page, reqHome.get(id) ?? "requirements.html")}">${id}</a>`).join(", ");
    // In full, one line per implementation with its reason; elsewhere the implementations that ran, grouped by status.
    const results = full
      ? `<ul class="results">${columns.map((col) => `<li><span class="col-label">${escapeHtml(col.label)}</span> ${badge(result(col, c.id), col, true)}</li>`).join("")}</ul>`
      : `<p class="results">${namedBadges(
          columns.filter((col) => col.report !== undefined),
          (col) => result(col, c.id),
        )}</p>`;
    const differing = columns.flatMap((col) => {
      const r = result(col, c.id);
      if (r?.actual === undefined || (r.status !== "xfail" && r.status !== "fail")) return [];
      const at = firstDifference(c.expect, r.actual);
      return at < 0 ? [] : [{ col, r, at, actual: r.actual }];
    });
    // Where an implementation parted from the expected trace, its own timeline goes under the expected one.
    // Implementations that did the same thing instead (builds of one C original, most often) share one drawing.
    const sameTrace = new Map<string, typeof differing>();
    for (const d of differing) {
      const key = `${d.r.status} ${JSON.stringify(d.actual)}`;
      sameTrace.set(key, [...(sameTrace.get(key) ?? []), d]);
    }
    const others = full
      ? [...sameTrace.values()].map((group) => {
          const { col, r, at, actual } = group[0] as (typeof differing)[number];
          const who = group.map((d) => escapeHtml(d.col.label)).join(", ");
          return `<p class="tl-other">What ${who} did instead (${r.status === "xfail" ? "a declared deviation" : "a failure"}); what differs from the expected trace is ringed:</p>${timelineBox({ ...c, expect: actual }, `Timeline of ${c.id} as ${col.short} ran it`, false, { differsFrom: at, traceName: `Trace of ${col.short}`, idSuffix: col.slug })}`;
        })
      : differing.length > 0
        ? [`<p class="tl-other">${differing.map(({ col }) => escapeHtml(col.short)).join(", ")} did otherwise: <a href="${relative(page, caseOwnPage(c.id))}">see both timelines and why</a>.</p>`]
        : [];
    const waits = waitsOf(c);
    const legend = legendOn.has(page) ? "" : timelineLegend();
    legendOn.add(page);
    const own = full ? "" : ` <a class="case-page" href="${relative(page, caseOwnPage(c.id))}">Its page<span class="visually-hidden">: ${escapeHtml(c.id)}</span></a>`;
    // The timeline's SVG is described by the words under it rather than carry them twice.
    const wordsId = `${c.id}-words`;
    // The case as data is on its own page (and in the playground, a click away): a spec page with many scenarios stays light.
    const data = full ? `<details class="case-data" data-pagefind-ignore><summary>The case as data</summary><pre class="plain"><code>${escapeHtml(yaml)}</code></pre></details>` : "";
    return `${legend}<figure class="case" id="${escapeHtml(c.id)}">
<figcaption><a class="case-id" href="#${escapeHtml(c.id)}">${escapeHtml(c.id)}</a> <span class="case-title">${escapeHtml(c.title)}</span> <span class="case-reqs" data-pagefind-ignore>checks ${reqs}</span> <a class="try-it" href="${relative(page, "playground.html")}#case=${encodeURIComponent(c.id)}">Try it<span class="visually-hidden">: ${escapeHtml(c.id)} in the playground</span></a>${own}</figcaption>
<p class="timeline-hint">The timeline scrolls sideways; it is also told in words below it.</p>
${timelineBox(c, `Timeline of ${c.id}`, true, { describedBy: wordsId })}
<details class="tl-words"><summary>The timeline in words</summary><p id="${escapeHtml(wordsId)}">${escapeHtml(timelineWords(c, { waits }))}</p></details>
${others.join("\n")}
${results}
${data}
</figure>`;
  };
  const requirementNote =
    (page: string) =>
    (id: string): string => {
      const cs = casesOf.get(id) ?? [];
      if (cs.length === 0) return "";
      const shown = cs
        .slice(0, 8)
        .map((c) => `<a href="${relative(page, caseHome(c))}">${escapeHtml(c.id)}</a>`)
        .join(", ");
      const more = cs.length > 8 ? `, and <a href="${relative(page, reqIndex.get(id) ?? "requirements.html")}">${cs.length - 8} more</a>` : "";
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
        return c === undefined ? `<p class="error">scenario at line ${line} could not be loaded</p>` : caseFigure(c, p.path, yaml, false);
      },
    };
    const html = markdown(h, ctx).render(readFileSync(join(root, p.repo), "utf8"));
    const item = nav.find((n) => n.path === p.path) as NavItem;
    emit(p.path, layout({ page: item, nav, content: html, toc: headings(html), head: legendOn.has(p.path) ? TIMELINES_SCRIPT(p.path) : undefined }));
  }

  // Case files: a page listing each file's cases.
  const yamlOfFileCase = new Map<string, string>();
  for (const file of caseFiles) {
    const item = nav.find((n) => n.path === casePage(file)) as NavItem;
    const cs = suite.cases.filter((c) => c.source.file === file);
    const doc = parseYaml(readFileSync(join(root, file), "utf8")) as { cases: unknown[] };
    cs.forEach((c, i) => yamlOfFileCase.set(c.id, stringifyYaml(doc.cases[i], { flowCollectionPadding: false })));
    const rows = cs
      .map(
        (c) =>
          `<tr id="${escapeHtml(c.id)}"><th scope="row"><a href="${relative(item.path, caseOwnPage(c.id))}">${escapeHtml(c.id)}</a></th><td>${escapeHtml(c.title)}</td><td data-pagefind-ignore>${c.requirements.map((id) => `<a href="${relative(item.path, reqHome.get(id) ?? "requirements.html")}">${id}</a>`).join(", ")}</td><td>${namedBadges(columns, (col) => result(col, c.id))}</td></tr>`,
      )
      .join("");
    emit(
      item.path,
      layout({
        page: item,
        nav,
        content: `<h1>${escapeHtml(item.title)}</h1><p>The edge cases kept out of the spec's prose, from <code>${escapeHtml(file)}</code>: ${cs.length} cases. Each has its own page, with its timeline, what each implementation did, and its data.</p><div class="table-wrap" tabindex="0" role="group" aria-label="Cases of ${escapeHtml(basename(file))}"><table class="matrix"><thead><tr><th scope="col">case</th><th scope="col">what it checks</th><th scope="col">requirements</th><th scope="col">results</th></tr></thead><tbody>${rows}</tbody></table></div>`,
      }),
    );
  }

  // A page per case.
  for (const c of suite.cases) {
    const path = caseOwnPage(c.id);
    const where = c.source.file.startsWith("spec/")
      ? `<a href="${relative(path, `${pages.get(c.source.file) ?? ""}#${c.id}`)}">${escapeHtml(specPages.find((p) => p.repo === c.source.file)?.title ?? c.source.file)}</a>`
      : `<a href="${relative(path, casePage(c.source.file))}">${escapeHtml(basename(c.source.file))}</a>`;
    const yaml = caseYaml.get(c.id) ?? yamlOfFileCase.get(c.id) ?? stringifyYaml(c);
    const page: NavItem = { path, title: `Case ${c.id}`, section: "Conformance" };
    const figure = caseFigure(c, path, yaml, true);
    emit(
      path,
      layout({
        page,
        nav,
        head: TIMELINES_SCRIPT(path),
        content: `<h1>Case <code>${escapeHtml(c.id)}</code></h1><p>${escapeHtml(c.title)}. Written in ${where} (<code>${escapeHtml(c.source.file)}:${c.source.line}</code>).</p>${figure}`,
      }),
    );
  }

  // The requirement index: a page per spec page, and a page listing them.
  {
    const item = nav.find((n) => n.path === "requirements.html") as NavItem;
    const chapters = suite.pages.filter((p) => p.requirements.length > 0);
    for (const p of chapters) {
      const path = reqPageOf(p.file);
      const page: NavItem = { path, title: `Requirements: ${p.title}`, section: "Conformance" };
      const rel = (to: string): string => relative(path, to);
      const rows = p.requirements.map((r) => {
        const cs = casesOf.get(r.id) ?? [];
        const list = cs.map((c) => `<li><a href="${rel(caseOwnPage(c.id))}">${escapeHtml(c.id)}</a> ${namedBadges(columns, (col) => result(col, c.id))}</li>`).join("");
        return `<section class="req-entry" id="${r.id}"><h2 data-pagefind-weight="10"><a href="${rel(reqHome.get(r.id) ?? "")}">${r.id}</a></h2><p>${escapeHtml(r.text)}</p><p class="req-source">Stated in <a href="${rel(`${pages.get(p.file)}#${r.id}`)}">${escapeHtml(p.title)}</a>.</p><ul class="req-case-list">${list}</ul></section>`;
      });
      const toc = p.requirements.map((r) => ({ id: r.id, text: r.id, level: 2 }));
      emit(
        path,
        layout({
          page,
          nav,
          toc,
          content: `<h1>Requirements: ${escapeHtml(p.title)}</h1><p>The normative statements of <a href="${rel(pages.get(p.file) ?? "")}">${escapeHtml(p.title)}</a>, each with the cases that check it and every implementation's result for each case. <a href="${rel("requirements.html")}">All requirements</a>.</p>${rows.join("\n")}`,
        }),
      );
    }
    const list = chapters
      .map((p) => `<li><a href="${reqPageOf(p.file)}">${escapeHtml(p.title)}</a>: ${p.requirements.map((r) => `<a href="${reqIndex.get(r.id)}">${r.id}</a>`).join(", ")}</li>`)
      .join("");
    emit(
      item.path,
      layout({
        page: item,
        nav,
        content: `<h1>Requirements</h1><p>Every normative statement of the specification has an ID; here they are by the page that states them. Each page of this index gives every requirement's text, the cases that check it, and each case's result for ${columns.map((c) => escapeHtml(c.label)).join(", ")}.</p><ul class="req-chapters">${list}</ul>`,
      }),
    );
  }

  // The conformance matrix.
  {
    const item = nav.find((n) => n.path === "conformance.html") as NavItem;
    const ids = suite.pages.flatMap((p) => p.requirements.map((r) => r.id));
    // An implementation that could not be run has no column (a column of "not run" only weighs): the list above the tables says why.
    // Implementations with the same status on every case share one column headed by all their names: builds that agree weigh as one.
    const shared = new Map<string, Column[]>();
    for (const col of columns.filter((c) => c.report !== undefined)) {
      const key = suite.cases.map((c) => result(col, c.id)?.status ?? "none").join(" ");
      shared.set(key, [...(shared.get(key) ?? []), col]);
    }
    const ran = [...shared.values()].map((group) => ({ col: group[0] as Column, label: group.map((c) => escapeHtml(c.label)).join("; ") }));
    const head = `<tr><th scope="col">requirement</th>${ran.map((g) => `<th scope="col">${g.label}</th>`).join("")}</tr>`;
    const cell = (col: Column, cs: LoadedCase[]): string => {
      const counts: Record<Status, number> = { pass: 0, fail: 0, xfail: 0, xpass: 0, skip: 0 };
      for (const c of cs) {
        const r = result(col, c.id);
        if (r !== undefined) counts[r.status]++;
      }
      const parts = (Object.keys(counts) as Status[]).filter((k) => counts[k] > 0).map((k) => `<span class="st st-${k}">${counts[k]} ${STATUS_TEXT[k]}</span>`);
      return `<td>${parts.join(" ")}</td>`;
    };
    // A row where every implementation that ran agrees can be hidden by the "differences only" switch.
    const agree = (cells: string[]): string => (new Set(cells).size <= 1 ? ` class="same"` : "");
    const byReq = ids
      .map((id) => {
        const cells = ran.map((g) => cell(g.col, casesOf.get(id) ?? []));
        return `<tr${agree(cells)}><th scope="row"><a href="${reqIndex.get(id)}">${id}</a></th>${cells.join("")}</tr>`;
      })
      .join("");
    const caseHead = `<tr><th scope="col">case</th>${ran.map((g) => `<th scope="col">${g.label}</th>`).join("")}</tr>`;
    const byCase = suite.cases
      .map(
        (c) =>
          `<tr${agree(ran.map((g) => result(g.col, c.id)?.status ?? "none"))}><th scope="row"><a href="${caseHome(c)}">${escapeHtml(c.id)}</a></th>${ran.map((g) => `<td>${badge(result(g.col, c.id), g.col)}</td>`).join("")}</tr>`,
      )
      .join("");
    const runs = columns
      .map((c) => {
        const info = c.report?.implementation;
        const what =
          info === undefined
            ? `not available: ${escapeHtml(c.unavailable ?? "")}`
            : `${escapeHtml(info.name)} ${escapeHtml(info.version)} (${escapeHtml(info.language)}), profile <code>${escapeHtml(info.profile)}</code>; ${c.report === undefined ? "" : summaryText(c.report)}`;
        return `<li><strong>${escapeHtml(c.label)}</strong>: ${what}.<br>Reproduce: <code>${escapeHtml(c.command)}</code></li>`;
      })
      .join("");
    const when = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const content = `<h1>Conformance matrix</h1>
<p>Made while this site was built, on ${when}, with Node ${escapeHtml(process.version)}, by <code>npm run site</code>. Expected failures are the declared deviations of an implementation's profile; a case's page gives the reason and draws what the implementation did under what was expected, and each implementation's page lists its deviations by reason.</p>
<ul class="runs">${runs}</ul><p>In the tables below, implementations with the same result on every case share a column${columns.some((c) => c.report === undefined) ? `, and an implementation that could not be run has none` : ""}.</p>
<p class="diff-filter"><label><input type="checkbox" id="differences-only"> Differences only: hide the rows where every implementation that ran agrees</label></p>
<h2 id="by-requirement">By requirement</h2>
<div class="table-wrap" tabindex="0" role="group" aria-label="Conformance results"><table class="matrix"><thead>${head}</thead><tbody>${byReq}</tbody></table></div>
<h2 id="by-case">By case</h2>
<div class="table-wrap" tabindex="0" role="group" aria-label="Conformance results"><table class="matrix"><thead>${caseHead}</thead><tbody>${byCase}</tbody></table></div>`;
    emit(
      item.path,
      layout({
        page: item,
        nav,
        content,
        toc: [
          { id: "by-requirement", text: "By requirement", level: 2 },
          { id: "by-case", text: "By case", level: 2 },
        ],
      }),
    );
  }

  // A page per implementation, its run as JSON and its badge; a page listing them.
  {
    const ids = suite.pages.flatMap((p) => p.requirements.map((r) => r.id));
    const scores = new Map<string, RequirementScore[] | undefined>();
    for (const col of columns) {
      scores.set(col.slug, col.report === undefined ? undefined : scoreByRequirement(ids, (id) => (casesOf.get(id) ?? []).map((c) => c.id), resultOf.get(col.label) ?? new Map<string, CaseResult>()));
    }
    // The C original's builds, one column each, make its history.
    const cVersions = columns.filter((c) => /cyrus/i.test(c.label)).map((col) => ({ col, scores: scores.get(col.slug) }));
    for (const col of columns) {
      const path = `impl/${col.slug}.html`;
      const item = nav.find((n) => n.path === path) as NavItem;
      const score = scores.get(col.slug);
      const { message, color } = badgeMessage(score);
      emit(`impl/${col.slug}.svg`, badgeSvg("prot-events", message, color));
      emit(`impl/${col.slug}.json`, `${JSON.stringify({ label: col.label, command: col.command, unavailable: col.unavailable, score, report: col.report }, null, 1)}\n`);
      const content = implementationPage(
        col,
        score,
        {
          req: (id) => relative(path, reqIndex.get(id) ?? "requirements.html"),
          // A quirk form has no page of its own: its written case's page stands for it.
          case: (id) => relative(path, caseOwnPage(writtenCaseId(id))),
          badge: `${col.slug}.svg`,
          json: `${col.slug}.json`,
          badgeUrl: `impl/${col.slug}.svg`,
        },
        /cyrus/i.test(col.label) ? versionHistory(cVersions, col.slug) : "",
      );
      emit(path, layout({ page: item, nav, content, toc: headings(content) }));
    }
    const item = nav.find((n) => n.path === "implementations.html") as NavItem;
    const rows = columns
      .map(
        (col) => `<li><a href="impl/${col.slug}.html">${escapeHtml(col.label)}</a> <img src="impl/${col.slug}.svg" alt="prot-events: ${escapeHtml(badgeMessage(scores.get(col.slug)).message)}"></li>`,
      )
      .join("");
    emit(
      item.path,
      layout({
        page: item,
        nav,
        content: `<h1>Implementations</h1><p>Every implementation the site build ran the suite against, each with its page: its score requirement by requirement, its declared deviations with their reasons, how to reproduce its run, a badge for its README, and the run itself as JSON (<code>impl/&lt;name&gt;.json</code>, beside the page). Add yours to a build with <code>npm run site -- --impl &lt;module&gt;</code> or <code>--driver "&lt;command&gt;"</code>.</p><ul class="impl-list">${rows}</ul>`,
      }),
    );
  }

  // The playground: its page, the data the build knows (the cases, the C original's runs), the bundles.
  {
    const item = nav.find((n) => n.path === "playground.html") as NavItem;
    const cColumn = columns.find((c) => c.slug.startsWith("cyrus-") && c.report !== undefined);
    const runs = (cColumn?.report?.results ?? []).flatMap((r) => {
      const c = byId.get(r.id);
      return c === undefined || r.actual === undefined ? [] : [{ id: r.id, key: runKey(c), status: r.status, actual: r.actual }];
    });
    const wasm = await wasmBuilt;
    log(`the C original in WebAssembly (Cyrus ${CYRUS_WASM_RELEASE}): ${"file" in wasm ? "built" : `absent: ${wasm.absent}`} (${wasm.seconds.toFixed(1)} s)`);
    const data = {
      cases: Object.fromEntries(caseYaml),
      c: cColumn === undefined ? undefined : { label: cColumn.short, runs },
      wasm: "file" in wasm ? { label: `Cyrus ${CYRUS_WASM_RELEASE}` } : { absent: wasm.absent },
    };
    // "<" escaped so that no case text can close the script element.
    emit("playground/data.js", `globalThis.protPlayground = ${JSON.stringify(data).replace(/</g, "\\u003c")};\n`);
    if ("file" in wasm) cpSync(wasm.file, join(out, "playground", "cyrus-prot.js"));
    log("browser scripts (vite)");
    await bundleScript(root, "playground/main.ts", join(out, "playground"), "playground.js");
    await bundleScript(root, "client/timelines.ts", out, "timelines.js");
    const first = suite.cases.find((c) => c.id === "pattern-keepalive") ?? suite.cases[0];
    const content = playgroundPage(first === undefined ? "" : (caseYaml.get(first.id) ?? ""), timelineLegend());
    emit(
      item.path,
      layout({
        page: item,
        nav,
        content,
        head: `<script src="playground/data.js" defer></script>${"file" in wasm ? `<script src="playground/cyrus-prot.js" defer></script>` : ""}<script src="playground/playground.js" defer></script>`,
      }),
    );
  }

  // The home page.
  {
    const item = nav.find((n) => n.path === "index.html") as NavItem;
    const pictured = byId.get("pattern-keepalive");
    const picture = pictured === undefined ? "" : timelineBox(pictured, "Timeline of a keep-alive", true);
    emit(item.path, layout({ page: item, nav, content: homePage(picture), head: TIMELINES_SCRIPT("index.html") }));
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
<p data-pagefind-ignore>Search the specification, the cases and the API reference: a requirement ID such as <code>WE-FIRE-2</code>, an API name such as <code>addWaitEvent</code>, or any words. A search can be linked: <a href="search.html?q=idle"><code>search.html?q=idle</code></a>. Searching needs JavaScript; every page reads without it.</p>
<div id="search"></div>
<script src="pagefind/pagefind-ui.js"></script>
<script>
const ui = new PagefindUI({ element: "#search", showSubResults: true, resetStyles: false });
// search.html?q=words runs the search, and the address follows what is typed, so that results can be linked.
const q = new URLSearchParams(location.search).get("q");
if (q) ui.triggerSearch(q);
for (const input of document.querySelectorAll(".pagefind-ui__search-input")) {
  input.setAttribute("aria-label", "Search the site");
  input.addEventListener("input", () => history.replaceState(null, "", input.value === "" ? "search.html" : "search.html?q=" + encodeURIComponent(input.value)));
}
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
