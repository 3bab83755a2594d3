import assert from "node:assert/strict";
import { Message } from "../../src/wire/message.ts";
import {
  makeCore,
  ofKind,
  peerMsg,
  runUntil,
  status,
  testEnv,
  transmitted,
  uuidOf,
} from "./helpers.ts";

const rx = (msg: Message, link = "eth0") => ({ kind: "receive" as const, link, msg });

Deno.test("start sends status init then up with standard fields in wire order", () => {
  const core = makeCore("node1");
  const sent = transmitted(core.step({ kind: "start" }, 0));
  assert.equal(sent.length, 2);
  assert.deepEqual(
    sent[0].fields.map((f) => f.name),
    ["t", "st", "dt", "protocol", "src", "srcuuid", "seq", "hg", "ts", "ld", "ttl"],
  );
  assert.equal(sent[0].get("st"), "init");
  assert.equal(sent[0].get("seq"), "1");
  assert.equal(sent[0].get("dt"), "1388");
  assert.equal(sent[0].get("hg"), "64");
  assert.equal(sent[0].get("ts"), (1_800_000_000).toString(16));
  assert.equal(sent[0].get("ttl"), "3");
  assert.deepEqual(sent[0].getBinary("srcuuid"), uuidOf("node1"));
  assert.equal(sent[1].get("st"), "up");
  assert.equal(sent[1].get("seq"), "2");
});

Deno.test("status every keepalive; active at initdead when a peer is never heard", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  const acts = runUntil(core, 12_500);
  const statuses = transmitted(acts).filter((m) => m.get("t") === "status");
  // keepalives at 1000..9000, active at 10000 (+ its own keepalive schedule), 11000, 12000
  assert.equal(statuses.filter((m) => m.get("st") === "up").length, 9);
  assert.equal(statuses.filter((m) => m.get("st") === "active").length, 3);
  const deaths = ofKind(acts, "node_status").filter((a) => a.node === "node2");
  assert.deepEqual(deaths.map((d) => [d.status, d.reason]), [[
    "dead",
    "not heard within initdead",
  ]]);
});

Deno.test("a single-node cluster and a fully heard cluster go active at once", () => {
  const solo = makeCore("node1", { nodes: ["node1"] });
  const acts = solo.step({ kind: "start" }, 0);
  assert.deepEqual(transmitted(acts).map((m) => m.get("st")), ["init", "up", "active"]);
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  const a2 = core.step(rx(status("node2", 7, 1, "init")), 300);
  assert.ok(transmitted(a2).some((m) => m.get("t") === "status" && m.get("st") === "active"));
});

Deno.test("a silent peer is declared dead exactly at lastHeard + its dt", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  core.step(rx(status("node2", 7, 1, "active", 4000)), 100);
  assert.equal(core.snapshot().nodes[1].status, "active");
  runUntil(core, 4099);
  assert.equal(core.snapshot().nodes[1].status, "active");
  const acts = runUntil(core, 4100);
  const dead = ofKind(acts, "node_status").filter((a) => a.status === "dead");
  assert.equal(dead.length, 1);
  assert.equal(dead[0].previous, "active");
  assert.equal(core.snapshot().counters.deaths, 1);
});

Deno.test("one link dies on its own while the node stays up over the other", () => {
  const core = makeCore("node1", { links: ["eth0", "eth1"] });
  core.step({ kind: "start" }, 0);
  const up = [
    ...core.step(rx(status("node2", 7, 1), "eth0"), 100),
    ...core.step(rx(status("node2", 7, 1), "eth1"), 101),
  ];
  assert.deepEqual(ofKind(up, "link_status").map((a) => a.link + a.status), ["eth0up", "eth1up"]);
  const acts = [];
  for (let s = 2, t = 1100; t <= 8100; s++, t += 1000) {
    acts.push(...runUntil(core, t - 1));
    acts.push(...core.step(rx(status("node2", 7, s), "eth0"), t));
  }
  const links = ofKind(acts, "link_status");
  assert.deepEqual(links.map((a) => [a.link, a.status]), [["eth1", "dead"]]);
  assert.ok(ofKind(acts, "node_status").every((a) => a.node !== "node2"));
  assert.equal(core.snapshot().nodes[1].links.find((l) => l.name === "eth1")?.status, "dead");
});

