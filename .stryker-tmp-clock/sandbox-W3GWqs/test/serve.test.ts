import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parsePort, PortError, serve } from "../site/serve.js";

const dir = mkdtempSync(join(tmpdir(), "prot-serve-"));
let server: Server;
let port = 0;

beforeAll(async () => {
  mkdirSync(join(dir, "guide"));
  writeFileSync(join(dir, "index.html"), "<p>home</p>");
  writeFileSync(join(dir, "guide", "index.html"), "<p>guide</p>");
  server = await serve(dir, "0");
  const a = server.address();
  port = typeof a === "object" && a !== null ? a.port : 0;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** Sends a raw request path, as a hostile client would, not as a URL parser would have it. */
function get(path: string, method = "GET"): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the site server", () => {
  it("serves pages and directories' index pages, with nosniff and a content security policy", async () => {
    const home = await get("/");
    expect(home).toMatchObject({ status: 200, body: "<p>home</p>" });
    expect(home.headers["x-content-type-options"]).toBe("nosniff");
    expect(home.headers["content-security-policy"]).toMatch(/default-src 'self'.*object-src 'none'.*frame-ancestors 'none'/);
    expect((await get("/guide/")).body).toBe("<p>guide</p>");
    expect(await get("/", "HEAD")).toMatchObject({ status: 200, body: "" });
  });

  it.each([
    ["/%", 400],
    ["/%E0%A4%A", 400],
    ["/a%00b", 400],
    ["/../../etc/passwd", 404],
    ["/%2e%2e/%2e%2e/etc/passwd", 404],
    ["/..%2f..%2f..%2fetc%2fpasswd", 403],
    ["/nope.html", 404],
  ])("answers %s with %i and keeps serving", async (path, status) => {
    const r = await get(path);
    expect(r.status).toBe(status);
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect((await get("/")).status).toBe(200);
  });

  it("refuses methods other than GET and HEAD", async () => {
    const r = await get("/", "POST");
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("GET, HEAD");
  });

  it("takes a port that is a port, and refuses one that is not, naming it", () => {
    expect(parsePort(undefined)).toBe(0);
    expect(parsePort("8080")).toBe(8080);
    for (const bad of ["abc", "-1", "65536", "80.5", "1e3", " 80"]) {
      expect(() => parsePort(bad)).toThrow(PortError);
      expect(() => parsePort(bad)).toThrow(`got "${bad}"`);
    }
  });
});
