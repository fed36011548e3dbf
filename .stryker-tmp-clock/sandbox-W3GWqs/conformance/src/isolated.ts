/**
 * Runs an `--impl` adapter in a process of its own, spoken to through the
 * driver protocol, so that nothing it does (loop forever, exit, kill
 * itself, print) can stop or fool the runner: each such fault costs one
 * case and a restart.
 */
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DriverExecutor } from "./driver.js";

/** The URL of tsx's loader, from the project that runs the CLI or from ours. */
function tsxLoader(): string {
  for (const base of [`${process.cwd()}/`, import.meta.url]) {
    try {
      return pathToFileURL(createRequire(base).resolve("tsx")).href;
    } catch {
      // Try the next place.
    }
  }
  throw new Error("an adapter written in TypeScript needs tsx installed (npm install --save-dev tsx), or compile it to JavaScript");
}

/**
 * Starts the adapter module at `modulePath` in its own process and learns its info.
 * @throws DriverStartError when the module cannot be loaded in `startTimeoutMs`, or is no adapter.
 */
export function startAdapter(modulePath: string, startTimeoutMs?: number): Promise<DriverExecutor> {
  const fromSource = import.meta.url.endsWith(".ts");
  const host = new URL(fromSource ? "./adapter-host.ts" : "./adapter-host.js", import.meta.url);
  // TypeScript (our sources, or an adapter written in TS) needs tsx's loader.
  const loader = fromSource || /\.[mc]?tsx?$/.test(modulePath) ? ["--import", tsxLoader()] : [];
  const argv = [process.execPath, ...loader, fileURLToPath(host), modulePath];
  return DriverExecutor.start({ argv, answersOnFd3: true, role: "the adapter", outputLabel: "output of the implementation" }, startTimeoutMs);
}