Deno.test("warn_late once per silence at warntime", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  core.step(rx(status("node2", 7, 1)), 0);
  const acts = runUntil(core, 4000);
  const w = ofKind(acts, "warn_late");
  assert.equal(w.length, 1);
  assert.equal(w[0].silentMs, 3000);
  core.step(rx(status("node2", 7, 2)), 4500);
  assert.equal(ofKind(runUntil(core, 7600), "warn_late").length, 1);
});

Deno.test("restart with a new generation resets tracking and never reports dead", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  for (let s = 1; s <= 5; s++) core.step(rx(status("node2", 7, s)), s * 1000);
  const acts = [
    ...core.step(rx(status("node2", 8, 1, "init")), 5500),
    ...core.step(rx(status("node2", 8, 2, "up")), 5501),
    ...runUntil(core, 9000),
  ];
  assert.ok(ofKind(acts, "log").some((l) => l.text.includes("restart on node node2")));
  assert.deepEqual(
    ofKind(acts, "node_status").filter((a) => a.node === "node2").map((a) => a.status),
    ["init", "up"],
  );
  assert.equal(ofKind(acts, "drop").length, 0);
  assert.equal(core.snapshot().nodes[1].generation, 8);
  // The old generation is now a replay.
  const r = core.step(rx(status("node2", 7, 6)), 9100);
  assert.deepEqual(ofKind(r, "drop").map((d) => d.reason), ["replay"]);
});

Deno.test("duplicates (one copy per link) are dropped and counted", () => {
  const core = makeCore("node1", { links: ["eth0", "eth1"] });
  core.step({ kind: "start" }, 0);
  const m = status("node2", 7, 1);
  core.step(rx(m, "eth0"), 10);
  const d = core.step(rx(m, "eth1"), 11);
  assert.deepEqual(ofKind(d, "drop").map((x) => x.reason), ["duplicate"]);
  assert.equal(core.snapshot().counters.dropped.duplicate, 1);
  const bad = core.step(rx(peerMsg("node2", 7, null, { t: "x" })), 12);
  assert.deepEqual(ofKind(bad, "drop").map((x) => x.reason), ["no_seq"]);
});

Deno.test("a hole is requested with NS_rexmit until filled, then delivery resumes in order", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  core.step(rx(peerMsg("node2", 7, 1, { t: "app", n: "1" })), 10);
  const gap = core.step(rx(peerMsg("node2", 7, 3, { t: "app", n: "3" })), 20);
  assert.equal(ofKind(gap, "deliver").length, 0, "held behind the hole");
  const reqs = transmitted(runUntil(core, 20 + 250)).filter((m) => m.get("t") === "NS_rexmit");
  assert.equal(reqs.length, 1);
  assert.deepEqual(reqs[0].fields.slice(0, 4).map((f) => [f.name, f.value]), [
    ["t", "NS_rexmit"],
    ["dest", "node2"],
    ["firstseq", "2"],
    ["lastseq", "2"],
  ]);
  assert.equal(reqs[0].get("seq"), undefined);
  assert.equal(reqs[0].get("ld"), undefined);
  const again = transmitted(runUntil(core, 20 + 500)).filter((m) => m.get("t") === "NS_rexmit");
  assert.equal(again.length, 1, "repeated every max_rexmit_delay");
  const fill = core.step(rx(peerMsg("node2", 7, 2, { t: "app", n: "2" })), 600);
  assert.deepEqual(ofKind(fill, "deliver").map((d) => d.msg.get("n")), ["2", "3"]);
  assert.equal(
    transmitted(runUntil(core, 2000)).filter((m) => m.get("t") === "NS_rexmit").length,
    0,
  );
});

