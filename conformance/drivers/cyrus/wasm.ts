/**
 * The C prot layer compiled to WebAssembly (`build-wasm.sh` around
 * `wasm-driver.c`), as a case executor: the same answers as the process
 * driver of a build from source, with no process, so that a page runs a
 * reader's scenario against the C original. Works in a browser and in Node;
 * `wasm-load.ts` loads the build in Node.
 */
import type { Case, ImplementationInfo, Run, TraceEntry } from "prot-conformance/browser";

/** The release whose `lib/prot.c` the site's playground runs. */
export const CYRUS_WASM_RELEASE = "3.6.1";

/** The instantiated emscripten module: only the call it is asked for. */
export interface CyrusWasmModule {
  ccall(name: "wd_run" | "wd_info", returns: "string", args: string[], values: string[]): string;
}

/** What the module's `wd_run` answers for one case. */
export type WasmAnswer = { trace: TraceEntry[] } | { error: string } | { unsupported: string };

/** The build as an executor: `info` as a start answer gives it, `run` one case at a time, synchronously. */
export interface CyrusWasm {
  info: ImplementationInfo;
  /** The module's own answer. */
  answer(c: Case): WasmAnswer;
  /** The answer as the runner sees a driver's: an error or a step the build does not know is a crash. */
  run(c: Case): Run;
}

/** Wraps an instantiated module. */
export function cyrusWasm(mod: CyrusWasmModule): CyrusWasm {
  const info = JSON.parse(mod.ccall("wd_info", "string", [], [])) as ImplementationInfo;
  // The expected trace stays out, as the protocol's caseRequest() leaves it out (not imported: it reads files).
  const answer = (c: Case): WasmAnswer => {
    try {
      return JSON.parse(mod.ccall("wd_run", "string", ["string"], [JSON.stringify({ ...c, expect: [] })])) as WasmAnswer;
    } catch (err) {
      // A link stub reached traps (its signature is not the caller's), as would a fault of the C code.
      return { error: `the WebAssembly trapped: ${err instanceof Error ? err.message : String(err)}` };
    }
  };
  return {
    info,
    answer,
    run(c) {
      const a = answer(c);
      if ("trace" in a) return { trace: a.trace };
      if ("error" in a) return { trace: [], crash: `the driver could not run the case: ${a.error}` };
      return { trace: [], crash: `unsupported by this build: ${a.unsupported}` };
    },
  };
}
