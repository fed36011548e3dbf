/**
 * The site build empties its output folder before it writes: an `--out`
 * that names the project, or a folder holding it, is refused before
 * anything is deleted.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function build(out: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ["--import", "tsx", "site/build.ts", "--out", out], { cwd: root }, (err, _stdout, stderr) => {
      done({ code: err === null ? 0 : typeof err.code === "number" ? err.code : null, stderr });
    });
  });
}

describe("site/build.ts --out", () => {
  for (const out of [".", "..", "/"]) {
    it(`refuses ${out}, which holds the project, and deletes nothing`, async () => {
      const { code, stderr } = await build(out);
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`^site: --out ${out.replace(/\./g, "\\.")} would empty .*, which holds the project; give a folder of its own\\n$`));
      expect(existsSync(resolve(root, "package.json"))).toBe(true);
    });
  }
});
