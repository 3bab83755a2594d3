/**
 * Mixed clusters: real Heartbeat 3.0.6 nodes and ours on one namespace LAN, for ucast+sha1,
 * bcast+md5 and mcast+crc. Needs root, network namespaces and the Debian heartbeat package;
 * without them every test FAILS saying what is missing (set HB_INTEROP=0 to opt out).
 *
 * One scenario per medium walks the cluster through its life instead of starting a new
 * cluster per check: nodes 1 and 3 are real, 2 and 4 are ours.
 *   1r+1o → 2r+1o → 2r+2o → 20% loss on one veth, then the other → graceful leave of a real
 *   node (1r+2o) → kill -9 of ours → restart of ours → graceful leave of ours → kill -9 of
 *   the real node → restart of the real node.
 * Real nodes run ccm throughout, so CCM traffic crosses our nodes the whole time.
 */
import assert from "node:assert/strict";
import { netnsUnavailable } from "../helpers/netns.ts";
import { nodeStatus, sleep } from "../helpers/nodes.ts";
import type { StatusReport } from "../../src/daemon/status_types.ts";
import {
  type AuthMethod,
  buildApiSender,
  gapTrouble,
  interopUnavailable,
  type Media,
  MixedLab,
  realComplaints,
} from "./mixed_lab.ts";

const optOut = Deno.env.get("HB_INTEROP") === "0";
const unavailable = optOut ? null : await interopUnavailable(netnsUnavailable);

/** Detection limit: deadtime (2 s) + the 2 s Heartbeat adds right after start + slack. */
const DETECT_LIMIT_MS = 5500;
const FORM_MS = 15_000;

function say(tag: string, text: string): void {
  console.log(`[${tag}] ${text}`);
}

function linksUp(r: StatusReport, name: string): boolean {
  const n = r.nodes.find((x) => x.name === name);
  return n !== undefined && n.links.length > 0 && n.links.every((l) => l.status === "up");
}

/** Our node `k` sees every node in `names` active with all links up. */
async function oursSees(lab: MixedLab, k: number, names: string[], tag: string): Promise<void> {
  const r = await lab.waitOurs(
    k,
    (r) =>
      r.status === "active" && names.every((n) => nodeStatus(r, n) === "active" && linksUp(r, n)),
    FORM_MS,
  );
  const last = await lab.status(k);
  assert.ok(
    r,
    `[${tag}] our node${k} should see ${names.join(", ")} active with links up; it reports ` +
      JSON.stringify(last?.nodes.map((n) => [n.name, n.status, n.links])) + "\n" + lab.oursLog(k),
  );
}

/** Real node `k` sees every node in `names` active with its eth0 link up. */
async function realSees(lab: MixedLab, k: number, names: string[], tag: string): Promise<void> {
  for (const n of names) {
    const st = await lab.waitClStatus(k, ["nodestatus", n], "active", FORM_MS);
    if (st !== "active") { for (const o of lab.ours.keys()) lab.assertRunning(o); }
    assert.equal(st, "active", `[${tag}] real node${k}: cl_status nodestatus ${n}`);
    const link = await lab.waitClStatus(k, ["hblinkstatus", n, "eth0"], "up", 3000);
    assert.equal(link, "up", `[${tag}] real node${k}: cl_status hblinkstatus ${n} eth0`);
  }
}

/** No complaint in real node k's log from byte `from` on (gaps count: no loss there). */
function noComplaints(lab: MixedLab, k: number, tag: string, from = 0): void {
  const log = lab.realLog(k).slice(from);
  const bad = [...realComplaints(log), ...gapTrouble(log, 3)];
  assert.deepEqual(bad, [], `[${tag}] real node${k} complained about packets:\n${bad.join("\n")}`);
}

/** Counters that must stay 0 with clean peers: nothing malformed, forged or unknown. */
const CLEAN = [
  "rx_rejected",
  "dropped_no_src",
  "dropped_unknown_node",
  "dropped_no_seq",
  "dropped_bad_seq",
  "dropped_bad_generation",
  "dropped_replay",
  "lost",
];
/** Counters that must not move in a settled cluster without loss. */
const SETTLED = ["rexmit_requested", "rexmit_served", "rexmit_naked", "dropped_duplicate"];

