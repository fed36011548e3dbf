// A keep-alive ping every N units while a client is idle, the way Cyrus's
// drac_ping kept a connection warm: one wait event on the client stream that
// writes a ping and reschedules itself; each command from the client pushes
// the next ping N units past the command.
import { type ProtConnection, type ProtStream, type ProtWriter, type WaitEvent } from "prot-events";
import { Timeline, command, dial, drain, isMain, liveScene, listen, readCommand, type Scene } from "./lib/scene.js";

/** The server: a ping after every `interval` units of silence from the client. */
export function keepAliveServer(scene: Scene, interval = 15, tl = new Timeline(scene)): (conn: ProtConnection) => Promise<void> {
  const every = interval * scene.unit;
  return async (conn) => {
    const { input, output } = conn;
    output.write("* OK ready\r\n");
    const ping = (s: ProtStream, ev: WaitEvent<ProtWriter>, out: ProtWriter): WaitEvent<ProtWriter> => {
      out.write("* OK keep-alive\r\n");
      tl.log("server: client idle, sent a keep-alive");
      ev.mark = s.clock.now() + every;
      return ev;
    };
    const event = input.addWaitEvent(input.clock.now() + every, ping, output);
    for (;;) {
      const line = await readCommand(conn);
      if (line === null) return;
      tl.log(`server: got "${line}"`);
      event.mark = input.clock.now() + every;
      const [tag, verb] = line.split(" ");
      if (verb === "LOGOUT") {
        output.write(`* BYE\r\n${tag} OK LOGOUT completed\r\n`);
        await output.flush();
        return;
      }
      output.write(`${tag} OK ${verb} completed\r\n`);
    }
  };
}

/** Runs the story: a client that works a little, idles, then logs out. Returns what the client read. */
export async function keepAlivePing(scene: Scene, interval = 15): Promise<string[]> {
  const tl = new Timeline(scene);
  const server = await listen(scene, keepAliveServer(scene, interval, tl));

  const client = await dial(scene, server.port);
  const seen: string[] = [];
  seen.push(String(await client.input.readLine()));
  await tl.until(5);
  seen.push(...(await command(client, "a1 NOOP")));
  await tl.until(3.5 * interval);
  seen.push(...(await command(client, "a2 LOGOUT")));
  seen.push(...(await drain(client)));
  await client.close();
  await server.close();
  return seen;
}

if (isMain(import.meta.url)) {
  const seen = await keepAlivePing(liveScene(40));
  console.log(`client read: ${JSON.stringify(seen)}`);
}
