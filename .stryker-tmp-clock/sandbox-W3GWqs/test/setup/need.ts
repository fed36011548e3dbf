/**
 * Installs, on demand, what tests need beyond npm (.ci/need says each
 * install in one line, or stops at once naming the command to run).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const need = fileURLToPath(new URL("../../.ci/need", import.meta.url));

/** Makes sure the Debian packages `specs` (`package` or `package:command`) are there, for `why`. */
export function needPackages(why: string, ...specs: string[]): void {
  const r = spawnSync(need, [why, ...specs], { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8" });
  process.stderr.write(r.stderr ?? "");
  if (r.status !== 0) throw new Error((r.stderr ?? "").trim().split("\n").pop() ?? `${need} failed`);
}
