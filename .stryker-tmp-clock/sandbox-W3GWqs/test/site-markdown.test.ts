import { describe, expect, it } from "vitest";
import { getHighlighter, markdown, relative, type LinkContext } from "../site/markdown.js";

const ctx = (page: string): LinkContext => ({
  page,
  source: page.replace(/\.html$/, ".md"),
  pages: new Map([
    ["spec/01-model.md", "spec/01-model.html"],
    ["conformance/README.md", "guide/conformance.html"],
  ]),
  api: new Map([["addWaitEvent", "api/classes/src.ProtStream.html#addwaitevent"]]),
  scenario: (_yaml, line) => `<figure data-line="${line}"></figure>`,
  requirementNote: (id) => `<p class="note">${id}</p>`,
});

describe("the site's Markdown", () => {
  it("escapes raw HTML: a spec page cannot inject a script", async () => {
    const html = markdown(await getHighlighter(), ctx("spec/01-model.html")).render('<script>alert("x")</script>\n\nText <img src=x onerror=alert(1)>.\n');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("anchors a requirement, links its ID to itself and appends its cases", async () => {
    const html = markdown(await getHighlighter(), ctx("spec/01-model.html")).render("**WE-MODEL-9** A stream MUST do it.\n");
    expect(html).toContain('<p id="WE-MODEL-9" class="requirement"><a href="#WE-MODEL-9" class="req-id" data-pagefind-weight="10"><strong>WE-MODEL-9</strong></a> A stream MUST do it.</p>');
    expect(html).toContain('<p class="note">WE-MODEL-9</p>');
  });

  it("rewrites links between pages, drops links to files the site does not publish, links API names", async () => {
    const md = markdown(await getHighlighter(), ctx("spec/02-reading.html"));
    const html = md.render("[model](01-model.md#waiting), [suite](../conformance/README.md), [code](../src/), `stream.addWaitEvent(m, p, r)`, `read()`\n");
    expect(html).toContain('<a href="01-model.html#waiting">model</a>');
    expect(html).toContain('<a href="../guide/conformance.html">suite</a>');
    expect(html).toContain('<span class="repo-path" title="src">code</span>');
    expect(html).toContain('<a class="api" href="../api/classes/src.ProtStream.html#addwaitevent"><code>stream.addWaitEvent(m, p, r)</code></a>');
    expect(html).toContain("<code>read()</code>");
  });

  it("computes relative paths between site pages", () => {
    expect(relative("spec/01-model.html", "index.html")).toBe("../index.html");
    expect(relative("index.html", "spec/01-model.html")).toBe("spec/01-model.html");
    expect(relative("spec/a.html", "spec/b.html")).toBe("b.html");
  });
});
