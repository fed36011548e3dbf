/**
 * The C prot layer in WebAssembly (the site's playground runs it): built
 * from the same Debian source as the process driver, it must answer every
 * case as that driver does.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { cyrusBuilds } from "../conformance/drivers/cyrus/builds.js";
import { CYRUS_WASM_RELEASE, type CyrusWasm } from "../conformance/drivers/cyrus/wasm.js";
import { buildCyrusWasm, loadCyrusWasm } from "../conformance/drivers/cyrus/wasm-load.js";
import { compareWasm, readMatrix } from "../conformance/drivers/cyrus/matrix.js";
import { type Case, loadSuite, withQuirkForms } from "prot-conformance";
import { driversClosedAfterAll } from "./helpers.js";

const startDriver = driversClosedAfterAll();
let wasm: CyrusWasm | undefined;
let absent: string | undefined;

beforeAll(async () => {
  const built = await buildCyrusWasm();
  if ("absent" in built) absent = built.absent;
  else wasm = await loadCyrusWasm(built.file);
}, 900_000);

/** The build, or the test skipped with the reason when emscripten or the source cannot be had here. */
function built(skip: (why: string) => void): CyrusWasm {
  if (wasm === undefined) {
    console.info(`cyrus wasm: not built: ${absent ?? "?"}`);
    skip(absent ?? "not built");
  }
  return wasm as CyrusWasm;
}

describe(`Cyrus ${CYRUS_WASM_RELEASE} in WebAssembly`, () => {
  it("answers every written case and every quirk form as the process driver of the same source does", async (ctx) => {
    const w = built((why) => ctx.skip(why));
    const build = cyrusBuilds().find((b) => b.label === CYRUS_WASM_RELEASE);
    if (build === undefined) throw new Error(`no process build of ${CYRUS_WASM_RELEASE}`);
    const native = await startDriver(build.command, 600_000);
    expect(w.info).toMatchObject({ version: native.info.version, profile: native.info.profile, quirks: native.info.quirks, deviations: native.info.deviations });
    const cases = withQuirkForms(loadSuite().cases, w.info.quirks);
    const { differ, traced, refused } = await compareWasm(w, native, cases);
    console.info(`cyrus wasm: ${cases.length} cases, ${cases.length - differ.length} answered as the process driver does (${traced} with a trace, ${refused} refused)`);
    expect(differ).toEqual([]);
    // The compatibility page says so from matrix.json.
    expect(readMatrix().wasm, "not as matrix.json records: run npx tsx conformance/drivers/cyrus/matrix.ts --record --build wasm").toEqual({
      release: CYRUS_WASM_RELEASE,
      runs: cases.length,
      same: cases.length,
      traced,
      refused,
    });
    // Not a comparison of empty answers: most cases trace, a few are refused (undefined behaviour) on both sides.
    expect(traced).toBeGreaterThan(cases.length / 2);
    expect(refused).toBeGreaterThan(0);
  }, 900_000);

  it("reports a step or an action it does not know as unsupported, and runs on", (ctx) => {
    const w = built((why) => ctx.skip(why));
    const base: Case = {
      id: "x",
      title: "x",
      requirements: [],
      tags: [],
      streams: { s: { timeout: 5, input: [{ at: 1, data: "a\n" }] } },
      events: { e: { stream: "s", mark: 0, on: [{ frobnicate: 1 } as never] } },
      steps: [{ "read-line": "s" }],
      expect: [],
    };
    expect(w.answer({ ...base, events: {} })).toEqual({ trace: [{ t: 1, "read-line": "s", line: "a" }] });
    expect(w.answer(base)).toEqual({ unsupported: "the action frobnicate in the script of e is not known to this build of the driver" });
    expect(w.answer({ ...base, events: {}, steps: [{ "wait-for-godot": "s" } as never] })).toEqual({ unsupported: "the step wait-for-godot is not known to this build of the driver" });
    // After an unsupported case, the next runs from a clean state.
    expect(w.answer({ ...base, events: {} })).toEqual({ trace: [{ t: 1, "read-line": "s", line: "a" }] });
  });
});
