/**
 * Our daemon on every UDP medium, in private network namespaces (a bridge as the switch):
 * bcast, mcast, ucast6, mcast6 alone, and ucast + bcast on two LANs at once, where pulling
 * one LAN's cable kills that link only. Needs root: without it these tests fail, saying so.
 */
import assert from "node:assert/strict";
import { netnsUnavailable, TestLan } from "../helpers/netns.ts";
import { addIPv6, addSecondLan, inNamespace, port2 } from "../helpers/netns_extra.ts";
import {
  allActive,
  type NodeProc,
  startNode,
  stopNode,
  testPort,
  waitStatus,
} from "../helpers/nodes.ts";
import type { StatusReport } from "../../src/daemon/status_types.ts";

const name = (k: number) => `node${k}`;

function haCf(n: number, port: number, media: string[]): string {
  return [
    "keepalive 100ms",
    "warntime 300ms",
    "deadtime 600ms",
    "initdead 5",
    `udpport ${port}`,
    ...media,
    `node ${Array.from({ length: n }, (_, i) => name(i + 1)).join(" ")}`,
  ].join("\n") + "\n";
}

function linkOf(r: StatusReport, node: string, link: string): string | undefined {
  return r.nodes.find((x) => x.name === node)?.links.find((l) => l.name === link)?.status;
}

/**
 * Builds an n-node LAN, lets `prepare` add what the media need, starts node K with
 * `media(k)`, waits until every node sees every node active, then runs `body`.
 */
async function withCluster(
  n: number,
  media: (k: number, port: number) => string[],
  prepare: (lan: TestLan) => Promise<void>,
  body: (lan: TestLan, nodes: NodeProc[]) => Promise<void>,
): Promise<void> {
  const why = await netnsUnavailable();
  if (why) assert.fail(`${why}: run this test as root on Linux with iproute2`);
  const lan = await TestLan.up(n);
  const top = Deno.makeTempDirSync({ prefix: "hbts-netns-" });
  const nodes: NodeProc[] = [];
  try {
    await prepare(lan);
    const port = testPort(n * 7 + 3);
    for (let k = 1; k <= n; k++) {
      nodes.push(
        startNode(name(k), `${top}/n${k}`, haCf(n, port, media(k, port)), inNamespace(lan, k)),
      );
    }
    for (const node of nodes) {
      const r = await waitStatus(node, allActive, 15_000);
      assert.ok(r, `${node.name} never saw every node active:\n${node.output()}`);
    }
    await body(lan, nodes);
  } finally {
    await Promise.all(nodes.map((x) => stopNode(x, 2000)));
    await lan.down();
    Deno.removeSync(top, { recursive: true });
  }
}

/** Every node sees `link` up towards every other node. */
async function assertLinkUp(nodes: NodeProc[], link: string): Promise<void> {
  for (const node of nodes) {
    const r = await waitStatus(
      node,
      (r) => r.nodes.every((x) => x.name === node.name || linkOf(r, x.name, link) === "up"),
      3000,
    );
    assert.ok(r, `${node.name} does not see link ${link} up to every peer`);
  }
}

Deno.test("netns: 3 nodes over bcast eth0 only", async () => {
  await withCluster(3, () => ["bcast eth0"], async () => {}, async (_lan, nodes) => {
    await assertLinkUp(nodes, "eth0");
    // Each node hears its own broadcasts back; the medium drops them unread and counts them.
    for (const n of nodes) {
      const r = await waitStatus(n, (r) => (r.counters.media_echoes_dropped ?? 0) > 0, 3000);
      assert.ok(r, `${n.name} counted no own broadcast dropped`);
      assert.equal(r.counters.dropped_own ?? 0, 0);
    }
  });
});

Deno.test("netns: 3 nodes over mcast eth0 only", async () => {
  await withCluster(
    3,
    (_k, port) => [`mcast eth0 239.0.0.77 ${port} 1 0`],
    async () => {},
    async (_lan, nodes) => await assertLinkUp(nodes, "eth0"),
  );
});

Deno.test("netns: 2 nodes over ucast6 eth0 only", async () => {
  await withCluster(
    2,
    () => ["ucast6 eth0 fd00:98::1", "ucast6 eth0 fd00:98::2"],
    async (lan) => {
      for (const k of [1, 2]) await addIPv6(lan, k);
    },
    async (_lan, nodes) => await assertLinkUp(nodes, "eth0"),
  );
});

Deno.test("netns: 2 nodes over mcast6 eth0 only", async () => {
  await withCluster(
    2,
    (_k, port) => [`mcast6 eth0 ff12::77 ${port} 1 0`],
    async (lan) => {
      for (const k of [1, 2]) await addIPv6(lan, k);
    },
    async (_lan, nodes) => await assertLinkUp(nodes, "eth0"),
  );
});

Deno.test("netns: ucast on LAN 1 + bcast on LAN 2; one cable pulled kills only that link", async () => {
  await withCluster(
    2,
    () => ["ucast eth0 10.98.0.11", "ucast eth0 10.98.0.12", "bcast eth1"],
    async (lan) => await addSecondLan(lan, 2),
    async (lan, [n1, n2]) => {
      await assertLinkUp([n1, n2], "eth0");
      await assertLinkUp([n1, n2], "eth1");
      await port2(lan, 2, false);
      // Both sides see eth1 die (after deadtime) while eth0 carries on: nobody dies.
      for (const [me, peer] of [[n1, n2], [n2, n1]]) {
        const r = await waitStatus(me, (r) => linkOf(r, peer.name, "eth1") === "dead", 3000);
        assert.ok(r, `${me.name} never saw ${peer.name}'s eth1 go dead:\n${me.output()}`);
        assert.equal(linkOf(r, peer.name, "eth0"), "up");
        assert.ok(allActive(r), `${me.name} lost a node with one link left: ${JSON.stringify(r)}`);
      }
      // Still alive a deadtime later, and the link comes back with the cable.
      await new Promise((r) => setTimeout(r, 700));
      const later = await waitStatus(n1, allActive, 100);
      assert.ok(later, `${n1.name} lost ${n2.name} over a single dead link`);
      await port2(lan, 2, true);
      await assertLinkUp([n1, n2], "eth1");
      assert.doesNotMatch(n1.output() + n2.output(), /is dead/);
    },
  );
});
