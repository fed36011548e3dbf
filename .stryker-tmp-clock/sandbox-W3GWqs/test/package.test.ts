/**
 * The packed package, used as a user would use it: `npm pack` (which builds
 * dist/ through "prepack"), `npm install` of the tarball into a fresh
 * project, a plain Node program importing "prot-events" and
 * "prot-events/cyrus" through the "exports" map, and a strict TypeScript
 * consumer typechecked against the shipped declarations.
 *
 * Everything here runs on a VirtualClock; nothing waits on the wall clock
 * except the child processes themselves.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tscBin = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
const nodeTypesRoot = join(repoRoot, "node_modules", "@types");

const PACK_TIMEOUT = 240_000;
const STEP_TIMEOUT = 120_000;

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects with its output when it fails or times out. */
function run(file: string, args: string[], cwd: string, timeout = STEP_TIMEOUT): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { cwd, timeout, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `${file} ${args.join(" ")} (in ${cwd}) failed: ${error.message}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
            ),
          );
        } else {
          resolvePromise({ stdout, stderr });
        }
      },
    );
  });
}

const tarballsIn = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith(".tgz")).sort();

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

describe("the packed tarball", () => {
  let workDir = "";
  let packDir = "";
  let projectDir = "";
  let tarball = "";
  let tarballsBefore: string[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "prot-events-pack-"));
    packDir = join(workDir, "pack");
    projectDir = join(workDir, "project");
    mkdirSync(packDir);
    mkdirSync(projectDir);

    tarballsBefore = tarballsIn(repoRoot);
    // "prepack" runs the build (tsc -p tsconfig.build.json), so this also proves the build works.
    await run("npm", ["pack", "--pack-destination", packDir], repoRoot, PACK_TIMEOUT);
    const packed = tarballsIn(packDir);
    expect(packed).toHaveLength(1);
    tarball = join(packDir, packed[0] as string);

    writeFileSync(join(projectDir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    const install = ["install", "--no-audit", "--no-fund", "--no-package-lock", tarball];
    try {
      // The runtime dependencies are in npm's cache after the project's own install.
      await run("npm", [...install, "--offline"], projectDir, PACK_TIMEOUT);
    } catch {
      await run("npm", install, projectDir, PACK_TIMEOUT);
    }
  }, PACK_TIMEOUT * 3);

  afterAll(() => {
    if (workDir !== "") rmSync(workDir, { recursive: true, force: true });
  });

  it("is packed outside the repository, leaving no .tgz in its root", () => {
    expect(tarballsIn(repoRoot)).toEqual(tarballsBefore);
  });

  it("installs with its entry points and declarations", () => {
    const installed = join(projectDir, "node_modules", "prot-events");
    for (const f of [
      "package.json",
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/src/cyrus.js",
      "dist/src/cyrus.d.ts",
    ]) {
      expect(existsSync(join(installed, f)), f).toBe(true);
    }
    // Only what "files" lists is shipped: no sources, tests or configs.
    for (const f of ["src", "test", "tsconfig.json", "node_modules"]) {
      expect(existsSync(join(installed, f)), f).toBe(false);
    }
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

  it(
    "runs npx prot-conformance on an adapter written outside the repository",
    async () => {
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
});

/** What a user writes to test an implementation: here, the installed package's own classes, adapted by hand. */
const USER_ADAPTER = `
import { Writable } from "node:stream";
import { ProtGroup, ProtStream, ProtWriter, ScriptedSource, WOULD_BLOCK, select } from "prot-events";

const outcome = (s, r) =>
  r === WOULD_BLOCK ? { kind: "wouldblock" } : r !== null ? { kind: "data", value: r } : s.eof ? { kind: "eof" } : { kind: "error", message: s.error };

export default {
  info: { name: "my streams", version: "1.0.0", language: "JavaScript", profile: "core" },
  openStream({ clock, input, timeout, nonBlocking, name, flushSink }) {
    const source = new ScriptedSource(clock, input.arrivals.map((a) => ({ at: a.at, data: a.bytes })), input.end === undefined ? undefined : { at: input.end });
    const stream = new ProtStream(source, { clock, name, encoding: "latin1", timeout, nonBlocking });
    const writer = flushSink ? new ProtWriter(new Writable({ write(chunk, _e, done) { flushSink(chunk); done(); } })) : null;
    if (writer) stream.setFlushOnRead(writer);
    return {
      stream,
      addWaitEvent: (mark, callback, rock) => stream.addWaitEvent(mark, (_s, ev, r) => callback(ev, r), rock),
      removeWaitEvent: (ev) => stream.removeWaitEvent(ev),
      events: () => stream.waitEvents,
      readLine: async () => outcome(stream, await stream.readLine()),
      getc: async () => outcome(stream, await stream.getc()),
      read: async (n) => outcome(stream, await stream.read(n)),
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
};
`;
