import { describe, expect, it } from "vitest";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadSuite } from "../conformance/src/load.js";
import { checkTraceability } from "../conformance/src/traceability.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const suite = loadSuite();

/** Each ts block with the output block that follows it, if any. */
const examples = suite.pages.flatMap((page) =>
  page.blocks.flatMap((b, i) => {
    if (b.kind !== "ts") return [];
    const next = page.blocks[i + 1];
    return [{ where: `${b.file}:${b.line}`, code: b.content, output: next?.kind === "output" ? next.content : null }];
  }),
);

describe("the spec's ts examples run and print what the page says", () => {
  const dir = `${root}.spec-run`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  it.each(examples.map((e) => [e.where, e] as const))("%s", async (where, e) => {
    const file = `${dir}/${where.replace(/[/:.]/g, "_")}.ts`;
    writeFileSync(file, e.code);
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
    try {
      await import(/* @vite-ignore */ file);
    } catch (err) {
      throw new Error(`${where}: the example threw: ${String(err)}`);
    } finally {
      console.log = log;
    }
    if (e.output !== null) {
      const got = printed.join("\n") + (printed.length > 0 ? "\n" : "");
      expect(got, `${where}: what the example printed, against the page's output block`).toBe(e.output);
    }
  });
});

describe("traceability", () => {
  it("every requirement has a case, every case cites known requirements, and no keyword stands outside a requirement", () => {
    expect(checkTraceability(suite)).toEqual([]);
  });

  it("has at least 150 cases", () => {
    expect(suite.cases.length).toBeGreaterThanOrEqual(150);
  });
});
