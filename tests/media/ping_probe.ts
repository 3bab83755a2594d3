/**
 * Test helper (run as a child, e.g. inside a network namespace): pings the targets given as
 * JSON in argv[0] with the timings in argv[1] and prints one JSON line per status change, until
 * its stdin closes. `kind` (argv[2], optional) forces the socket kind.
 */
import { PingMedium } from "../../src/media/ping.ts";

const targets = JSON.parse(Deno.args[0]);
const timings = JSON.parse(Deno.args[1]);
const kind = Deno.args[2] as "dgram" | "raw" | undefined;
const t0 = performance.now();
const say = (o: Record<string, unknown>) =>
  console.log(JSON.stringify({ t: Math.round(performance.now() - t0), ...o }));
const m = PingMedium.open(targets, timings, {
  onNodeStatus: (node, status, reason) => say({ ev: "node", node, status, reason }),
  onLinkStatus: (node, link, status) => say({ ev: "link", node, link, status }),
  onError: (address, message) => say({ ev: "error", address, message }),
}, { kind });
if (!(m instanceof PingMedium)) {
  say({ ev: "open_failed", detail: m.detail });
  Deno.exit(3);
}
say({ ev: "open", kind: m.kind });
for await (const _ of Deno.stdin.readable) {
  // Only waiting for stdin to close.
}
m.close();
