/**
 * ICMP echo through FFI and the ping medium: packet format, a real echo to 127.0.0.1, and
 * ping nodes in a namespace LAN (a peer that answers, then has its link taken down; an
 * address nobody has), with both the raw socket and the unprivileged ping socket.
 */
import assert from "node:assert/strict";
import {
  type EchoReply,
  echoRequest,
  IcmpSocket,
  inetChecksum,
  parseEchoReply,
} from "../../src/media/icmp.ts";
import { parseIPv4 } from "../../src/media/sockaddr.ts";
import { PingMedium } from "../../src/media/ping.ts";
import { netnsUnavailable, TestLan } from "../helpers/netns.ts";

const root = Deno.uid() === 0;

Deno.test("icmp: checksum, echo request layout, reply parsing", () => {
  // RFC 1071 example bytes: 0001 f203 f4f5 f6f7 → sum ddf2 → checksum 220d.
  assert.equal(inetChecksum(new Uint8Array([0, 1, 0xf2, 3, 0xf4, 0xf5, 0xf6, 0xf7])), 0x220d);
  const req = echoRequest(0x1234, 0x0102, new TextEncoder().encode("hb"));
  assert.deepEqual([...req.subarray(0, 2)], [8, 0]);
  assert.deepEqual([...req.subarray(4, 8)], [0x12, 0x34, 0x01, 0x02]);
  assert.equal(inetChecksum(req), 0, "a packet with its checksum sums to zero");
  // As a reply (type 0) behind a 20-byte IPv4 header.
  const rep = req.slice();
  rep[0] = 0;
  const ip = new Uint8Array(20 + rep.length);
  ip[0] = 0x45;
  ip[9] = 1;
  ip.set(rep, 20);
  assert.deepEqual(parseEchoReply(ip, true, 0x1234), {
    seq: 0x0102,
    payload: new TextEncoder().encode("hb"),
  });
  assert.equal(parseEchoReply(ip, true, 0x9999), undefined, "someone else's identifier");
  assert.equal(parseEchoReply(req, false, undefined), undefined, "a request is not a reply");
  assert.deepEqual(parseEchoReply(rep, false, undefined)?.seq, 0x0102);
  assert.deepEqual(parseIPv4("10.0.0.255"), new Uint8Array([10, 0, 0, 255]));
  assert.equal(parseIPv4("10.0.0.256"), null);
  assert.equal(parseIPv4("node1"), null);
});

Deno.test({
  name: "icmp: echo to 127.0.0.1 comes back with its payload (raw socket)",
  ignore: !root,
  async fn() {
    const got: EchoReply[] = [];
    const s = IcmpSocket.open({ kind: "raw", onReply: (r) => got.push(r), pollMs: 5 });
    assert.ok(s instanceof IcmpSocket, JSON.stringify(s));
    try {
      const payload = new TextEncoder().encode("t=status\nst=active\n");
      assert.equal(s.send("127.0.0.1", 4242, payload), true);
      assert.match(String(s.send("not-an-ip", 1, payload)), /not an IPv4 address/);
      const end = performance.now() + 2000;
      while (got.length === 0 && performance.now() < end) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(got.length, 1);
      assert.equal(got[0].from, "127.0.0.1");
      assert.equal(got[0].seq, 4242);
      assert.deepEqual(got[0].payload, payload);
    } finally {
      s.close();
    }
  },
});

Deno.test({
  name: "ping medium: 127.0.0.1 becomes a live ping node",
  ignore: !root,
  async fn() {
    const events: string[] = [];
    const m = PingMedium.open(
      [{ node: "127.0.0.1", addresses: ["127.0.0.1"] }],
      { intervalMs: 50, deadpingMs: 300, initdeadMs: 500 },
      {
        onNodeStatus: (n, s) => events.push(`${n}=${s}`),
        onLinkStatus: (n, l, s) => events.push(`${n}:${l}=${s}`),
        onError: (a, msg) => events.push(`error ${a} ${msg}`),
      },
      { pollMs: 5 },
    );
    assert.ok(m instanceof PingMedium, JSON.stringify(m));
    try {
      const end = performance.now() + 2000;
      while (!events.includes("127.0.0.1=ping") && performance.now() < end) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(events, ["127.0.0.1:127.0.0.1=up", "127.0.0.1=ping"]);
      assert.equal(m.snapshot()[0].status, "ping");
    } finally {
      m.close();
    }
  },
});

