// A private Dovecot IMAP server on loopback, for the proxy's demo and tests:
// Debian's dovecot-imapd (installed on demand), its own configuration, user
// database and Maildir in a temporary directory, started in the foreground
// and stopped by killing it. Nothing of the system's Dovecot is used or
// touched but the binaries.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync, chownSync } from "node:fs";
import { once } from "node:events";
import net from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const DOVECOT = "/usr/sbin/dovecot";

/**
 * Installs a Debian package when `binary` is missing, through the project's
 * one installer (`.ci/need`), which announces it in one line on standard
 * error, or stops there in one line naming the command to run.
 */
export function ensureDebianPackage(binary: string, pkg: string, why: string): void {
  if (existsSync(binary)) return;
  const need = fileURLToPath(new URL("../../.ci/need", import.meta.url));
  try {
    execFileSync("sh", [need, why, pkg], { stdio: ["ignore", "inherit", "inherit"] });
  } catch {
    throw new Error(`${binary} is missing and Debian's ${pkg} could not be installed (the line above says what to run)`);
  }
  if (!existsSync(binary)) throw new Error(`${binary} is still missing after installing Debian's ${pkg}`);
}

/** A running private Dovecot. */
export interface Dovecot {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The user's Maildir (messages can be dropped into its `new/`). */
  readonly maildir: string;
  /** Stops Dovecot and removes its directory. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function reachable(port: number): Promise<boolean> {
  const sock = net.connect(port, "127.0.0.1");
  try {
    await once(sock, "connect");
    return true;
  } catch {
    return false;
  } finally {
    sock.destroy();
  }
}

/**
 * Starts Dovecot on 127.0.0.1 with one user, whose Maildir is filled by
 * `fill` before the server starts. Waits until it accepts connections.
 */
export async function startDovecot(fill: (maildir: string) => void = () => {}): Promise<Dovecot> {
  ensureDebianPackage(DOVECOT, "dovecot-imapd", "the IMAP server the proxy example is tested against");
  const dir = mkdtempSync(join(tmpdir(), "prot-events-dovecot-"));
  chmodSync(dir, 0o755);
  const me = userInfo();
  const root = me.uid === 0;
  // Dovecot refuses mail access as root: the mail user is then the unprivileged 'nobody'.
  const uid = root ? 65534 : me.uid;
  const gid = root ? 65534 : me.gid;
  const user = "proxytest";
  const password = "proxy-test-password";
  const home = join(dir, "home");
  const maildir = join(home, "Maildir");
  for (const d of ["new", "cur", "tmp"]) mkdirSync(join(maildir, d), { recursive: true });
  fill(maildir);
  if (root) execFileSync("chown", ["-R", `${uid}:${gid}`, home]);
  const port = await freePort();
  writeFileSync(join(dir, "users"), `${user}:{PLAIN}${password}:${uid}:${gid}::${home}::\n`);
  const internal = root ? "dovecot" : me.username;
  const login = root ? "dovenull" : me.username;
  const conf = `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
first_valid_uid = ${Math.min(uid, 500)}
default_internal_user = ${internal}
default_login_user = ${login}
${root ? "" : `default_internal_group = ${execFileSync("id", ["-gn"]).toString().trim()}`}
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = passwd-file
  args = ${dir}/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  process_limit = 400
  client_limit = 1000
}
service imap {
  process_limit = 1000
}
mail_max_userip_connections = 1000
service anvil {
  chroot =
}
service stats {
  inet_listener http {
    port = 0
  }
}
protocol imap {
  imap_idle_notify_interval = 2 mins
}
`;
  writeFileSync(join(dir, "dovecot.conf"), conf);
  mkdirSync(join(dir, "run"), { recursive: true });
  mkdirSync(join(dir, "state"), { recursive: true });
  if (root) chownSync(join(dir, "state"), 0, 0);
  const child: ChildProcess = spawn(DOVECOT, ["-F", "-c", join(dir, "dovecot.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, "exit");
  // Wait for the listener: poll by connecting, giving up when the server exits.
  let up = false;
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 600 && !up && !gone; i++) {
    up = await reachable(port);
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async (): Promise<void> => {
    if (!gone) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (!up) {
    const log = existsSync(join(dir, "dovecot.log")) ? execFileSync("tail", ["-20", join(dir, "dovecot.log")]).toString() : "";
    await stop();
    throw new Error(`Dovecot did not start on 127.0.0.1:${port}: ${stderr}${log}`);
  }
  return { port, user, password, maildir, stop };
}
