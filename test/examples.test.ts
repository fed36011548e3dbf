import { describe, expect, it } from "vitest";
import { everyIdleStory } from "../examples/every-idle.js";
import { idleBackendReaper } from "../examples/idle-backend-reaper.js";
import { keepAlivePing } from "../examples/keepalive-ping.js";
import { virtualScene } from "../examples/lib/scene.js";

describe("examples, over loopback sockets on a virtual clock", () => {
  it("idle backend reaper drops a backend once it is idle and not current", async () => {
    const scene = virtualScene();
    const seen = await idleBackendReaper(scene, 30);
    expect(scene.lines).toEqual([
      '[0] proxy: got "a1 USE alpha"',
      "[0] proxy: connected to alpha",
      '[0] proxy: got "a2 NOOP"',
      '[10] proxy: got "a3 USE beta"',
      "[10] proxy: connected to beta",
      '[10] proxy: got "a4 NOOP"',
      "[30] proxy: backend_timeout drops alpha, idle since 0",
      '[50] proxy: got "a5 USE alpha"',
      "[50] proxy: connected to alpha",
      '[50] proxy: got "a6 NOOP"',
      "[70] proxy: backend_timeout drops beta, idle since 10",
      '[100] proxy: got "a7 LOGOUT"',
    ]);
    expect(seen).toEqual(["a1 OK using alpha", "a2 OK NOOP on alpha", "a3 OK using beta", "a4 OK NOOP on beta", "a5 OK using alpha", "a6 OK NOOP on alpha", "a7 OK LOGOUT completed"]);
  });

  it("keep-alive pings every 15 units of silence", async () => {
    const scene = virtualScene();
    const seen = await keepAlivePing(scene, 15);
    expect(scene.lines).toEqual([
      '[5] server: got "a1 NOOP"',
      "[20] server: client idle, sent a keep-alive",
      "[35] server: client idle, sent a keep-alive",
      "[50] server: client idle, sent a keep-alive",
      '[52.5] server: got "a2 LOGOUT"',
    ]);
    expect(seen).toEqual(["* OK ready", "a1 OK NOOP completed", "* OK keep-alive", "* OK keep-alive", "* OK keep-alive", "* BYE", "a2 OK LOGOUT completed"]);
  });

  it("calls back after every 10 units of idle time", async () => {
    const scene = virtualScene();
    await everyIdleStory(scene, 10);
    expect(scene.lines).toEqual([
      '[0] server: got "a1 NOOP"',
      '[7] server: got "a2 NOOP"',
      '[12] server: got "a3 NOOP"',
      "[22] server: idle work #1",
      "[32] server: idle work #2",
      '[40] server: got "a4 LOGOUT"',
    ]);
  });
});
