/**
 * Every UDP datagram of every real Heartbeat 3.0.6 capture: decodes, verifies with that
 * capture's key and method, re-encodes byte for byte, and is rejected under a wrong key.
 */

import assert from "node:assert/strict";
import { readPcap, type UdpPacket } from "../helpers/pcap.ts";
import { decodeAndVerify, signAndEncode } from "../../src/wire/auth.ts";
import { decodeNetstring } from "../../src/wire/netstring.ts";
import type { AuthKey, AuthKeys, AuthMethod } from "../../src/config/auth_types.ts";

const DIR = new URL("../fixtures/captures/", import.meta.url);

/** Captures and their methods (tests/fixtures/captures/README.md). */
const CAPTURES: Record<string, AuthMethod> = {
  "ucast-sha1.pcap": "sha1",
  "join-leave-ucast-sha1.pcap": "sha1",
  "bcast-md5.pcap": "md5",
  "mcast-crc.pcap": "crc",
  "badkey-sha1.pcap": "sha1",
};

function key(method: AuthMethod, secret: string, index = 1): AuthKey {
  return { index, method, secret: new TextEncoder().encode(secret) };
}

function keysOf(...ks: AuthKey[]): AuthKeys {
  return { send: ks[0], keys: new Map(ks.map((k) => [k.index, k])) };
}

/** badkey-sha1: node2 (10.99.0.12) signs with other-secret, node1 with interop-secret. */
function secretFor(capture: string, p: UdpPacket): string {
  return capture.startsWith("badkey") && p.src === "10.99.0.12" ? "other-secret" : "interop-secret";
}

function packets(name: string): UdpPacket[] {
  return readPcap(Deno.readFileSync(new URL(name, DIR)));
}

Deno.test("every .pcap fixture is covered by this test", () => {
  const files = [...Deno.readDirSync(DIR)].map((e) => e.name).filter((n) => n.endsWith(".pcap"));
  assert.deepEqual(files.sort(), Object.keys(CAPTURES).sort());
});

for (const [name, method] of Object.entries(CAPTURES)) {
  Deno.test(`${name}: every datagram decodes, verifies and re-encodes byte for byte`, () => {
    const pk = packets(name);
    assert.ok(pk.length > 50, `expected many packets in ${name}, got ${pk.length}`);
    for (const [i, p] of pk.entries()) {
      assert.equal(p.dport === 694 || p.sport === 694, true);
      const keys = keysOf(key(method, secretFor(name, p)));
      const r = decodeAndVerify(p.payload, keys);
      if (!r.ok) assert.fail(`${name} #${i + 1}: ${JSON.stringify(r.error)}`);
      assert.equal(r.keyIndex, 1);
      assert.equal(r.msg.fields[r.msg.fields.length - 1].name, "auth");
      const again = signAndEncode(r.msg, keys);
      assert.deepEqual(again, p.payload, `${name} #${i + 1} re-encodes differently`);
    }
  });

  Deno.test(`${name}: every datagram is rejected under a wrong key`, () => {
    for (const p of packets(name)) {
      const wrong = method === "crc"
        ? keysOf(key("md5", "interop-secret")) // crc is keyless: a wrong *method* must fail
        : keysOf(key(method, secretFor(name, p) + "x"));
      const r = decodeAndVerify(p.payload, wrong);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.error.code, "bad_signature");
    }
  });
}

Deno.test("badkey-sha1: each node's packets fail under the other node's key", () => {
  let seen = 0;
  for (const p of packets("badkey-sha1.pcap")) {
    const other = secretFor("badkey-sha1.pcap", p) === "other-secret"
      ? "interop-secret"
      : "other-secret";
    const r = decodeAndVerify(p.payload, keysOf(key("sha1", other)));
    assert.equal(r.ok, false);
    seen++;
  }
  assert.ok(seen > 0);
});

Deno.test("key rotation: a capture verifies when its key is one of several configured", () => {
  const p = packets("ucast-sha1.pcap")[0];
  const keys = keysOf(key("sha256", "new-secret", 2), key("sha1", "interop-secret", 1));
  const r = decodeAndVerify(p.payload, keys);
  assert.equal(r.ok, true);
  // The signature names key 1; without it configured the message is refused as unknown.
  const only2 = decodeAndVerify(p.payload, keysOf(key("sha1", "interop-secret", 2)));
  assert.equal(!only2.ok && only2.error.code, "unknown_key");
});

Deno.test("captures contain list fields (FT_LIST) and they re-encode exactly", () => {
  const pk = ["ucast-sha1.pcap", "bcast-md5.pcap", "mcast-crc.pcap"].flatMap(packets);
  const withList = pk.map((p) => decodeNetstring(p.payload)).filter((d) =>
    d.ok && d.msg.fields.some((f) => f.type === 3)
  );
  assert.equal(withList.length, 3);
  const d = withList[0];
  assert.ok(d.ok);
  const f = d.msg.fields.find((x) => x.name === "ccmuptimelist");
  assert.deepEqual(f?.value, ["33554432", "16777216"]);
});
