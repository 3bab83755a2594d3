/**
 * Heartbeat's own API clients (Debian 3.0.6 binaries) against two of our daemons in network
 * namespaces: api_test runs its whole script, ipfail signs on, walks the nodes and stays
 * connected, dopd signs on. Each client runs in a private mount namespace where the node's
 * run dir is bind-mounted on /run/heartbeat (their compiled-in socket path).
 *
 * What real Heartbeat 3.0.6 does, measured in tests/interop namespaces, is what we expect:
 * - api_test never ends by itself (it waits for messages after its script); when heartbeat
 *   stops, its read returns NULL ("read_hb_msg returned NULL") and it exits 0.
 * - ipfail logs its signon and node walk ("[We are X]", "Cluster node: Y: status: Z",
 *   "[They are Y]", "Waiting for messages..."), then logs nothing more on Debian bookworm: it
 *   reads the status messages off its socket but never runs its callbacks, so a dying node or
 *   ping node leaves no trace in its log. We check it survives both, still signed on.
 * - dopd logs nothing to stderr; `cl_status clientstatus NODE dopd` says `online`.
 * - api_test's own messages come back `from [node1]`, its client status `Client node1/ping`
 *   (a message a client sends to its own node carries `src`, as every cluster message does).
 * Three parts wait for daemon features and say so while they are missing (each probed with
 * our own ApiClient or cl_status): ping nodes (cl_status nodetype answers `ping`), the getrsc
 * answer (`none`, without which ipfail exits "No managed resources"), and `src` on messages a
 * client addresses to its own node.
 */
import assert from "node:assert/strict";
import { ApiClient } from "../../src/api/mod.ts";
import { Message } from "../../src/wire/message.ts";
import { netnsUnavailable, TestLan } from "../helpers/netns.ts";
import { inNamespace } from "../helpers/netns_extra.ts";
import { CL_STATUS, heartbeatClient } from "../helpers/hb_client.ts";
import { type NodeProc, nodeStatus, startNode, stopNode, waitStatus } from "../helpers/nodes.ts";

const BIN = "/usr/libexec/heartbeat";

function missing(): string | undefined {
  for (const f of [`${BIN}/api_test`, `${BIN}/ipfail`, `${BIN}/dopd`, CL_STATUS]) {
    try {
      Deno.statSync(f);
    } catch {
      return `${f} is not installed (apt-get install heartbeat drbd-utils)`;
    }
  }
  return undefined;
}

/** A Heartbeat client started against a node's run dir, with its output collected. */
interface Client {
  child: Deno.ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  done: Promise<number>;
}

function startClient(runDir: string, cmd: string, args: string[] = []): Client {
  const child = heartbeatClient(runDir, cmd, args, { stdin: "null" }).spawn();
  let out = "";
  const dec = new TextDecoder();
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) out += dec.decode(c, { stream: true });
  };
  const done = Promise.all([drain(child.stdout), drain(child.stderr)]).then(async () =>
    (await child.status).code
  );
  return { child, output: () => out, done };
}

async function clStatus(runDir: string, ...args: string[]): Promise<string> {
  const c = startClient(runDir, CL_STATUS, args);
  await c.done;
  return c.output();
}

