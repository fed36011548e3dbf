/**
 * Screenshots of the built site, for anyone to look at: the home page, a
 * spec page with timelines, a case where the C original deviates, the
 * playground (whole, once the C original has run in it), an
 * implementation's page, the conformance matrix and the API reference, at
 * desktop and phone width. Build the site first (`npm run site`).
 *
 *   tsx site/screenshots.ts [--site _site] [--out screenshots]
 *
 * Debian's Chromium is installed on demand (or the script stops at once
 * naming the command to run), unless CHROMIUM names another browser.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { needPackages } from "./need.js";
import { serve } from "./serve.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { site: { type: "string", default: "_site" }, out: { type: "string", default: "screenshots" } } });
const out = join(root, values.out);
if (!existsSync(join(root, values.site, "index.html"))) {
  process.stderr.write(`screenshots: no site in ${values.site}/; run: npm run site${values.site === "_site" ? "" : ` -- --out ${values.site}`}\n`);
  process.exit(1);
}
if (process.env.CHROMIUM === undefined) {
  try {
    needPackages("the screenshots", "chromium:chromium");
  } catch {
    // .ci/need has said, in one line, what is missing and the command to run.
    process.exit(1);
  }
}
mkdirSync(out, { recursive: true });

const server = await serve(join(root, values.site), "0");
const address = server.address();
const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const shots = [
  ["home", "index.html"],
  ["spec-with-timelines", "spec/05-firing.html#WE-FIRE-2"],
  ["case-with-deviation", "case/model-events-run-only-while-waiting.html"],
  ["playground", "playground.html#case=pattern-keepalive"],
  ["implementation", "impl/cyrus-3.6.1.html"],
  ["conformance-matrix", "conformance.html"],
  ["api-reference", "api/index.html"],
] as const;
for (const [name, path] of shots) {
  for (const [label, width] of [
    ["desktop", 1280],
    ["phone", 375],
  ] as const) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`${base}${path}`, { waitUntil: "load" });
    const playground = name === "playground";
    // The C original in WebAssembly starts after the page loads; it says when it is ready (or failed).
    if (playground) await page.waitForFunction(() => document.body.dataset.cyrus !== undefined || !("createCyrusProt" in globalThis), null, { timeout: 60_000 });
    // typedoc keeps its pages hidden until its script has drawn their navigation.
    if (path.startsWith("api/")) await page.waitForFunction(() => document.body.style.display !== "none" && document.querySelector("#tsd-nav-container a") !== null, null, { timeout: 60_000 });
    const file = join(out, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: playground });
    process.stdout.write(`${file}\n`);
    await page.close();
  }
}
await browser.close();
server.close();
