/** wire.md §8 worked example (ucast-sha1 datagram #1) as an explicit test vector. */

import assert from "node:assert/strict";
import { readPcap } from "../helpers/pcap.ts";
import { Message } from "../../src/wire/message.ts";
import { authText, encodeClassic } from "../../src/wire/classic.ts";
import { decodeAndVerify, digestHex, signAndEncode } from "../../src/wire/auth.ts";
import { decodeNetstring, netstringBody } from "../../src/wire/netstring.ts";
import { latin1 } from "../../src/wire/bytes.ts";
import type { AuthKey, AuthKeys } from "../../src/config/auth_types.ts";

const SHA1: AuthKey = {
  index: 1,
  method: "sha1",
  secret: new TextEncoder().encode("interop-secret"),
};
const KEYS: AuthKeys = { send: SHA1, keys: new Map([[1, SHA1]]) };

const HASHED_TEXT = "t=status\nst=init\ndt=1b58\nprotocol=1\nsrc=node1\n" +
  "(1)srcuuid=JCopvyx8S2C3/4qrPxNe3Q==\nseq=1\nhg=6b064bcc\nts=6b064bcb\n" +
  "ld=0.00 0.00 0.00 5/97 8610\nttl=3\n";
const UUID = new Uint8Array([
  0x24,
  0x2a,
  0x29,
  0xbf,
  0x2c,
  0x7c,
  0x4b,
  0x60,
  0xb7,
  0xff,
  0x8a,
  0xab,
  0x3f,
  0x13,
  0x5e,
  0xdd,
]);

/** The message of §8, built by hand in the listed order (without auth). */
function example(): Message {
  const m = Message.of({ t: "status", st: "init", dt: "1b58", protocol: "1", src: "node1" });
  m.setBinary("srcuuid", UUID);
  for (const [k, v] of Object.entries({ seq: "1", hg: "6b064bcc", ts: "6b064bcb" })) m.set(k, v);
  return m.set("ld", "0.00 0.00 0.00 5/97 8610").set("ttl", "3");
}

const DATAGRAM = readPcap(
  Deno.readFileSync(new URL("../fixtures/captures/ucast-sha1.pcap", import.meta.url)),
)[0].payload;

Deno.test("§8: the datagram is 307 bytes and decodes to the listed fields", () => {
  assert.equal(DATAGRAM.length, 307);
  const d = decodeNetstring(DATAGRAM);
  assert.ok(d.ok);
  assert.deepEqual(
    d.msg.fields.map((f) => f.name),
    ["t", "st", "dt", "protocol", "src", "srcuuid", "seq", "hg", "ts", "ld", "ttl", "auth"],
  );
  assert.deepEqual(d.msg.getBinary("srcuuid"), UUID);
  assert.equal(d.signed?.keyIndex, 1);
  assert.equal(d.signed?.digestHex, "52497fe74ba508d83c46ac0b5476de8153b80874");
});

Deno.test("§5.1: NOHEAD text of capture #1 equals the documented hashed text", () => {
  const d = decodeNetstring(DATAGRAM);
  assert.ok(d.ok);
  assert.equal(authText(d.msg), HASHED_TEXT);
  assert.equal(latin1(encodeClassic(d.msg, { head: false })), HASHED_TEXT);
});

Deno.test("§8: both digests of the hand-built message match the capture", () => {
  const m = example();
  assert.equal(authText(m), HASHED_TEXT);
  assert.equal(digestHex(SHA1, HASHED_TEXT), "b70995552c9b2ab37549c5221ce1788c100dafca");
  const bytes = signAndEncode(m, KEYS);
  assert.equal(m.get("auth"), "1 b70995552c9b2ab37549c5221ce1788c100dafca");
  const body = netstringBody(m);
  assert.equal(digestHex(SHA1, body), "52497fe74ba508d83c46ac0b5476de8153b80874");
  assert.deepEqual(bytes, DATAGRAM);
  assert.ok(latin1(bytes).startsWith("###\n11:(0)t=status,10:(0)st=init,"));
});

Deno.test("§8: changing one field breaks both digests unless re-signed", () => {
  const d = decodeAndVerify(DATAGRAM, KEYS);
  assert.ok(d.ok);
  d.msg.set("ttl", "2");
  const resigned = signAndEncode(d.msg, KEYS);
  assert.notDeepEqual(resigned, DATAGRAM);
  assert.equal(decodeAndVerify(resigned, KEYS).ok, true);
  assert.notEqual(d.msg.get("auth"), "1 b70995552c9b2ab37549c5221ce1788c100dafca");
});
