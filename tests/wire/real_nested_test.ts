/**
 * Datagrams real Heartbeat 3.0.6 sent in the mixed lab (tests/interop) for an API client's
 * message with (a) a list field, (b) a nested struct (ha_msg_addstruct), (c) a compressed
 * struct (ha_msg_addstruct_compress, as Pacemaker sends CIB updates); ucast, sha1, key
 * "interop-secret". Real Heartbeat sends (b) and (c) WITHOUT an `auth=` field and its peers
 * accept them on the signature netstring alone; (c) holds its nested message zlib-compressed
 * in classic text. Before the fix we refused (b) and (c) as "message has no auth field".
 */
import assert from "node:assert/strict";
import { decodeAndVerify, digestHex } from "../../src/wire/auth.ts";
import { expandCompressedFields } from "../../src/wire/compress.ts";
import { decodeNetstring, netstringBody, withSignature } from "../../src/wire/netstring.ts";
import { Message } from "../../src/wire/message.ts";
import { fromLatin1, latin1 } from "../../src/wire/bytes.ts";
import type { AuthKeys } from "../../src/config/auth_types.ts";
import { parseAuthkeys } from "../../src/config/authkeys.ts";

function b64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

const LIST = b64(
  "IyMjCjEyOigwKXQ9YmlndGVzdCwxMDooMCliaWdfaT0wLDIyOigzKWxzdD01OmFscGhhLDQ6YmV0YSwsMTU6KDAp" +
    "ZnJvbV9pZD1waW5nLDEzOigwKXRvX2lkPXBpbmcsMTU6KDApY2xpZW50X2dlbj00LDEyOigwKXNyYz1ub2RlMSwy" +
    "NzooMSlzcmN1dWlkPVvw+HtoQUMmgjGaNgC4nF4sMTA6KDApc2VxPTIxOCwxNDooMCloZz02YjBiOGU4MCwxNDoo" +
    "MCl0cz02YjBiOGYyZSwzMzooMClsZD01Ljg4IDUuNDAgNC41MiAxMC8xNjAgMjQ0OTAsODooMCl0dGw9Myw1MDoo" +
    "MClhdXRoPTEgOWE1ZmYyZmMzMTkzY2ZiMzUwYzNlMWUzOWJkODExNTNkZmMwOTQ5ZSwlJSUKNDI6MSBhMTZhZDQ3" +
    "NGUwMzBhNGQ3NTVlNjdmOTI4MTNkOTdhMjJmOWYwOGJmLA==",
);
const STRUCT = b64(
  "IyMjCjEyOigwKXQ9YmlndGVzdCwxMDooMCliaWdfaT0wLDM0OTooMilzdWI9IyMjCjMxMTooMClwYXlsb2FkPWFo" +
    "b3YyOWdudTE4Zm11MThmbXQwN2Vsc3o2ZWxzejZka3J5NWNqcXk1Y2pxeDRiaXB3M2FpcHczYWhvdjI5Z251Mjln" +
    "bnUxOGZtdDA3ZW10MDdlbHN6NmRrcnk2ZGtyeTVjanF4NGJpcXg0YmlwdzNhaG92MmFob3YyOWdudTE4Zm11MThm" +
    "bXQwN2Vsc3o2ZWxzejZka3J5NWNqcXk1Y2pxeDRiaXB3M2FpcHczYWhvdjI5Z251MjlnbnUxOGZtdDA3ZW10MDdl" +
    "bHN6NmRrcnk2ZGtyeTVjanF4NGJpcXg0YmlwdzNhaG92MmFob3YyOWdudTE4Zm11MThmbXQwN2Vsc3o2ZWxzejZk" +
    "a3J5NWNqcXk1Y2pxeDRiaXB3M2FpcHczYWhvdjI5Z251MiwxNDooMClraW5kPW5lc3RlZCwlJSUKLDE1OigwKWZy" +
    "b21faWQ9cGluZywxMzooMCl0b19pZD1waW5nLDE1OigwKWNsaWVudF9nZW49NSwxMjooMClzcmM9bm9kZTEsMjc6" +
    "KDEpc3JjdXVpZD1b8Ph7aEFDJoIxmjYAuJxeLDEwOigwKXNlcT0yNjMsMTQ6KDApaGc9NmIwYjhlODAsMTQ6KDAp" +
    "dHM9NmIwYjhmM2QsMzM6KDApbGQ9NS45MyA1LjQzIDQuNTUgMTAvMTk1IDI1MDEwLDg6KDApdHRsPTMsJSUlCjQy" +
    "OjEgMTc0ZTU3OGYzNWVjNjBiMWZmMzcyN2I0YzZkMmM2ZGVhNWIzNTY2NSw=",
);
const COMPRESSED = b64(
  "IyMjCjEyOigwKXQ9YmlndGVzdCwxMDooMCliaWdfaT0wLDEyODooNClzdWI9eJztzcESgiAYRWHXPI1mWs4A74JB" +
    "ZRJaoIlP3/zMxL793ZzdmU9KyWYV7aS0UPdpPXQ3t1Tn6zMllCdj/d6m6PEdm8vjlbId+2H+1Crl9+WZvjzTl2f6" +
    "8kwfUKBAgQIFChQoUKBA/0LZODgtnPHBaMY5Z8UXu5hVWCwxNTooMClmcm9tX2lkPXBpbmcsMTM6KDApdG9faWQ9" +
    "cGluZywxNTooMCljbGllbnRfZ2VuPTYsMTI6KDApc3JjPW5vZGUxLDI3OigxKXNyY3V1aWQ9W/D4e2hBQyaCMZo2" +
    "ALicXiwxMDooMClzZXE9MjZkLDE0OigwKWhnPTZiMGI4ZTgwLDE0OigwKXRzPTZiMGI4ZjNlLDMyOigwKWxkPTYu" +
    "MTAgNS40OCA0LjU3IDcvMTkyIDI1MTMzLDg6KDApdHRsPTMsMzA6KDApX2NvbXByZXNzaW9uX2FsZ29yaXRobT16" +
    "bGliLCUlJQo0MjoxIGUzOTNhM2Q0ODM1YWQyNDI2YmE3YjM4MGNkZTEyNzk2MjE5NjE0ODYs",
);

