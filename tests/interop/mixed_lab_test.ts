/** Unit tests of the mixed-cluster lab's pure parts (no namespaces, no root needed). */
import assert from "node:assert/strict";
import { gapTrouble, interopUnavailable, MixedLab, realComplaints } from "./mixed_lab.ts";

Deno.test("interop gate: names what is missing, in order", async () => {
  const noRoot = await interopUnavailable(() => Promise.resolve("namespace tests need root"));
  assert.match(noRoot!, /need root and network namespaces: namespace tests need root/);
  const noHb = await interopUnavailable(() => Promise.resolve(null), "/nonexistent/heartbeat");
  assert.match(
    noHb!,
    /install the Debian heartbeat package \(tests\/interop\/realhb\.sh install\)/,
  );
});

Deno.test("realComplaints: flags packet complaints and unknown ERRORs, not lab noise", () => {
  const log = [
    "Nov 29 01:49:53 node1 heartbeat: [1]: ERROR: Cannot lock ourselves into memory:  System limits",
    "Nov 29 01:49:53 node1 heartbeat: [1]: info: Status update for node node2: status active",
    "Nov 29 01:49:53 node1 heartbeat: [1]: ERROR: authtoken does not match, authtoken=ab, authstr=cd",
    "Nov 29 01:49:53 node1 heartbeat: [1]: ERROR: netstring authentication failed, s=###",
    "Nov 29 01:49:53 node1 ccm: [2]: ERROR: Lost connection to heartbeat service. Need to bail out.",
    "Nov 29 01:49:53 node1 heartbeat: [1]: ERROR: something new",
    "Nov 29 01:49:53 node1 heartbeat: [1]: WARN: 1 lost packet(s) for [node2] [36:38]",
  ].join("\n");
  const bad = realComplaints(log);
  assert.equal(bad.length, 3);
  assert.ok(bad.some((l) => l.includes("authtoken does not match")));
  assert.ok(bad.some((l) => l.includes("something new")));
  assert.ok(!bad.some((l) => l.includes("lost packet")));
  assert.ok(!bad.some((l) => l.includes("Cannot lock") || l.includes("Lost connection")));
});

Deno.test("lab config: every medium gives the same lines to every node", () => {
  const u = new MixedLab({ media: "ucast", auth: "sha1", nodes: [1, 2, 3] }, "t");
  assert.deepEqual(u.mediaLines(), [
    "ucast eth0 10.99.0.11",
    "ucast eth0 10.99.0.12",
    "ucast eth0 10.99.0.13",
  ]);
  assert.match(u.haCf(), /^node node1 node2 node3$/m);
  assert.match(u.haCf(), /^deadtime 2$/m);
  assert.equal(u.authkeys(), "auth 1\n1 sha1 interop-secret\n");
  const m = new MixedLab({ media: "mcast", auth: "crc", nodes: [1, 2] }, "t");
  assert.deepEqual(m.mediaLines(), ["mcast eth0 239.0.0.99 694 1 0"]);
  assert.equal(m.authkeys("ignored"), "auth 1\n1 crc\n");
  const b = new MixedLab({
    media: "bcast",
    auth: "md5",
    nodes: [1, 2],
    timings: { keepalive: "1", warntime: "5", deadtime: "10", initdead: "20" },
  }, "t");
  assert.deepEqual(b.mediaLines(), ["bcast eth0"]);
  assert.match(b.haCf(), /^deadtime 10$/m);
});

Deno.test("gapTrouble: filled gaps pass, holes and storms do not", () => {
  const gap = (n: string, a: number) => `WARN: 1 lost packet(s) for [${n}] [${a}:${a + 2}]`;
  const fill = (n: string) => `info: No pkts missing from ${n}!`;
  assert.deepEqual(gapTrouble([gap("node3", 15), fill("node3")].join("\n"), 3), []);
  const hole = gapTrouble([fill("node2"), gap("node2", 4), fill("node3")].join("\n"), 3);
  assert.equal(hole.length, 1);
  assert.match(hole[0], /never filled: .*\[node2\]/);
  const storm = [1, 2, 3, 4].flatMap((i) => [gap("node2", i * 10), fill("node2")]).join("\n");
  assert.deepEqual(gapTrouble(storm, 3), ["4 gaps (more than 3): a lost-packet storm"]);
  assert.deepEqual(gapTrouble(storm, 4), []);
});
