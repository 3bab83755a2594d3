import assert from "node:assert/strict";
import { broadcastAddress, MediaError, resolveIface, UdpMedia } from "../../src/media/udp.ts";

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
    assert.equal(b.got[0].from, `127.0.0.2:${PORT}`);
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
