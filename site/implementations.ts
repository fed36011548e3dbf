/**
 * A page per implementation run for the site: its score by requirement, its
 * declared deviations with their reasons and differences, how to reproduce
 * the run, a badge (SVG) for its README, and the run as JSON beside the page.
 */
import type { CaseResult, Status } from "prot-conformance";
import { escapeHtml } from "./escape.js";
import type { Column } from "./results.js";

/** How an implementation stands on one requirement, from the results of the cases that check it. */
export type Verdict = "met" | "deviates" | "fails" | "skipped" | "untested";

/** One requirement's line of an implementation's score. */
export interface RequirementScore {
  /** The requirement ID. */
  id: string;
  /** Its verdict. */
  verdict: Verdict;
  /** Its cases' results, by status. */
  counts: Record<Status, number>;
}

/** The words of a verdict. */
export const VERDICT_TEXT: Record<Verdict, string> = {
  met: "met",
  deviates: "declared deviation",
  fails: "fails",
  skipped: "skipped",
  untested: "no case",
};

/** Scores `results` requirement by requirement; `casesOf` gives each requirement's case IDs. */
export function scoreByRequirement(ids: string[], casesOf: (id: string) => string[], results: Map<string, CaseResult>): RequirementScore[] {
  return ids.map((id) => {
    const counts: Record<Status, number> = { pass: 0, fail: 0, xfail: 0, xpass: 0, skip: 0 };
    for (const c of casesOf(id)) {
      const r = results.get(c);
      if (r !== undefined) counts[r.status]++;
    }
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const verdict: Verdict = total === 0 ? "untested" : counts.fail + counts.xpass > 0 ? "fails" : counts.xfail > 0 ? "deviates" : counts.pass > 0 ? "met" : "skipped";
    return { id, verdict, counts };
  });
}

/** The badge's text and colour for a score (or for a run that could not be made). */
export function badgeMessage(scores: RequirementScore[] | undefined): { message: string; color: string } {
  if (scores === undefined) return { message: "not run", color: "#57606a" };
  const n = (v: Verdict): number => scores.filter((s) => s.verdict === v).length;
  const tested = scores.length - n("untested");
  const deviations = n("deviates") === 1 ? "1 deviation" : `${n("deviates")} deviations`;
  const message = `${n("met")}/${tested} rules met${n("deviates") > 0 ? `, ${deviations}` : ""}${n("fails") > 0 ? `, ${n("fails")} failing` : ""}`;
  return { message, color: n("fails") > 0 ? "#b91c1c" : n("deviates") > 0 ? "#9a6700" : "#116329" };
}

/** The width of a text in the badge's 11 px font, estimated generously per character. */
function badgeTextWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[ijlt.,:;'|!/ ]/.test(ch) ? 4 : /[mwMW]/.test(ch) ? 10 : /[A-Z0-9]/.test(ch) ? 7.5 : 6.6;
  return Math.ceil(w);
}

/** A badge in the usual two-part form: `label | message`, the message on `color`. */
export function badgeSvg(label: string, message: string, color: string): string {
  const lw = badgeTextWidth(label) + 12;
  const mw = badgeTextWidth(message) + 12;
  const w = lw + mw;
  const text = (x: number, s: string): string => `<text x="${x}" y="14" fill="#fff">${escapeHtml(s)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${escapeHtml(`${label}: ${message}`)}"><title>${escapeHtml(`${label}: ${message}`)}</title><rect width="${w}" height="20" rx="3" fill="#3d4450"/><rect x="${lw}" width="${mw}" height="20" rx="3" fill="${color}"/><rect x="${lw}" width="4" height="20" fill="${color}"/><g font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">${text(6, label)}${text(lw + 6, message)}</g></svg>\n`;
}

/**
 * The releases of one implementation side by side (the C original's builds,
 * one column each): each with its summary and badge, `current` marked.
 */
