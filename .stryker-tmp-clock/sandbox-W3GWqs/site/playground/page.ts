/**
 * The playground page's HTML. Without JavaScript it shows the scenario as
 * plain text; the bundle (./main.ts) turns it into an editor and fills the
 * panes.
 */
import { escapeHtml } from "../escape.js";

/** The playground's content, starting from the scenario `yaml`; `legend` is the timelines' legend. */
export function playgroundPage(yaml: string, legend: string): string {
  return `<h1>Playground</h1>
<p>Write a scenario in the case format (the one the spec's examples and <code>conformance/cases/</code> use) and see, as you type, the trace and the timeline that the executable model of the contract gives it. Problems are shown at their line with the command line's own messages. The scenario is kept in the address of this page: copy the address to share it. Every case of the site has a <em>Try it</em> link that opens it here.</p>
<div class="playground">
<section class="pg-editor" aria-labelledby="pg-scenario">
<h2 id="pg-scenario">Scenario</h2>
<label class="visually-hidden" for="scenario-source">Scenario (YAML)</label>
<textarea id="scenario-source" rows="24" spellcheck="false">${escapeHtml(yaml)}</textarea>
<div id="problems" role="status" aria-live="polite" hidden></div>
</section>
<section class="pg-output" aria-labelledby="pg-model">
<h2 id="pg-model">What the model does</h2>
<div class="timeline" id="model-timeline" tabindex="0" role="group" aria-label="Timeline of the model's trace"><p>The model runs in the page: it needs JavaScript.</p></div>
<div id="expect-check"></div>
<details class="pg-trace"><summary>The model's trace as data</summary><pre id="model-trace"></pre></details>
<h2 id="pg-c">What the C original does</h2>
<div class="timeline" id="c-timeline" tabindex="0" role="group" aria-label="Timeline of the C original's trace"></div>
</section>
</div>
${legend}`;
}
