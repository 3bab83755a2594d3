/**
 * The proof: the REAL /usr/bin/cl_status (Heartbeat 3.0.6) against our server. Each command
 * runs in a private mount namespace where a temp dir is bind-mounted over /run/heartbeat.
 *
 * Reference outputs were recorded from a real 3.0.6 node (shared/interop realhb.sh, node1 of
 * a 2-node ucast cluster, both active, keepalive 500ms, deadtime 3, warntime 2, initdead 4,
 * ccm running) on 2026-11-29 with `realhb.sh exec 1 cl_status ...`; FixtureCluster holds the
 * same state. Exit codes and stdout must match exactly; stderr lines carry a timestamp and
 * pid, so only their message text is compared.
 */

import assert from "node:assert/strict";
import { ApiServer } from "../../src/api/server.ts";
import { ApiClient } from "../../src/api/client.ts";
import { buildAuthTable, loadIdDb } from "../../src/api/apiauth.ts";
import { BUILTIN_APIAUTH } from "../../src/config/mod.ts";
import { Message } from "../../src/wire/message.ts";
import { FixtureCluster, tempSocketDir } from "./cluster_fixture.ts";

import { CL_STATUS, clientsUnavailable, clStatus } from "../helpers/hb_client.ts";

const why = clientsUnavailable(CL_STATUS);
if (why !== undefined) console.log(`cl_status interop tests ignored: ${why}`);

/** Real 3.0.6 answers: [args, stdout, exit code, stderr text or undefined for none]. */
const REAL: [string[], string, number, string | undefined][] = [
  [["hbstatus"], "Heartbeat is running on this machine.\n", 0, undefined],
  [["listnodes"], "node2\nnode1\n", 0, undefined],
  [["listnodes", "-n"], "node2\nnode1\n", 0, undefined],
  [["listnodes", "-p"], "", 0, undefined],
  [["nodestatus", "node2"], "active\n", 0, undefined],
  [["nodestatus", "node1"], "active\n", 0, undefined],
  [["nodetype", "node2"], "normal\n", 0, undefined],
  [["listhblinks", "node2"], "\teth0\n", 0, undefined],
  [["hblinkstatus", "node2", "eth0"], "up\n", 0, undefined],
  [["hbparameter", "-p", "keepalive"], "500ms\n", 0, undefined],
  [["hbparameter", "-p", "deadtime"], "3\n", 0, undefined],
  [["hbparameter", "-p", "auto_failback"], "legacy\n", 0, undefined],
  [["hbparameter", "-p", "nosuch"], "", 1, "Cannot get parameter nosuch's value"],
  [["rscstatus"], "none\n", 0, undefined],
  [["nodestatus", "nosuch"], "", 11, "Error. May be due to incorrect node name"],
  [["nodetype", "nosuch"], "", 11, "Error. May be due to incorrect node name"],
  [["listhblinks", "nosuch"], "", 13, "Cannot start heartbeat link interface walk."],
  [["hblinkstatus", "node2", "nosuch"], "", 13, "Cannot get heartbeat link status"],
  [["clientstatus", "node1", "ccm"], "online\n", 0, undefined],
  [["clientstatus", "node1", "nosuch"], "offline\n", 1, undefined],
  [["clientstatus", "node2", "ccm"], "online\n", 0, undefined],
  [["clientstatus", "node2", "nosuch"], "offline\n", 1, undefined],
];

