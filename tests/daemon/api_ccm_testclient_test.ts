/**
 * Heartbeat's own CCM client (`ccm_testclient`, Debian 3.0.6, libccmclient) against our
 * daemons: it connects to /run/heartbeat/ccm/ccm (the node's run dir bind-mounted there)
 * and must log our membership, then the loss of a node killed with SIGKILL.
 */
import assert from "node:assert/strict";
import { clientsUnavailable, heartbeatClient } from "../helpers/hb_client.ts";
import { loopbackHaCf, startNode, stopNode, testPort, waitStatus } from "../helpers/nodes.ts";

const TESTCLIENT = "/usr/libexec/heartbeat/ccm_testclient";

function haCf(me: number, all: number[], port: number): string {
  return loopbackHaCf(me, all, port, "c");
}

async function waitFor(out: () => string, re: RegExp, ms: number): Promise<RegExpMatchArray> {
  const end = performance.now() + ms;
  for (;;) {
    const m = out().match(re);
    if (m) return m;
    if (performance.now() > end) assert.fail(`no ${re} within ${ms} ms in:\n${out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const skip = clientsUnavailable(TESTCLIENT);
Deno.test({
  name: "ccm_testclient: real libccmclient sees our views and the loss of a killed node",
  ignore: skip !== undefined,
  fn: async () => {
    const top = Deno.makeTempDirSync();
    const port = testPort(25);
    const ids = [51, 52, 53];
    const nodes = ids.map((k) => startNode(`c${k}`, `${top}/c${k}`, haCf(k, ids, port)));
    let client: Deno.ChildProcess | undefined;
    let out = "";
    try {
      for (const n of nodes) {
        const r = await waitStatus(n, (r) => r.membership?.members.length === 3, 15_000);
        assert.ok(r, `${n.name} never held a 3-node view:\n${n.output()}`);
      }
      const view = (await waitStatus(nodes[0], () => true, 2000))!.membership!;
      client = heartbeatClient(nodes[0].runDir, TESTCLIENT, [], { stdin: "null" }).spawn();
      const dec = new TextDecoder();
      const drain = async (s: ReadableStream<Uint8Array>) => {
        for await (const c of s) out += dec.decode(c, { stream: true });
      };
      drain(client.stdout);
      drain(client.stderr);
      const text = () => out;

      // The membership at connect time: all three, our node among them, indexes by name.
      await waitFor(text, /MEMBERS LOST\n?.*\n.*-----------------------/, 5000);
      assert.match(out, /event=NEW MEMBERSHIP:/);
      assert.match(out, new RegExp(`instance=${view.instance}\\b`));
      assert.match(out, /# ttl members=3, ttl_idx=0/);
      // nodeid = index in the sorted node list; born = the instance it joined at.
      const born = new Map<string, number>();
      for (const [i, name] of ["c51", "c52", "c53"].entries()) {
        const m = out.match(new RegExp(`nodeid=${i}, uname=${name}, born=(\\d+)`));
        assert.ok(m, `${name} is not listed as node ${i}`);
        assert.ok(Number(m[1]) >= 1 && Number(m[1]) <= view.instance, m[0]);
        born.set(name, Number(m[1]));
      }
      assert.match(out, /MY NODE IS A MEMBER OF THE MEMBERSHIP LIST/);

      nodes[2].child.kill("SIGKILL");
      await nodes[2].child.status;
      const lost = await waitFor(
        text,
        /instance=(\d+)\n?.*# ttl members=2[^]*?MEMBERS LOST\n?.*nodeid=2, uname=c53/,
        10_000,
      );
      assert.ok(Number(lost[1]) > view.instance, `instance ${lost[1]} after ${view.instance}`);
      const after = await waitStatus(nodes[0], (r) => r.membership?.members.length === 2, 3000);
      assert.equal(after?.membership?.instance, Number(lost[1]));
      // Status counts the CCM client and the two memberships it was sent.
      assert.equal(after?.counters.ccm_clients_connected, 1);
      assert.equal(after?.counters.ccm_clients_membershipsSent, 2);
      // Survivors keep the instance they joined at; the lost node is reported with its own.
      const tail = out.slice(lost.index!);
      for (const name of ["c51", "c52", "c53"]) {
        assert.match(tail, new RegExp(`uname=${name}, born=${born.get(name)}\\n`));
      }
    } finally {
      if (client !== undefined) {
        try {
          client.kill("SIGTERM");
        } catch {
          // exited already
        }
        await client.status;
      }
      for (const n of nodes) await stopNode(n, 2000);
      Deno.removeSync(top, { recursive: true });
    }
  },
});
