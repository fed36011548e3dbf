#!/usr/bin/env node
// The command's entry, a file of its own that exists before any build, so
// that npm links the command in a fresh checkout too; it runs the compiled CLI.
import { existsSync } from "node:fs";

const cli = new URL("../dist/conformance/src/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("prot-conformance: the runner is not built; run: npm run build\n");
  process.exit(2);
}
await import(cli.href);
