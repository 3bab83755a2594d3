import assert from "node:assert/strict";
import { Ops, type OpsLog } from "../../src/ops/ops.ts";
import type { StatusReport } from "../../src/daemon/status_types.ts";

function recorder(): OpsLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (t) => lines.push(`info: ${t}`),
    warn: (t) => lines.push(`warn: ${t}`),
    error: (t) => lines.push(`error: ${t}`),
  };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const status: StatusReport = {
  node: "n1",
  uuid: "00",
  generation: 1,
  pid: 1,
  version: "0.1.0",
  uptimeMs: 5,
  status: "active",
  timings: { keepaliveMs: 100, warntimeMs: 500, deadtimeMs: 1000, initdeadMs: 2000 },
  membership: null,
  nodes: [],
  counters: { sent: 3 },
};

Deno.test("ops: watchdog fed per tick, READY/STOPPING sent, metrics served, all closed", async () => {
  const dir = await Deno.makeTempDir();
  const sock = Deno.listenDatagram({ transport: "unixpacket", path: `${dir}/notify` });
  await Deno.writeFile(`${dir}/wd`, new Uint8Array());
  const log = recorder();
  const port = freePort();
  const started = Ops.start({
    process: { realtime: false, rtprio: 50, watchdog: `${dir}/wd` },
    log,
    metricsAddress: `127.0.0.1:${port}`,
    collectMetrics: () => ({ status, apiClients: 1, logLinesDropped: 0 }),
    env: (n) => (n === "NOTIFY_SOCKET" ? `${dir}/notify` : undefined),
  });
  if (!started.ok) throw new Error(started.error);
  const ops = started.value;
  try {
    ops.tick();
    ops.tick();
    ops.ready("3 nodes");
    const [ready] = await sock.receive();
    assert.equal(new TextDecoder().decode(ready), "READY=1\nSTATUS=3 nodes");
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.match(await res.text(), /^heartbeat_packets_sent_total 3$/m);
    await ops.stop();
    const [stopping] = await sock.receive();
    assert.equal(new TextDecoder().decode(stopping), "STOPPING=1");
    assert.deepEqual([...await Deno.readFile(`${dir}/wd`)], [0, 0, 0x56]);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/metrics`), "endpoint closed");
    assert.ok(log.lines.some((l) => /^info: watchdog .*wd opened/.test(l)), log.lines.join("\n"));
    assert.ok(log.lines.some((l) => /^info: metrics: serving http:\/\/127\.0\.0\.1:/.test(l)));
    assert.ok(!log.lines.some((l) => /realtime/.test(l)), "realtime off logs nothing");
  } finally {
    await ops.stop();
    sock.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ops: a watchdog that cannot open is logged, not fatal; bad --metrics is", async () => {
  const log = recorder();
  const s = Ops.start({
    process: { realtime: false, rtprio: 50, watchdog: "/nonexistent/watchdog" },
    log,
    env: () => undefined,
  });
  if (!s.ok) throw new Error(s.error);
  assert.equal(s.value.watchdog, null);
  assert.ok(log.lines.some((l) => /^error: watchdog \/nonexistent\/watchdog: cannot open/.test(l)));
  s.value.tick(); // nothing to feed; no throw
  await s.value.stop();

  const bad = Ops.start({
    process: { realtime: false, rtprio: 50 },
    log,
    metricsAddress: "somewhere",
    collectMetrics: () => ({ status }),
  });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /--metrics somewhere/);
});
