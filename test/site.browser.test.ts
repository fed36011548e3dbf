/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { checkScenario, caseValidator, loadSuite, FORM_SUFFIX, withReadTimeout, type Case, type LoadedCase } from "prot-conformance";
import { serve } from "../site/serve.js";
import { parse as parseYaml } from "yaml";
import { buildCyrusWasm, loadCyrusWasm } from "../conformance/drivers/cyrus/wasm-load.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUT = "_site-test";
const suite = loadSuite();
let server: Server;
let browser: Browser;
let context: BrowserContext;
let base = "";

interface Crawled {
  url: string;
  ids: Set<string>;
  links: string[];
  consoleErrors: string[];
}
const crawled = new Map<string, Crawled>();

async function visit(page: Page, url: string): Promise<Crawled> {
  const consoleErrors: string[] = [];
  const onConsole = (m: { type(): string; text(): string }): void => {
    if (m.type() === "error") consoleErrors.push(m.text());
  };
  const onError = (e: Error): void => void consoleErrors.push(e.message);
  page.on("console", onConsole);
  page.on("pageerror", onError);
  const res = await page.goto(url, { waitUntil: "load" });
  expect(res?.status(), url).toBe(200);
  const { ids, links } = await page.evaluate(() => ({
    ids: [...document.querySelectorAll("[id], a[name]")].map((e) => e.id || (e.getAttribute("name") ?? "")),
    links: [...document.querySelectorAll("a[href]")].map((a) => (a as HTMLAnchorElement).href),
  }));
  page.off("console", onConsole);
  page.off("pageerror", onError);
  return { url, ids: new Set(ids), links, consoleErrors };
}

// The project's hook limit bounds the build and the crawl together; the
// build's own guard (the suite against every implementation, typedoc,
// pagefind) kills it rather than leave it running if it hangs.
beforeAll(async () => {
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, ["--import", "tsx", "site/build.ts", "--out", OUT], { cwd: root, timeout: 1_200_000, maxBuffer: 64 << 20 }, (err, _o, stderr) =>
      err ? reject(new Error(`the site build failed: ${err.message}\n${stderr}`)) : resolve(),
    ),
  );
  server = await serve(`${root}${OUT}`, "0");
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  // No waits of Playwright's own (30 s by default, which a loaded machine
  // can eat): the project's hang guard is the one limit.
  context = await browser.newContext();
  context.setDefaultTimeout(0);
  context.setDefaultNavigationTimeout(0);
  // Crawl every page reachable from the front page.
  const page = await context.newPage();
  const queue = [`${base}index.html`];
  while (queue.length > 0) {
    const url = queue.shift() as string;
    if (crawled.has(url)) continue;
    const c = await visit(page, url);
    crawled.set(url, c);
    for (const l of c.links) {
      const u = new URL(l);
      if (u.origin !== new URL(base).origin) continue;
      const bare = `${u.origin}${u.pathname}`;
      if (!crawled.has(bare) && !queue.includes(bare) && bare.endsWith(".html")) queue.push(bare);
    }
  }
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  rmSync(`${root}${OUT}`, { recursive: true, force: true });
});

