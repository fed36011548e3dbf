// "Call me every X units of idle time", the question of the 2002 mail that
// the wait-event contract comes from, answered with the API as it is: the
// application notes when it last saw the client, and the event, whenever it
// runs, either does the idle work (X units of silence have passed) or moves
// its mark to X units after the last activity.
import { type ProtConnection, type ProtStream, type WaitEvent } from "prot-events";
import { Timeline, command, dial, isMain, liveScene, listen, readCommand, type Scene } from "./lib/scene.js";

/** What the event needs to know: when the client was last heard from. */
interface Idle {
  lastActivity: number;
  ticks: number;
}

/**
 * Hangs on `stream` an event that calls `work` after every `x` ticks of
 * idle time, as long as `idle.lastActivity` is kept up to date.
 */
export function everyIdle(stream: ProtStream, x: number, idle: Idle, work: (n: number) => void): WaitEvent<Idle> {
  const proc = (s: ProtStream, ev: WaitEvent<Idle>, rock: Idle): WaitEvent<Idle> => {
    const now = s.clock.now();
    if (now - rock.lastActivity >= x) {
      rock.ticks++;
      work(rock.ticks);
      // The next call is X units of *further* idleness away.
      rock.lastActivity = now;
    }
    ev.mark = rock.lastActivity + x;
    return ev;
  };
  return stream.addWaitEvent(idle.lastActivity + x, proc, idle);
}

/** The server: idle work after every `x` units of silence from the client. */
export function everyIdleServer(scene: Scene, x = 10, tl = new Timeline(scene)): (conn: ProtConnection) => Promise<void> {
  return async (conn) => {
    const { input, output } = conn;
    const idle: Idle = { lastActivity: input.clock.now(), ticks: 0 };
    everyIdle(input, x * scene.unit, idle, (n) => tl.log(`server: idle work #${n}`));
    for (;;) {
      const line = await readCommand(conn);
      if (line === null) return;
      idle.lastActivity = input.clock.now();
      tl.log(`server: got "${line}"`);
      const [tag, verb] = line.split(" ");
      output.write(`${tag} OK ${verb} completed\r\n`);
      if (verb === "LOGOUT") {
        await output.flush();
        return;
      }
    }
  };
}

/** Runs the story: commands at 0, 7 and 12, then silence until 40. Returns what the client read. */
export async function everyIdleStory(scene: Scene, x = 10): Promise<string[]> {
  const tl = new Timeline(scene);
  const server = await listen(scene, everyIdleServer(scene, x, tl));
  const client = await dial(scene, server.port);
  const seen: string[] = [];
  for (const [t, cmd] of [
    [0, "a1 NOOP"],
    [7, "a2 NOOP"],
    [12, "a3 NOOP"],
    [40, "a4 LOGOUT"],
  ] as const) {
    await tl.until(t);
    seen.push(...(await command(client, cmd)));
  }
  await client.close();
  await server.close();
  return seen;
}

if (isMain(import.meta.url)) {
  await everyIdleStory(liveScene(40));
}
