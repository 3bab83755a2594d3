import assert from "node:assert/strict";
import { isIPv4, isIPv6, isMcast4, isMcast6, parseBool } from "../../src/config/values.ts";

Deno.test("address syntax: IPv4, IPv6, multicast ranges", () => {
  for (const a of ["192.0.2.1", "0.0.0.0", "255.255.255.255"]) assert.ok(isIPv4(a), a);
  for (const a of ["192.0.2", "256.1.1.1", "01.2.3.4", "a.b.c.d", "1.2.3.4.5", ""]) {
    assert.ok(!isIPv4(a), a);
  }
  for (
    const a of [
      "::1",
      "2001:db8::2",
      "fe80::1:2",
      "1:2:3:4:5:6:7:8",
      "::ffff:192.0.2.1",
      "ff12::1:2:3:4",
    ]
  ) {
    assert.ok(isIPv6(a), a);
  }
  for (const a of ["1:2:3:4:5:6:7:8:9", "1::2::3", "g::1", "192.0.2.1", ":", "1:2:3"]) {
    assert.ok(!isIPv6(a), a);
  }
  assert.ok(isMcast4("224.0.0.1") && isMcast4("239.255.255.255"));
  assert.ok(!isMcast4("223.255.255.255") && !isMcast4("240.0.0.1"));
  assert.ok(isMcast6("ff02::1") && !isMcast6("fe80::1"));
});

Deno.test("booleans as Heartbeat reads them", () => {
  for (const t of ["on", "YES", "true", "y", "1"]) {
    assert.deepEqual(parseBool(t), { ok: true, value: true });
  }
  for (const t of ["off", "no", "False", "n", "0"]) {
    assert.deepEqual(parseBool(t), { ok: true, value: false });
  }
  const r = parseBool("maybe");
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.reason, /"maybe" is not a boolean; use on\/off/);
});
