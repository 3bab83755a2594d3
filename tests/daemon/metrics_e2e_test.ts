/** `heartbeat start --metrics`: a running daemon's Prometheus endpoint on loopback. */
import assert from "node:assert/strict";
import { startNode, stopNode, testPort, waitStatus } from "../helpers/nodes.ts";

Deno.test("metrics: a running daemon serves node states and packet counters", async () => {
  const top = Deno.makeTempDirSync();
  const port = testPort(11);
  const mport = testPort(12);
  const cf = (me: number, peer: number) =>
    `node m1 m2\nucast 127.0.0.${me} 127.0.0.${peer}\nudpport ${port}\nkeepalive 100ms\n` +
    `deadtime 1\ninitdead 1\n`;
  const a = startNode("m1", `${top}/m1`, cf(71, 72), {
    extraArgs: ["--metrics", `127.0.0.1:${mport}`],
  });
  const b = startNode("m2", `${top}/m2`, cf(72, 71));
  try {
    assert.ok(
      await waitStatus(
        a,
        (r) => r.nodes.every((n) => n.status === "active") && r.membership?.members.length === 2,
        10_000,
      ),
      a.output(),
    );
    const res = await fetch(`http://127.0.0.1:${mport}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /heartbeat_node_status\{[^}]*node="m2"[^}]*status="active"[^}]*\} 1/);
    assert.match(text, /^heartbeat_membership_members 2$/m);
    assert.match(text, /^heartbeat_membership_quorum 1$/m);
    const sent = Number(/^heartbeat_packets_sent_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1]);
    assert.ok(sent > 0, text);
  } finally {
    await stopNode(a);
    await stopNode(b);
    Deno.removeSync(top, { recursive: true });
  }
});
