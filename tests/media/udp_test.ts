import assert from "node:assert/strict";
import { broadcastAddress, MediaError, resolveIface, UdpMedia } from "../../src/media/udp.ts";
import { UdpSendSocket } from "../../src/media/udp_socket.ts";
import { sockaddrIn } from "../../src/media/sockaddr.ts";

function collector() {
  const got: { link: string; text: string; from: string }[] = [];
  let wake: (() => void) | undefined;
  return {
    got,
    handlers: {
      onPacket(link: string, bytes: Uint8Array, from: string) {
        got.push({ link, text: new TextDecoder().decode(bytes), from });
        wake?.();
      },
      onError() {},
    },
    async waitFor(n: number, ms = 2000) {
      const end = Date.now() + ms;
      while (got.length < n && Date.now() < end) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 20);
        });
      }
    },
  };
}

const PORT = 20000 + (Deno.pid % 20000);

Deno.test("udp: ucast between two loopback addresses, own-address lines skipped", async () => {
  const a = collector();
  const b = collector();
  const ma = await UdpMedia.open([
    { kind: "ucast", iface: "127.0.0.2", peer: "127.0.0.2", port: PORT },
    { kind: "ucast", iface: "127.0.0.2", peer: "127.0.0.3", port: PORT },
  ], a.handlers);
  const mb = await UdpMedia.open([
    { kind: "ucast", iface: "127.0.0.3", peer: "127.0.0.2", port: PORT },
  ], b.handlers);
  try {
    assert.deepEqual(ma.links, ["127.0.0.2"]);
    ma.send(new TextEncoder().encode("hello"));
    mb.send(new TextEncoder().encode("back"));
    await a.waitFor(1);
    await b.waitFor(1);
    assert.equal(b.got[0].text, "hello");
    // Sent from the medium's address, from a send socket of its own with an ephemeral
    // port (as Heartbeat's write sockets), not from the receive socket on udpport.
    assert.equal(ma.sendsThroughFfi, true);
    const [host, port] = b.got[0].from.split(":");
    assert.equal(host, "127.0.0.2");
    assert.notEqual(Number(port), PORT);
    assert.equal(a.got[0].text, "back");
    assert.equal(a.got.length, 1);
  } finally {
    ma.close();
    mb.close();
  }
});

