/**
 * Builds and loads the WebAssembly build of the C prot layer in Node (the
 * browser loads the same file as a classic script).
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "prot-conformance";
import { CYRUS_WASM_RELEASE, cyrusWasm, type CyrusWasm, type CyrusWasmModule } from "./wasm.js";

/** The build's file, or why there is none. */
export type WasmBuild = { file: string } | { absent: string };

/**
 * Runs `build-wasm.sh` for `release` (which installs emscripten on demand and
 * fetches Debian's source; nothing when the build is up to date). When it
 * cannot, `absent` is its last line of explanation, such as the command to
 * install emscripten with.
 */
export async function buildCyrusWasm(release = CYRUS_WASM_RELEASE): Promise<WasmBuild> {
  const script = join(packageRoot(), "conformance", "drivers", "cyrus", "build-wasm.sh");
  try {
    const { stdout } = await promisify(execFile)(script, [release], { maxBuffer: 16 * 1024 * 1024 });
    return { file: stdout.trim().split("\n").at(-1) ?? "" };
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message: string };
    const lines = (stderr ?? "").split("\n").filter((l) => l.trim() !== "" && !/warning|defined as/i.test(l));
    return { absent: lines.find((l) => l.startsWith("prot-events:") || l.startsWith("fetch-source.sh:")) ?? lines.at(-1) ?? message };
  }
}

/** Instantiates the build at `file` (made by {@link buildCyrusWasm}). */
export async function loadCyrusWasm(file: string): Promise<CyrusWasm> {
  const create = createRequire(import.meta.url)(file) as () => Promise<CyrusWasmModule>;
  return cyrusWasm(await create());
}
