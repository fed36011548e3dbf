import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ensureDebianPackage } from "../examples/lib/dovecot.js";

/** A throwaway self-signed certificate for localhost, made by openssl for this run and never stored. */
export async function throwawayCert(): Promise<{ key: Buffer; cert: Buffer }> {
  ensureDebianPackage("/usr/bin/openssl", "openssl", "a throwaway certificate for the STARTTLS tests");
  const dir = mkdtempSync(join(tmpdir(), "prot-tls-"));
  try {
    await promisify(execFile)("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")]);
    return { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
