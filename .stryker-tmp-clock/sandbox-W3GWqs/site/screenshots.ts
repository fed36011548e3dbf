/**
 * Screenshots of the built site, for anyone to look at: the home page, a
 * spec page with timelines, a case where the C original deviates, the
 * playground, an implementation's page and the conformance matrix, at
 * desktop and phone width. Build the site first (`npm run site`).
 *
 *   tsx site/screenshots.ts [--site _site] [--out screenshots]
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { serve } from "./serve.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { site: { type: "string", default: "_site" }, out: { type: "string", default: "screenshots" } } });
const out = join(root, values.out);
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
] as const;
for (const [name, path] of shots) {
  for (const [label, width] of [["desktop", 1280], ["phone", 375]] as const) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    await page.goto(`${base}${path}`, { waitUntil: "load" });
    const file = join(out, `${name}-${label}.png`);
    await page.screenshot({ path: file });
    process.stdout.write(`${file}\n`);
    await page.close();
  }
}
await browser.close();
server.close();
