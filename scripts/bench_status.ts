/**
 * `deno task bench:status`: how fast a running daemon answers `heartbeat status` (the
 * control-socket round trip, without process start-up), idle and while 2,000 bad packets/s
 * hit it. Real Heartbeat answers cl_status in ~2 ms, up to 0.5 s when its main loop is busy.
 */
import { controlRequest } from "../src/daemon/control.ts";
import { controlSocketPath } from "../src/daemon/paths.ts";
import { startNode, stopNode, testPort, waitStatus } from "../tests/helpers/nodes.ts";

const N = Number(Deno.args[0] ?? 500);
const top = Deno.makeTempDirSync();
const port = testPort(9);
const cf = (me: number, peer: number) =>
  `node b1 b2\nucast 127.0.0.${me} 127.0.0.${peer}\nudpport ${port}\nkeepalive 100ms\n` +
  `deadtime 1\ninitdead 1\n`;
const a = startNode("b1", `${top}/b1`, cf(61, 62));
const b = startNode("b2", `${top}/b2`, cf(62, 61));

async function measure(label: string) {
  const path = controlSocketPath(a.runDir);
  const t: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const r = await controlRequest(path, { cmd: "status" });
    t.push(performance.now() - t0);
    if (!r.ok) throw new Error(r.error);
  }
  t.sort((x, y) => x - y);
  const q = (p: number) => t[Math.min(t.length - 1, Math.floor(p * t.length))].toFixed(2);
  console.log(
    `| ${label} | ${N} | ${q(0)} | ${q(0.5)} | ${q(0.99)} | ${t[t.length - 1].toFixed(2)} |`,
  );
}

try {
  if (!await waitStatus(a, (r) => r.nodes.every((n) => n.status === "active"), 10_000)) {
    throw new Error(`cluster did not form:\n${a.output()}\n${b.output()}`);
  }
  console.log("| daemon state | requests | min ms | median ms | p99 ms | max ms |");
  console.log("|---|---|---|---|---|---|");
  await measure("idle");
  // Load: a flood of unauthenticated packets at the daemon's port.
  const s = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.63", port: 0 });
  const junk = new TextEncoder().encode("###\n11:(0)t=status,%%%\n10:1 deadbeef,");
  let flooding = true;
  (async () => {
    while (flooding) {
      for (let i = 0; i < 20; i++) {
        await s.send(junk, { transport: "udp", hostname: "127.0.0.61", port });
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await measure("2,000 bad packets/s");
  flooding = false;
  s.close();
} finally {
  await stopNode(a);
  await stopNode(b);
  Deno.removeSync(top, { recursive: true });
}
