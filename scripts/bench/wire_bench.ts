/**
 * Wire codec throughput: sign+encode and decode+verify of a typical status message (the
 * wire.md §8 datagram) with each auth method. `deno bench -A scripts/bench/wire_bench.ts`
 */

import { Message } from "../../src/wire/message.ts";
import { decodeAndVerify, signAndEncode } from "../../src/wire/auth.ts";
import { decodeClassic, encodeClassic } from "../../src/wire/classic.ts";
import type { AuthKey, AuthKeys, AuthMethod } from "../../src/config/auth_types.ts";

function statusMessage(): Message {
  const m = Message.of({ t: "status", st: "active", dt: "1b58", protocol: "1", src: "node1" });
  m.setBinary("srcuuid", new Uint8Array(16).map((_, i) => i * 17));
  for (const [k, v] of Object.entries({ seq: "1a2b", hg: "6b064bcc", ts: "6b064bcb" })) m.set(k, v);
  return m.set("ld", "0.00 0.00 0.00 5/97 8610").set("ttl", "3");
}

for (const method of ["sha1", "sha256", "md5", "crc"] as AuthMethod[]) {
  const key: AuthKey = { index: 1, method, secret: new TextEncoder().encode("interop-secret") };
  const keys: AuthKeys = { send: key, keys: new Map([[1, key]]) };
  const msg = statusMessage();
  const bytes = signAndEncode(msg.clone(), keys);
  if (!decodeAndVerify(bytes, keys).ok) throw new Error(`bench setup: ${method} does not verify`);

  Deno.bench({ name: `sign+encode ${method}`, group: method, baseline: true }, () => {
    signAndEncode(msg, keys);
  });
  Deno.bench({ name: `decode+verify ${method}`, group: method }, () => {
    const r = decodeAndVerify(bytes, keys);
    if (!r.ok) throw new Error("verify failed");
  });
}

const text = encodeClassic(statusMessage(), { nul: true });
Deno.bench({ name: "classic encode (API frame)", group: "classic" }, () => {
  encodeClassic(statusMessage(), { nul: true });
});
Deno.bench({ name: "classic decode (API frame)", group: "classic" }, () => {
  if (!decodeClassic(text).ok) throw new Error("decode failed");
});
