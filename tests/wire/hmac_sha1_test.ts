import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { hmacSha1Hex, sha1Pads } from "../../src/wire/hmac_sha1.ts";

Deno.test("JavaScript HMAC-SHA1 equals node:crypto at every padding boundary", () => {
  const key = new TextEncoder().encode("interop-secret");
  const pads = sha1Pads(key);
  for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 355, 4096, 70_000]) {
    const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 255);
    assert.equal(
      hmacSha1Hex(pads, data),
      createHmac("sha1", key).update(data).digest("hex"),
      `${n} bytes`,
    );
  }
});

Deno.test("JavaScript HMAC-SHA1: a 64-byte key and an empty key", () => {
  for (const key of [new Uint8Array(64).fill(0xa5), new Uint8Array(0)]) {
    const data = new TextEncoder().encode("###\n11:(0)t=status,%%%\n");
    assert.equal(
      hmacSha1Hex(sha1Pads(key), data),
      createHmac("sha1", key).update(data).digest("hex"),
    );
  }
});
