// The demo that `npm run demo` runs: the three examples, live, on loopback
// sockets and the system clock, one after the other (the proxy's runs a
// private Dovecot, which it installs on demand).
import { everyIdleStory } from "./every-idle.js";
import { imapProxyStory } from "./imap-proxy.js";
import { keepAlivePing } from "./keepalive-ping.js";
import { liveScene } from "./lib/scene.js";

const UNIT_MS = 30;
const stories = [
  ["An IMAP proxy in front of Dovecot: keep-alive every 15 units, backend reaped after 30 (backend_timeout in Cyrus imap/proxy.c), client timeout 100", imapProxyStory],
  ["Keep-alive ping every 15 units while the client is idle (like drac_ping)", keepAlivePing],
  ["Call me every 10 units of idle time (the question of the 2002 mail)", everyIdleStory],
] as const;

console.log(`prot-events demo: wait events over loopback TCP; 1 unit = ${UNIT_MS} ms\n`);
for (const [title, story] of stories) {
  console.log(`== ${title}`);
  const seen = await story(liveScene(UNIT_MS, (line) => console.log(`  ${line}`)));
  console.log(`  client read: ${seen.join(" | ")}\n`);
}