Deno.test({
  name: "cl_status (real 3.0.6 binary) against our server gives the real outputs",
  ignore: why !== undefined,
  async fn() {
    const { dir, path } = await tempSocketDir();
    const cluster = new FixtureCluster();
    const logs: string[] = [];
    const r = await ApiServer.listen(path, cluster, {
      auth: buildAuthTable([
        ...BUILTIN_APIAUTH.map((b) => ({ ...b, builtin: true })),
        { group: "ccm", uids: ["hacluster", "root"], gids: [], builtin: false },
      ], loadIdDb()),
      log: (level, text) => logs.push(`${level} ${text}`),
    });
    if (!r.ok) throw new Error(r.error.detail);
    const server = r.server;
    // node2 plays its part of the cluster: it answers query-cstatus like a real peer (ccm
    // runs there, nothing else), through the server's normal delivery path.
    cluster.onSend = (m) => {
      if (m.get("t") === "query-cstatus" && m.get("dest") === "node2") {
        const reply = Message.of({
          t: "respond-cstatus",
          dest: "node1",
          result: "OK",
          cn: m.get("cn")!,
          to_id: m.get("from_id")!,
          cs: m.get("cn") === "ccm" ? "online" : "offline",
          src: "node2",
        });
        setTimeout(() => server.deliver(reply), 5);
      }
    };
    // A local "ccm" client. The real ccm runs as hacluster; this test process is root, and
    // the server checks declared ids against the kernel's, so the ccm entry also lists root.
    const ccm = await ApiClient.connect({ path, clientId: "ccm" });
    if (!ccm.ok) throw new Error(ccm.error.detail);
    try {
      for (const [args, stdout, code, stderr] of REAL) {
        const got = await clStatus(dir, ...args);
        const what = `cl_status ${args.join(" ")}`;
        assert.equal(got.stdout, stdout, `${what}: stdout (stderr: ${got.stderr})`);
        assert.equal(got.code, code, `${what}: exit code`);
        if (stderr === undefined) assert.equal(got.stderr, "", `${what}: stderr`);
        else {assert.ok(
            got.stderr.includes(stderr),
            `${what}: stderr ${JSON.stringify(got.stderr)}`,
          );}
      }
      // Identities came from SO_PEERCRED (FFI), not from what cl_status declared.
      assert.ok(logs.some((l) => l.includes("signon casual") && l.includes("(identity peer)")));
      // The remote clientstatus went to node2 as a query-cstatus, like hb_api.c sends it.
      const q = cluster.sent.find((m) => m.get("t") === "query-cstatus");
      assert.deepEqual(q?.fields.map((f) => f.name), ["t", "dest", "cn", "from_id"]);
    } finally {
      ccm.value.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cl_status: status changes show up; a dead node reads dead",
  ignore: why !== undefined,
  async fn() {
    const { dir, path } = await tempSocketDir();
    const cluster = new FixtureCluster();
    const r = await ApiServer.listen(path, cluster);
    if (!r.ok) throw new Error(r.error.detail);
    try {
      cluster.nodeTable = [
        { name: "node1", type: "normal", status: "active" },
        { name: "node2", type: "normal", status: "dead" },
        { name: "10.0.0.1", type: "ping", status: "ping" },
      ];
      cluster.linkTable["node2"] = [{ name: "eth0", status: "dead" }];
      cluster.linkTable["10.0.0.1"] = [{ name: "10.0.0.1", status: "up" }];
      assert.equal((await clStatus(dir, "nodestatus", "node2")).stdout, "dead\n");
      assert.equal((await clStatus(dir, "hblinkstatus", "node2", "eth0")).stdout, "dead\n");
      assert.equal((await clStatus(dir, "nodetype", "10.0.0.1")).stdout, "ping\n");
      assert.equal((await clStatus(dir, "listnodes", "-p")).stdout, "10.0.0.1\n");
      assert.equal((await clStatus(dir, "listnodes", "-n")).stdout, "node2\nnode1\n");
      // A dead peer cannot be asked: clientstatus answers offline at once (hb_api.c).
      const cs = await clStatus(dir, "clientstatus", "node2", "ccm");
      assert.deepEqual([cs.stdout, cs.code], ["offline\n", 1]);
      assert.equal(cluster.sent.filter((m) => m.get("t") === "query-cstatus").length, 0);
    } finally {
      await r.server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cl_status: no server → 'Heartbeat is stopped on this machine.' exit 1",
  ignore: why !== undefined,
  async fn() {
    const { dir } = await tempSocketDir();
    try {
      const got = await clStatus(dir, "hbstatus");
      assert.equal(got.stdout, "Heartbeat is stopped on this machine.\n");
      assert.equal(got.code, 1);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "cl_status: an unauthorised identity is refused with a log line",
  ignore: why !== undefined,
  async fn() {
    const { dir, path } = await tempSocketDir();
    const logs: string[] = [];
    // apiauth that lets nobody in as a casual client.
    const auth = buildAuthTable(
      [{ group: "anon", uids: ["4242"], gids: ["4242"], builtin: false }],
      loadIdDb(),
    );
    const r = await ApiServer.listen(path, new FixtureCluster(), {
      auth,
      log: (l, t) => logs.push(`${l} ${t}`),
    });
    if (!r.ok) throw new Error(r.error.detail);
    try {
      // Real 3.0.6 with "apiauth anon uid=hacluster", cl_status run as root (measured).
      const got = await clStatus(dir, "hbstatus");
      assert.equal(
        got.stdout,
        "Heartbeat is apparently running on this machine, but refuses my connection\n",
      );
      assert.equal(got.code, 0);
      const ln = await clStatus(dir, "listnodes");
      assert.deepEqual([ln.stdout, ln.code], ["", 1]);
      assert.ok(ln.stderr.includes("Cannot signon with heartbeat"), ln.stderr);
      assert.ok(ln.stderr.includes("REASON: client failed authorization"), ln.stderr);
      assert.ok(
        logs.some((l) => l.includes("signon refused") && l.includes("not in apiauth anon")),
      );
      assert.equal(r.server.stats().refusedSignons, 2);
    } finally {
      await r.server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
