/**
 * The home page: what a wait event is and why a server wants one, in one
 * picture and a short example, then the three ways in.
 */
import { escapeHtml } from "./escape.js";

/** The home page's content, with `picture` (a timeline) as its picture. */
export function homePage(picture: string): string {
  const example = `import net from "node:net";
import { protSocket } from "prot-events";

net.createServer(async (socket) => {
  const { input, output, close } = protSocket(socket);
  const ping = input.addWaitEvent(Date.now() + 15_000, (s, ev, out) => {
    out.write("* OK still here\\r\\n");    // runs only while the server waits for the client
    ev.mark = s.clock.now() + 15_000;      // an absolute time: when to run again
    return ev;                             // keep it (null: it removed itself)
  }, output);
  for (let line; typeof (line = await input.readLine()) === "string"; ) {
    ping.mark = input.clock.now() + 15_000; // the client spoke: silence starts again
    output.write(\`\${line.split(" ")[0]} OK done\\r\\n\`);
  }
  await close();
}).listen(1143, "127.0.0.1");`;
  return `<h1>Wait events on protocol streams</h1>
<p class="lead">A server that talks a line protocol (IMAP, POP, an NNTP feed) spends most of its life waiting for a client to say something. While it waits, it still has work to do: send a keep-alive, drop a client that has been idle too long, poll for news to push. A <strong>wait event</strong> is that work, hung on the stream: a callback with an absolute time, its <em>mark</em>, that the stream runs while it waits for input once the mark has come. The callback returns the event to keep it, after moving the mark to run again later, or nothing once it has removed itself. No timers to cancel when input comes, no race with the read: the work happens only while the server waits, on the stream that waits.</p>
<p>The Cyrus IMAP server has done this in C since 2002. This project states the contract as rules with IDs, checks any implementation against them, and gives Node a fast implementation to build on.</p>
<h2 id="picture">In one picture</h2>
<p>A keep-alive: the server reads a line from a silent client. Every 15 ticks of silence its event writes <code>* OK still here</code>, which goes out before the stream sleeps again; the client speaks at 40. The band under the stream is the read waiting; its ticks are the passes over the stream's events, each sign above it why the wait woke.</p>
<div class="timeline" tabindex="0" role="group" aria-label="Timeline of a keep-alive">${picture}</div>
<p><a href="spec/05-firing.html">How events fire</a> · <a href="playground.html#case=pattern-keepalive">Change it in the playground</a></p>
<h2 id="example">In code</h2>
<p>The same keep-alive in a real server, with <code>prot-events</code>:</p>
<pre class="plain"><code>${escapeHtml(example)}</code></pre>
<h2 id="ways-in">Three ways in</h2>
<ul class="ways-in">
<li><h3><a href="spec/00-overview.html">Read the rules</a></h3><p>The contract, page by page: every normative statement has an ID (<code>WE-FIRE-2</code>) linked to the cases that test it, and every example runs.</p></li>
<li><h3><a href="guide/conformance.html">Test your implementation</a></h3><p>Run the suite against your code, in JavaScript in process or in any language through a small driver; see how the <a href="implementations.html">implementations</a> already tested fare, the C original included.</p></li>
<li><h3><a href="api/index.html">Build on the library</a></h3><p>The reference implementation is an npm package with no dependencies: real sockets, line reading, timeouts, wait events, select. Start from the <a href="spec/09-patterns.html">patterns</a>.</p></li>
</ul>`;
}
