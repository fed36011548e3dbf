/**
 * prot-conformance/browser, the runner's entry for pages: bundled for a
 * browser as the site bundles its scripts (site/bundle.ts), it imports no
 * Node module and runs in a context that has none of Node's globals; the
 * package's main entry, which reads files and starts processes, is refused
 * by the same bundler.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { expectedTrace, loadSuite } from "prot-conformance";
import { bundleScript } from "../site/bundle.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = mkdtempSync(join(tmpdir(), "prot-browser-entry-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("prot-conformance/browser", () => {
  it("bundles for a browser and gives the model's traces with none of Node's globals", async () => {
    await bundleScript(root, join(root, "conformance", "src", "browser.ts"), out, "browser.js");
    const sandbox: { protSite?: { expectedTrace: typeof expectedTrace } } = {};
    runInNewContext(readFileSync(join(out, "browser.js"), "utf8"), sandbox);
    const bundled = sandbox.protSite;
    expect(bundled).toBeDefined();
    const cases = loadSuite().cases;
    expect(cases.length).toBeGreaterThan(100);
    for (const { source: _source, ...c } of cases) expect(JSON.stringify(bundled?.expectedTrace(c)), c.id).toBe(JSON.stringify(expectedTrace(c)));
  });

  it("is needed: the main entry, which reads files, does not bundle for a browser", async () => {
    const failure = await bundleScript(root, join(root, "conformance", "src", "index.ts"), out, "index.js").then(
      () => "bundled",
      (err: Error) => err.message,
    );
    expect(failure).toMatch(/imports the Node module "node:[a-z_]+"/);
  });
});
