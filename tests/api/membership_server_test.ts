/** Membership views on the API server: only subscribers get them, in order, once each. */
import assert from "node:assert/strict";
import { ApiServer } from "../../src/api/server.ts";
import type { MembershipEvent, MembershipView } from "../../src/api/membership.ts";
import { encodeFrame } from "../../src/api/framing.ts";
import { Message } from "../../src/wire/message.ts";
import { connect, FixtureCluster, tempSocketDir, until } from "./cluster_fixture.ts";

async function withServer(
  fn: (s: ApiServer, path: string, cluster: FixtureCluster) => Promise<void>,
): Promise<void> {
  const { dir, path } = await tempSocketDir();
  const cluster = new FixtureCluster();
  const r = await ApiServer.listen(path, cluster);
  if (!r.ok) throw new Error(r.error.detail);
  try {
    await fn(r.server, path, cluster);
  } finally {
    await r.server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function view(instance: number, members: string[], quorum = true): MembershipView {
  return {
    id: `${instance}.${members[0]}.1.${instance}`,
    instance,
    leader: members[0],
    members,
    quorum,
  };
}

Deno.test("membership: one-shot query answers the backend's current view", async () => {
  await withServer(async (_s, path, cluster) => {
    const c = await connect(path);
    try {
      assert.deepEqual(await c.membership(), { ok: true, value: undefined });
      cluster.view = view(3, ["node1", "node2"]);
      assert.deepEqual(await c.membership(), { ok: true, value: view(3, ["node1", "node2"]) });
      cluster.view = view(4, ["node1"], false);
      assert.deepEqual(await c.membership(), { ok: true, value: view(4, ["node1"], false) });
    } finally {
      await c.signoff();
    }
  });
});

Deno.test("membership: subscriber gets the current view, then every change in order", async () => {
  await withServer(async (s, path, cluster) => {
    cluster.view = view(1, ["node1", "node2"]);
    const c = await connect(path, "watcher");
    try {
      const got: MembershipEvent[] = [];
      const sub = await c.onMembership((e) => got.push(e));
      assert.deepEqual(sub, { ok: true, value: undefined });
      await until(() => got.length === 1);
      assert.deepEqual(got[0], {
        node: "node1",
        view: view(1, ["node1", "node2"]),
        reason: "subscribed",
      });
      assert.equal(s.stats().membershipSubscribers, 1);

      cluster.view = view(2, ["node1"], false);
      assert.equal(s.membershipChanged(cluster.view, "node2 died"), 1);
      // The same view again (e.g. reported twice) is not sent twice.
      assert.equal(s.membershipChanged(cluster.view, "again"), 0);
      cluster.view = view(5, ["node1", "node2"]);
      assert.equal(s.membershipChanged(cluster.view, "node2 joined"), 1);
      await until(() => got.length === 3);
      assert.deepEqual(got.map((e) => [e.view.instance, e.view.members.join(","), e.reason]), [
        [1, "node1,node2", "subscribed"],
        [2, "node1", "node2 died"],
        [5, "node1,node2", "node2 joined"],
      ]);
      assert.equal(got[1].view.quorum, false);

      // Unsubscribed: nothing more, neither to the callback nor the queue.
      assert.deepEqual(await c.onMembership(undefined), { ok: true, value: undefined });
      assert.equal(s.stats().membershipSubscribers, 0);
      assert.equal(s.membershipChanged(view(6, ["node1"]), "x"), 0);
      assert.equal(await c.receive(undefined, 150), undefined);
      assert.equal(got.length, 3);
    } finally {
      await c.signoff();
    }
  });
});

Deno.test("membership: clients that never subscribe (real Heartbeat clients) get nothing new", async () => {
  await withServer(async (s, path, cluster) => {
    cluster.view = view(1, ["node1", "node2"]);
    const plain = await connect(path, "ipfail");
    const casual = await connect(path);
    const sub = await connect(path, "watcher");
    try {
      const got: MembershipEvent[] = [];
      assert.ok((await sub.onMembership((e) => got.push(e))).ok);
      assert.equal(s.membershipChanged(view(2, ["node1"]), "node2 died"), 1);
      await until(() => got.length === 2);
      // A node status change still reaches everyone, and is the *only* thing they got.
      s.nodeStatusChanged("node2", "dead");
      for (const c of [plain, casual]) {
        const first = await c.receive(undefined, 1000);
        assert.equal(first?.get("t"), "status");
        assert.equal(await c.receive(undefined, 100), undefined);
      }
      assert.equal(s.stats().membershipViewsSent, 2);
    } finally {
      for (const c of [plain, casual, sub]) await c.signoff();
    }
  });
});

Deno.test("membership: a new callback gets the current view again; disconnect unsubscribes", async () => {
  await withServer(async (s, path, cluster) => {
    cluster.view = view(8, ["node1", "node2"]);
    const c = await connect(path);
    const first: number[] = [];
    const second: number[] = [];
    assert.ok((await c.onMembership((e) => first.push(e.view.instance))).ok);
    await until(() => first.length === 1);
    assert.ok((await c.onMembership((e) => second.push(e.view.instance))).ok);
    await until(() => second.length === 1);
    assert.deepEqual([first, second], [[8], [8]]);
    assert.equal(s.stats().membershipSubscribers, 1);
    c.close();
    await until(() => s.stats().membershipSubscribers === 0 && s.stats().signedOn === 0);
    assert.equal(s.membershipChanged(view(9, ["node1"]), "x"), 0);
  });
});

Deno.test("membership: a subscriber that stops reading loses views, never blocks the server", async () => {
  const { dir, path } = await tempSocketDir();
  const r = await ApiServer.listen(path, new FixtureCluster(), {
    maxQueueFrames: 64,
    stallTimeoutMs: 60_000,
  });
  if (!r.ok) throw new Error(r.error.detail);
  const s = r.server;
  const raw = await Deno.connect({ transport: "unix", path });
  try {
    const c = await connect(path, "reader");
    const seen: number[] = [];
    assert.ok((await c.onMembership((e) => seen.push(e.view.instance))).ok);
    // A subscriber that signs on by hand, subscribes and never reads again.
    const req = (reqtype: string) =>
      Message.of({ t: "hbapi-req", reqtype, pid: String(Deno.pid), from_id: "stuck" });
    const signon = req("signon").set("uid", String(Deno.uid() ?? 0))
      .set("gid", String(Deno.gid() ?? 0));
    await raw.write(encodeFrame(signon));
    await until(() => s.hasClient("stuck"));
    await raw.write(encodeFrame(req("hbts_memsub")));
    await until(() => s.stats().membershipSubscribers === 2);
    const N = 4000;
    let slowest = 0;
    for (let i = 1; i <= N; i++) {
      const t0 = performance.now();
      s.membershipChanged(view(i, ["node1", "node2"]), "flap");
      slowest = Math.max(slowest, performance.now() - t0);
      // Let the reading client keep up (the stuck one cannot).
      if (i % 8 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    await until(() => seen.length === N);
    assert.deepEqual(seen.slice(-3), [N - 2, N - 1, N]);
    assert.ok(s.stats().dropped > 0, "nothing was dropped for the stalled reader");
    assert.ok(slowest < 500, `one membershipChanged took ${slowest} ms`);
    c.close();
  } finally {
    raw.close();
    await s.close();
    await Deno.remove(dir, { recursive: true });
  }
});