describe("the site, in a real browser", () => {
  it("has no console errors on any page", () => {
    expect(crawled.size).toBeGreaterThan(30);
    const errors = [...crawled.values()].flatMap((c) => c.consoleErrors.map((e) => `${c.url}: ${e}`));
    expect(errors).toEqual([]);
  });

  it("has no broken internal link or anchor", () => {
    const broken: string[] = [];
    for (const c of crawled.values()) {
      for (const l of c.links) {
        const u = new URL(l);
        if (u.origin !== new URL(base).origin) continue;
        const bare = `${u.origin}${u.pathname}`;
        const target = crawled.get(bare);
        if (target === undefined) {
          if (bare.endsWith(".html") || bare.endsWith("/")) broken.push(`${c.url} -> ${l} (page not reached)`);
          continue;
        }
        // The playground's fragment is its scenario, not an anchor.
        const anchor = u.pathname.endsWith("/playground.html") ? "" : decodeURIComponent(u.hash.slice(1));
        if (anchor !== "" && !target.ids.has(anchor)) broken.push(`${c.url} -> ${l} (no #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("reaches every requirement ID, on its page and in the index", () => {
    const missing: string[] = [];
    for (const p of suite.pages) {
      const path = p.file.replace(/\.md$/, ".html");
      const index = p.file.replace(/^spec\/(.*)\.md$/, "requirements/$1.html");
      const page = crawled.get(`${base}${path}`);
      for (const r of p.requirements) {
        if (page?.ids.has(r.id) !== true) missing.push(`${r.id} on ${path}`);
        if (crawled.get(`${base}${index}`)?.ids.has(r.id) !== true) missing.push(`${r.id} in ${index}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("draws a timeline wherever a scenario is", async () => {
    const page = await context.newPage();
    for (const p of suite.pages) {
      const scenarios = p.blocks.filter((b) => b.kind === "scenario").length;
      if (scenarios === 0) continue;
      const path = p.file.replace(/\.md$/, ".html");
      await page.goto(`${base}${path}`);
      expect(await page.locator("figure.case .timeline svg").count(), path).toBe(scenarios);
    }
    await page.close();
  });

  it("finds a requirement by its ID, and an API name, with the search", async () => {
    const page = await context.newPage();
    for (const [query, expected] of [
      ["WE-FIRE-2", /spec\/05-firing\.html|requirements\/05-firing\.html/],
      ["addWaitEvent", /ProtStream|addwaitevent/i],
    ] as const) {
      await page.goto(`${base}search.html`);
      await page.locator(".pagefind-ui__search-input").fill(query);
      const first = page.locator(".pagefind-ui__result-link").first();
      await first.waitFor();
      const hrefs = await page.locator(".pagefind-ui__result-link").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
      expect(
        hrefs.some((h) => expected.test(h)),
        `${query}: ${hrefs.join(", ")}`,
      ).toBe(true);
    }
    await page.close();
  });

  it("holds its layout at 375 px, and draws its timelines to fit", async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 375, height: 800 });
    const paths = [
      "index.html",
      "spec/05-firing.html",
      "conformance.html",
      "requirements.html",
      "requirements/05-firing.html",
      "cases/firing.html",
      "case/model-events-run-only-while-waiting.html",
      "implementations.html",
      "impl/cyrus-3.6.1.html",
      "playground.html#case=pattern-keepalive",
      "search.html",
    ];
    for (const path of paths) {
      await page.goto(`${base}${path}`, { waitUntil: "load" });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
      // Every timeline is drawn as wide as its box: nothing to scroll, one unit a pixel.
      const timelines = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>(".timeline")]
          .filter((box) => box.querySelector("svg.prot-timeline") !== null)
          .map((box) => {
            const svg = box.querySelector("svg.prot-timeline") as SVGSVGElement;
            return { scroll: box.scrollWidth - box.clientWidth, units: svg.viewBox.baseVal.width, px: svg.getBoundingClientRect().width };
          }),
      );
      for (const t of timelines) {
        expect(t.scroll, path).toBeLessThanOrEqual(0);
        expect(t.units / t.px, path).toBeGreaterThan(0.95);
        expect(t.units / t.px, path).toBeLessThan(1.05);
      }
      if (!path.startsWith("conformance") && !path.startsWith("requirements") && !path.startsWith("cases/") && !path.startsWith("impl") && !path.startsWith("search"))
        expect(timelines.length, path).toBeGreaterThan(0);
    }
    // Back to a wide screen, the usual drawing returns.
    await page.goto(`${base}spec/05-firing.html`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForFunction(() => document.querySelector(".timeline.narrow") === null);
    expect(
      await page
        .locator(".timeline svg.prot-timeline")
        .first()
        .evaluate((svg) => (svg as SVGSVGElement).viewBox.baseVal.width),
    ).toBe(800);
    await page.close();
  });

  it("has no serious accessibility violations (axe-core)", async () => {
    const axe = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
    const page = await context.newPage();
    const found: string[] = [];
    // Every page but those made alike from one template: of the case pages the first ten, of each
    // kind of API page (typedoc's folders) the first three, and the heaviest, ProtStream's.
    const all = [...crawled.keys()];
    const madeAlike = (u: string): string | undefined => (u.includes("/case/") ? "case" : /\/api\/[a-z]+\//.exec(u)?.[0]);
    const seen = new Map<string, number>();
    const sample = all.filter((u) => {
      const kind = madeAlike(u);
      if (kind === undefined) return true;
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      return (seen.get(kind) as number) <= (kind === "case" ? 10 : 3) || u.endsWith("/prot-events.ProtStream.html");
    });
    expect(sample.filter((u) => u.includes("/api/")).length).toBeGreaterThan(10);
    for (const url of [...sample, `${base}playground.html#case=pattern-keepalive`]) {
      await page.goto(url);
      // typedoc's pages stay hidden until its script has drawn their navigation: axe checks them once shown.
      if (url.includes("/api/")) await page.waitForFunction(() => document.body.style.display !== "none" && document.querySelector("#tsd-nav-container a") !== null);
      // The playground's C panes are filled once the C original in WebAssembly has started.
      if (url.includes("playground.html")) await page.waitForFunction(() => document.body.dataset.cyrus !== undefined || !("createCyrusProt" in globalThis));
      await page.addScriptTag({ content: axe });
      const violations = await page.evaluate(async () => {
        const w = window as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } };
        return (await w.axe.run()).violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.nodes.length})`);
      });
      for (const v of violations) found.push(`${url}: ${v}`);
    }
    await page.close();
    expect(found).toEqual([]);
  });

  it("keeps every page under 150 KB of HTML", () => {
    const heavy: string[] = [];
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    for (const f of walk(`${root}${OUT}`)) {
      if (f.endsWith(".html") && statSync(f).size > 150_000) heavy.push(`${f.slice(root.length)}: ${statSync(f).size} bytes`);
    }
    expect(heavy).toEqual([]);
  });

  it("has a Try it link on every case, which opens the case in the playground", async () => {
    const missing: string[] = [];
    for (const c of crawled.values()) {
      if (!/\/(spec|case)\//.test(c.url)) continue;
      for (const id of suite.cases.map((x) => x.id)) {
        if (c.ids.has(id) && !c.links.some((l) => l.endsWith(`playground.html#case=${encodeURIComponent(id)}`))) missing.push(`${id} on ${c.url}`);
      }
    }
    expect(missing).toEqual([]);
    const page = await context.newPage();
    await page.goto(`${base}spec/05-firing.html`);
    const link = page.locator("figure.case a.try-it").first();
    const id = await page.locator("figure.case").first().getAttribute("id");
    await link.click();
    await page.waitForSelector("#model-timeline svg.prot-timeline");
    const text = await page.evaluate(() => (globalThis as unknown as { protPlaygroundView: { state: { doc: { toString(): string } } } }).protPlaygroundView.state.doc.toString());
    expect(text).toContain(`id: ${id}`);
    await page.close();
  });

  it("runs the playground: edit, the timeline changes, the link reproduces it, a schema error shows at its line", async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${base}playground.html#case=pattern-keepalive`);
    await page.waitForSelector("#model-timeline svg.prot-timeline");
    const fires = (): Promise<string[]> => page.locator('#model-timeline [data-kind="fire"]').evaluateAll((gs) => gs.map((g) => g.getAttribute("data-t") ?? ""));
    expect(await fires()).toEqual(["15", "30"]);
    // The C original runs in the page (lib/prot.c in WebAssembly) when the build could compile it:
    // the case as written and its form with a read timeout. Without it, the build's own run of the case.
    // In Node, the same build from where the site build took it (up to date: nothing is rebuilt).
    const built = existsSync(join(root, OUT, "playground", "cyrus-prot.js")) ? await buildCyrusWasm() : undefined;
    const cWasm = built !== undefined && "file" in built ? await loadCyrusWasm(built.file) : undefined;
    expect(cWasm === undefined, "the site has the WebAssembly build, but Node could not load it").toBe(built === undefined);
    if (cWasm !== undefined) {
      await page.waitForFunction(() => document.body.dataset.cyrus !== undefined);
      expect(await page.evaluate(() => document.body.dataset.cyrus)).toBe("ready");
      await page.waitForSelector("#pg-c-form");
    }
    expect(await page.locator("#c-timeline svg.prot-timeline").count()).toBe(cWasm === undefined ? 1 : 2);

    // Edit as a reader would: select everything, type a new scenario.
    const scenario = [
      "id: my-ping",
      "title: A ping every 10 ticks",
      "requirements: [WE-CB-4]",
      "tags: [playground]",
      "streams:",
      "  s:",
      '    input: [{at: 35, data: "hello\\n"}]',
      "events:",
      "  ping: {stream: s, mark: 10, on: [{set-mark: {now: 10}}, {return: event}]}",
      "steps:",
      "  - read-line: s",
      "expect: []",
    ].join("\n");
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(scenario);
    await page.waitForFunction(() => document.querySelectorAll('#model-timeline [data-kind="fire"]').length === 3);
    expect(await fires()).toEqual(["10", "20", "30"]);
    expect(await page.locator('#model-timeline [data-kind="read"]').getAttribute("data-t")).toBe("35");
    expect(await page.locator("#model-timeline [data-wake]").evaluateAll((w) => w.map((e) => e.getAttribute("data-wake")))).toEqual(["mark", "mark", "mark", "input"]);
    // The scenario's own expect (empty) is not the model's trace: the page says where they part.
    expect(await page.locator("#expect-check").textContent()).toContain("traces differ at entry 1");
    if (cWasm === undefined) {
      // No C run is known for a scenario of the reader's own, and the page says why the C original is not in it.
      expect(await page.locator("#c-timeline svg").count()).toBe(0);
      expect(await page.locator("#c-timeline").textContent()).toContain("No run of this scenario by the C original is known");
      expect(await page.locator("#c-timeline").textContent()).toContain("could not compile it to WebAssembly");
    } else {
      // The reader's own scenario runs against Cyrus in the page: the C timelines are those of its traces
      // (in Node, from the same file): a blocking stream without a read timeout runs no event in C,
      // the form with a read timeout does.
      const edited = parseYaml(scenario) as Case;
      const asWritten = cWasm.run(edited).trace;
      const form = withReadTimeout({ ...edited, source: { file: "playground", line: 1 } }) as LoadedCase;
      const withTimeout = cWasm.run(form).trace;
      const cFires = (nth: number): Promise<string[]> =>
        page
          .locator("#c-timeline svg.prot-timeline")
          .nth(nth)
          .locator('[data-kind="fire"]')
          .evaluateAll((gs) => gs.map((g) => g.getAttribute("data-t") ?? ""));
      await page.waitForFunction(() => document.querySelectorAll("#c-timeline svg.prot-timeline").length === 2 && !document.querySelector("#c-timeline")?.classList.contains("stale"));
      expect(asWritten.filter((e) => "fire" in e)).toEqual([]);
      expect(await cFires(0)).toEqual([]);
      expect(withTimeout.filter((e) => "fire" in e).length).toBeGreaterThan(0);
      expect(await cFires(1)).toEqual(withTimeout.filter((e) => "fire" in e).map((e) => String(e.t)));
      expect(await page.locator("#c-timeline").textContent()).toContain("compiled to WebAssembly, ran this scenario in this page: it parts from the model at entry 1");
    }

    // The address now carries the scenario: a new page opened on it shows the same.
    const url = page.url();
    expect(url).toMatch(/#s=[A-Za-z0-9_-]+$/);
    const again = await context.newPage();
    await again.goto(url);
    await again.waitForSelector("#model-timeline svg.prot-timeline");
    expect(await again.evaluate(() => (globalThis as unknown as { protPlaygroundView: { state: { doc: { toString(): string } } } }).protPlaygroundView.state.doc.toString())).toBe(scenario);
    expect(await again.locator('#model-timeline [data-kind="fire"]').evaluateAll((gs) => gs.map((g) => g.getAttribute("data-t")))).toEqual(["10", "20", "30"]);
    await again.close();

    // A schema error: an unknown step on line 12. The message is the loader's, at its line.
    const broken = `${scenario.replace("expect: []", "  - bogus: s\nexpect: []")}`;
    await page.keyboard.press("Control+A");
    await page.keyboard.insertText(broken);
    await page.waitForFunction(() => document.body.dataset.state === "invalid");
    const expected = checkScenario(caseValidator(), broken).problems;
    expect(expected.length).toBeGreaterThan(0);
    expect(expected[0]).toMatch(/^line 12: \/steps\/1/);
    const shown = await page.locator("#problems li").allTextContents();
    expect(shown).toEqual(expected);
    // The editor marks line 12.
    await page.waitForSelector(".cm-lintRange-error");
    const marked = await page.evaluate(() => {
      const range = document.querySelector(".cm-lintRange-error") as HTMLElement;
      return [...document.querySelectorAll(".cm-line")].indexOf(range.closest(".cm-line") as Element) + 1;
    });
    expect(marked).toBe(12);
    expect(await page.locator("#model-timeline").getAttribute("class")).toContain("stale");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("explains its timelines with a legend wherever they are drawn", async () => {
    const page = await context.newPage();
    for (const path of ["spec/05-firing.html", "case/model-events-run-only-while-waiting.html", "playground.html"]) {
      await page.goto(`${base}${path}`);
      expect(await page.locator("figure.tl-legend li").count(), path).toBe(17);
      // The waits are drawn, and the legend names every sign the page uses.
      const kinds = await page.locator(".timeline svg [data-kind]").evaluateAll((gs) => [...new Set(gs.map((g) => g.getAttribute("data-kind")))]);
      expect(kinds, path).toContain("wait");
    }
    // Where the C original deviates, its timeline is under the expected one with the differences ringed.
    await page.goto(`${base}case/model-events-run-only-while-waiting.html`);
    expect(await page.locator("figure.case svg.prot-timeline").count()).toBe(2);
    expect(await page.locator('figure.case svg.prot-timeline [data-differs="true"]').count()).toBeGreaterThan(0);
    // Labels use glyphs the fonts have: C escapes, no control pictures.
    const labels = await page.locator("svg.prot-timeline text").allTextContents();
    expect(labels.some((l) => l.includes("\\n"))).toBe(true);
    expect(labels.join("")).not.toMatch(/[\u2400-\u2426]/);
    await page.close();
  });

  it("gives each implementation a page, a badge and its results as JSON", async () => {
    const page = await context.newPage();
    await page.goto(`${base}implementations.html`);
    const pages = await page.locator(".impl-list a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(pages.length).toBeGreaterThanOrEqual(4);
    for (const url of pages) {
      await page.goto(url);
      // An implementation the build could not run (a release the archive does not serve) says why, and has no score.
      const notRun = page.locator("p", { hasText: "could not be run when the site was built:" });
      if ((await notRun.count()) > 0) {
        expect(await notRun.first().textContent(), url).toMatch(/built: .{10,}\.$/s);
        expect(await page.locator(".badge-line img").count(), url).toBe(0);
        continue;
      }
      const img = page.locator(".badge-line img");
      expect(await img.evaluate((i) => (i as HTMLImageElement).naturalWidth), url).toBeGreaterThan(50);
      const alt = (await img.getAttribute("alt")) ?? "";
      const badge = await page.evaluate(
        async (src) => {
          const text = await (await fetch(src)).text();
          const doc = new DOMParser().parseFromString(text, "image/svg+xml");
          return { ok: doc.querySelector("parsererror") === null, label: doc.documentElement.getAttribute("aria-label") };
        },
        await img.evaluate((i) => (i as HTMLImageElement).src),
      );
      expect(badge.ok, url).toBe(true);
      expect(alt).toBe(badge.label);
      const json = await page.evaluate(
        async (href) => (await fetch(href)).json() as Promise<{ report: { results: { id: string }[] }; score: unknown[] }>,
        await page.locator(".badge-line a").evaluate((a) => (a as HTMLAnchorElement).href),
      );
      // Every case once, and, for an implementation with a quirk, the forms that meet it besides (conformance/src/quirks.ts).
      const ids = json.report.results.map((r) => r.id);
      expect(ids.filter((id) => !id.endsWith(FORM_SUFFIX["events-need-read-timeout"])).length, url).toBe(suite.cases.length);
      expect(json.score.length).toBe(suite.pages.flatMap((p) => p.requirements).length);
      // The score names the requirements and links to them.
      expect(await page.locator("#score + p + .table-wrap tbody tr").count()).toBe(json.score.length);
      expect(await page.locator("#reproduce ~ pre code").first().textContent()).toContain("prot-conformance");
    }
    // The C original's page lists its declared deviations with their reasons.
    await page.goto(`${base}impl/cyrus-3.6.1.html`);
    expect(await page.locator(".deviation-list li").count()).toBeGreaterThan(0);
    await page.close();
  });

  it("filters the matrix to its differences", async () => {
    const page = await context.newPage();
    await page.goto(`${base}conformance.html`);
    const visible = (): Promise<number> => page.locator("table.matrix tbody tr:visible").count();
    const all = await visible();
    await page.locator("#differences-only").check();
    const differing = await visible();
    expect(differing).toBeGreaterThan(0);
    expect(differing).toBeLessThan(all);
    expect(differing).toBe(await page.locator("table.matrix tbody tr:not(.same)").count());
    await page.close();
  });

  it("runs a search given in the address", async () => {
    const page = await context.newPage();
    await page.goto(`${base}search.html?q=WE-FIRE-2`);
    await page.locator(".pagefind-ui__result-link").first().waitFor();
    expect(await page.locator(".pagefind-ui__search-input").inputValue()).toBe("WE-FIRE-2");
    // Snippets of the API reference carry no kind or flag labels.
    await page.goto(`${base}search.html?q=Messages`);
    await page.locator(".pagefind-ui__result-link").first().waitFor();
    const titles = await page.locator(".pagefind-ui__result-title").allTextContents();
    expect(titles.join(" | ")).not.toMatch(/Variable Messages|MessagesConst/);
    await page.close();
  });

  it("joins the API reference to the site: its header, and modules named by import path", async () => {
    const page = await context.newPage();
    await page.goto(`${base}api/index.html`);
    expect(await page.locator("header.site-header a.brand").getAttribute("href")).toBe("../index.html");
    const modules = await page.locator(".col-content a").allTextContents();
    expect(modules.map((m) => m.trim())).toEqual(expect.arrayContaining(["prot-events", "prot-events/cyrus", "prot-conformance"]));
    expect(modules.map((m) => m.trim())).not.toContain("src");
    // The site's navigation in the sidebar, above typedoc's own, with the API reference as the current page.
    expect(await page.locator(".col-sidebar nav.site-nav a[href='../playground.html']").count()).toBe(1);
    expect(await page.locator(".col-sidebar nav.site-nav a[aria-current='page']").textContent()).toBe("API reference");
    await page.goto(`${base}api/classes/prot-events.ProtStream.html`);
    expect(await page.locator(".col-sidebar nav.site-nav a[href='../../index.html']").count()).toBe(1);
    await page.close();
  });
});
