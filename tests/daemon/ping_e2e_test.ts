/** Ping nodes in a running daemon: `ping 127.0.0.1` shows as a ping node that answers. */
import assert from "node:assert/strict";
import { runMain } from "../helpers/run.ts";
import { startNode, stopNode, testPort, waitStatus } from "../helpers/nodes.ts";

Deno.test({
  name: "ping e2e: a ping node on loopback is reported with type ping and status ping",
  ignore: Deno.uid() !== 0, // ICMP sockets need root (or ping_group_range) here
  async fn() {
    const top = Deno.makeTempDirSync();
    const port = testPort(15);
    const n = startNode(
      "p1",
      `${top}/p1`,
      `node p1 p2\nucast 127.0.0.95 127.0.0.96\nudpport ${port}\nkeepalive 100ms\n` +
        `deadtime 1\ninitdead 1\nping 127.0.0.1\n`,
    );
    try {
      const r = await waitStatus(
        n,
        (r) => r.nodes.some((x) => x.name === "127.0.0.1" && x.status === "ping"),
        5000,
      );
      assert.ok(r, n.output());
      const p = r.nodes.find((x) => x.name === "127.0.0.1")!;
      assert.equal(p.type, "ping");
      assert.deepEqual(p.links, [{ name: "127.0.0.1", status: "up" }]);
      const human = await runMain(["status", "--run-dir", n.runDir]);
      assert.match(human.stdout, /127\.0\.0\.1\s+ping\s+ping/);
    } finally {
      await stopNode(n);
      Deno.removeSync(top, { recursive: true });
    }
  },
});
