/**
 * The two packages, each packed and installed as a user would: `npm pack`
 * (which builds through "prepack"), `npm install` of the tarball alone into
 * a fresh project with no other dependencies.
 *
 * - `prot-events`, the library: installs with no dependency at all; a plain
 *   Node program imports "prot-events" and "prot-events/cyrus" through the
 *   "exports" map, and a strict TypeScript consumer typechecks against the
 *   shipped declarations.
 * - `prot-conformance`, the runner: installs with its own dependencies and
 *   not the library; a program imports it and starts an adapter through its
 *   public API, and `npx prot-conformance` runs the suite against the
 *   installed reference, adapted by hand as a user would.
 *
 * Everything here runs on a VirtualClock; nothing waits on the wall clock
 * except the child processes themselves.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tscBin = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
const nodeTypesRoot = join(repoRoot, "node_modules", "@types");

// Hang guards, sized to the work on a loaded 2-core machine, never a
// measure: under stress-ng --cpu 4 beside other work, the build inside
// npm pack alone took over 4 min (the 240 s guard killed it).
const PACK_TIMEOUT = 900_000;
const STEP_TIMEOUT = 600_000;

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its output when it fails or times out. */
function run(file: string, args: string[], cwd: string, timeout = STEP_TIMEOUT): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${file} ${args.join(" ")} (in ${cwd}) failed: ${error.message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
      } else {
        resolvePromise({ stdout, stderr });
      }
    });
  });
}

/** The relative links of the Markdown file `file` in `dir` (Markdown's and HTML's) to what `dir` does not hold. */
function deadLinks(dir: string, file: string): string[] {
  const text = readFileSync(join(dir, file), "utf8");
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)|href="([^"]+)"/g)].map((m) => (m[1] ?? m[2] ?? "").split("#")[0] ?? "");
  return targets.filter((t) => t !== "" && !/^[a-z]+:/i.test(t) && !existsSync(join(dir, dirname(file), t))).map((t) => `${file}: ${t}`);
}

const tarballsIn = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".tgz"))
    .sort();

/** The program a user writes: plain ESM, no TypeScript, no bundler. */
const MAIN_MJS = `
import { ProtStream, VirtualClock, ScriptedSource } from "prot-events";
import { prot_addwaitevent, prot_removewaitevent, prot_getc, prot_error, EOF } from "prot-events/cyrus";

const clock = new VirtualClock();
const source = new ScriptedSource(
  clock,
  [
    { at: 25, data: "a001 NOOP\\r\\n" },
    { at: 55, data: "a002 LOGOUT\\n" },
  ],
  { at: 75 },
);
const s = new ProtStream(source, { clock, name: "client" });

const fired = [];
// A periodic event, as Cyrus's backend_timeout: every 10 ticks from 10.
const rock = { count: 0 };
prot_addwaitevent(s, 10, (stream, ev, r) => {
  r.count++;
  fired.push(["tick", stream.clock.now()]);
  ev.mark = stream.clock.now() + 10;
  return ev;
}, rock);
// A one-shot event that removes itself, C style.
prot_addwaitevent(s, 42, (stream, ev) => {
  fired.push(["once", stream.clock.now()]);
  prot_removewaitevent(stream, ev);
  return null;
}, null);

const lines = [];
for (;;) {
  const line = await clock.runUntil(s.readLine(), { until: 1000 });
  if (line === null) break;
  lines.push([clock.now(), line]);
}
const endedAt = clock.now();
const c = await clock.runUntil(prot_getc(s), { until: 1000 });
const result = {
  lines,
  fired,
  count: rock.count,
  endedAt,
  getcAtEnd: c,
  isEOF: c === EOF,
  error: prot_error(s),
  eventsLeft: s.waitEvents.length,
};
s.close();
result.pendingTimersAfterClose = clock.pendingTimers;
result.resolved = import.meta.resolve("prot-events");
result.resolvedCyrus = import.meta.resolve("prot-events/cyrus");
console.log(JSON.stringify(result));
`;

