/**
 * Global setup of the tests that start processes: builds dist/ and
 * conformance/dist/ when one is missing or older than a source it is
 * built from, so that a test never runs yesterday's runner; installs
 * python3 on demand for the Python driver (the C driver's build installs
 * what it needs itself).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { needPackages } from "../../site/need.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.name.endsWith(".ts")) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist/ if it is stale, and installs python3 if it is missing. */
export default function setup(): void {
  needPackages("the Python driver's tests", "python3:python3");
  // The runner's package and the reference's adapter, each older than none of their sources.
  const built = [join(root, "conformance", "dist", "conformance", "src", "cli.js"), join(root, "dist", "conformance", "adapters", "reference.js")];
  const sources = Math.max(
    newest(join(root, "src")),
    newest(join(root, "conformance", "src")),
    newest(join(root, "conformance", "model")),
    newest(join(root, "conformance", "adapters")),
    statSync(join(root, "tsconfig.build.json")).mtimeMs,
  );
  if (built.every((f) => existsSync(f) && statSync(f).mtimeMs >= sources)) return;
  process.stderr.write("prot-events: building dist/ and conformance/dist/ for the tests that start the CLI (npm run build)\n");
  execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}
