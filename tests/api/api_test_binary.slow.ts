/**
 * Heartbeat's own API exerciser, /usr/libexec/heartbeat/api_test (3.0.6), against our server:
 * named signon ("ping"), numnodes, setfilter, a dozen getparm, getrsc, node and link walks,
 * local and remote clientstatus, then a "ping" cluster message that it must receive back
 * (looped by the in-test daemon, as Heartbeat delivers a node's own messages) and ten
 * "pingreply" messages. It sleeps 5 s in the middle, so it is a .slow.ts file (test:slow,
 * test:all — which CI runs).
 */

import assert from "node:assert/strict";
import { ApiServer } from "../../src/api/server.ts";
import { FixtureCluster, tempSocketDir } from "./cluster_fixture.ts";
import { clientsUnavailable } from "../helpers/hb_client.ts";

const API_TEST = "/usr/libexec/heartbeat/api_test";

const why = clientsUnavailable(API_TEST);
if (why !== undefined) console.log(`api_test interop test ignored: ${why}`);

Deno.test({
  name: "api_test (real 3.0.6 binary) runs its whole script against our server",
  ignore: why !== undefined,
  async fn() {
    const { dir, path } = await tempSocketDir();
    const cluster = new FixtureCluster();
    const r = await ApiServer.listen(path, cluster);
    if (!r.ok) throw new Error(r.error.detail);
    const server = r.server;
    // The daemon's part: stamp src and loop messages for us (or everyone) back to local
    // clients; answer query-cstatus for the local node.
    cluster.onSend = (m) => {
      const dest = m.get("dest");
      if (dest !== undefined && dest !== "node1") return;
      const copy = m.clone().set("src", "node1");
      setTimeout(() => {
        if (copy.get("t") === "query-cstatus") {
          const a = server.clientStatusReply(copy);
          if (a !== undefined) server.deliver(a.set("src", "node1"));
        } else {
          server.deliver(copy);
        }
      }, 1);
    };
    const child = new Deno.Command("unshare", {
      args: [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mkdir -p /run/heartbeat && mount --bind "$0" /run/heartbeat && exec ' + API_TEST,
        dir,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // api_test waits for messages forever once its script is done: stop it (by its pid,
    // which unshare and sh exec into) as soon as the last expected line shows up.
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const LAST = "Got message 11 of type [pingreply] from [node1]";
    let log = "";
    const collect = async (stream: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const chunk of stream) {
        log += dec.decode(chunk, { stream: true });
        if (log.includes(LAST)) {
          try {
            child.kill("SIGTERM");
          } catch { /* already gone */ }
        }
      }
    };
    try {
      await Promise.all([collect(child.stdout), collect(child.stderr), child.status]);
      for (
        const line of [
          "Parameter keepalive is [500ms]",
          "Parameter deadtime is [3]",
          "Current resource status: none",
          "Cluster node: node2: status: active",
          "node node2: intf: eth0 ifstatus: up",
          "node1/api_test status: [online]",
          "Client node1/ping now has status [join]",
          "Got message 1 of type [ping] from [node1]",
          "Got message 11 of type [pingreply] from [node1]",
        ]
      ) assert.ok(log.includes(line), `missing "${line}" in:\n${log}`);
      assert.ok(!log.includes("Cannot sign on"), log);
    } finally {
      clearTimeout(timer);
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