/** A strict TypeScript consumer; the @ts-expect-error lines fail if the types are missing or \`any\`. */
const CONSUMER_TS = `
import { ProtStream, VirtualClock, ScriptedSource, WOULD_BLOCK, type ReadResult } from "prot-events";
import { prot_addwaitevent, EOF } from "prot-events/cyrus";

const clock = new VirtualClock();
const stream: ProtStream = new ProtStream(new ScriptedSource(clock, [{ at: 1, data: "x\\n" }], { at: 2 }), { clock });
const ev = prot_addwaitevent(stream, 5, (_s, e, rock: { n: number }) => {
  rock.n++;
  return e;
}, { n: 0 });
ev.mark = 10;

export async function first(): Promise<string | null> {
  const line: ReadResult<string> = await clock.runUntil(stream.readLine());
  if (line === WOULD_BLOCK) return null;
  return line;
}

export const eof: number = EOF;

// @ts-expect-error readLine resolves to a string, null or WOULD_BLOCK, never a number
export const wrong: Promise<number> = stream.readLine();

// @ts-expect-error ProtStreamOptions has no property "clok"
new ProtStream(new ScriptedSource(clock, []), { clok: clock });
`;

function consumerTsconfig(skipLibCheck: boolean): string {
  return JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck,
        // The declarations mention Buffer and node:stream, so a consumer has
        // @types/node; borrow the repository's copy instead of installing one.
        typeRoots: [nodeTypesRoot],
        types: ["node"],
      },
      files: ["consumer.ts"],
    },
    null,
    2,
  );
}

