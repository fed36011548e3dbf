import { describe, expect, it } from "vitest";
import { expectedTrace } from "../conformance/model/model.js";
import { loadSuite } from "../conformance/src/load.js";

const suite = loadSuite();

describe("the executable model of the spec, on every case", () => {
  it("covers the whole suite", () => {
    expect(suite.cases.length).toBeGreaterThan(0);
  });

  it.each(suite.cases.map((c) => [`${c.id} (${c.source.file}:${c.source.line})`, c] as const))("%s", (_name, c) => {
    expect(expectedTrace(c)).toEqual(c.expect);
  });
});