Deno.test("udp: mcast on loopback with loop on delivers to a second member", async () => {
  const a = collector();
  const b = collector();
  const spec = {
    kind: "mcast" as const,
    iface: "lo",
    group: "239.0.0.42",
    port: PORT + 1,
    ttl: 1,
    loop: true,
  };
  const ma = await UdpMedia.open([spec], a.handlers);
  const mb = await UdpMedia.open([spec], b.handlers);
  try {
    ma.send(new TextEncoder().encode("m1"));
    await b.waitFor(1);
    assert.ok(b.got.some((g) => g.text === "m1" && g.link === "lo"));
    // The looped copy of its own datagram reaches the sender's receive socket too; it is
    // dropped there unread (counted), while the other member hears it.
    mb.send(new TextEncoder().encode("m2"));
    await a.waitFor(1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(a.got.map((g) => g.text), ["m2"]);
    assert.equal(ma.echoesDropped, 1);
    assert.deepEqual(b.got.map((g) => g.text), ["m1"]);
    assert.equal(mb.echoesDropped, 1);
  } finally {
    ma.close();
    mb.close();
  }
});

Deno.test("udp: unknown interface is a MediaError naming it", async () => {
  await assert.rejects(
    () =>
      UdpMedia.open(
        [{ kind: "bcast", iface: "nosuch0", port: PORT + 2 }],
        collector().handlers,
      ),
    (e: unknown) =>
      e instanceof MediaError && /bcast nosuch0: interface nosuch0 does not/.test(e.message),
  );
});

Deno.test("udp: broadcast address and interface resolution", () => {
  assert.equal(broadcastAddress("10.99.0.11", "255.255.255.0"), "10.99.0.255");
  assert.equal(broadcastAddress("172.16.5.4", "255.255.240.0"), "172.16.15.255");
  const info = resolveIface("eth9", [
    {
      name: "eth9",
      family: "IPv4",
      address: "10.1.2.3",
      netmask: "255.255.0.0",
      scopeid: null,
      cidr: "10.1.2.3/16",
      mac: "00:00:00:00:00:00",
    },
  ]);
  assert.deepEqual(info.v4, { address: "10.1.2.3", netmask: "255.255.0.0" });
});

Deno.test("udp: without FFI the receive socket sends, from udpport", async () => {
  const b = collector();
  const ma = await UdpMedia.open(
    [{ kind: "ucast", iface: "127.0.0.2", peer: "127.0.0.3", port: PORT + 3 }],
    collector().handlers,
    Deno.networkInterfaces(),
    { ffi: false },
  );
  const mb = await UdpMedia.open([
    { kind: "ucast", iface: "127.0.0.3", peer: "127.0.0.2", port: PORT + 3 },
  ], b.handlers);
  try {
    assert.equal(ma.sendsThroughFfi, false);
    ma.send(new TextEncoder().encode("old path"));
    await b.waitFor(1);
    assert.equal(b.got[0]?.text, "old path");
    assert.equal(b.got[0].from, `127.0.0.2:${PORT + 3}`);
  } finally {
    ma.close();
    mb.close();
  }
});

Deno.test("udp send socket: bound source address, broadcast needs SO_BROADCAST", async () => {
  const rx = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.8", port: 0 });
  const s = UdpSendSocket.open({ family: 4, bindAddress: "127.0.0.7" });
  assert.ok(typeof s !== "string", String(s));
  try {
    const to = sockaddrIn("127.0.0.8", (rx.addr as Deno.NetAddr).port)!;
    assert.equal(s.sendTo(new TextEncoder().encode("direct"), to), 0);
    const [data, from] = await rx.receive();
    assert.equal(new TextDecoder().decode(data), "direct");
    assert.equal((from as Deno.NetAddr).hostname, "127.0.0.7");
    // The kernel refuses a broadcast destination before anything leaves: EACCES (13).
    assert.equal(s.sendTo(new Uint8Array(4), sockaddrIn("255.255.255.255", 9)!), 13);
  } finally {
    s.close();
    rx.close();
  }
  assert.equal(s.sendTo(new Uint8Array(1), sockaddrIn("127.0.0.8", 9)!), 9, "EBADF once closed");
});

Deno.test("udp send socket: open failures are sentences naming the step", () => {
  const notMine = UdpSendSocket.open({ family: 4, bindAddress: "192.0.2.1" });
  assert.equal(typeof notMine, "string");
  assert.match(notMine as string, /^bind 192\.0\.2\.1: Cannot assign requested address/);
  const wrongFamily = UdpSendSocket.open({ family: 6, bindAddress: "127.0.0.1" });
  assert.equal(wrongFamily, "bind: 127.0.0.1 is not an IPv6 address");
  const noDevice = UdpSendSocket.open({ family: 4, device: "nosuch0" });
  assert.match(String(noDevice), /^SO_BINDTODEVICE nosuch0: No such device/);
});

Deno.test("udp: datagrams that were all waiting arrive as one burst, ended when none wait", async () => {
  const events: string[] = [];
  const handlers = {
    onPacket(_link: string, bytes: Uint8Array) {
      events.push(new TextDecoder().decode(bytes));
    },
    onBurst(active: boolean) {
      events.push(active ? "begin" : "end");
    },
    onError() {},
  };
  const ma = await UdpMedia.open([
    { kind: "ucast", iface: "127.0.0.2", peer: "127.0.0.3", port: PORT + 2 },
  ], { onPacket() {}, onError() {} });
  const mb = await UdpMedia.open([
    { kind: "ucast", iface: "127.0.0.3", peer: "127.0.0.2", port: PORT + 2 },
  ], handlers);
  try {
    // Sent synchronously: all 20 wait in the receive buffer before mb reads any.
    const want = Array.from({ length: 20 }, (_, i) => `d${i}`);
    for (const w of want) ma.send(new TextEncoder().encode(w));
    const until = Date.now() + 2000;
    while (!events.includes("end") && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(events, ["begin", ...want, "end"]);
    // A lone datagram later is a burst of one.
    ma.send(new TextEncoder().encode("late"));
    while (events.length < 25 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(events.slice(22), ["begin", "late", "end"]);
  } finally {
    ma.close();
    mb.close();
  }
});
