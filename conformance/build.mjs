// Builds the package into dist/, laid out as the repository is, so that the
// runner finds its data where it finds it in the sources (load.ts,
// packageRoot): the compiled runner, with the model and the virtual clock
// it imports (dist/conformance/src, dist/conformance/model,
// dist/src/clock.js: the runner carries its own clock and depends on no
// implementation, the reference included), the spec pages whose scenarios
// are cases (dist/spec), the case files and the schemas.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(here, "tsconfig.build.json")], { stdio: "inherit" });
cpSync(join(here, "..", "spec"), join(dist, "spec"), { recursive: true });
for (const data of ["cases", "schema"]) cpSync(join(here, data), join(dist, "conformance", data), { recursive: true });
chmodSync(join(dist, "conformance", "src", "cli.js"), 0o755);
