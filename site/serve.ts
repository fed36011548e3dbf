/**
 * Serves a built site on 127.0.0.1: the port from the argument or the PORT
 * environment variable, or a free one when that is taken or not given.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
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

/** Serves `dir` and resolves once listening; prints the URL. */
export async function serve(dir: string, port = process.env.PORT): Promise<Server> {
  const root = normalize(dir);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let file = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root + sep) && file !== root) {
      res.writeHead(403).end("forbidden");
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${url.pathname}`);
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  const wanted = port === undefined || port === "" ? 0 : Number(port);
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
