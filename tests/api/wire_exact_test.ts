/**
 * Byte-for-byte replies: the exact request frames real cl_status/api_test sent, and the exact
 * frames real Heartbeat 3.0.6 answered (strace, 2026-11-29, node1 of the lab cluster that
 * FixtureCluster describes). Only `hbversion` differs by design (it names our build).
 */

import assert from "node:assert/strict";
import { ApiServer } from "../../src/api/server.ts";
import { encodeFrame, FrameDecoder } from "../../src/api/framing.ts";
import { decodeClassic } from "../../src/wire/classic.ts";
import { Message } from "../../src/wire/message.ts";
import { FixtureCluster, tempSocketDir } from "./cluster_fixture.ts";

const dec = new TextDecoder("latin1");

/** Real request text → real reply texts (payloads without the NUL). */
const CASES: [string, string[]][] = [
  [
    "reqtype=nodelist\n",
    [
      "t=hbapi-resp\nreqtype=nodelist\nnode=node1\nnodetype=normal\nst=active\nresult=ok/more\n",
      "t=hbapi-resp\nreqtype=nodelist\nnode=node2\nnodetype=normal\nst=active\nresult=OK\n",
    ],
  ],
  ["reqtype=nodestatus\nnode=node2\n", [
    "t=hbapi-resp\nreqtype=nodestatus\nst=active\nresult=OK\n",
  ]],
  ["reqtype=nodetype\nnode=node2\n", [
    "t=hbapi-resp\nreqtype=nodetype\nnodetype=normal\nresult=OK\n",
  ]],
  [
    "reqtype=iflist\nnode=node2\n",
    [
      "t=hbapi-resp\nreqtype=iflist\nifname=eth0\nst=up\nresult=ok/more\n",
      "t=hbapi-resp\nreqtype=iflist\nifname=eth0\nst=dead\nresult=OK\n",
    ],
  ],
  [
    "reqtype=ifstatus\nnode=node2\nifname=eth0\n",
    ["t=hbapi-resp\nreqtype=ifstatus\nst=up\nresult=OK\n"],
  ],
  ["reqtype=getparm\npname=keepalive\n", [
    "t=hbapi-resp\nreqtype=getparm\npvalue=500ms\nresult=OK\n",
  ]],
  ["reqtype=getparm\npname=nosuch\n", ["t=hbapi-resp\nreqtype=getparm\nresult=OK\n"]],
  ["reqtype=getrsc\n", ["t=hbapi-resp\nreqtype=getrsc\nrsc_hold=none\nresult=OK\n"]],
  ["reqtype=numnodes\n", ["t=hbapi-resp\nreqtype=numnodes\nnumnodes=2\nresult=OK\n"]],
  ["reqtype=setfilter\nfmask=1\n", ["t=hbapi-resp\nreqtype=setfilter\nresult=OK\n"]],
  [
    "reqtype=clientstatus\nnode=node1\ncn=nosuch\n",
    ["t=hbapi-resp\nreqtype=clientstatus\nsubt=respond-cstatus\ncs=offline\nresult=OK\n"],
  ],
  [
    "reqtype=nodestatus\nnode=nosuch\n",
    ["t=hbapi-resp\nreqtype=nodestatus\nresult=badreq\ninfo=EINVAL\n"],
  ],
  ["reqtype=iflist\nnode=nosuch\n", ["t=hbapi-resp\nreqtype=iflist\nresult=badreq\ninfo=EINVAL\n"]],
  [
    "reqtype=ifstatus\nnode=node2\nifname=nosuch\n",
    ["t=hbapi-resp\nreqtype=ifstatus\nresult=badreq\ninfo=EINVAL\n"],
  ],
];

const SIGNON_REPLY = "t=hbapi-resp\nreqtype=signon\nresult=OK\ndeadtime=bb8\nkeepalive=1f4\n" +
  "node=node1\nhbversion=3.0.6 (heartbeat-ts test)\npacemaker=false\nlogfacility=0\n";

