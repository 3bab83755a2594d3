/**
 * The client API end to end through our real daemons: the unmodified Debian `cl_status`
 * against a running `heartbeat start`, and a message from an API client on one node to an
 * API client on the other, through both daemons.
 */
import assert from "node:assert/strict";
import { ApiClient } from "../../src/api/mod.ts";
import { Message } from "../../src/wire/message.ts";
import { CL_STATUS, clStatus } from "../helpers/hb_client.ts";
import {
  nodeStatus,
  startNode,
  stopNode,
  testPort,
  waitAllActive,
  waitStatus,
} from "../helpers/nodes.ts";

const haveClStatus = (() => {
  try {
    return Deno.statSync(CL_STATUS).isFile;
  } catch {
    return false;
  }
})();

function haCf(me: number, peer: number, port: number): string {
  return `node e1 e2\nucast 127.0.0.${me} 127.0.0.${peer}\nudpport ${port}\n` +
    `keepalive 100ms\nwarntime 300ms\ndeadtime 600ms\ninitdead 1\napiauth hbtstest uid=root\n`;
}

Deno.test({
  name: "api e2e: real cl_status and two API clients through two of our daemons",
  ignore: !haveClStatus || Deno.uid() !== 0,
  async fn() {
    const top = Deno.makeTempDirSync();
    const port = testPort(5);
    const a = startNode("e1", `${top}/e1`, haCf(41, 42, port));
    const b = startNode("e2", `${top}/e2`, haCf(42, 41, port));
    const clients: ApiClient[] = [];
    try {
      await waitAllActive([a, b]);
      const hb = await clStatus(a.runDir, "hbstatus");
      assert.equal(hb.stdout, "Heartbeat is running on this machine.\n", hb.stderr);
      assert.equal(hb.code, 0);
      assert.equal((await clStatus(a.runDir, "nodestatus", "e2")).stdout, "active\n");
      assert.equal((await clStatus(a.runDir, "nodetype", "e2")).stdout, "normal\n");
      assert.equal((await clStatus(a.runDir, "listhblinks", "e2")).stdout, "\t127.0.0.41\n");
      assert.equal(
        (await clStatus(a.runDir, "hblinkstatus", "e2", "127.0.0.41")).stdout,
        "up\n",
      );
      assert.equal((await clStatus(a.runDir, "hbparameter", "-p", "keepalive")).stdout, "100ms\n");
      const nodes = (await clStatus(a.runDir, "listnodes")).stdout.trim().split("\n").sort();
      assert.deepEqual(nodes, ["e1", "e2"]);

      // A named client on e1 sends to all; the same-named client on e2 receives it (Heartbeat
      // addresses a client's messages to its peers of the same name, as ccm uses it), and
      // e1's client gets its own copy back.
      const ca = await ApiClient.connect({ path: `${a.runDir}/register`, clientId: "hbtstest" });
      const cb = await ApiClient.connect({ path: `${b.runDir}/register`, clientId: "hbtstest" });
      assert.ok(ca.ok && cb.ok, JSON.stringify([ca, cb]));
      // apiauth: a named client with no apiauth entry is refused, with a reason.
      const refused = await ApiClient.connect({ path: `${a.runDir}/register`, clientId: "nosuch" });
      assert.equal(refused.ok, false);
      clients.push(ca.value, cb.value);
      const got = cb.value.receive("hbts-e2e", 3000);
      const own = ca.value.receive("hbts-e2e", 3000);
      const sent = await ca.value.send(Message.of({ t: "hbts-e2e", payload: "hello" }));
      assert.ok(sent.ok);
      const m = await got;
      assert.ok(m, "e2's client did not receive e1's message");
      assert.equal(m.get("payload"), "hello");
      assert.equal(m.get("src"), "e1");
      assert.ok(await own, "e1's client did not get its own broadcast back");

      // A node's death reaches cl_status.
      b.child.kill("SIGKILL");
      assert.ok(await waitStatus(a, (r) => nodeStatus(r, "e2") === "dead", 3000));
      assert.equal((await clStatus(a.runDir, "nodestatus", "e2")).stdout, "dead\n");
    } finally {
      for (const c of clients) c.close();
      await stopNode(a);
      await stopNode(b);
      Deno.removeSync(top, { recursive: true });
    }
  },
});
