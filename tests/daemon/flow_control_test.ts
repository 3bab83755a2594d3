/**
 * Flow control end to end: a client floods one of our daemons with cluster messages as fast
 * as it can write; the daemon stops reading it while the peer has too many unacked, so every
 * message reaches the client on the other node, in order (without it the peer's socket
 * overflows and retransmissions age out of the 500-message history).
 */
import assert from "node:assert/strict";
import { ApiClient } from "../../src/api/mod.ts";
import { fetchStatus } from "../../src/cli/status.ts";
import { Message } from "../../src/wire/message.ts";
import { startNode, stopNode, testPort, waitAllActive } from "../helpers/nodes.ts";

const N = 4000;

function haCf(me: number, peer: number, port: number): string {
  return `node f1 f2\nucast 127.0.0.${me} 127.0.0.${peer}\nudpport ${port}\n` +
    `keepalive 200ms\nwarntime 1\ndeadtime 3\ninitdead 2\napiauth hbflood uid=root\n`;
}

async function counters(runDir: string): Promise<string> {
  const r = await fetchStatus(runDir);
  return typeof r === "string" ? r : JSON.stringify(r.counters);
}

Deno.test({
  name: "flow control: a client flood through two daemons loses no message",
  ignore: Deno.uid() !== 0,
  async fn() {
    const top = Deno.makeTempDirSync();
    const port = testPort(21);
    const a = startNode("f1", `${top}/f1`, haCf(61, 62, port));
    const b = startNode("f2", `${top}/f2`, haCf(62, 61, port));
    const clients: ApiClient[] = [];
    try {
      await waitAllActive([a, b]);
      const ca = await ApiClient.connect({ path: `${a.runDir}/register`, clientId: "hbflood" });
      const cb = await ApiClient.connect({ path: `${b.runDir}/register`, clientId: "hbflood" });
      assert.ok(ca.ok && cb.ok, JSON.stringify([ca, cb]));
      clients.push(ca.value, cb.value);
      const got: number[] = [];
      let own = 0;
      let done: () => void = () => {};
      const all = new Promise<void>((r) => done = r);
      cb.value.onMessage("hbflood", (m) => {
        got.push(Number(m.get("i")));
        if (got.length === N) done();
      });
      ca.value.onMessage("hbflood", () => own++);
      const pad = "x".repeat(100);
      for (let i = 0; i < N; i++) {
        const r = await ca.value.send(Message.of({ t: "hbflood", i: String(i), pad }));
        assert.ok(r.ok, JSON.stringify(r));
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([all, new Promise((r) => timer = setTimeout(r, 30_000))]);
      clearTimeout(timer);
      const why = `sender ${await counters(a.runDir)}\nreceiver ${await counters(b.runDir)}`;
      assert.equal(got.length, N, `received ${got.length} of ${N}\n${why}`);
      assert.deepEqual(got, Array.from({ length: N }, (_, i) => i), "out of order");
      const st = await fetchStatus(a.runDir);
      assert.ok(typeof st !== "string");
      assert.equal(st.counters.lost ?? 0, 0, why);
    } finally {
      for (const c of clients) c.close();
      await stopNode(a);
      await stopNode(b);
      Deno.removeSync(top, { recursive: true });
    }
  },
});
