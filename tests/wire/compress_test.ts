import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { Message } from "../../src/wire/message.ts";
import {
  COMPRESS_NAME,
  COMPRESSED_FIELD,
  compressField,
  compressMessage,
  decompressMessage,
  expandCompressedFields,
} from "../../src/wire/compress.ts";
import { decodeAndVerify, signAndEncode } from "../../src/wire/auth.ts";
import { decodeNetstring, encodeNetstring } from "../../src/wire/netstring.ts";
import { MAXMSG } from "../../src/wire/limits.ts";
import type { AuthKey, AuthKeys } from "../../src/config/auth_types.ts";

const K: AuthKey = { index: 1, method: "sha1", secret: new TextEncoder().encode("k") };
const KEYS: AuthKeys = { send: K, keys: new Map([[1, K]]) };

function big(): Message {
  return Message.of({ t: "cib", data: "<cib>" + "<node id='x'/>".repeat(2000) + "</cib>" });
}

Deno.test("compressMessage: small messages stay, big ones become the two-field form", () => {
  const small = Message.of({ t: "status" });
  assert.equal(compressMessage(small, 2048), small);
  const c = compressMessage(big(), 2048);
  assert.deepEqual(c.fields.map((f) => [f.name, f.type]), [[COMPRESSED_FIELD, 1], [
    COMPRESS_NAME,
    0,
  ]]);
  assert.ok(encodeNetstring(c).length < 2000);
  const d = decompressMessage(c);
  assert.ok(d.ok);
  assert.deepEqual(d.msg, big());
});

Deno.test("signAndEncode with compression: verified and inflated on receive", () => {
  const m = big();
  const bytes = signAndEncode(m, KEYS, { compression: { algorithm: "zlib", threshold: 2048 } });
  assert.ok(bytes.length < 2000, `compressed datagram is ${bytes.length} bytes`);
  const r = decodeAndVerify(bytes, KEYS);
  if (!r.ok) assert.fail(JSON.stringify(r.error));
  assert.deepEqual(r.msg, m);
  assert.equal(r.msg.fields.at(-1)?.name, "auth");
});

function outer(payload: Uint8Array, algorithm: string): Message {
  return new Message([
    { name: COMPRESSED_FIELD, type: 1, value: payload },
    { name: COMPRESS_NAME, type: 0, value: algorithm },
  ]);
}

Deno.test("decompress: zlib bomb, bz2, corrupt data and missing algorithm are typed errors", () => {
  const bomb = new Uint8Array(deflateSync(new Uint8Array(20 * 1024 * 1024)));
  assert.ok(bomb.length < 30_000);
  const code = (m: Message) => {
    const r = decompressMessage(m);
    return r.ok ? "ok" : r.error.code;
  };
  assert.equal(code(outer(bomb, "zlib")), "too_big");
  const bz = decompressMessage(outer(new Uint8Array([1, 2]), "bz2"));
  assert.ok(!bz.ok);
  assert.equal(bz.error.code, "unsupported_compression");
  assert.match(bz.error.detail, /unsupported compression bz2/);
  assert.equal(code(outer(new Uint8Array([1, 2, 3, 4]), "zlib")), "bad_compressed");
  assert.equal(
    code(new Message([{ name: COMPRESSED_FIELD, type: 1, value: bomb }])),
    "bad_compressed",
  );
  // Inflates fine but is not a netstring message.
  assert.equal(
    code(outer(new Uint8Array(deflateSync(new Uint8Array([1, 2, 3]))), "zlib")),
    "bad_start",
  );
  // A bomb in a signed datagram is refused by decodeAndVerify, not thrown.
  const bytes = signAndEncode(outer(bomb, "zlib"), KEYS);
  assert.ok(bytes.length < MAXMSG);
  const r = decodeAndVerify(bytes, KEYS);
  assert.equal(!r.ok && r.error.code, "too_big");
});

Deno.test("per-field compression: FT_UNCOMPRESS -> FT_COMPRESS on the wire and back", () => {
  const inner = Message.of({ a: "x".repeat(5000) });
  const m = new Message([{ name: "t", type: 0, value: "x" }, { name: "p", type: 5, value: inner }]);
  compressField(m, "p");
  assert.equal(m.fields[1].type, 4);
  assert.equal(m.get(COMPRESS_NAME), "zlib");
  const d = decodeNetstring(encodeNetstring(m));
  assert.ok(d.ok);
  const x = expandCompressedFields(d.msg);
  assert.ok(x.ok);
  assert.deepEqual(x.msg.getStruct("p"), inner);
});
