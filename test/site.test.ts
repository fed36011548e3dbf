/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { loadSuite } from "../conformance/src/load.js";
import { serve } from "../site/serve.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const OUT = "_site-test";
const suite = loadSuite();
let server: Server;
let browser: Browser;
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

beforeAll(async () => {
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, ["--import", "tsx", "site/build.ts", "--out", OUT], { cwd: root, timeout: 600_000, maxBuffer: 64 << 20 }, (err, _o, stderr) =>
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
  // Crawl every page reachable from the front page.
  const page = await browser.newPage();
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
}, 900_000);

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
        const anchor = decodeURIComponent(u.hash.slice(1));
        if (anchor !== "" && !target.ids.has(anchor)) broken.push(`${c.url} -> ${l} (no #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("reaches every requirement ID, on its page and in the index", () => {
    const missing: string[] = [];
    for (const p of suite.pages) {
      const path = p.file === "spec/00-overview.md" ? "index.html" : p.file.replace(/\.md$/, ".html");
      const page = crawled.get(`${base}${path}`);
      for (const r of p.requirements) {
        if (page?.ids.has(r.id) !== true) missing.push(`${r.id} on ${path}`);
        if (crawled.get(`${base}requirements.html`)?.ids.has(r.id) !== true) missing.push(`${r.id} in requirements.html`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("draws a timeline wherever a scenario is", { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    for (const p of suite.pages) {
      const scenarios = p.blocks.filter((b) => b.kind === "scenario").length;
      if (scenarios === 0) continue;
      const path = p.file === "spec/00-overview.md" ? "index.html" : p.file.replace(/\.md$/, ".html");
      await page.goto(`${base}${path}`);
      expect(await page.locator("figure.case .timeline svg").count(), path).toBe(scenarios);
    }
    await page.close();
  });

  it("finds a requirement by its ID, and an API name, with the search", { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    for (const [query, expected] of [["WE-FIRE-2", /spec\/05-firing\.html|requirements\.html#WE-FIRE-2/], ["addWaitEvent", /ProtStream|addwaitevent/i]] as const) {
      await page.goto(`${base}search.html`);
      await page.locator(".pagefind-ui__search-input").fill(query);
      const first = page.locator(".pagefind-ui__result-link").first();
      await first.waitFor({ timeout: 15_000 });
      const hrefs = await page.locator(".pagefind-ui__result-link").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
      expect(hrefs.some((h) => expected.test(h)), `${query}: ${hrefs.join(", ")}`).toBe(true);
    }
    await page.close();
  });

  it("holds its layout at 375 px", { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
    for (const path of ["index.html", "spec/05-firing.html", "conformance.html", "requirements.html", "cases/firing.html"]) {
      await page.goto(`${base}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.close();
  });

  it("has no serious accessibility violations (axe-core)", { timeout: 600_000 }, async () => {
    const axe = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
    const page = await browser.newPage();
    const found: string[] = [];
    const ours = [...crawled.keys()].filter((u) => !u.includes("/api/"));
    for (const url of ours) {
      await page.goto(url);
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
});