function keys(secret: string): AuthKeys {
  const r = parseAuthkeys(`auth 1\n1 sha1 ${secret}\n`, "authkeys");
  if (!r.ok) throw new Error("test keys do not parse");
  return r.value;
}
const KEYS = keys("interop-secret");

Deno.test("real 3.0.6: a list-field message carries auth= and verifies", () => {
  const r = decodeAndVerify(LIST, KEYS);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  assert.equal(r.msg.get("t"), "bigtest");
  assert.ok(r.msg.get("auth") !== undefined);
  assert.deepEqual(r.msg.fields.find((f) => f.name === "lst")?.value, ["alpha", "beta"]);
});

Deno.test("real 3.0.6: a nested-struct message has no auth= field and is accepted", () => {
  const raw = decodeNetstring(STRUCT);
  assert.ok(raw.ok && raw.msg.get("auth") === undefined, "the capture has no auth= field");
  const r = decodeAndVerify(STRUCT, KEYS);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  const sub = r.msg.getStruct("sub");
  assert.ok(sub);
  assert.equal(sub.get("kind"), "nested");
  assert.equal(sub.get("payload")?.length, 300);
});

Deno.test("real 3.0.6: a compressed struct (classic text inside zlib) is accepted and expanded", () => {
  const r = decodeAndVerify(COMPRESSED, KEYS);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
  assert.equal(r.msg.get("_compression_algorithm"), "zlib");
  const x = expandCompressedFields(r.msg);
  assert.ok(x.ok, JSON.stringify(!x.ok && x.error));
  const sub = x.msg.getStruct("sub");
  assert.ok(sub);
  assert.equal(sub.get("kind"), "nested");
  assert.equal(sub.get("payload")?.length, 3000);
});

Deno.test("no auth= field is excused only for nested messages with a good signature", () => {
  // The same datagrams under another key: refused on the signature.
  for (const d of [STRUCT, COMPRESSED]) {
    const r = decodeAndVerify(d, keys("other-secret"));
    assert.equal(!r.ok && r.error.code, "bad_signature");
  }
  // A nested message that does carry auth= must still match it.
  const raw = decodeNetstring(STRUCT);
  assert.ok(raw.ok);
  const forged = raw.msg.clone();
  forged.set("auth", "1 0123456789abcdef0123456789abcdef01234567");
  const body = netstringBody(forged);
  const key = KEYS.keys.get(1)!;
  const r = decodeAndVerify(fromLatin1(withSignature(body, 1, digestHex(key, body))), KEYS);
  assert.equal(!r.ok && r.error.code, "bad_auth_field");
  // A flat message without auth= stays refused.
  const flat = netstringBody(Message.of({ t: "status", st: "up" }));
  const f = decodeAndVerify(fromLatin1(withSignature(flat, 1, digestHex(key, flat))), KEYS);
  assert.equal(!f.ok && f.error.code, "bad_auth_field");
  assert.ok(latin1(STRUCT, 0, 4) === "###\n");
});
