/**
 * Membership views through the client API, end to end: three real `heartbeat start`
 * processes on loopback; a subscribed ApiClient on a survivor sees the view lose a node
 * killed with SIGKILL, and a client that did not subscribe sees no view message at all.
 */
import assert from "node:assert/strict";
import { ApiClient, type MembershipEvent, T_MEMVIEW } from "../../src/api/mod.ts";
import { loopbackHaCf, startNode, stopNode, testPort, waitStatus } from "../helpers/nodes.ts";

function haCf(me: number, all: number[], port: number): string {
  return loopbackHaCf(me, all, port, "v", [
    "apiauth watcher uid=root",
    "apiauth plain uid=root",
  ]);
}

async function until(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`${what()} (waited ${ms} ms)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("api membership: a subscriber on a survivor sees the view lose a killed node", async () => {
  const top = Deno.makeTempDirSync();
  const port = testPort(23);
  const ids = [41, 42, 43];
  const nodes = ids.map((k) => startNode(`v${k}`, `${top}/v${k}`, haCf(k, ids, port)));
  const clients: ApiClient[] = [];
  try {
    for (const n of nodes) {
      const r = await waitStatus(n, (r) => r.membership?.members.length === 3, 15_000);
      assert.ok(r, `${n.name} never held a 3-node view:\n${n.output()}`);
    }
    const connect = async (runDir: string, clientId?: string) => {
      const c = await ApiClient.connect({ path: `${runDir}/register`, clientId, timeoutMs: 5000 });
      if (!c.ok) throw new Error(c.error.detail);
      clients.push(c.value);
      return c.value;
    };
    const watcher = await connect(nodes[0].runDir, "watcher");
    const plain = await connect(nodes[1].runDir, "plain");

    // The one-shot query and the view at subscribe time agree with `heartbeat status`.
    const now = await watcher.membership();
    assert.ok(now.ok && now.value !== undefined, JSON.stringify(now));
    assert.deepEqual(now.value.members, ["v41", "v42", "v43"]);
    const status = await waitStatus(nodes[0], () => true, 2000);
    assert.equal(status?.membership?.instance, now.value.instance);

    const events: MembershipEvent[] = [];
    assert.deepEqual(await watcher.onMembership((e) => events.push(e)), {
      ok: true,
      value: undefined,
    });
    await until(() => events.length >= 1, 3000, () => "no view at subscribe time");
    assert.equal(events[0].reason, "subscribed");
    assert.equal(events[0].node, "v41");
    assert.deepEqual(events[0].view, now.value);

    nodes[2].child.kill("SIGKILL");
    await nodes[2].child.status;
    const last = () => events[events.length - 1].view;
    await until(
      () => !last().members.includes("v43"),
      10_000,
      () => `views seen: ${JSON.stringify(events)}\n${nodes[0].output()}`,
    );
    const after = last();
    assert.deepEqual(after.members, ["v41", "v42"]);
    assert.equal(after.quorum, true); // 2 of 3 configured nodes
    assert.ok(after.instance > now.value.instance, `instance ${after.instance}`);
    // Instances only grow along what the subscriber saw.
    for (let i = 1; i < events.length; i++) {
      assert.ok(events[i].view.instance > events[i - 1].view.instance, JSON.stringify(events));
    }
    const q = await watcher.membership();
    assert.deepEqual(q, { ok: true, value: after });

    // The other survivor agrees (same view id), and its unsubscribed client got no view.
    const r2 = await waitStatus(
      nodes[1],
      (r) => r.membership !== null && r.membership.instance === after.instance,
      5000,
    );
    assert.deepEqual(r2?.membership?.members, ["v41", "v42"]);
    assert.equal(await plain.receive(T_MEMVIEW, 200), undefined);
  } finally {
    for (const c of clients) c.close();
    for (const n of nodes) await stopNode(n, 2000);
    Deno.removeSync(top, { recursive: true });
  }
});