Deno.test("retransmission is given up after the attempt bound", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  core.step(rx(peerMsg("node2", 7, 1, { t: "app" })), 0);
  core.step(rx(peerMsg("node2", 7, 3, { t: "app", n: "3" })), 0);
  const acts = [];
  for (let t = 500; t <= 6000; t += 500) {
    acts.push(...runUntil(core, t));
    core.step(rx(status("node2", 7, 3 + t / 500)), t);
  }
  assert.ok(ofKind(acts, "log").some((l) => l.text.includes("Irretrievably lost")));
  assert.deepEqual(ofKind(acts, "deliver").map((d) => d.msg.get("n")), ["3"]);
  assert.equal(core.snapshot().counters.lost, 1);
});

Deno.test("serving rexmit: resend the same message, NAK below history, ignore unsent", () => {
  const core = makeCore("node1", { keepaliveMs: 1 });
  core.step({ kind: "start" }, 0);
  const sent = transmitted(runUntil(core, 700));
  const last = core.snapshot().lastSeqSent;
  assert.ok(last > 600);
  const byseq = new Map(sent.map((m) => [m.get("seq"), m]));
  const old = (m: Message) => parseInt(m.get("seq") ?? "0", 16) <= last;
  const ask = (first: number, lastSeq: number, now: number) =>
    core.step(
      rx(peerMsg("node2", 7, null, {
        t: "NS_rexmit",
        dest: "node1",
        firstseq: String(first),
        lastseq: String(lastSeq),
      })),
      now,
    );
  const r1 = transmitted(ask(last - 1, last - 1, 700)).filter(old);
  assert.equal(r1.length, 1);
  assert.equal(r1[0], byseq.get((last - 1).toString(16)), "identical stored message");
  assert.equal(
    transmitted(ask(last - 1, last - 1, 710)).filter(old).length,
    0,
  );
  const nak = transmitted(ask(1, 1, 711)).filter((m) => m.get("t") === "NS_nak_rexmit");
  assert.equal(nak.length, 1);
  assert.deepEqual(nak[0].fields.slice(0, 4).map((f) => f.value), [
    "NS_nak_rexmit",
    "1",
    "node2",
    "seqno too low",
  ]);
  assert.equal(
    transmitted(ask(last + 5, last + 9, 712)).filter((m) => m.get("t") !== "status").length,
    0,
  );
  const batch = transmitted(ask(last - 120, last, 800)).filter(old);
  assert.equal(batch.length, 50);
});

Deno.test("a NAK gives the hole up and releases held messages", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  core.step(rx(peerMsg("node2", 7, 1, { t: "app" })), 0);
  core.step(rx(peerMsg("node2", 7, 3, { t: "app", n: "3" })), 0);
  const acts = core.step(
    rx(peerMsg("node2", 7, null, {
      t: "NS_nak_rexmit",
      firstseq: "2",
      dest: "node1",
      info: "seqno too low",
    })),
    100,
  );
  assert.deepEqual(ofKind(acts, "deliver").map((d) => d.msg.get("n")), ["3"]);
  assert.ok(ofKind(acts, "log").some((l) => l.text.includes("Irretrievably lost")));
  assert.equal(
    transmitted(runUntil(core, 900)).filter((m) => m.get("t") === "NS_rexmit").length,
    0,
  );
});

Deno.test("acks are sent when seq % 10 equals the peer's trigger", () => {
  const core = makeCore("node1", {}, testEnv(1, () => 0.35)); // trigger 3
  core.step({ kind: "start" }, 0);
  const acks = [];
  for (let s = 1; s <= 14; s++) {
    acks.push(
      ...transmitted(core.step(rx(status("node2", 7, s)), s)).filter((m) =>
        m.get("t") === "NS_ackmsg"
      ),
    );
  }
  assert.deepEqual(acks.map((m) => m.get("ackseq")), ["3", "d"]);
  assert.deepEqual(acks[0].fields.map((f) => f.name), [
    "t",
    "dest",
    "ackseq",
    "destuuid",
    "src",
    "srcuuid",
    "hg",
    "ts",
    "ttl",
  ]);
  assert.deepEqual(acks[0].getBinary("destuuid"), uuidOf("node2"));
});

