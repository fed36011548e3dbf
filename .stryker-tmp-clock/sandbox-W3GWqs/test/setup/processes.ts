/**
 * Global setup of the tests that start processes: builds dist/ when it is
 * missing or older than a source it is built from, so that a test never
 * runs yesterday's runner; installs python3 on demand for the Python
 * driver (the C driver's build installs what it needs itself).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { needPackages } from "./need.js";

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
  const cli = join(root, "dist", "conformance", "src", "cli.js");
  const sources = Math.max(newest(join(root, "src")), newest(join(root, "conformance")), statSync(join(root, "tsconfig.build.json")).mtimeMs);
  if (existsSync(cli) && statSync(cli).mtimeMs >= sources) return;
  process.stderr.write("prot-events: building dist/ for the tests that start the CLI (npm run build)\n");
  execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
}
