/** encode-then-decode is the identity for random messages, in both formats (seeded). */

import assert from "node:assert/strict";
import { mulberry32, randomMessage } from "./gen.ts";
import { decodeNetstring, encodeNetstring } from "../../src/wire/netstring.ts";
import { decodeClassic, encodeClassic } from "../../src/wire/classic.ts";
import { decodeAndVerify, signAndEncode } from "../../src/wire/auth.ts";
import type { AuthKey, AuthKeys } from "../../src/config/auth_types.ts";

const CASES = 2500;

Deno.test(`property: netstring round trip of ${CASES} random messages`, () => {
  const rng = mulberry32(0xc0ffee);
  let nested = 0;
  for (let i = 0; i < CASES; i++) {
    const m = randomMessage(rng, { classic: false, maxDepth: i % 50 === 0 ? 14 : 4 });
    if (m.fields.some((f) => f.type === 2 || f.type === 5)) nested++;
    const d = decodeNetstring(encodeNetstring(m));
    if (!d.ok) assert.fail(`case ${i}: ${JSON.stringify(d.error)}`);
    assert.deepEqual(d.msg, m, `case ${i}`);
  }
  assert.ok(nested > CASES / 10, "generator must produce nested messages");
});

Deno.test(`property: classic round trip of ${CASES} random messages`, () => {
  const rng = mulberry32(0xbeef);
  for (let i = 0; i < CASES; i++) {
    const m = randomMessage(rng, { classic: true, maxDepth: i % 50 === 0 ? 9 : 3 });
    const d = decodeClassic(encodeClassic(m, { nul: i % 2 === 0 }));
    if (!d.ok) assert.fail(`case ${i}: ${JSON.stringify(d.error)}`);
    assert.deepEqual(d.msg, m, `case ${i}`);
  }
});

Deno.test("property: signAndEncode then decodeAndVerify for every method", () => {
  const rng = mulberry32(7);
  for (const method of ["sha1", "md5", "crc", "sha256"] as const) {
    const key: AuthKey = { index: 3, method, secret: new TextEncoder().encode("s3cret") };
    const keys: AuthKeys = { send: key, keys: new Map([[3, key]]) };
    for (let i = 0; i < 200; i++) {
      const m = randomMessage(rng, { classic: false, maxDepth: 3 });
      m.remove("auth");
      const bytes = signAndEncode(m, keys, {
        compression: i % 5 === 0 ? { algorithm: "zlib", threshold: 100 } : undefined,
      });
      const r = decodeAndVerify(bytes, keys);
      if (!r.ok) assert.fail(`${method} case ${i}: ${JSON.stringify(r.error)}`);
      assert.deepEqual(r.msg, m);
    }
  }
});
