/**
 * Renders a run report: `text` for people (progress, then a summary by
 * requirement), `json` for tools, `junit` for CI dashboards, `tap` for TAP
 * consumers.
 */
import type { CaseResult, RunReport, Status } from "./runner.js";

/** The report formats. */
export type ReporterName = "text" | "json" | "junit" | "tap";

/** The names of the report formats. */
export const REPORTERS: readonly ReporterName[] = ["text", "json", "junit", "tap"];

const LABEL: Record<Status, string> = {
  pass: "pass",
  fail: "FAIL",
  xfail: "expected failure",
  xpass: "UNEXPECTED PASS",
  skip: "skipped",
};

const indent = (text: string, by = "    "): string =>
  text
    .split("\n")
    .map((l) => by + l)
    .join("\n");

/** One progress line for `text`, with the reason under it when the case did not simply pass, and what the implementation wrote. */
export function progressLine(r: CaseResult, index: number, total: number): string {
  const head = `[${index + 1}/${total}] ${LABEL[r.status]} ${r.id} (${r.source})`;
  const why = r.status === "pass" || r.message === undefined ? "" : `\n${indent(r.message)}`;
  return `${head}${why}${r.output === undefined ? "" : `\n${indent(r.output)}`}`;
}

/**
 * The closing lines: the expected failures and unexpected passes, then the
 * counts in the plain form CI reads (expected failures count as passed,
 * unexpected passes as failed).
 */
function closingLine(report: RunReport): string {
  const s = report.summary;
  return `expected failures: ${s.xfail}, unexpected passes: ${s.xpass}\n${s.pass + s.xfail} passed, ${s.fail + s.xpass} failed, ${s.skip} skipped`;
}

/** The summary grouped by requirement, then the closing line. */
function textSummary(report: RunReport): string {
  const byReq = new Map<string, Record<Status, number>>();
  for (const r of report.results) {
    for (const id of r.requirements) {
      const row = byReq.get(id) ?? { pass: 0, fail: 0, xfail: 0, xpass: 0, skip: 0 };
      row[r.status]++;
      byReq.set(id, row);
    }
  }
  const ids = [...byReq.keys()].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const width = Math.max(14, ...ids.map((i) => i.length));
  const lines = [
    "",
    `${report.implementation.name} ${report.implementation.version} (${report.implementation.language}), profile ${report.implementation.profile}`,
    `${"requirement".padEnd(width)}  pass  fail  xfail  xpass  skip`,
  ];
  for (const id of ids) {
    const r = byReq.get(id) as Record<Status, number>;
    const mark = r.fail + r.xpass > 0 ? "  <-" : "";
    lines.push(
      `${id.padEnd(width)}  ${String(r.pass).padStart(4)}  ${String(r.fail).padStart(4)}  ${String(r.xfail).padStart(5)}  ${String(r.xpass).padStart(5)}  ${String(r.skip).padStart(4)}${mark}`,
    );
  }
  lines.push("", closingLine(report));
  return lines.join("\n");
}

const xml = (s: string): string =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);

/** JUnit XML: failures for fail and unexpected pass, skipped for skip and expected failure. */
export function junit(report: RunReport): string {
  const s = report.summary;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="prot-events conformance" tests="${report.results.length}" failures="${s.fail + s.xpass}" skipped="${s.skip + s.xfail}">`,
    `  <testsuite name="${xml(report.implementation.name)}" tests="${report.results.length}" failures="${s.fail + s.xpass}" skipped="${s.skip + s.xfail}" timestamp="${report.started}">`,
  ];
  for (const r of report.results) {
    const open = `    <testcase classname="${xml(r.requirements.join(" "))}" name="${xml(r.id)}" file="${xml(r.source)}" time="${(r.ms / 1000).toFixed(3)}"`;
    const msg = xml(r.message ?? "");
    const output = r.output === undefined ? [] : [`      <system-out>${xml(r.output)}</system-out>`];
    if (r.status === "pass") out.push(...(output.length === 0 ? [`${open}/>`] : [`${open}>`, ...output, "    </testcase>"]));
    else if (r.status === "fail" || r.status === "xpass") out.push(`${open}>`, `      <failure message="${xml(LABEL[r.status])}">${msg}</failure>`, ...output, "    </testcase>");
    else out.push(`${open}>`, `      <skipped message="${xml(LABEL[r.status])}">${msg}</skipped>`, ...output, "    </testcase>");
  }
  out.push("  </testsuite>", "</testsuites>");
  return out.join("\n");
}

/** TAP version 13: expected failures as TODO, skips as SKIP, unexpected passes as failures. */
export function tap(report: RunReport): string {
  const out = ["TAP version 13", `1..${report.results.length}`];
  report.results.forEach((r, i) => {
    const n = i + 1;
    const firstLine = (r.message ?? "").split("\n")[0] ?? "";
    switch (r.status) {
      case "pass":
        out.push(`ok ${n} - ${r.id}`);
        break;
      case "skip":
        out.push(`ok ${n} - ${r.id} # SKIP ${firstLine}`);
        break;
      case "xfail":
        out.push(`not ok ${n} - ${r.id} # TODO ${firstLine}`);
        break;
      default:
        out.push(`not ok ${n} - ${r.id}`, "  ---", `  status: ${r.status}`, `  source: ${r.source}`, "  message: |", indent(r.message ?? "", "    "));
        if (r.output !== undefined) out.push("  output: |", indent(r.output, "    "));
        out.push("  ...");
    }
  });
  for (const line of closingLine(report).split("\n")) out.push(`# ${line}`);
  return out.join("\n");
}

/** Renders the whole report in `format` (text gives only the summary; its progress lines come as the run goes). */
export function render(report: RunReport, format: ReporterName): string {
  switch (format) {
    case "json":
      return JSON.stringify(report, null, 2);
    case "junit":
      return junit(report);
    case "tap":
      return tap(report);
    default:
      return textSummary(report);
  }
}