interface ProbeLine {
  t: number;
  ev: string;
  node?: string;
  link?: string;
  status?: string;
  kind?: string;
}

/** Runs tests/media/ping_probe.ts inside node 1 of the LAN; lines arrive in `lines`. */
function probe(lan: TestLan, targets: unknown, kind: "raw" | "dgram") {
  const timings = { intervalMs: 100, deadpingMs: 600, initdeadMs: 1000 };
  const child = lan.command(1, Deno.execPath(), [
    "run",
    "-A",
    new URL("./ping_probe.ts", import.meta.url).pathname,
    JSON.stringify(targets),
    JSON.stringify(timings),
    kind,
  ], { stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  const lines: ProbeLine[] = [];
  let err = "";
  (async () => {
    let buf = "";
    for await (const c of child.stdout.pipeThrough(new TextDecoderStream())) {
      buf += c;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    }
  })();
  (async () => {
    for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) err += c;
  })();
  const waitFor = async (pred: (l: ProbeLine) => boolean, ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const l = lines.find(pred);
      if (l) return l;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no such line in ${ms} ms; got ${JSON.stringify(lines)} ${err}`);
  };
  const stop = async () => {
    await child.stdin.close();
    await child.status;
  };
  return { lines, waitFor, stop };
}

const nsSkip = await netnsUnavailable();

for (const kind of ["raw", "dgram"] as const) {
  Deno.test({
    name: `ping medium in namespaces (${kind} socket): peer answers, link down → dead, ` +
      `back → ping; a silent address dies at initdead`,
    ignore: nsSkip !== null,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const lan = await TestLan.up(2);
      try {
        if (kind === "dgram") {
          // Unprivileged ping sockets are off by default; the sysctl is per namespace.
          const o = await lan.command(1, "sysctl", [
            "-w",
            "net.ipv4.ping_group_range=0 2147483647",
          ], { stdout: "null", stderr: "piped" }).output();
          assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
        }
        const peer = lan.ip(2);
        const nobody = "10.98.0.99"; // on the LAN, but no node has it
        const p = probe(lan, [
          { node: peer, addresses: [peer] },
          { node: nobody, addresses: [nobody] },
          { node: "grp", addresses: [nobody, peer] },
        ], kind);
        try {
          const open = await p.waitFor((l) => l.ev === "open" || l.ev === "open_failed", 10_000);
          assert.equal(open.kind, kind, JSON.stringify(open));
          const up = await p.waitFor((l) => l.node === peer && l.status === "ping", 3000);
          await p.waitFor((l) => l.node === "grp" && l.status === "ping", 3000);
          const silent = await p.waitFor(
            (l) => l.ev === "node" && l.node === nobody && l.status === "dead",
            3000,
          );
          // initdead (1000 ms) after start, not at once and not much later.
          assert.ok(silent.t >= 1000 && silent.t < 2500, JSON.stringify(silent));
          assert.ok(
            !p.lines.some((l) => l.node === nobody && l.status === "ping"),
            "an address nobody has never answers",
          );
          // Take the peer's link down: its ping node and the group die after deadping.
          const downAt = p.lines.length > 0 ? p.lines[p.lines.length - 1].t : 0;
          await lan.ipIn(2, ["link", "set", "eth0", "down"]);
          const dead = await p.waitFor(
            (l) => l.ev === "node" && l.node === peer && l.status === "dead",
            4000,
          );
          const gdead = await p.waitFor(
            (l) => l.ev === "node" && l.node === "grp" && l.status === "dead",
            4000,
          );
          assert.ok(dead.t > up.t && dead.t >= downAt, JSON.stringify([up, dead]));
          assert.ok(gdead.t - dead.t < 300, "the group dies with its last live address");
          // Back up: alive again.
          await lan.ipIn(2, ["link", "set", "eth0", "up"]);
          await p.waitFor((l) => l.node === peer && l.status === "ping" && l.t > dead.t, 5000);
        } finally {
          await p.stop();
        }
      } finally {
        await lan.down();
      }
    },
  });
}