/** A settled cluster: no rejected packets, and no retransmission traffic for 1.5 s. */
async function steady(lab: MixedLab, ours: number[], tag: string): Promise<void> {
  await sleep(500);
  const a = new Map<number, StatusReport>();
  for (const k of ours) a.set(k, await lab.mustStatus(k));
  await sleep(1500);
  for (const k of ours) {
    const b = await lab.mustStatus(k);
    for (const c of CLEAN) assert.equal(b.counters[c], 0, `[${tag}] our node${k}: ${c}`);
    for (const c of SETTLED) {
      assert.equal(b.counters[c], a.get(k)!.counters[c], `[${tag}] our node${k}: ${c} still moves`);
    }
  }
}

function oursAlive(lab: MixedLab, k: number, tag: string): void {
  assert.ok(lab.ours.has(k), `[${tag}] our node${k} should be running`);
}

async function scenario(media: Media, auth: AuthMethod): Promise<void> {
  const tag = `${media}+${auth}`;
  const lab = new MixedLab({ media, auth, nodes: [1, 2, 3, 4] }, media[0]);
  try {
    await lab.up();
    // ---- 1 real + 1 ours
    await lab.startReal(1);
    lab.startOurs(2);
    await realSees(lab, 1, ["node2"], `${tag} 1r+1o`);
    await oursSees(lab, 2, ["node1"], `${tag} 1r+1o`);
    say(tag, "1 real + 1 ours: both active, links up");
    // ---- 2 real + 1 ours
    await lab.startReal(3);
    await realSees(lab, 3, ["node1", "node2"], `${tag} 2r+1o`);
    await realSees(lab, 1, ["node3"], `${tag} 2r+1o`);
    await oursSees(lab, 2, ["node1", "node3"], `${tag} 2r+1o`);
    say(tag, "2 real + 1 ours: all active, links up");
    // ---- 2 real + 2 ours
    lab.startOurs(4);
    await oursSees(lab, 4, ["node1", "node2", "node3"], `${tag} 2r+2o`);
    await oursSees(lab, 2, ["node1", "node3", "node4"], `${tag} 2r+2o`);
    await realSees(lab, 1, ["node4"], `${tag} 2r+2o`);
    await realSees(lab, 3, ["node4"], `${tag} 2r+2o`);
    say(tag, "2 real + 2 ours: all active, links up");
    // Real ccm runs on both real nodes, so its traffic crosses ours from here on.
    for (const k of [1, 3]) {
      const ccm = await lab.waitClStatus(
        k,
        ["clientstatus", `node${k}`, "ccm", "2000"],
        "online",
        5000,
      );
      assert.equal(ccm, "online", `[${tag}] real node${k}'s ccm should be running`);
    }
    await steady(lab, [2, 4], `${tag} 2r+2o`);

    // ---- loss: 20% on our node's veth, then on a real node's
    noComplaints(lab, 1, `${tag} formation`);
    noComplaints(lab, 3, `${tag} formation`);
    const before = new Map<number, Record<string, number>>();
    for (const k of [2, 4]) before.set(k, (await lab.mustStatus(k)).counters);
    const logAt = new Map([1, 3].map((k) => [k, lab.realLog(k).length]));
    for (const k of [2, 1]) {
      await lab.loss(k, 20);
      await sleep(3000);
      await lab.loss(k, 0);
    }
    await sleep(1500);
    const lossEnd = new Map([1, 3].map((k) => [k, lab.realLog(k).length]));
    for (const k of [2, 4]) {
      const r = await lab.mustStatus(k);
      const was = before.get(k)!;
      assert.equal(r.counters.deaths, was.deaths, `[${tag} loss] our node${k} declared a death`);
      assert.equal(r.counters.lost, was.lost, `[${tag} loss] our node${k} gave up on packets`);
      for (const n of ["node1", "node3"]) assert.equal(nodeStatus(r, n), "active");
      say(
        tag,
        `20% loss: our node${k} asked for ${r.counters.rexmit_requested - was.rexmit_requested}` +
          ` retransmissions, served ${r.counters.rexmit_served - was.rexmit_served}, lost 0`,
      );
    }
    for (const k of [1, 3]) {
      const during = lab.realLog(k).slice(logAt.get(k)!).split("\n");
      const deaths = during.filter((l) => /node node\d: is dead/.test(l));
      assert.deepEqual(deaths, [], `[${tag} loss] real node${k} declared a node dead`);
      // Every gap the real node saw in our stream was filled ("No pkts missing" last).
      for (const n of ["node2", "node4"]) {
        const gaps = during.filter((l) =>
          l.includes(`lost packet(s) for [${n}]`) || l.includes(`No pkts missing from ${n}`)
        );
        const last = gaps.at(-1);
        assert.ok(
          last === undefined || last.includes("No pkts missing"),
          `[${tag} loss] real node${k} still misses packets of ${n}:\n${gaps.join("\n")}`,
        );
        say(tag, `20% loss: real node${k} saw ${gaps.length} gap/fill lines for ${n}, all filled`);
      }
      assert.deepEqual(realComplaints(during.join("\n")), [], `[${tag} loss] real node${k}`);
    }

    // ---- graceful leave of a real node → 1 real + 2 ours
    {
      const seen1 = lab.waitlog(1, "Received shutdown notice from .node3", 10);
      await lab.stopReal(3);
      assert.ok(await seen1, `[${tag}] real node1 should log the shutdown notice of node3`);
      for (const k of [2, 4]) {
        const r = await lab.waitOurs(k, (r) => nodeStatus(r, "node3") === "dead", 5000);
        assert.ok(r, `[${tag}] our node${k} should mark node3 dead after its shutdown notice`);
        const line = await lab.waitOursLogLine(k, /Received shutdown notice from 'node3'/, 2000);
        assert.ok(line, `[${tag}] our node${k} should log node3's shutdown notice`);
        assert.equal(lab.oursLogLine(k, /node node3: is dead \(silent/), null);
      }
      say(tag, "graceful stop of real node3: node1, node2, node4 saw the shutdown notice");
      await realSees(lab, 1, ["node2", "node4"], `${tag} 1r+2o`);
      await oursSees(lab, 2, ["node1", "node4"], `${tag} 1r+2o`);
      await oursSees(lab, 4, ["node1", "node2"], `${tag} 1r+2o`);
      say(tag, "1 real + 2 ours: all active, links up");
    }

    // ---- kill -9 of ours
    {
      const dead1 = lab.waitlog(1, "node node4: is dead", 10);
      const at = lab.killOurs(4);
      const hit = await dead1;
      assert.ok(hit, `[${tag}] real node1 should declare node4 dead`);
      const r2 = await lab.waitOurs(2, (r) => nodeStatus(r, "node4") === "dead", DETECT_LIMIT_MS);
      assert.ok(r2, `[${tag}] our node2 should declare node4 dead`);
      const ours = await lab.waitOursLogLine(2, /node node4: is dead/, 2000, at);
      assert.ok(ours);
      const realMs = hit.ms - at, oursMs = ours.ms - at;
      say(
        tag,
        `kill -9 of our node4: real node1 declared it dead after ${realMs} ms, our node2 after ${oursMs} ms`,
      );
      assert.ok(realMs < DETECT_LIMIT_MS && oursMs < DETECT_LIMIT_MS);
    }

    // ---- restart of ours: a new generation, not a partition
    {
      const back = lab.waitlog(1, "Status update for node node4: status (up|active)", 15);
      const restart = lab.waitlog(1, "Heartbeat restart on node node4", 15);
      const gen0 = (await lab.mustStatus(2)).nodes.find((n) => n.name === "node4")!.generation!;
      lab.startOurs(4);
      const seen = await restart;
      lab.assertRunning(4);
      assert.ok(seen, `[${tag}] real node1 should see node4's new generation`);
      assert.ok(await back, `[${tag}] real node1 should see node4 come back`);
      await realSees(lab, 1, ["node4"], `${tag} restart ours`);
      await oursSees(lab, 2, ["node1", "node4"], `${tag} restart ours`);
      await oursSees(lab, 4, ["node1", "node2"], `${tag} restart ours`);
      const gen1 = (await lab.mustStatus(2)).nodes.find((n) => n.name === "node4")!.generation!;
      assert.ok(gen1 > gen0, `[${tag}] node4's generation should grow (${gen0} → ${gen1})`);
      assert.doesNotMatch(lab.realLog(1), /node4 returning after partition/);
      assert.doesNotMatch(lab.oursLog(2), /node4 returning after partition/);
      await steady(lab, [2, 4], `${tag} restart ours`);
      say(
        tag,
        `restart of our node4: generation ${gen0} → ${gen1}, seen as a restart by node1 and node2`,
      );
    }

    // ---- graceful leave of ours
    {
      // Real Heartbeat itself still logs "is dead" a deadtime after a peer's shutdown notice
      // (it does so for real peers too); what matters is that the notice came first.
      const notice = lab.waitlog(1, "Received shutdown notice from .node2", 10);
      const dead = lab.waitlog(1, "node node2: is dead", 10);
      const at = Date.now();
      const code = await lab.stopOurs(2);
      assert.equal(code, 0, `[${tag}] our node2 should exit 0 on SIGTERM`);
      const hit = await notice;
      assert.ok(hit, `[${tag}] real node1 should log node2's shutdown notice`);
      const died = await dead;
      assert.ok(
        !died || died.ms >= hit.ms,
        `[${tag}] real node1 timed node2 out before the notice`,
      );
      say(
        tag,
        `graceful stop of our node2: real node1 logged the shutdown notice after ${hit.ms - at} ms`,
      );
      const r4 = await lab.waitOurs(4, (r) => nodeStatus(r, "node2") === "dead", 3000);
      assert.ok(r4, `[${tag}] our node4 should mark node2 dead`);
      assert.ok(await lab.waitOursLogLine(4, /Received shutdown notice from 'node2'/, 2000));
      say(tag, "graceful stop of our node2: real node1 and our node4 saw the shutdown notice");
    }

    // ---- kill -9 of the real node, then its restart
    noComplaints(lab, 1, `${tag} after loss`, lossEnd.get(1));
    {
      const at = await lab.killReal(1);
      const r4 = await lab.waitOurs(
        4,
        (r) => nodeStatus(r, "node1") === "dead",
        DETECT_LIMIT_MS + 1000,
      );
      assert.ok(r4, `[${tag}] our node4 should declare node1 dead`);
      const line = await lab.waitOursLogLine(4, /node node1: is dead/, 2000, at);
      assert.ok(line);
      say(tag, `kill -9 of real node1: our node4 declared it dead after ${line.ms - at} ms`);
      assert.ok(line.ms - at < DETECT_LIMIT_MS);
      const before = await lab.mustStatus(4);
      const gen0 = before.nodes.find((n) => n.name === "node1")!.generation!;
      await lab.startReal(1);
      await realSees(lab, 1, ["node4"], `${tag} restart real`);
      await oursSees(lab, 4, ["node1"], `${tag} restart real`);
      await sleep(1500);
      const after = await lab.mustStatus(4);
      const gen1 = after.nodes.find((n) => n.name === "node1")!.generation!;
      assert.ok(gen1 > gen0, `[${tag}] node1's generation should grow (${gen0} → ${gen1})`);
      assert.match(lab.oursLog(4), /Heartbeat restart on node node1/);
      assert.doesNotMatch(lab.oursLog(4), /node1 returning after partition/);
      // No stuck retransmission: nothing more requested once the restart settled.
      await sleep(1000);
      const later = await lab.mustStatus(4);
      assert.equal(
        later.counters.rexmit_requested,
        after.counters.rexmit_requested,
        `[${tag}] our node4 keeps asking for retransmissions after node1's restart`,
      );
      assert.equal(later.counters.dropped_replay, 0);
      say(tag, `restart of real node1: generation ${gen0} → ${gen1}, active again on both sides`);
      noComplaints(lab, 1, `${tag} restart real`);
      // CCM traffic from the real nodes crossed our node and was handled.
      assert.ok(later.counters.delivered > 0, `[${tag}] no client traffic (ccm) reached node4`);
      oursAlive(lab, 4, tag);
    }
  } finally {
    if (Deno.env.get("HB_INTEROP_KEEP")) lab.keepLogs();
    await lab.down();
  }
}

const opts = { ignore: optOut, sanitizeResources: false, sanitizeOps: false };

function check(): void {
  if (unavailable) throw new Error(unavailable);
}

Deno.test({
  name: "mixed cluster, ucast + sha1: formation, loss, leaves, kills, restarts",
  ...opts,
}, async () => {
  check();
  await scenario("ucast", "sha1");
});

Deno.test(
  { name: "mixed cluster, bcast + md5: formation, loss, leaves, kills, restarts", ...opts },
  async () => {
    check();
    await scenario("bcast", "md5");
  },
);

Deno.test(
  { name: "mixed cluster, mcast + crc: formation, loss, leaves, kills, restarts", ...opts },
  async () => {
    check();
    await scenario("mcast", "crc");
  },
);

Deno.test(
  { name: "mixed cluster, wrong key: both sides refuse, we say why once", ...opts },
  async () => {
    check();
    const tag = "badkey";
    const lab = new MixedLab({ media: "ucast", auth: "sha1", nodes: [1, 2] }, "k");
    try {
      await lab.up();
      await lab.startReal(1);
      lab.startOurs(2, "other-secret");
      // Past initdead (2 s) on both sides, however slowly our process started.
      await lab.waitOurs(2, (r) => r.uptimeMs > 3500, 20_000);
      assert.equal(await lab.clStatus(1, "nodestatus", "node2"), "dead");
      const r = await lab.mustStatus(2);
      assert.equal(nodeStatus(r, "node1"), "dead", `[${tag}] node1 must not be accepted`);
      assert.ok(r.counters.rx_rejected >= 5, `[${tag}] rejected ${r.counters.rx_rejected} packets`);
      assert.match(lab.realLog(1), /authtoken does not match/);
      const lines = lab.oursLog(2).split("\n").filter((l) => l.includes("failed authentication"));
      assert.equal(
        lines.length,
        1,
        `[${tag}] one rate-limited line expected:\n${lines.join("\n")}`,
      );
      assert.match(lines[0], /10\.99\.0\.11/);
      assert.match(lines[0], /authkeys differ/);
      say(
        tag,
        `our node2 rejected ${r.counters.rx_rejected} packets with one log line: ${lines[0]}`,
      );
    } finally {
      await lab.down();
    }
  },
);

Deno.test(
  { name: "mixed cluster, restarts within deadtime: a new generation, never a death", ...opts },
  async () => {
    check();
    const tag = "quick restart";
    const lab = new MixedLab({
      media: "ucast",
      auth: "sha1",
      nodes: [1, 2],
      // Deadtime well above the time a restart takes under CI load (real: up to ~4 s).
      timings: { keepalive: "200ms", warntime: "3", deadtime: "8", initdead: "8" },
    }, "q");
    try {
      await lab.up();
      await lab.startReal(1);
      lab.startOurs(2);
      await realSees(lab, 1, ["node2"], tag);
      await oursSees(lab, 2, ["node1"], tag);
      // ---- ours: kill -9 and start again before real node1's deadtime runs out
      {
        const logAt = lab.realLog(1).length;
        const restart = lab.waitlog(1, "Heartbeat restart on node node2", 10);
        const gen0 = (await lab.mustStatus(2)).generation;
        const at = lab.killOurs(2);
        await sleep(300);
        lab.startOurs(2);
        const hit = await restart;
        lab.assertRunning(2);
        assert.ok(hit, `[${tag}] real node1 should log our node2's restart`);
        await oursSees(lab, 2, ["node1"], tag);
        assert.equal(await lab.clStatus(1, "nodestatus", "node2"), "active");
        const gen1 = (await lab.mustStatus(2)).generation;
        assert.ok(gen1 > gen0);
        await steady(lab, [2], `${tag} ours`);
        // Once the new generation is heard, node2 can no longer time out: no waiting needed.
        assert.doesNotMatch(
          lab.realLog(1).slice(logAt),
          /node node2: is dead/,
          `[${tag}] real node1 declared the restarted node2 dead`,
        );
        say(
          tag,
          `our node2 restarted (generation ${gen0} → ${gen1}): real node1 logged the restart ` +
            `${hit.ms - at} ms after the kill, no death`,
        );
      }
      // ---- real: kill -9 and start again before our deadtime runs out
      {
        const r0 = await lab.mustStatus(2);
        const gen0 = r0.nodes.find((n) => n.name === "node1")!.generation!;
        const at = await lab.killReal(1);
        await lab.startReal(1);
        const r = await lab.waitOurs(
          2,
          (r) => (r.nodes.find((n) => n.name === "node1")!.generation ?? 0) > gen0,
          8000,
        );
        assert.ok(r, `[${tag}] our node2 should see node1's new generation`);
        const line = await lab.waitOursLogLine(2, /Heartbeat restart on node node1/, 2000, at);
        assert.ok(line, `[${tag}] our node2 should log node1's restart`);
        await realSees(lab, 1, ["node2"], `${tag} real`);
        await oursSees(lab, 2, ["node1"], `${tag} real`);
        await steady(lab, [2], `${tag} real`);
        const r1 = await lab.mustStatus(2);
        assert.equal(r1.counters.deaths, r0.counters.deaths, `[${tag}] our node2 declared a death`);
        assert.doesNotMatch(lab.oursLog(2), /node1: is dead|returning after partition/);
        say(
          tag,
          `real node1 restarted: our node2 logged the restart ${line.ms - at} ms after the kill, ` +
            `no death, no retransmission traffic`,
        );
      }
      noComplaints(lab, 1, tag);
    } finally {
      if (Deno.env.get("HB_INTEROP_KEEP")) lab.keepLogs();
      await lab.down();
    }
  },
);

Deno.test(
  {
    name: "mixed cluster, real API clients' lists, structs and compressed structs cross our node",
    ...opts,
  },
  async () => {
    check();
    const tag = "api messages";
    const built = await buildApiSender();
    if ("error" in built) {
      throw new Error(`cannot build tests/interop/api_sender.c: ${built.error}`);
    }
    const lab = new MixedLab({ media: "ucast", auth: "sha1", nodes: [1, 2] }, "a");
    try {
      await lab.up();
      await lab.startReal(1);
      lab.startOurs(2);
      await realSees(lab, 1, ["node2"], tag);
      await oursSees(lab, 2, ["node1"], tag);
      const before = await lab.mustStatus(2);
      // Real Heartbeat sends struct and compressed messages with no auth= field (signature
      // only) and the compressed one with classic text inside zlib: both were refused once.
      const modes = ["flat", "list", "struct", "compressed"] as const;
      for (const mode of modes) {
        const r = await lab.apiSend(1, built.path, "hbts-interop", mode, 3000, 2);
        assert.equal(r.code, 0, `[${tag}] api_sender ${mode}: ${r.err}${r.out}`);
      }
      await steady(lab, [2], tag);
      const after = await lab.mustStatus(2);
      assert.equal(after.counters.rx_rejected, 0, `[${tag}] our node2 refused real messages`);
      // 8 client messages plus each sender's hbapi-clstat join and leave.
      const got = after.counters.delivered - before.counters.delivered;
      assert.ok(got >= 8, `[${tag}] our node2 delivered only ${got} messages`);
      noComplaints(lab, 1, tag);
      say(
        tag,
        `our node2 took all ${modes.length * 2} messages (${
          modes.join(", ")
        }); delivered ${got}, rejected 0`,
      );
    } finally {
      if (Deno.env.get("HB_INTEROP_KEEP")) lab.keepLogs();
      await lab.down();
      await Deno.remove(built.path.replace(/\/api_sender$/, ""), { recursive: true });
    }
  },
);
