import assert from "node:assert/strict";
import { ApiServer, type ApiServerOptions } from "../../src/api/server.ts";
import { ApiClient } from "../../src/api/client.ts";
import { encodeFrame, FRAME_HEADER } from "../../src/api/framing.ts";
import { Treatment } from "../../src/api/protocol.ts";
import { Message } from "../../src/wire/message.ts";
import { connect, FixtureCluster, tempSocketDir, until } from "./cluster_fixture.ts";

async function withServer(
  opts: ApiServerOptions,
  fn: (s: ApiServer, path: string, cluster: FixtureCluster, logs: string[]) => Promise<void>,
): Promise<void> {
  const { dir, path } = await tempSocketDir();
  const cluster = new FixtureCluster();
  const logs: string[] = [];
  const r = await ApiServer.listen(path, cluster, {
    log: (l, t) => logs.push(`${l} ${t}`),
    ...opts,
  });
  if (!r.ok) throw new Error(r.error.detail);
  try {
    await fn(r.server, path, cluster, logs);
  } finally {
    await r.server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("server: socket 0777 in a directory it creates 0750; stale socket replaced", async () => {
  const base = await Deno.makeTempDir({ prefix: "hb-api-" });
  const path = `${base}/heartbeat/register`;
  try {
    const a = await ApiServer.listen(path, new FixtureCluster());
    if (!a.ok) throw new Error(a.error.detail);
    assert.equal(Deno.statSync(`${base}/heartbeat`).mode! & 0o777, 0o750);
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o777);
    // Simulate a crash: the socket file stays behind; the next listen replaces it.
    Deno.writeFileSync(`${base}/heartbeat/not-a-socket`, new Uint8Array(1));
    const blocked = await ApiServer.listen(`${base}/heartbeat/not-a-socket`, new FixtureCluster());
    assert.equal(blocked.ok, false);
    if (!blocked.ok) assert.match(blocked.error.detail, /is not a socket/);
    await a.server.close();
    assert.throws(() => Deno.statSync(path));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("client: signon info and queries", async () => {
  await withServer({}, async (_s, path) => {
    const c = await connect(path);
    try {
      assert.deepEqual(c.info, {
        node: "node1",
        deadtimeMs: 3000,
        keepaliveMs: 500,
        version: "3.0.6 (heartbeat-ts test)",
        logFacility: 0,
      });
      const nodes = await c.nodeList();
      assert.ok(nodes.ok);
      if (nodes.ok) assert.deepEqual(nodes.value.map((n) => n.name), ["node1", "node2"]);
      assert.deepEqual(await c.nodeStatus("node2"), { ok: true, value: "active" });
      assert.deepEqual(await c.linkStatus("node2", "eth0"), { ok: true, value: "up" });
      assert.deepEqual(await c.parameter("keepalive"), { ok: true, value: "500ms" });
      assert.deepEqual(await c.parameter("nosuch"), { ok: true, value: undefined });
      const bad = await c.nodeStatus("nosuch");
      assert.equal(bad.ok, false);
      if (!bad.ok) assert.equal(bad.error.code, "badreq");
      const links = await c.linkList("node2");
      assert.deepEqual(links, {
        ok: true,
        value: [{ name: "eth0", status: "up" }, { name: "eth0", status: "dead" }],
      });
    } finally {
      await c.signoff();
    }
  });
});

Deno.test("server: named clients announce join/leave; duplicates are refused", async () => {
  await withServer({}, async (s, path, cluster) => {
    const a = await connect(path, "myapp");
    assert.equal(s.hasClient("myapp"), true);
    const dup = await ApiClient.connect({ path, clientId: "myapp", timeoutMs: 2000 });
    assert.equal(dup.ok, false);
    if (!dup.ok) {
      assert.equal(dup.error.code, "refused");
      assert.match(dup.error.detail, /duplicate add request/);
    }
    await a.signoff();
    await until(() => !s.hasClient("myapp"));
    const st = cluster.sent.filter((m) => m.get("t") === "hbapi-clstat");
    assert.deepEqual(st.map((m) => [m.get("st"), m.get("from_id"), m.get("info")]), [
      ["join", "myapp", "signon"],
      ["leave", "myapp", "signoff"],
    ]);
  });
});

Deno.test("server: casual client may not send cluster messages (removed)", async () => {
  await withServer({}, async (s, path, cluster, logs) => {
    const c = await connect(path);
    await c.send(Message.of({ t: "hello" }));
    await until(() => s.stats().signedOn === 0);
    assert.equal(cluster.sent.length, 0);
    assert.ok(logs.some((l) => l.includes("general message from casual client")));
    c.close();
  });
});

Deno.test("server: deliver honours to_id and the treatment filter; callbacks fire", async () => {
  await withServer({}, async (s, path) => {
    const a = await connect(path, "alpha");
    const b = await connect(path, "beta");
    try {
      const statuses: string[] = [];
      const links: string[] = [];
      a.onNodeStatus((n, st) => statuses.push(`${n}=${st}`));
      a.onLinkStatus((n, l, st) => links.push(`${n}/${l}=${st}`));
      // Addressed to beta only.
      assert.equal(s.deliver(Message.of({ t: "app", to_id: "beta", n: "1" })), 1);
      const got = await b.receive("app", 1000);
      assert.equal(got?.get("n"), "1");
      assert.equal(await a.receive("app", 50), undefined);
      // Debug treatments are not delivered unless asked for.
      assert.equal(s.deliver(Message.of({ t: "dbg" }), Treatment.DROPIT), 0);
      const f = await b.setFilter(Treatment.KEEPIT | Treatment.DROPIT);
      assert.ok(f.ok); // we run as root or as the daemon's uid, so debug is allowed
      assert.equal(s.deliver(Message.of({ t: "dbg" }), Treatment.DROPIT), 1);
      assert.equal((await b.receive("dbg", 1000))?.get("t"), "dbg");
      // Status notifications.
      s.nodeStatusChanged("node2", "dead", "timeout");
      s.linkStatusChanged("node2", "eth0", "dead");
      await until(() => statuses.length === 1 && links.length === 1);
      assert.deepEqual(statuses, ["node2=dead"]);
      assert.deepEqual(links, ["node2/eth0=dead"]);
    } finally {
      a.close();
      b.close();
    }
  });
});

Deno.test("server: remote clientstatus asks the node and routes its answer by to_id", async () => {
  await withServer({}, async (s, path, cluster) => {
    cluster.onSend = (m) => {
      if (m.get("t") === "query-cstatus") {
        const ans = Message.of({
          t: "respond-cstatus",
          dest: "node1",
          result: "OK",
          cn: m.get("cn")!,
          to_id: m.get("from_id")!,
          cs: "online",
        });
        setTimeout(() => s.deliver(ans), 1);
      }
    };
    const c = await connect(path);
    try {
      assert.deepEqual(await c.clientStatus("node2", "ccm"), { ok: true, value: "online" });
      assert.deepEqual(await c.clientStatus("node1", "nosuch"), { ok: true, value: "offline" });
      cluster.onSend = undefined; // node2 stays silent: the client times out
      const t = await c.clientStatus("node2", "ccm", 100);
      assert.equal(t.ok, false);
    } finally {
      c.close();
    }
  });
});

Deno.test("server: clientStatusReply answers a peer's query-cstatus", async () => {
  await withServer({}, async (s, path) => {
    const c = await connect(path, "ccm");
    try {
      const q = Message.of({ t: "query-cstatus", cn: "ccm", from_id: "4711", src: "node2" });
      const r = s.clientStatusReply(q)!;
      assert.deepEqual(r.fields.map((f) => `${f.name}=${f.value}`), [
        "t=respond-cstatus",
        "dest=node2",
        "result=OK",
        "cn=ccm",
        "to_id=4711",
        "cs=online",
      ]);
      q.set("cn", "other");
      assert.equal(s.clientStatusReply(q)!.get("cs"), "offline");
      assert.equal(s.clientStatusReply(Message.of({ t: "query-cstatus" })), undefined);
    } finally {
      c.close();
    }
  });
});

async function raw(path: string): Promise<Deno.UnixConn> {
  return await Deno.connect({ transport: "unix", path });
}

async function closedByServer(conn: Deno.Conn, ms = 2000): Promise<boolean> {
  const buf = new Uint8Array(4096);
  const end = Date.now() + ms;
  try {
    while (Date.now() < end) {
      const n = await conn.read(buf);
      if (n === null) return true;
    }
  } catch {
    return true;
  }
  return false;
}

Deno.test("safety: garbage, oversized and half frames never hurt other clients", async () => {
  await withServer({ maxFrame: 4096 }, async (s, path) => {
    const good = await connect(path);
    try {
      // Garbage.
      const g = await raw(path);
      await g.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      assert.equal(await closedByServer(g), true);
      g.close();
      // Oversized: refused from the header alone.
      const o = await raw(path);
      const hdr = new Uint8Array(FRAME_HEADER);
      new DataView(hdr.buffer).setUint32(0, 4097, true);
      new DataView(hdr.buffer).setUint32(4, 0xabcd, true);
      await o.write(hdr);
      assert.equal(await closedByServer(o), true);
      o.close();
      // Half a frame, then the client vanishes.
      const h = await raw(path);
      await h.write(hdr.subarray(0, 5));
      h.close();
      // A valid frame with an undecodable payload, ten times: removed like Heartbeat does.
      const u = await raw(path);
      const junk = new Uint8Array(FRAME_HEADER + 4);
      new DataView(junk.buffer).setUint32(0, 4, true);
      new DataView(junk.buffer).setUint32(4, 0xabcd, true);
      for (let i = 0; i < 10; i++) await u.write(junk);
      assert.equal(await closedByServer(u), true);
      u.close();
      await until(() => s.stats().connected === 1);
      assert.equal(s.stats().badFrames, 2);
      assert.equal(s.stats().badMessages, 10);
      assert.deepEqual(await good.nodeStatus("node1"), { ok: true, value: "active" });
    } finally {
      good.close();
    }
  });
});

/** Signs on over a raw connection and then never reads again. */
async function stuckClient(path: string, name: string): Promise<Deno.UnixConn> {
  const conn = await raw(path);
  const m = Message.of({ t: "hbapi-req", reqtype: "signon", pid: String(Deno.pid) });
  m.set("from_id", name).set("uid", String(Deno.uid())).set("gid", String(Deno.gid()));
  await conn.write(encodeFrame(m));
  return conn;
}

Deno.test("safety: a client that stops reading is dropped, deliver() never blocks", async () => {
  await withServer(
    { maxQueueBytes: 256 * 1024, maxQueueFrames: 1000, stallTimeoutMs: 100 },
    async (s, path) => {
      const stuck = await stuckClient(path, "stuck");
      const live = await connect(path, "live");
      try {
        await until(() => s.hasClient("stuck"));
        let seen = 0;
        live.onMessage("bulk", () => seen++);
        const big = "x".repeat(8000);
        // Paced like real traffic: the pump gets to run, the kernel buffer fills, then our
        // queue fills, then messages are dropped, then the client is cut off.
        let worst = 0;
        let sent = 0;
        for (let round = 0; round < 5000 && s.hasClient("stuck"); round++) {
          const t0 = performance.now();
          for (let i = 0; i < 10; i++) s.deliver(Message.of({ t: "bulk", big }));
          sent += 10;
          worst = Math.max(worst, performance.now() - t0);
          await new Promise((r) => setTimeout(r, 1));
        }
        assert.equal(s.hasClient("stuck"), false);
        assert.ok(worst < 200, `a batch of 10 deliveries took ${worst} ms`);
        const st = s.stats();
        assert.equal(st.stalledDisconnects, 1);
        assert.ok(st.dropped > 0);
        // The healthy client, reading all along, lost nothing.
        await until(() => seen === sent);
      } finally {
        stuck.close();
        live.close();
      }
    },
  );
});

Deno.test("safety: a connection that never signs on is closed after the limit", async () => {
  await withServer({ signonTimeoutMs: 100 }, async (s, path) => {
    const c = await raw(path);
    assert.equal(await closedByServer(c, 2000), true);
    c.close();
    await until(() => s.stats().connected === 0);
  });
});

Deno.test("safety: connection limit refuses extra clients, then recovers", async () => {
  await withServer({ maxClients: 2 }, async (s, path) => {
    const a = await connect(path, "a");
    const b = await connect(path, "b");
    const c = await ApiClient.connect({ path, clientId: "c", timeoutMs: 500 });
    assert.equal(c.ok, false);
    assert.equal(s.stats().rejectedConnections, 1);
    a.close();
    await until(() => s.stats().connected === 1);
    const d = await connect(path, "d");
    d.close();
    b.close();
  });
});

Deno.test("credentials: declared ids that differ from SO_PEERCRED are refused", async () => {
  await withServer({}, async (_s, path, _c, logs) => {
    const c = await ApiClient.connect({ path, uid: 4242, gid: 4242, timeoutMs: 2000 });
    assert.equal(c.ok, false);
    if (!c.ok) assert.match(c.error.detail, /incorrect\/false credentials/);
    assert.ok(logs.some((l) => l.includes("the kernel says uid")));
    const p = await ApiClient.connect({ path, pid: 1, timeoutMs: 2000 });
    assert.equal(p.ok, false);
    if (!p.ok) assert.match(p.error.detail, /pid mismatch/);
  });
});

Deno.test("credentials: without the probe the declared identity is used (logged as such)", async () => {
  await withServer({ peerCredentials: false }, async (_s, path, _c, logs) => {
    const c = await connect(path);
    c.close();
    await until(() => logs.some((l) => l.includes("(identity declared)")));
  });
});

Deno.test("server: setsignal makes delivery signal the client's pid", async () => {
  await withServer({}, async (s, path) => {
    const c = await connect(path, "sig");
    let got = 0;
    const onSig = () => got++;
    Deno.addSignalListener("SIGUSR2", onSig);
    try {
      const bad = await c.query("setsignal", { signal: "9" });
      assert.equal(bad.ok, false); // SIGKILL cannot be asked for
      const r = await c.query("setsignal", { signal: "12" });
      assert.ok(r.ok);
      s.deliver(Message.of({ t: "wake" }));
      await until(() => got === 1);
      assert.equal((await c.receive("wake", 1000))?.get("t"), "wake");
    } finally {
      Deno.removeSignalListener("SIGUSR2", onSig);
      c.close();
    }
  });
});

Deno.test("server: a debug client (APICALL) sees other clients' API requests", async () => {
  await withServer({}, async (_s, path) => {
    const dbg = await connect(path, "debugger");
    const other = await connect(path, "other");
    try {
      assert.ok((await dbg.setFilter(Treatment.KEEPIT | Treatment.APICALL)).ok);
      await other.nodeStatus("node2");
      const seen = await dbg.receive("hbapi-req", 1000);
      assert.equal(seen?.get("reqtype"), "nodestatus");
      assert.equal(seen?.get("from_id"), "other");
    } finally {
      dbg.close();
      other.close();
    }
  });
});

Deno.test("server: dead-node and link notifications have real 3.0.6's shape", async () => {
  await withServer({}, async (s, path) => {
    const c = await connect(path);
    try {
      const before = Math.floor(Date.now() / 1000);
      s.nodeStatusChanged("node2", "dead");
      s.linkStatusChanged("node2", "eth0", "dead");
      const st = await c.receive("status", 1000);
      const ifs = await c.receive("ifstat", 1000);
      // Measured: "t=status seq=1 ts=6b0b865d src=node2 st=dead", "t=ifstat node=node2
      // ifname=eth0 st=dead".
      assert.deepEqual(st?.fields.map((f) => f.name), ["t", "seq", "ts", "src", "st"]);
      assert.equal(st?.get("seq"), "1");
      assert.ok(parseInt(st!.get("ts")!, 16) >= before);
      assert.deepEqual(ifs?.fields.map((f) => `${f.name}=${f.value}`), [
        "t=ifstat",
        "node=node2",
        "ifname=eth0",
        "st=dead",
      ]);
    } finally {
      c.close();
    }
  });
});

Deno.test("server: warns when the socket directory lets every user in", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hb-api-" });
  await Deno.chmod(dir, 0o755);
  const logs: string[] = [];
  const r = await ApiServer.listen(`${dir}/register`, new FixtureCluster(), {
    log: (l, t) => logs.push(`${l} ${t}`),
  });
  try {
    assert.ok(r.ok);
    assert.ok(logs.some((l) => l.startsWith("warn") && l.includes("mode 755")), logs.join("\n"));
  } finally {
    if (r.ok) await r.server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