/** The packages installed in `projectDir`, scoped ones by their full name. */
function installedPackages(projectDir: string): string[] {
  const modules = join(projectDir, "node_modules");
  if (!existsSync(modules)) return [];
  return readdirSync(modules)
    .filter((name) => !name.startsWith("."))
    .flatMap((name) => (name.startsWith("@") ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`) : [name]))
    .sort();
}

/**
 * Packs the package in `dir` (the repository root or a workspace) into `packDir`, and installs the tarball
 * alone into a fresh project there; returns the tarball and the project, and what npm pack printed.
 */
async function packAndInstall(packArgs: string[], workDir: string, name: string): Promise<{ tarball: string; projectDir: string; packOutput: string }> {
  const packDir = join(workDir, `${name}-pack`);
  const projectDir = join(workDir, name);
  mkdirSync(packDir);
  mkdirSync(projectDir);
  const packed = await run("npm", ["pack", ...packArgs, "--pack-destination", packDir], repoRoot, PACK_TIMEOUT);
  const tarballs = tarballsIn(packDir);
  expect(tarballs).toHaveLength(1);
  const tarball = join(packDir, tarballs[0] as string);
  writeFileSync(join(projectDir, "package.json"), JSON.stringify({ name: `${name}-user`, private: true, type: "module" }));
  await installInto(projectDir, [tarball]);
  return { tarball, projectDir, packOutput: packed.stdout + packed.stderr };
}

/** Installs `specs` into `projectDir`; dependencies come from npm's cache (filled by the project's own install) when they can. */
async function installInto(projectDir: string, specs: string[]): Promise<void> {
  const install = ["install", "--no-audit", "--no-fund", "--no-package-lock", ...specs];
  try {
    await run("npm", [...install, "--offline"], projectDir, PACK_TIMEOUT);
  } catch {
    await run("npm", install, projectDir, PACK_TIMEOUT);
  }
}

let workDir = "";
let tarballsBefore: string[] = [];

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "prot-events-pack-"));
  tarballsBefore = tarballsIn(repoRoot);
});

afterAll(() => {
  if (workDir !== "") rmSync(workDir, { recursive: true, force: true });
});

describe("the library's packed tarball, prot-events", () => {
  let projectDir = "";
  let tarball = "";
  let packOutput = "";

  beforeAll(async () => {
    // "prepack" runs the build (tsc -p tsconfig.build.json), so this also proves the build works.
    ({ tarball, projectDir, packOutput } = await packAndInstall([], workDir, "library"));
  }, PACK_TIMEOUT * 3);

  it("is packed outside the repository, leaving no .tgz in its root, built once", () => {
    expect(tarballsIn(repoRoot)).toEqual(tarballsBefore);
    expect(packOutput.match(/tsc -p tsconfig\.build\.json/g)).toHaveLength(1);
  });

  it("installs alone: no dependency, no install script", () => {
    expect(installedPackages(projectDir)).toEqual(["prot-events"]);
    const manifest = JSON.parse(readFileSync(join(projectDir, "node_modules", "prot-events", "package.json"), "utf8")) as { scripts?: Record<string, string>; bin?: unknown };
    for (const script of ["preinstall", "install", "postinstall", "prepare"]) expect(manifest.scripts?.[script], script).toBeUndefined();
    expect(manifest.bin).toBeUndefined();
    expect(tarball).toMatch(/prot-events-[0-9.]+\.tgz$/);
  });

  it("installs with its entry points and declarations", () => {
    const installed = join(projectDir, "node_modules", "prot-events");
    for (const f of ["package.json", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/cyrus.js", "dist/src/cyrus.d.ts"]) {
      expect(existsSync(join(installed, f)), f).toBe(true);
    }
    // Only what "files" lists is shipped: no sources, tests, configs or the runner.
    for (const f of ["src", "test", "tsconfig.json", "node_modules", "spec", "conformance", "dist/conformance"]) {
      expect(existsSync(join(installed, f)), f).toBe(false);
    }
  });

  it("ships a README whose every relative link reaches a file it ships", () => {
    const installed = join(projectDir, "node_modules", "prot-events");
    expect(deadLinks(installed, "README.md")).toEqual([]);
  });

  it(
    "runs a plain Node program that reads lines while wait events fire",
    async () => {
      writeFileSync(join(projectDir, "main.mjs"), MAIN_MJS);
      const { stdout } = await run(process.execPath, ["main.mjs"], projectDir);
      const result = JSON.parse(stdout.trim()) as Record<string, unknown>;

      // The imports resolved to the installed copy, through the "exports" map.
      const installedDist = join(realpathSync(projectDir), "node_modules", "prot-events", "dist", "src");
      expect(realpathSync(fileURLToPath(result["resolved"] as string))).toBe(join(installedDist, "index.js"));
      expect(realpathSync(fileURLToPath(result["resolvedCyrus"] as string))).toBe(join(installedDist, "cyrus.js"));
      delete result["resolved"];
      delete result["resolvedCyrus"];

      expect(result).toEqual({
        // Each line is returned at the virtual time its bytes arrived.
        lines: [
          [25, "a001 NOOP"],
          [55, "a002 LOGOUT"],
        ],
        // The periodic event fires every 10 ticks while the stream waits,
        // the one-shot event once at 42; nothing fires after the end at 75.
        fired: [
          ["tick", 10],
          ["tick", 20],
          ["tick", 30],
          ["tick", 40],
          ["once", 42],
          ["tick", 50],
          ["tick", 60],
          ["tick", 70],
        ],
        count: 7,
        endedAt: 75,
        getcAtEnd: -1,
        isEOF: true,
        error: "end of file reached",
        eventsLeft: 1,
        pendingTimersAfterClose: 0,
      });
    },
    STEP_TIMEOUT,
  );

  it(
    "typechecks a strict NodeNext TypeScript consumer (skipLibCheck, as tsc --init sets it)",
    async () => {
      writeFileSync(join(projectDir, "consumer.ts"), CONSUMER_TS);
      writeFileSync(join(projectDir, "tsconfig.skiplib.json"), consumerTsconfig(true));
      await run(process.execPath, [tscBin, "-p", "tsconfig.skiplib.json"], projectDir);
    },
    STEP_TIMEOUT,
  );

  it(
    "ships declaration files that typecheck themselves (skipLibCheck: false)",
    async () => {
      writeFileSync(join(projectDir, "consumer.ts"), CONSUMER_TS);
      writeFileSync(join(projectDir, "tsconfig.json"), consumerTsconfig(false));
      await run(process.execPath, [tscBin, "-p", "tsconfig.json"], projectDir);
    },
    STEP_TIMEOUT,
  );
});

/** A program that drives the suite from code, through the package's public API alone. */
const RUNNER_MJS = `
import { loadSuite, render, runCases, startAdapter, succeeded, withQuirkForms } from "prot-conformance";
import { expectedTrace, firstDifference } from "prot-conformance/browser";

// The browser entry's model gives every written case its expected trace.
const modelAgrees = loadSuite().cases.every((c) => firstDifference(c.expect, expectedTrace(c)) < 0);
const adapter = await startAdapter("./my-adapter.mjs");
try {
  const report = await runCases(adapter, withQuirkForms(loadSuite().cases, adapter.info.quirks));
  console.log(JSON.stringify({ modelAgrees, name: adapter.info.name, succeeded: succeeded(report), summary: report.summary, last: render(report, "text").trim().split("\\n").at(-1) }));
} finally {
  await adapter.close();
}
`;

describe("the runner's packed tarball, prot-conformance", () => {
  let projectDir = "";
  let libraryTarball = "";

  beforeAll(async () => {
    ({ projectDir } = await packAndInstall(["--workspace", "prot-conformance"], workDir, "runner"));
  }, PACK_TIMEOUT * 3);

  it("is packed outside the repository, leaving no .tgz in its root", () => {
    expect(tarballsIn(repoRoot)).toEqual(tarballsBefore);
    expect(tarballsIn(join(repoRoot, "conformance"))).toEqual([]);
  });

  it("installs without the library, with its cases, spec pages and schemas", () => {
    const installed = installedPackages(projectDir);
    expect(installed).toContain("prot-conformance");
    expect(installed).not.toContain("prot-events");
    for (const dep of ["ajv", "markdown-it", "yaml"]) expect(installed).toContain(dep);
    const pkg = join(projectDir, "node_modules", "prot-conformance");
    for (const f of [
      "bin/prot-conformance.js",
      "dist/conformance/src/cli.js",
      "dist/conformance/src/index.d.ts",
      "dist/conformance/src/browser.js",
      "dist/conformance/src/browser.d.ts",
      "dist/spec/05-firing.md",
      "dist/conformance/cases/firing.yaml",
      "dist/conformance/schema/protocol-v2.schema.json",
      "DRIVERS.md",
    ]) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    for (const f of ["src", "model", "drivers", "faulty", "tsconfig.build.json"]) expect(existsSync(join(pkg, f)), f).toBe(false);
  });

  it("ships a README and DRIVERS.md whose every relative link reaches a file it ships", () => {
    const installed = join(projectDir, "node_modules", "prot-conformance");
    expect([...deadLinks(installed, "README.md"), ...deadLinks(installed, "DRIVERS.md")]).toEqual([]);
  });

  it(
    "lists the suite with npx prot-conformance, from its own copy of the cases",
    async () => {
      const { stdout } = await run("npx", ["prot-conformance", "--list"], projectDir);
      expect(stdout).toMatch(/model-mark-is-absolute/);
      expect(Number(/^(\d+) cases$/m.exec(stdout)?.[1])).toBeGreaterThanOrEqual(150);
    },
    STEP_TIMEOUT,
  );

  it(
    "runs npx prot-conformance on the installed reference, adapted by hand outside the repository",
    async () => {
      libraryTarball = join(workDir, "library-pack", tarballsIn(join(workDir, "library-pack"))[0] as string);
      await installInto(projectDir, [libraryTarball]);
      writeFileSync(join(projectDir, "my-adapter.mjs"), USER_ADAPTER);
      const { stdout } = await run("npx", ["prot-conformance", "--impl", "./my-adapter.mjs", "--reporter", "json"], projectDir);
      const report = JSON.parse(stdout) as { summary: Record<string, number>; implementation: { name: string } };
      expect(report.implementation.name).toBe("my streams");
      expect(report.summary.fail).toBe(0);
      expect(report.summary.pass).toBeGreaterThanOrEqual(150);
      // The same adapter with marks taken as intervals must be caught, with a non-zero exit.
      writeFileSync(join(projectDir, "interval-adapter.mjs"), USER_ADAPTER.replace("stream.addWaitEvent(mark,", "stream.addWaitEvent(clock.now() + mark,"));
      const failed = await run("npx", ["prot-conformance", "--impl", "./interval-adapter.mjs"], projectDir).then(
        () => "exit 0",
        (err: Error) => err.message,
      );
      expect(failed).toMatch(/FAIL model-mark-is-absolute/);
      expect(failed).toMatch(/passed, [1-9]\d* failed/);
    },
    STEP_TIMEOUT,
  );

  it(
    "starts the adapter in a process of its own and runs the suite from code, through the public API",
    async () => {
      writeFileSync(join(projectDir, "my-adapter.mjs"), USER_ADAPTER);
      writeFileSync(join(projectDir, "runner.mjs"), RUNNER_MJS);
      const { stdout } = await run(process.execPath, ["runner.mjs"], projectDir);
      const result = JSON.parse(stdout.trim()) as { modelAgrees: boolean; name: string; succeeded: boolean; summary: Record<string, number>; last: string };
      expect(result.modelAgrees).toBe(true);
      expect(result.name).toBe("my streams");
      expect(result.summary.fail).toBe(0);
      expect(result.succeeded).toBe(true);
      expect(result.last).toMatch(/passed, 0 failed/);
    },
    STEP_TIMEOUT,
  );
});

/** What a user writes to test an implementation: here, the installed package's own classes, adapted by hand. */
const USER_ADAPTER = `
import { Writable } from "node:stream";
import { ProtGroup, ProtStream, ProtWriter, ScriptedSource, WOULD_BLOCK, select } from "prot-events";

const outcome = (s, r) =>
  r === WOULD_BLOCK ? { kind: "wouldblock" } : r !== null ? { kind: "data", value: r } : s.eof ? { kind: "eof" } : { kind: "error", message: s.error };

export default {
  info: {
    name: "my streams", version: "1.0.0", language: "JavaScript", profile: "core",
    unsupported: [
      { tag: "echo", reason: "the writer of these streams does not loop back into their input" },
      { tag: "slow-peer", reason: "its flush sink takes every write at once: it has no peer that reads late" },
    ],
  },
  openStream({ clock, input, timeout, nonBlocking, name, flushSink }) {
    const end = input.end === undefined ? undefined : input.error === undefined ? { at: input.end } : { at: input.end, error: input.error };
    const source = new ScriptedSource(clock, input.arrivals.map((a) => ({ at: a.at, data: a.bytes })), end);
    const stream = new ProtStream(source, { clock, name, encoding: "latin1", timeout, nonBlocking });
    const writer = flushSink ? new ProtWriter(new Writable({ write(chunk, _e, done) { flushSink(chunk); done(); } })) : null;
    if (writer) stream.setFlushOnRead(writer);
    return {
      stream,
      addWaitEvent: (mark, callback, rock) => stream.addWaitEvent(mark, callback && ((_s, ev, r) => callback(ev, r)), rock),
      removeWaitEvent: (ev) => stream.removeWaitEvent(ev),
      events: () => stream.waitEvents,
      readLine: async () => outcome(stream, await stream.readLine()),
      getc: async () => outcome(stream, await stream.getc()),
      read: async (n) => outcome(stream, await stream.read(n)),
      peek: async () => outcome(stream, await stream.peek()),
      fill: async () => {
        const o = outcome(stream, await stream.fill());
        return o.kind === "data" ? { kind: "data", value: stream.tryPeek() } : o;
      },
      skipLine: async () => outcome(stream, await stream.skipLine()),
      readExactly: async (n) => outcome(stream, await stream.readExactly(n)),
      setTimeout: (t) => stream.setTimeout(t),
      resetTimeout: () => stream.resetTimeout(),
      setNonBlocking: (v) => { stream.nonBlocking = v; },
      write: (bytes) => writer.write(bytes),
      setReadCallback: (fn) => stream.setReadCallback(fn),
      close: () => stream.close(),
    };
  },
  async select(streams, timeout) {
    const group = new ProtGroup(streams.map((s) => s.stream));
    const ready = await select(group, timeout);
    for (const s of streams) group.delete(s.stream);
    return ready.map((r) => streams.find((s) => s.stream === r));
  },
  group(streams) {
    const group = new ProtGroup(streams.map((s) => s.stream));
    return { select: async (timeout) => (await select(group, timeout)).map((r) => streams.find((s) => s.stream === r)) };
  },
};
`;
