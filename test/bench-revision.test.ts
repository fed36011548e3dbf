import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { revision, writeBuildStamp } from "../bench/lib.js";

const dist = mkdtempSync(path.join(os.tmpdir(), "prot-events-bench-revision-"));
afterAll(() => rmSync(dist, { recursive: true, force: true }));
mkdirSync(path.join(dist, "src"));
const built = path.join(dist, "src", "index.js");
writeFileSync(built, "");
const stamp = path.join(dist, "build-revision.json");
const stampAs = (r: string, mtimeMs: number): void => writeFileSync(stamp, JSON.stringify({ revision: r, built: mtimeMs }));

// Results name what was built, not what the checkout became while the benchmarks ran.
describe("the revision a benchmark's results name", () => {
  it("is the one stamped for the build that runs", () => {
    stampAs("abc1234-dirty", statSync(built).mtimeMs);
    expect(revision(dist)).toEqual({ revision: "abc1234-dirty" });
  });

  it("is the checkout's own once dist/ was built again after the stamp", () => {
    stampAs("abc1234-dirty", statSync(built).mtimeMs);
    utimesSync(built, new Date(), new Date(Date.now() + 5_000));
    const now = revision(dist).revision;
    expect(now).not.toBe("abc1234-dirty");
    expect(now).toEqual(revision(path.join(dist, "none")).revision);
  });

  it("is the checkout's own when the stamp is not a stamp", () => {
    writeFileSync(stamp, "{");
    expect(revision(dist)).toEqual(revision(path.join(dist, "none")));
  });

  it("is what the stamp recorded when the build was stamped", () => {
    writeBuildStamp(dist);
    // What the stamp holds, not only what revision() makes of it: without a stamp it would give the same.
    expect(JSON.parse(readFileSync(stamp, "utf8"))).toEqual({ revision: revision(path.join(dist, "none")).revision, built: statSync(built).mtimeMs });
    expect(revision(dist)).toEqual(revision(path.join(dist, "none")));
    expect(revision(dist).revision).toMatch(/^[0-9a-f]{7,}/);
  });
});
