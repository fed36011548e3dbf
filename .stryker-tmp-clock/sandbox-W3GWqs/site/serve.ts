/**
 * Serves a built site on 127.0.0.1: the port from the argument or the PORT
 * environment variable, or a free one when that is taken or not given.
 * Whatever a client sends, it answers with a status, never a crash.
 */
import { createReadStream, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/svg+xml",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};

/**
 * Sent with every answer. The pages load scripts and styles from the site
 * itself (search compiles its WebAssembly index, hence wasm-unsafe-eval;
 * pages carry small inline scripts and styles); nothing else loads from
 * anywhere, and no other site may frame them.
 */
const HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
};

/** A port that is not a whole number from 0 to 65535. */
export class PortError extends Error {
  constructor(value: string) {
    super(`the port must be a whole number from 0 to 65535 (0: any free port), got "${value}"`);
    this.name = "PortError";
  }
}

/**
 * The port `value` names; 0 (any free port) when it is not given.
 * @throws PortError when it is not a port.
 */
export function parsePort(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  const n = /^[0-9]{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new PortError(value);
  return n;
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...HEADERS, "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
}

function handle(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    return answer(res, 405, "method not allowed");
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname);
  } catch {
    return answer(res, 400, "bad request: the path is not valid percent-encoding");
  }
  if (path.includes("\0")) return answer(res, 400, "bad request: a NUL byte in the path");
  let file = normalize(join(root, path));
  if (!file.startsWith(root + sep) && file !== root) return answer(res, 403, "forbidden");
  let stat = statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory() === true) {
    file = join(file, "index.html");
    stat = statSync(file, { throwIfNoEntry: false });
  }
  if (stat === undefined || !stat.isFile()) return answer(res, 404, `not found: ${path}`);
  res.writeHead(200, { ...HEADERS, "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-length": stat.size });
  if (req.method === "HEAD") return void res.end();
  createReadStream(file)
    .on("error", () => res.destroy())
    .pipe(res);
}

/**
 * Serves `dir` and resolves once listening; prints the URL.
 * @throws PortError when `port` is not a port.
 */
export async function serve(dir: string, port = process.env.PORT): Promise<Server> {
  const root = normalize(dir);
  const wanted = parsePort(port);
  const server = createServer((req, res) => {
    try {
      handle(root, req, res);
    } catch {
      if (res.headersSent) res.destroy();
      else answer(res, 500, "internal error");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" && wanted !== 0) {
        process.stdout.write(`port ${wanted} is taken; using a free one\n`);
        server.listen(0, "127.0.0.1", resolve);
      } else reject(err);
    });
    server.listen(wanted, "127.0.0.1", resolve);
  });
  const address = server.address();
  const actual = typeof address === "object" && address !== null ? address.port : wanted;
  process.stdout.write(`serving the site at http://127.0.0.1:${actual}/ (Ctrl-C to stop)\n`);
  return server;
}