export function versionHistory(versions: Array<{ col: Column; scores: RequirementScore[] | undefined }>, current: string): string {
  if (versions.length < 2) return "";
  const rows = versions
    .map(({ col, scores }) => {
      const name = col.slug === current ? `<strong>${escapeHtml(col.label)}</strong> (this page)` : `<a href="${escapeHtml(col.slug)}.html">${escapeHtml(col.label)}</a>`;
      const summary =
        col.report === undefined
          ? `not run: ${escapeHtml(col.unavailable ?? "")}`
          : `${col.report.summary.pass} pass, ${col.report.summary.xfail} deviate, ${col.report.summary.fail + col.report.summary.xpass} fail, ${col.report.summary.skip} skipped`;
      return `<tr><th scope="row">${name}</th><td>${summary}</td><td>${escapeHtml(badgeMessage(scores).message)}</td></tr>`;
    })
    .join("");
  return `<h2 id="versions">Other versions</h2><p>Every release of it the site build ran, in the order run:</p><div class="table-wrap" tabindex="0" role="group" aria-label="Versions"><table class="matrix"><thead><tr><th scope="col">version</th><th scope="col">cases</th><th scope="col">requirements</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** The page of one implementation; `reqLink` gives a requirement's page, `caseLink` a case's (both relative to the page). */
export function implementationPage(
  col: Column,
  scores: RequirementScore[] | undefined,
  links: { req: (id: string) => string; case: (id: string) => string; badge: string; json: string; /** The badge's path from the site's root. */ badgeUrl: string },
  history = "",
): string {
  const head = `<h1>${escapeHtml(col.label)}</h1>`;
  const reproduce = `<h2 id="reproduce">How to reproduce</h2><p>From a clone of the repository, after <code>npm install</code>:</p><pre tabindex="0" aria-label="The command"><code>${escapeHtml(col.command)}</code></pre>`;
  if (col.report === undefined || scores === undefined) {
    return `${head}<p>This implementation could not be run when the site was built: ${escapeHtml(col.unavailable ?? "no reason given")}.</p>${reproduce}`;
  }
  const info = col.report.implementation;
  const { message } = badgeMessage(scores);
  const deviations = col.report.results.filter((r) => r.status === "xfail");
  const failures = col.report.results.filter((r) => r.status === "fail" || r.status === "xpass");
  const n = (v: Verdict): number => scores.filter((s) => s.verdict === v).length;
  const rows = scores
    .map((s) => {
      const parts = (Object.keys(s.counts) as Status[]).filter((k) => s.counts[k] > 0).map((k) => `${s.counts[k]} ${k}`);
      return `<tr class="v-${s.verdict}"><th scope="row"><a href="${escapeHtml(links.req(s.id))}">${s.id}</a></th><td><span class="st st-${s.verdict}">${VERDICT_TEXT[s.verdict]}</span></td><td>${parts.join(", ") || "none"}</td></tr>`;
    })
    .join("");
  // One entry per reason (a message's first line); the differences themselves are on each case's page.
  const reasonList = (list: CaseResult[]): string => {
    if (list.length === 0) return "<p>None.</p>";
    const byReason = new Map<string, CaseResult[]>();
    for (const r of list) {
      const reason = (r.message ?? "").split("\n")[0] ?? "";
      byReason.set(reason, [...(byReason.get(reason) ?? []), r]);
    }
    return `<ul class="deviation-list">${[...byReason]
      .map(
        ([reason, rs]) =>
          `<li><p>${escapeHtml(reason)}</p><p class="deviation-cases">${rs.length} case${rs.length === 1 ? "" : "s"}: ${rs.map((r) => `<a href="${escapeHtml(links.case(r.id))}">${escapeHtml(r.id)}</a>`).join(", ")}</p></li>`,
      )
      .join("")}</ul>`;
  };
  // One entry per reason, as the profile gives many cases the same one.
  const declaredBy = new Map<string, string[]>();
  for (const d of info.deviations ?? []) declaredBy.set(d.reason, [...(declaredBy.get(d.reason) ?? []), d.id]);
  const declared = [...declaredBy].map(([reason, ids]) => `<li>${escapeHtml(reason)}: ${ids.map((id) => `<code>${escapeHtml(id)}</code>`).join(", ")}</li>`).join("");
  const skipped = (info.unsupported ?? []).map((u) => `<li><code>${escapeHtml(u.tag)}</code>: ${escapeHtml(u.reason)}</li>`).join("");
  return `${head}
<p>${escapeHtml(info.name)} ${escapeHtml(info.version)}, written in ${escapeHtml(info.language)}, claims the profile <code>${escapeHtml(info.profile)}</code>. Run on ${escapeHtml(col.report.started)}, when this site was built: ${col.report.summary.pass} cases pass, ${col.report.summary.fail} fail, ${col.report.summary.xfail} fail as declared, ${col.report.summary.xpass} pass although declared to fail, ${col.report.summary.skip} skipped.</p>
<p class="badge-line"><img src="${escapeHtml(links.badge)}" alt="prot-events: ${escapeHtml(message)}"> <a href="${escapeHtml(links.json)}">The run as JSON</a></p>
<h2 id="score">Score by requirement</h2>
<p>${n("met")} requirements met, ${n("deviates")} with a declared deviation, ${n("fails")} failing, ${n("skipped")} skipped, ${n("untested")} without a case. A requirement is met when every case that checks it passes.</p>
<div class="table-wrap" tabindex="0" role="group" aria-label="Score by requirement"><table class="matrix"><thead><tr><th scope="col">requirement</th><th scope="col">verdict</th><th scope="col">cases</th></tr></thead><tbody>${rows}</tbody></table></div>
<h2 id="deviations">Declared deviations</h2>
${declared === "" ? "<p>It declares none.</p>" : `<p>What it declares, and why:</p><ul>${declared}</ul>`}
${skipped === "" ? "" : `<p>Features it does not offer (their cases are skipped):</p><ul>${skipped}</ul>`}
<p>The cases that fail as declared, by reason; each case's page draws what it did beside what was expected:</p>
${reasonList(deviations)}
<h2 id="failures">Failures</h2>
${reasonList(failures)}
${reproduce}
${history}
<h2 id="badge">Badge</h2>
<p>The badge is <a href="${escapeHtml(links.badge)}">an SVG file</a> beside this page, remade with every build of the site. For a README, in Markdown, with <code>SITE</code> the address where the site is published:</p>
<pre tabindex="0" aria-label="The badge in Markdown"><code>${escapeHtml(`[![prot-events: ${message}](SITE/${links.badgeUrl})](SITE/${links.badgeUrl.replace(/\.svg$/, ".html")})`)}</code></pre>`;
}
