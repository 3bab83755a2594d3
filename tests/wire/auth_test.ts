import assert from "node:assert/strict";
import { Message } from "../../src/wire/message.ts";
import {
  decodeAndVerify,
  digestEquals,
  digestHex,
  signAndEncode,
  verifyAuthField,
} from "../../src/wire/auth.ts";
import { heartbeatCrc, heartbeatCrcHex } from "../../src/wire/crc.ts";
import { authText } from "../../src/wire/classic.ts";
import { decodeNetstring, netstringBody, withSignature } from "../../src/wire/netstring.ts";
import { fromLatin1, latin1 } from "../../src/wire/bytes.ts";
import type { AuthKey, AuthKeys, AuthMethod } from "../../src/config/auth_types.ts";

function key(method: AuthMethod, secret: string, index = 1): AuthKey {
  return { index, method, secret: new TextEncoder().encode(secret) };
}
function keysOf(...ks: AuthKey[]): AuthKeys {
  return { send: ks[0], keys: new Map(ks.map((k) => [k.index, k])) };
}

Deno.test("digests: RFC 2202 HMAC vectors and our sha256", () => {
  const data = "what do ya want for nothing?";
  assert.equal(digestHex(key("md5", "Jefe"), data), "750c783e6ab0b503eaa86e310a5db738");
  assert.equal(digestHex(key("sha1", "Jefe"), data), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  assert.equal(
    digestHex(key("sha256", "Jefe"), data), // RFC 4231 test case 2
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
  // Bytes and byte strings give the same digest.
  assert.equal(
    digestHex(key("sha1", "k"), "\xff\x00"),
    digestHex(key("sha1", "k"), fromLatin1("\xff\x00")),
  );
});

/** Bit-by-bit reference of the same CRC, written independently of the table version. */
function slowCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return ~crc >>> 0;
}

Deno.test("crc: CRC-32/POSIX parameters (check value), keyless, %lx without leading zeros", () => {
  assert.equal(heartbeatCrc(new TextEncoder().encode("123456789")), 0x765e7680);
  assert.equal(heartbeatCrcHex("123456789"), "765e7680");
  assert.equal(digestHex(key("crc", "anything"), "123456789"), "765e7680");
  let short = 0;
  for (let i = 0; i < 3000; i++) {
    const s = "msg" + i;
    const c = slowCrc(fromLatin1(s));
    assert.equal(heartbeatCrc(s), c);
    assert.equal(heartbeatCrcHex(s), c.toString(16));
    if (heartbeatCrcHex(s).length < 8) short++;
  }
  assert.ok(short > 0, "some CRCs must print with fewer than 8 hex digits");
});

Deno.test("digestEquals: constant-time compare with length check", () => {
  assert.equal(digestEquals("abc", "abc"), true);
  assert.equal(digestEquals("abc", "abd"), false);
  assert.equal(digestEquals("abc", "abcd"), false);
});

Deno.test("signAndEncode: appends auth last, or replaces it in place", () => {
  const keys = keysOf(key("sha256", "k"));
  const m = Message.of({ t: "status", src: "n1" });
  signAndEncode(m, keys);
  assert.equal(m.fields.at(-1)?.name, "auth");
  assert.match(m.get("auth")!, /^1 [0-9a-f]{64}$/);
  const m2 = Message.of({ t: "x", auth: "old", z: "1" });
  signAndEncode(m2, keys);
  assert.deepEqual(m2.fields.map((f) => f.name), ["t", "auth", "z"]);
  assert.notEqual(m2.get("auth"), "old");
});

Deno.test("decodeAndVerify: every rejection has its code", () => {
  const k1 = key("sha1", "one", 1);
  const k2 = key("sha256", "two", 2);
  const keys = keysOf(k1);
  const good = signAndEncode(Message.of({ t: "status", seq: "1a" }), keys);
  assert.equal(decodeAndVerify(good, keys).ok, true);

  const d = decodeNetstring(good);
  assert.ok(d.ok);
  const body = latin1(d.signed!.signedBytes);
  const err = (b: Uint8Array | string, ks: AuthKeys) => {
    const r = decodeAndVerify(typeof b === "string" ? fromLatin1(b) : b, ks);
    return r.ok ? "ok" : r.error.code;
  };
  assert.equal(err(body, keys), "no_signature");
  assert.equal(err(good, keysOf(k2)), "unknown_key");
  assert.equal(err(good, keysOf(key("sha1", "other", 1))), "bad_signature");
  assert.equal(
    err(withSignature(body, 1, "00" + d.signed!.digestHex.slice(2)), keys),
    "bad_signature",
  );
  assert.equal(err("###\n%%%", keys), "truncated");

  // auth= field forged but signature made with the right key: refused on the field.
  const forged = Message.of({ t: "status", seq: "1a", auth: "1 0123" });
  const fb = netstringBody(forged);
  assert.equal(err(withSignature(fb, 1, digestHex(k1, fb)), keys), "bad_auth_field");
  const noAuth = netstringBody(Message.of({ t: "status" }));
  assert.equal(err(withSignature(noAuth, 1, digestHex(k1, noAuth)), keys), "bad_auth_field");
  // auth= naming an unknown key.
  const unk = netstringBody(Message.of({ t: "status", auth: "5 00" }));
  assert.equal(err(withSignature(unk, 1, digestHex(k1, unk)), keys), "unknown_key");
});

Deno.test("key rotation: sending with key 2 is accepted by a node that lists keys 1 and 2", () => {
  const k1 = key("sha1", "old", 1);
  const k2 = key("sha256", "new", 2);
  const bytes = signAndEncode(Message.of({ t: "status" }), keysOf(k2, k1));
  const r = decodeAndVerify(bytes, keysOf(k1, k2));
  assert.ok(r.ok);
  assert.equal(r.keyIndex, 2);
  assert.equal(verifyAuthField(r.msg, keysOf(k1, k2)), 2);
  const onlyOld = decodeAndVerify(bytes, keysOf(k1));
  assert.equal(!onlyOld.ok && onlyOld.error.code, "unknown_key");
});

Deno.test("our HMAC equals node:crypto createHmac for random keys (short, 64, long) and data", async () => {
  const { createHmac } = await import("node:crypto");
  let seed = 1;
  const rnd = (n: number) =>
    new Uint8Array(n).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
  for (const method of ["sha1", "md5", "sha256"] as const) {
    for (const klen of [0, 1, 14, 63, 64, 65, 200]) {
      const secret = rnd(klen);
      const data = rnd(klen * 3 + 7);
      const k: AuthKey = { index: 1, method, secret };
      assert.equal(digestHex(k, data), createHmac(method, secret).update(data).digest("hex"));
      assert.equal(digestHex(k, latin1(data)), digestHex(k, data));
    }
  }
});

Deno.test("signAndEncode: a body with binary bytes above 0x7f is signed over its exact bytes", () => {
  for (const method of ["sha1", "md5", "sha256", "crc"] as const) {
    const keys = keysOf(key(method, "s3cret"));
    const m = Message.of({ t: "hbbench", src: "n1", seq: "2f" });
    m.setBinary("srcuuid", Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 0x81) & 0xff));
    const bytes = signAndEncode(m.clone(), keys);
    // Independently: sign a copy the long way, through the body as a byte string.
    const ref = m.clone();
    ref.set("auth", "1 " + digestHex(keys.send, authText(ref)));
    const body = netstringBody(ref);
    const want = fromLatin1(withSignature(body, 1, digestHex(keys.send, fromLatin1(body))));
    assert.deepEqual(bytes, want, method);
    const back = decodeAndVerify(bytes, keys);
    assert.ok(back.ok, method);
    assert.deepEqual(back.msg.getBinary("srcuuid"), m.getBinary("srcuuid"));
  }
});