Deno.test("reqnodes to a newly heard peer; repnodes answers with the node list", () => {
  const core = makeCore("node1", { nodes: ["node1", "node2", "node3"] });
  core.step({ kind: "start" }, 0);
  const a = transmitted(core.step(rx(status("node2", 7, 1)), 5));
  const req = a.filter((m) => m.get("t") === "reqnodes");
  assert.equal(req.length, 1);
  assert.equal(req[0].get("dest"), "node2");
  assert.ok(req[0].get("seq"));
  const b = transmitted(
    core.step(rx(peerMsg("node2", 7, 2, { t: "reqnodes", dest: "node1" })), 6),
  );
  const rep = b.filter((m) => m.get("t") === "repnodes");
  assert.equal(rep.length, 1);
  assert.deepEqual(rep[0].fields.slice(0, 5).map((f) => [f.name, f.value]), [
    ["dest", "node2"],
    ["t", "repnodes"],
    ["nodelist", "node1 node2 node3 "],
    ["delnodelist", " "],
    ["destuuid", uuidOf("node2")],
  ]);
  // reqnodes addressed to another node is tracked but not answered
  const c = transmitted(
    core.step(rx(peerMsg("node2", 7, 3, { t: "reqnodes", dest: "node3" })), 7),
  );
  assert.equal(c.filter((m) => m.get("t") === "repnodes").length, 0);
});

Deno.test("shutdown sends shutdone then status and stops; peers mark it dead at once", () => {
  const a = makeCore("node1");
  const b = makeCore("node2");
  const fromA = transmitted(a.step({ kind: "start" }, 0));
  const fromB = transmitted(b.step({ kind: "start" }, 0));
  for (const m of fromA) b.step(rx(m), 1);
  for (const m of fromB) a.step(rx(m), 2);
  const bye = a.step({ kind: "shutdown" }, 3000);
  const byeMsgs = transmitted(bye);
  assert.deepEqual(byeMsgs.map((m) => [m.get("t"), m.get("st")]), [
    ["shutdone", "dead"],
    ["status", "active"],
  ]);
  assert.equal(bye.at(-1)?.kind, "stopped");
  assert.deepEqual(a.step({ kind: "tick" }, 4000), []);
  assert.equal(a.nextDeadline(), Infinity);
  const seen = [...b.step(rx(byeMsgs[0]), 3001), ...b.step(rx(byeMsgs[1]), 3002)];
  const st = ofKind(seen, "node_status").filter((x) => x.node === "node1");
  assert.deepEqual(st.map((x) => [x.status, x.reason]), [["dead", "shutdown notice"]]);
  assert.equal(b.snapshot().nodes[1].status, "dead");
});

Deno.test("wall clock jumps of ±1 h never kill a node that keeps talking", () => {
  const env = testEnv(3);
  const core = makeCore("node1", {}, env);
  core.step({ kind: "start" }, 0);
  const acts = [];
  for (let s = 1; s <= 30; s++) {
    if (s === 10) env.wallOffsetSec += 3600;
    if (s === 20) env.wallOffsetSec -= 7200;
    acts.push(...runUntil(core, s * 1000 - 1));
    acts.push(...core.step(rx(status("node2", 7, s)), s * 1000));
  }
  assert.ok(ofKind(acts, "node_status").every((a) => a.status !== "dead"));
  assert.equal(ofKind(acts, "warn_late").length, 0);
});

Deno.test("local send: sequenced, stamped, delivered locally when broadcast", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  const acts = core.step({ kind: "send", msg: Message.of({ t: "app", x: "1", src: "forged" }) }, 5);
  const [m] = transmitted(acts);
  assert.deepEqual(m.fields.map((f) => f.name), [
    "t",
    "x",
    "src",
    "srcuuid",
    "seq",
    "hg",
    "ts",
    "ld",
    "ttl",
  ]);
  assert.equal(m.get("src"), "node1");
  assert.equal(m.get("seq"), "3");
  assert.equal(ofKind(acts, "deliver").length, 1);
  const directed = core.step({ kind: "send", msg: Message.of({ t: "app" }), dest: "node2" }, 6);
  assert.equal(transmitted(directed)[0].get("dest"), "node2");
  assert.equal(ofKind(directed, "deliver").length, 0);
  // Our own messages heard back are dropped as "own".
  const own = core.step(rx(m), 7);
  assert.deepEqual(ofKind(own, "drop").map((d) => d.reason), ["own"]);
});

