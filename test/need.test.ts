// .ci/need, the on-demand installer of Debian packages, on the paths a
// fresh machine takes: nothing missing, no apt-get, and not root.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const need = fileURLToPath(new URL("../.ci/need", import.meta.url));
const NO_SUCH = "prot-events-no-such-package:prot-events-no-such-command";

function run(args: string[], options: { env?: NodeJS.ProcessEnv; prefix?: string[]; script?: string } = {}): { status: number | null; stderr: string } {
  const [cmd, ...rest] = [...(options.prefix ?? []), options.script ?? need, ...args];
  const r = spawnSync(cmd as string, rest, { encoding: "utf8", env: { ...process.env, ...options.env } });
  return { status: r.status, stderr: r.stderr };
}

/** Whether a program is on PATH. */
const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

describe(".ci/need", () => {
  it("does nothing, silently, when every command is there", () => {
    expect(run(["the tests", "coreutils:sh", "coreutils:node"])).toEqual({ status: 0, stderr: "" });
  });

  it("stops at once, in one line, on a system without apt-get", () => {
    // A PATH with the shell tools the script uses, and no apt-get.
    const bin = mkdtempSync(join(tmpdir(), "prot-need-"));
    try {
      for (const tool of ["sh", "id", "dpkg-query", "grep"]) {
        const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
        if (found !== "") symlinkSync(found, join(bin, tool));
      }
      const r = run(["the browser tests", NO_SUCH], { env: { PATH: bin } });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("prot-events: missing for the browser tests: prot-events-no-such-package; this system has no apt-get: install them with its package manager\n");
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  // As root the script would install; run it as nobody instead, where the machine allows switching.
  const asUser = process.getuid?.() === 0 ? (has("setpriv") ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : undefined) : [];
  it.runIf(asUser !== undefined && has("apt-get"))("stops at once, in one line naming the command, when it may not install", () => {
    // A copy nobody may run: root's checkout often sits under /root, which nobody cannot enter.
    const dir = mkdtempSync(join(tmpdir(), "prot-need-"));
    try {
      chmodSync(dir, 0o755);
      const copy = join(dir, "need");
      copyFileSync(need, copy);
      chmodSync(copy, 0o755);
      const r = run(["the browser tests", NO_SUCH], { prefix: asUser ?? [], script: copy });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("prot-events: missing for the browser tests: prot-events-no-such-package; run: sudo apt-get install -y --no-install-recommends prot-events-no-such-package\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