function frame(text: string): Uint8Array {
  const payload = Uint8Array.from(`>>>\n${text}<<<\n\0`, (c) => c.charCodeAt(0));
  const out = new Uint8Array(8 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, true);
  new DataView(out.buffer).setUint32(4, 0xabcd, true);
  out.set(payload, 8);
  return out;
}

async function readFrames(conn: Deno.Conn, d: FrameDecoder, n: number): Promise<string[]> {
  const out: string[] = [];
  const buf = new Uint8Array(65536);
  while (out.length < n) {
    const it = d.next();
    if (it !== undefined) {
      if (!it.ok) throw new Error(it.error.detail);
      const text = dec.decode(it.payload);
      assert.ok(text.startsWith(">>>\n") && text.endsWith("<<<\n\0"), text);
      out.push(text.slice(4, -5));
      continue;
    }
    const r = await conn.read(buf);
    if (r === null) throw new Error("server closed the connection");
    d.push(buf.subarray(0, r));
  }
  return out;
}

Deno.test("wire: replies are byte-identical to real Heartbeat 3.0.6", async () => {
  const { dir, path } = await tempSocketDir();
  const r = await ApiServer.listen(path, new FixtureCluster());
  if (!r.ok) throw new Error(r.error.detail);
  const conn = await Deno.connect({ transport: "unix", path });
  const d = new FrameDecoder();
  try {
    const head = `t=hbapi-req\n`;
    const id = `dest=node1\npid=${Deno.pid}\nfrom_id=${Deno.pid}\n`;
    await conn.write(frame(`${head}reqtype=signon\n${id}uid=${Deno.uid()}\ngid=${Deno.gid()}\n`));
    assert.deepEqual(await readFrames(conn, d, 1), [SIGNON_REPLY]);
    for (const [req, replies] of CASES) {
      const [reqtype, ...rest] = req.split("\n");
      await conn.write(frame(`${head}${reqtype}\n${id}${rest.join("\n")}`));
      assert.deepEqual(await readFrames(conn, d, replies.length), replies, req);
    }
    // Signoff gets no reply; the server closes.
    await conn.write(frame(`${head}reqtype=signoff\n${id}`));
    const buf = new Uint8Array(16);
    assert.equal(await conn.read(buf), null);
  } finally {
    conn.close();
    await r.server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("wire: a named client's message is stamped like real 3.0.6 before it is sent", async () => {
  const { dir, path } = await tempSocketDir();
  const cluster = new FixtureCluster();
  const r = await ApiServer.listen(path, cluster);
  if (!r.ok) throw new Error(r.error.detail);
  const conn = await Deno.connect({ transport: "unix", path });
  const d = new FrameDecoder();
  try {
    const signon = Message.of({ t: "hbapi-req", reqtype: "signon", dest: "node1" });
    signon.set("pid", String(Deno.pid)).set("from_id", "ping");
    signon.set("uid", String(Deno.uid())).set("gid", String(Deno.gid()));
    await conn.write(encodeFrame(signon));
    await readFrames(conn, d, 1);
    // Real api_test sent "t=ping" and got back t, from_id, to_id, client_gen (+ the daemon's
    // src/seq/... which the backend adds).
    await conn.write(frame("t=ping\n"));
    const deadline = Date.now() + 2000;
    while (cluster.sent.filter((m) => m.get("t") === "ping").length === 0) {
      if (Date.now() > deadline) throw new Error("message not sent");
      await new Promise((res) => setTimeout(res, 5));
    }
    const join = cluster.sent[0];
    const text = (m: Message) => {
      const t = decodeClassic(encodeFrame(m).subarray(8));
      return t.ok ? t.msg.fields.map((f) => `${f.name}=${f.value}`).join(" ") : "?";
    };
    assert.equal(
      text(join),
      "t=hbapi-clstat st=join from_id=ping to_id=ping src=node1 info=signon client_gen=1",
    );
    const ping = cluster.sent[1];
    assert.equal(text(ping), "t=ping from_id=ping to_id=ping client_gen=1");
  } finally {
    conn.close();
    await r.server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
