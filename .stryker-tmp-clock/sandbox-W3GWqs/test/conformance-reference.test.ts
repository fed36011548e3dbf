import { describe, expect, it } from "vitest";
import reference from "../conformance/adapters/reference.js";
import { loadSuite } from "../conformance/src/load.js";
import { inProcess, runCase } from "../conformance/src/runner.js";

const suite = loadSuite();
const exec = inProcess(reference);

describe("the reference implementation, in process, on every case", () => {
  it.each(suite.cases.map((c) => [`${c.id} (${c.source.file}:${c.source.line})`, c] as const))("%s", async (_name, c) => {
    const r = await runCase(exec, c);
    expect(r.status, `${r.source}: case ${r.id}\n${r.message ?? ""}`).toBe("pass");
  });
});
