import assert from "node:assert/strict";
import { parseNotifySocket, SdNotifier, watchdogIntervalMs } from "../../src/ops/sd_notify.ts";

const dec = new TextDecoder();

function envOf(vars: Record<string, string>): (n: string) => string | undefined {
  return (n) => vars[n];
}

async function receive(l: Deno.DatagramConn, ms = 2000): Promise<string> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new Error(`no datagram within ${ms} ms`)), ms);
  });
  try {
    const [data] = await Promise.race([l.receive(), timeout]);
    return dec.decode(data);
  } finally {
    clearTimeout(t);
  }
}

Deno.test("sd_notify: no NOTIFY_SOCKET means every call is a no-op", () => {
  const n = SdNotifier.fromEnv(envOf({}));
  assert.deepEqual(n.enabled, false);
  assert.deepEqual(n.ready("up"), { ok: true, sent: false });
  assert.deepEqual(n.watchdogIntervalMs, null);
});

Deno.test("sd_notify: parses path, abstract, and refuses other kinds", () => {
  assert.deepEqual(parseNotifySocket("/run/systemd/notify"), {
    ok: true,
    value: { name: "/run/systemd/notify", abstract: false },
  });
  assert.deepEqual(parseNotifySocket("@/org/x"), {
    ok: true,
    value: { name: "/org/x", abstract: true },
  });
  const bad = parseNotifySocket("vsock:2:1234");
  if (bad.ok) throw new Error("vsock accepted");
  assert.match(bad.error, /vsock/);
  assert(!parseNotifySocket("/" + "x".repeat(120)).ok);
});

Deno.test("sd_notify: watchdog interval is half of WATCHDOG_USEC and only for our pid", () => {
  assert.deepEqual(watchdogIntervalMs("30000000", undefined, 42), 15000);
  assert.deepEqual(watchdogIntervalMs("30000000", "42", 42), 15000);
  assert.deepEqual(watchdogIntervalMs("30000000", "43", 42), null);
  assert.deepEqual(watchdogIntervalMs(undefined, undefined, 42), null);
  assert.deepEqual(watchdogIntervalMs("0", undefined, 42), null);
  assert.deepEqual(watchdogIntervalMs("abc", undefined, 42), null);
});

Deno.test("sd_notify: READY, STATUS, STOPPING reach a socket at a path", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/notify`;
  const l = Deno.listenDatagram({ transport: "unixpacket", path });
  const n = SdNotifier.fromEnv(envOf({ NOTIFY_SOCKET: path }));
  try {
    assert(n.enabled);
    assert.deepEqual(n.ready("3 nodes, 2 up"), { ok: true, sent: true });
    assert.deepEqual(await receive(l), "READY=1\nSTATUS=3 nodes, 2 up");
    n.status("line one\nline two");
    assert.deepEqual(await receive(l), "STATUS=line one line two");
    n.stopping();
    assert.deepEqual(await receive(l), "STOPPING=1");
  } finally {
    n.close();
    l.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sd_notify: reaches an abstract socket (@name), as systemd gives", async () => {
  const name = `/hbts/test/notify-${Deno.pid}-${crypto.randomUUID()}`;
  const l = Deno.listenDatagram({ transport: "unixpacket", path: `\0${name}` });
  const n = SdNotifier.fromEnv(envOf({ NOTIFY_SOCKET: `@${name}` }));
  try {
    assert.deepEqual(n.ready(), { ok: true, sent: true });
    assert.deepEqual(await receive(l), "READY=1");
  } finally {
    n.close();
    l.close();
  }
});

Deno.test("sd_notify: WATCHDOG=1 comes at half of WATCHDOG_USEC until stopping", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/notify`;
  const l = Deno.listenDatagram({ transport: "unixpacket", path });
  const n = SdNotifier.fromEnv(
    envOf({ NOTIFY_SOCKET: path, WATCHDOG_USEC: "100000", WATCHDOG_PID: String(Deno.pid) }),
  );
  try {
    assert.deepEqual(n.watchdogIntervalMs, 50);
    const t0 = performance.now();
    n.startWatchdog();
    assert.deepEqual(await receive(l), "WATCHDOG=1");
    assert.deepEqual(await receive(l), "WATCHDOG=1");
    const elapsed = performance.now() - t0;
    assert(elapsed >= 90, `two pings after ${elapsed} ms; expected about 100 ms`);
    n.stopping();
    assert.deepEqual(await receive(l), "STOPPING=1");
    // No more pings after STOPPING.
    await new Promise((r) => setTimeout(r, 150));
    const more = await receive(l, 100).catch(() => null);
    assert.deepEqual(more, null);
  } finally {
    n.close();
    l.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sd_notify: a socket nobody listens on gives an error value naming it", async () => {
  const dir = await Deno.makeTempDir();
  const n = SdNotifier.fromEnv(envOf({ NOTIFY_SOCKET: `${dir}/gone` }));
  try {
    const r = n.ready();
    if (r.ok) throw new Error("send to a missing socket succeeded");
    assert.match(r.error, /gone.*ENOENT|gone.*ECONNREFUSED/);
  } finally {
    n.close();
    await Deno.remove(dir, { recursive: true });
  }
});
