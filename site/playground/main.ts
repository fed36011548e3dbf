/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The playground page: a scenario in YAML, edited in CodeMirror, checked
 * with the suite's own schema check (the command line's messages, at their
 * lines) and run through the executable model as the reader types; its trace
 * and timeline shown, and beside it the C original's: run in the page by
 * lib/prot.c compiled to WebAssembly when the site build could compile it,
 * else the site build's own run when the scenario is a case of the suite.
 * The scenario lives in the URL.
 */
import { yaml } from "@codemirror/lang-yaml";
import { linter, lintGutter, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { EditorView, basicSetup } from "codemirror";
import { stringify } from "yaml";
import validate from "virtual:case-validator";
import { checkScenario, describeDifference, expectedTrace, firstDifference, withReadTimeout, type Case, type TraceEntry } from "prot-conformance/browser";
import { cyrusWasm, type CyrusWasm, type CyrusWasmModule } from "../../conformance/drivers/cyrus/wasm.js";
import { escapeHtml } from "../escape.js";
import { renderTimeline } from "../timeline.js";
import { waitsOf } from "../waits.js";
import { fitsPhone } from "../client/narrow.js";
import { runKey, scenarioFragment, scenarioFromFragment } from "./link.js";

/** A run of a published case by an implementation other than the model, made when the site was built. */
interface KnownRun {
  id: string;
  key: string;
  status: string;
  actual: TraceEntry[];
}

/** What the site build hands the page (playground/data.js). */
interface PlaygroundData {
  cases: Record<string, string>;
  c?: { label: string; runs: KnownRun[] };
  /** The C original in WebAssembly (playground/cyrus-prot.js), or why the build has none. */
  wasm?: { label: string } | { absent: string };
}

const data = (globalThis as { protPlayground?: PlaygroundData }).protPlayground ?? { cases: {} };
const source = document.getElementById("scenario-source") as HTMLTextAreaElement;
const problemsOut = document.getElementById("problems") as HTMLElement;
const modelOut = document.getElementById("model-timeline") as HTMLElement;
const traceOut = document.getElementById("model-trace") as HTMLElement;
const expectOut = document.getElementById("expect-check") as HTMLElement;
const cOut = document.getElementById("c-timeline") as HTMLElement;

/** The scenario the URL names: `#s=` carries one, `#case=ID` names a published case. */
function fromUrl(): string | undefined {
  const hash = location.hash.slice(1);
  const inline = scenarioFromFragment(hash);
  if (inline !== undefined) return inline;
  const id = /(?:^|&)case=([^&]+)/.exec(hash)?.[1];
  return id === undefined ? undefined : data.cases[decodeURIComponent(id)];
}

/** The line a problem names ("line 12: /steps/0: ..."). */
function lineOfProblem(p: string): number | undefined {
  const m = /^line (\d+): /.exec(p);
  return m === null ? undefined : Number(m[1]);
}

function diagnostics(view: EditorView, found: Array<{ line: number | undefined; message: string }>): Diagnostic[] {
  const doc = view.state.doc;
  return found.map(({ line, message }) => {
    const l = doc.line(Math.min(Math.max(line ?? 1, 1), doc.lines));
    return { from: l.from, to: l.to, severity: "error", message };
  });
}

function showProblems(list: string[]): void {
  problemsOut.hidden = list.length === 0;
  problemsOut.innerHTML = list.length === 0 ? "" : `<h2>Problems</h2><ul>${list.map((p) => `<li><code>${escapeHtml(p)}</code></li>`).join("")}</ul>`;
}

function update(view: EditorView): void {
  const text = view.state.doc.toString();
  history.replaceState(null, "", `#${scenarioFragment(text)}`);
  const checked = checkScenario(validate, text);
  const found = [...checked.syntax.map((e) => ({ line: e.line, message: `line ${e.line}: ${e.message}` })), ...checked.problems.map((p) => ({ line: lineOfProblem(p), message: p }))];
  let trace: TraceEntry[] | undefined;
  const c = checked.data as Case;
  if (found.length === 0) {
    try {
      trace = expectedTrace(c);
    } catch (err) {
      found.push({ line: undefined, message: `the model could not run the scenario: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  view.dispatch(setDiagnostics(view.state, diagnostics(view, found)));
  showProblems(found.map((p) => p.message));
  document.body.dataset.state = found.length > 0 ? "invalid" : "valid";
  if (trace === undefined) {
    for (const el of [modelOut, traceOut, expectOut, cOut]) el.classList.add("stale");
    return;
  }
  for (const el of [modelOut, traceOut, expectOut, cOut]) el.classList.remove("stale");
  const run: Case = { ...c, expect: trace };
  modelOut.innerHTML = renderTimeline(run, { waits: waitsOf(c), traceName: "Trace of the model", idSuffix: "model", width: fitsPhone(modelOut) });
  traceOut.textContent = stringify(trace, { flowCollectionPadding: false }).trimEnd() || "[]";
  const diff = describeDifference(trace, c.expect);
  expectOut.innerHTML =
    diff === ""
      ? `<p class="agrees">The scenario's <code>expect</code> is the model's trace.</p>`
      : `<p>The scenario's <code>expect</code> is not the model's trace (the model's first):</p><pre>${escapeHtml(diff)}</pre>`;
  if (cWasm !== undefined) {
    cOut.innerHTML = wasmRuns(cWasm, c, trace);
    return;
  }
  const absent =
    data.wasm !== undefined && "absent" in data.wasm
      ? `<p>${escapeHtml(wasmWhy ?? `The C original is not compiled into this page: the site build could not compile it to WebAssembly (${data.wasm.absent}).`)}</p>`
      : wasmWhy === undefined
        ? ""
        : `<p>${escapeHtml(wasmWhy)}</p>`;
  const known = data.c?.runs.find((r) => r.key === runKey(c));
  if (data.c === undefined || known === undefined) {
    cOut.innerHTML = `${absent}<p>No run of this scenario by the C original is known: ${data.c === undefined ? "it could not be run when this site was built" : "the site build runs it on the suite's cases, and this scenario is none of them (change it back to a case of the suite to see its run)"}.</p>`;
    return;
  }
  const at = firstDifference(trace, known.actual);
  const label = escapeHtml(data.c.label);
  cOut.innerHTML = `${absent}<p>${label} ran this scenario (case <code>${escapeHtml(known.id)}</code>) when the site was built: ${at < 0 ? "the same trace as the model." : `it parts from the model at entry ${at + 1}, marked below.`}</p>${renderTimeline({ ...c, expect: known.actual }, { differsFrom: at < 0 ? undefined : at, traceName: `Trace of ${data.c.label}`, idSuffix: "c", width: fitsPhone(cOut) })}`;
}

/** One run of the C original in the page, drawn under what the model does with the same scenario. */
function wasmRun(w: CyrusWasm, c: Case, model: TraceEntry[], what: string, idSuffix: string): string {
  const label = escapeHtml(wasmLabel);
  const run = w.run(c);
  if (run.crash !== undefined) return `<p>${label} could not run ${what}: ${escapeHtml(run.crash)}</p>`;
  const at = firstDifference(model, run.trace);
  const verdict = at < 0 ? "the same trace as the model." : `it parts from the model at entry ${at + 1}, marked below.`;
  return `<p>${label} ran ${what} in this page: ${verdict}</p>${renderTimeline({ ...c, expect: run.trace }, { differsFrom: at < 0 ? undefined : at, traceName: `Trace of ${wasmName} (C)`, idSuffix, width: fitsPhone(cOut) })}`;
}

/**
 * The scenario run by the C original in the page; and, when its events
 * would wait on a stream without a read timeout (where the C layer runs no
 * events at all), the same with a read timeout that never expires, as the
 * suite runs the second form of such a case.
 */
function wasmRuns(w: CyrusWasm, c: Case, model: TraceEntry[]): string {
  const first = wasmRun(w, c, model, "this scenario", "c");
  const form = withReadTimeout({ ...c, source: { file: "playground", line: 1 } });
  if (form === undefined) return first;
  return `${first}<h3 id="pg-c-form">With a read timeout on every stream</h3><p>The C layer runs its events only while a stream with a read timeout (or a non-blocking one) waits. The same scenario with a read timeout that never expires on every stream:</p>${wasmRun(w, form, form.expect, "that form", "c-form")}`;
}

const factory = (globalThis as { createCyrusProt?: () => Promise<CyrusWasmModule> }).createCyrusProt;
const wasmName = data.wasm !== undefined && "label" in data.wasm ? data.wasm.label : "the C original";
const wasmLabel = `${wasmName}, compiled to WebAssembly,`;
let cWasm: CyrusWasm | undefined;
let wasmWhy: string | undefined;

let timer: ReturnType<typeof setTimeout> | undefined;
const view = new EditorView({
  doc: fromUrl() ?? source.value,
  extensions: [
    basicSetup,
    yaml(),
    EditorView.lineWrapping,
    lintGutter(),
    linter(null),
    EditorView.contentAttributes.of({ "aria-label": "Scenario (YAML)" }),
    EditorView.updateListener.of((u) => {
      if (!u.docChanged) return;
      clearTimeout(timer);
      timer = setTimeout(() => update(view), 150);
    }),
  ],
});
source.hidden = true;
source.after(view.dom);
// At a phone's width the editor scrolls: its scroller takes the focus, so that a keyboard can scroll it.
view.scrollDOM.tabIndex = 0;
update(view);
if (factory !== undefined) {
  factory()
    .then((mod) => {
      cWasm = cyrusWasm(mod);
      document.body.dataset.cyrus = "ready";
    })
    .catch((err: unknown) => {
      wasmWhy = `The C original, compiled to WebAssembly, could not start in this browser: ${err instanceof Error ? err.message : String(err)}`;
      document.body.dataset.cyrus = "failed";
    })
    .finally(() => update(view));
}
addEventListener("hashchange", () => {
  const text = fromUrl();
  if (text !== undefined && text !== view.state.doc.toString()) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
});
(globalThis as { protPlaygroundView?: EditorView }).protPlaygroundView = view;
