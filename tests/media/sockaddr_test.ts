import assert from "node:assert/strict";
import {
  AF_INET,
  AF_INET6,
  isLinkScopeIPv6,
  parseIPv4,
  parseIPv6,
  sockaddrIn,
  sockaddrIn6,
} from "../../src/media/sockaddr.ts";

const hex = (b: Uint8Array | null) =>
  b === null ? null : [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("sockaddr: IPv4 text forms", () => {
  assert.deepEqual(parseIPv4("10.99.0.255"), new Uint8Array([10, 99, 0, 255]));
  for (const bad of ["10.99.0", "1.2.3.256", "a.b.c.d", "1.2.3.4.5", "", "1..2.3"]) {
    assert.equal(parseIPv4(bad), null, bad);
  }
});

Deno.test("sockaddr: IPv6 text forms, with ::, an IPv4 tail and a zone", () => {
  assert.equal(hex(parseIPv6("::")), "0".repeat(32));
  assert.equal(hex(parseIPv6("::1")), "0".repeat(31) + "1");
  assert.equal(hex(parseIPv6("fd00:98::2")), "fd000098" + "0".repeat(22) + "02");
  assert.equal(hex(parseIPv6("fe80::a:b%eth0")), "fe80" + "0".repeat(20) + "000a000b");
  assert.equal(hex(parseIPv6("::ffff:10.1.2.3")), "0".repeat(20) + "ffff0a010203");
  assert.equal(hex(parseIPv6("1:2:3:4:5:6:7:8")), "00010002000300040005000600070008");
  for (
    const bad of [
      "1:2:3:4:5:6:7",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8:9",
      "::g",
      "1:2:3:4:5:6:7::8",
    ]
  ) {
    assert.equal(parseIPv6(bad), null, bad);
  }
});

Deno.test("sockaddr: struct layouts are Linux's (family LE, port and address in network order)", () => {
  const a = sockaddrIn("127.0.0.2", 694)!;
  assert.equal(a.length, 16);
  assert.equal(a[0] | (a[1] << 8), AF_INET);
  assert.deepEqual([...a.subarray(2, 8)], [0x02, 0xb6, 127, 0, 0, 2]);
  assert.ok(a.subarray(8).every((x) => x === 0));
  assert.equal(sockaddrIn("::1", 694), null);

  const b = sockaddrIn6("ff12::77", 5405, 7)!;
  assert.equal(b.length, 28);
  assert.equal(b[0] | (b[1] << 8), AF_INET6);
  assert.deepEqual([...b.subarray(2, 4)], [0x15, 0x1d]);
  assert.equal(hex(b.subarray(8, 24)), "ff12" + "0".repeat(26) + "77");
  assert.equal(new DataView(b.buffer).getUint32(24, true), 7);
  assert.equal(sockaddrIn6("10.0.0.1", 1), null);
});

Deno.test("sockaddr: link scope is fe80::/10 and ffX2:: multicast", () => {
  assert.ok(isLinkScopeIPv6(parseIPv6("fe80::1")!));
  assert.ok(isLinkScopeIPv6(parseIPv6("febf::1")!));
  assert.ok(isLinkScopeIPv6(parseIPv6("ff12::77")!));
  assert.ok(!isLinkScopeIPv6(parseIPv6("ff15::77")!));
  assert.ok(!isLinkScopeIPv6(parseIPv6("fd00:98::1")!));
  assert.ok(!isLinkScopeIPv6(parseIPv6("fec0::1")!));
});