Deno.test("messages for another node are tracked but not delivered", () => {
  const core = makeCore("node1", { nodes: ["node1", "node2", "node3"] });
  core.step({ kind: "start" }, 0);
  const a = core.step(rx(peerMsg("node2", 7, 1, { t: "app", dest: "node3" })), 1);
  assert.equal(ofKind(a, "deliver").length, 0);
  const b = core.step(rx(peerMsg("node2", 7, 2, { t: "app" })), 2);
  assert.equal(ofKind(b, "deliver").length, 1);
  assert.equal(ofKind(b, "drop").length, 0);
});

Deno.test("same generation after a death is a rejoin; a new one is a restart", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  core.step(rx(status("node2", 7, 1)), 0);
  runUntil(core, 6000);
  assert.equal(core.snapshot().nodes[1].status, "dead");
  const back = core.step(rx(status("node2", 7, 9)), 6100);
  assert.ok(ofKind(back, "log").some((l) => l.level === "crit" && l.text.includes("returning")));
  assert.deepEqual(ofKind(back, "node_status").map((a) => a.status), ["active"]);
  runUntil(core, 12000);
  const restart = core.step(rx(status("node2", 8, 1, "init")), 12100);
  assert.ok(!ofKind(restart, "log").some((l) => l.level === "crit"));
  assert.deepEqual(ofKind(restart, "node_status").map((a) => [a.previous, a.status]), [
    ["dead", "init"],
  ]);
});

Deno.test("messages from unconfigured nodes and without src are dropped", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  const a = core.step(rx(status("intruder", 7, 1)), 1);
  const b = core.step(rx(status("intruder", 7, 2)), 2);
  assert.deepEqual(ofKind([...a, ...b], "drop").map((d) => d.reason), [
    "unknown_node",
    "unknown_node",
  ]);
  assert.equal(
    ofKind([...a, ...b], "log").filter((l) => l.text.includes("not in ha.cf")).length,
    1,
    "warned once",
  );
  const c = core.step(rx(Message.of({ t: "status", seq: "1" })), 3);
  assert.deepEqual(ofKind(c, "drop").map((d) => d.reason), ["no_src"]);
});

Deno.test("links never heard are reported dead at initdead", () => {
  const core = makeCore("node1", { links: ["eth0", "eth1"] });
  core.step({ kind: "start" }, 0);
  const acts = [];
  for (let s = 1; s <= 12; s++) {
    acts.push(
      ...runUntil(core, s * 900 - 1),
      ...core.step(rx(status("node2", 7, s), "eth0"), s * 900),
    );
  }
  assert.deepEqual(ofKind(acts, "link_status").map((a) => [a.link, a.status]), [
    ["eth0", "up"],
    ["eth1", "dead"],
  ]);
  assert.ok(ofKind(acts, "node_status").every((a) => a.status !== "dead"));
});

Deno.test("a retransmitted older status does not roll the node's status back", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  core.step(rx(status("node2", 7, 1, "up")), 0);
  core.step(rx(status("node2", 7, 3, "active")), 10);
  const late = core.step(rx(status("node2", 7, 2, "up")), 20);
  assert.equal(ofKind(late, "node_status").length, 0);
  assert.equal(core.snapshot().nodes[1].status, "active");
  assert.equal(ofKind(late, "drop").length, 0, "the hole it fills is accepted");
});

Deno.test("the peer's advertised dt is its dead interval", () => {
  const core = makeCore("node1", { deadtimeMs: 5000 });
  core.step({ kind: "start" }, 0);
  core.step(rx(status("node2", 7, 1, "active", 0x2710)), 0);
  assert.equal(core.snapshot().nodes[1].deadtimeMs, 10000);
  runUntil(core, 9999);
  assert.equal(core.snapshot().nodes[1].status, "active");
  runUntil(core, 10000);
  assert.equal(core.snapshot().nodes[1].status, "dead");
});