async function waitOutput(c: Client, re: RegExp, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (re.test(c.output())) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no ${re} within ${ms} ms in:\n${c.output()}`);
}

async function stopClient(c: Client): Promise<void> {
  try {
    c.child.kill("SIGKILL");
  } catch {
    // already gone
  }
  await c.done;
}

function haCf(peer: number, pingIp: string): string {
  return [
    "node e1 e2",
    `ucast eth0 10.98.0.${10 + peer}`,
    "udpport 694",
    "keepalive 200ms",
    "warntime 600ms",
    "deadtime 1",
    "initdead 2",
    `ping ${pingIp}`,
    // ipfail refuses the default (legacy): "auto_failback set to incompatible legacy option".
    "auto_failback on",
    "apiauth ping uid=root",
    "apiauth ipfail uid=root",
    "apiauth dopd uid=root",
    "apiauth hbtsprobe uid=root",
  ].join("\n") + "\n";
}

const skip = missing() ?? await netnsUnavailable() ?? undefined;

Deno.test({
  name: "api clients: real api_test, ipfail and dopd against our daemons",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const lan = await TestLan.up(3); // node 3 is only the ping target
    const top = Deno.makeTempDirSync({ prefix: "hbts-apiclients-" });
    const pingIp = lan.ip(3);
    const nodes: NodeProc[] = [];
    const clients: Client[] = [];
    try {
      for (const k of [1, 2]) {
        nodes.push(
          startNode(`e${k}`, `${top}/e${k}`, haCf(3 - k, pingIp), inNamespace(lan, k)),
        );
      }
      const [a, b] = nodes;
      const bothActive = (name: string) => (r: { nodes: { name: string; status: string }[] }) =>
        ["e1", "e2"].every((n) => r.nodes.find((x) => x.name === n)?.status === "active") &&
        r.nodes.length > 0 && name.length > 0;
      for (const n of nodes) {
        assert.ok(await waitStatus(n, bothActive(n.name), 15_000), n.output());
      }
      const pingWired = (await clStatus(a.runDir, "nodetype", pingIp)).trim() === "ping";
      if (!pingWired) {
        console.log(
          `ping nodes: the daemon does not serve ha.cf "ping ${pingIp}" yet ` +
            "(cl_status nodetype is not `ping`); ping-node checks skipped",
        );
      } else {
        // The ping node is alive before the clients look at it.
        const end = performance.now() + 5000;
        while (
          (await clStatus(a.runDir, "nodestatus", pingIp)).trim() !== "ping" &&
          performance.now() < end
        ) await new Promise((r) => setTimeout(r, 100));
        assert.equal((await clStatus(a.runDir, "nodestatus", pingIp)).trim(), "ping");
      }

      const probe = await ApiClient.connect({
        path: `${a.runDir}/register`,
        clientId: "hbtsprobe",
      });
      assert.ok(probe.ok, JSON.stringify(probe));
      const rsc = await probe.value.query("getrsc");
      const rscAnswered = rsc.ok;
      if (!rscAnswered) {
        console.log(`getrsc: the daemon does not answer it (${rsc.error.detail}); ipfail exits`);
      }
      const back = probe.value.receive("hbts-self", 3000);
      await probe.value.send(Message.of({ t: "hbts-self", dest: "e1" }));
      const selfSrc = (await back)?.get("src") === "e1";
      if (!selfSrc) console.log("a client's message to its own node comes back without src");
      probe.value.close();

      await t.step("dopd signs on and stays", async () => {
        // Heartbeat's package makes /run/heartbeat/{ccm,crm,dopd} (tmpfiles.d); dopd binds
        // its socket in dopd/ and exits without it.
        Deno.mkdirSync(`${a.runDir}/dopd`, { recursive: true });
        const dopd = startClient(a.runDir, `${BIN}/dopd`);
        clients.push(dopd);
        let st = "";
        const end = performance.now() + 5000;
        while (performance.now() < end) {
          st = (await clStatus(a.runDir, "clientstatus", "e1", "dopd")).trim();
          if (st === "online") break;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(st, "online", dopd.output());
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal((await clStatus(a.runDir, "clientstatus", "e1", "dopd")).trim(), "online");
        await stopClient(dopd);
      });

      const ipfailStep = async () => {
        const ipa = startClient(a.runDir, `${BIN}/ipfail`);
        const ipb = startClient(b.runDir, `${BIN}/ipfail`);
        clients.push(ipa, ipb);
        for (const [c, me, them] of [[ipa, "e1", "e2"], [ipb, "e2", "e1"]] as const) {
          await waitOutput(c, /Waiting for messages/, 10_000);
          const log = c.output();
          assert.match(log, new RegExp(`\\[We are ${me}\\]`));
          assert.match(log, new RegExp(`\\[They are ${them}\\]`));
          assert.match(log, new RegExp(`Cluster node: ${them}: status: active`));
          assert.match(log, /auto_failback -> 1 \(on\)/);
          assert.doesNotMatch(log, /Cannot sign on|ERROR/, log);
          if (pingWired) assert.match(log, new RegExp(`Cluster node: ${pingIp}: status: ping`));
        }
        assert.equal((await clStatus(a.runDir, "clientstatus", "e1", "ipfail")).trim(), "online");
        if (pingWired) {
          // The ping target goes away: the daemon declares it dead, ipfail stays on.
          await lan.ipIn(3, ["link", "set", "eth0", "down"]);
          const end = performance.now() + 8000;
          let st = "";
          while (performance.now() < end) {
            st = (await clStatus(a.runDir, "nodestatus", pingIp)).trim();
            if (st === "dead") break;
            await new Promise((r) => setTimeout(r, 100));
          }
          assert.equal(st, "dead");
          await lan.ipIn(3, ["link", "set", "eth0", "up"]);
        }
        // The peer dies: ipfail on e1 stays signed on.
        await stopClient(ipb);
        b.child.kill("SIGKILL");
        assert.ok(await waitStatus(a, (r) => nodeStatus(r, "e2") === "dead", 5000));
        await new Promise((r) => setTimeout(r, 500));
        assert.equal((await clStatus(a.runDir, "clientstatus", "e1", "ipfail")).trim(), "online");
        assert.doesNotMatch(ipa.output(), /ERROR|Cannot/, ipa.output());
        await stopClient(ipa);
        // Bring e2 back for api_test's node walk.
        const i = nodes.indexOf(b);
        nodes[i] = startNode("e2", `${top}/e2`, haCf(1, pingIp), inNamespace(lan, 2));
        for (const n of nodes) {
          assert.ok(await waitStatus(n, bothActive(n.name), 15_000), n.output());
        }
      };
      await t.step({
        name: "ipfail signs on, walks the nodes, stays connected",
        ignore: !rscAnswered,
        fn: () => ipfailStep(),
      });
      if (!rscAnswered) {
        // What happens today: ipfail asks getrsc, gets a refusal and leaves.
        const ip = startClient(a.runDir, `${BIN}/ipfail`);
        clients.push(ip);
        assert.equal(await ip.done, 100);
        assert.match(ip.output(), /No managed resources/);
      }

      await t.step("api_test runs its script; exits 0 when the daemon stops", async () => {
        const at = startClient(nodes[0].runDir, `${BIN}/api_test`);
        clients.push(at);
        // Its script ends with ten pingreply messages back from our own node.
        const end = performance.now() + 30_000;
        while (
          (at.output().match(/of type \[pingreply\] from /g) ?? []).length < 10 &&
          performance.now() < end
        ) await new Promise((r) => setTimeout(r, 100));
        const log = at.output();
        const from = selfSrc ? "e1" : "?";
        for (
          const line of [
            "Parameter keepalive is [200ms]",
            "Parameter deadtime is [1]",
            rscAnswered ? "Current resource status: none" : "Cannot get resource status",
            "Cluster node: e2: status: active",
            "node e2: intf: eth0 ifstatus: up",
            "Cluster node: e1: status: active",
            "Client e1/ping now has status [join]",
            `Client ${selfSrc ? "e1" : "(null)"}/ping now has status [online]`,
            "of type [ping] from [e1]",
            "Sent ping reply(9) to [e1]",
          ]
        ) assert.ok(log.includes(line), `missing "${line}" in:\n${log}`);
        const replies = new RegExp(
          `of type \\[pingreply\\] from \\[${from.replace("?", "\\?")}\\]`,
          "g",
        );
        assert.equal((log.match(replies) ?? []).length, 10, log);
        assert.ok(!log.includes("Cannot sign on"), log);
        // As with real Heartbeat: the daemon stops, api_test's read ends, it exits 0.
        await stopNode(nodes[0]);
        const code = await Promise.race([
          at.done,
          new Promise<string>((r) => setTimeout(() => r("still running"), 5000)),
        ]);
        assert.equal(code, 0, at.output());
        assert.match(at.output(), /read_hb_msg returned NULL/);
      });
    } finally {
      for (const c of clients) await stopClient(c);
      await Promise.all(nodes.map((n) => stopNode(n, 2000)));
      await lan.down();
      Deno.removeSync(top, { recursive: true });
    }
  },
});
