/** Truncations of every capture datagram at every offset: typed errors, never a throw. */

import assert from "node:assert/strict";
import { readPcap } from "../helpers/pcap.ts";
import { decodeAndVerify } from "../../src/wire/auth.ts";
import { decodeClassic } from "../../src/wire/classic.ts";
import type { AuthKey, AuthKeys } from "../../src/config/auth_types.ts";

const DIR = new URL("../fixtures/captures/", import.meta.url);
const K: AuthKey = { index: 1, method: "sha1", secret: new TextEncoder().encode("interop-secret") };
const KEYS: AuthKeys = { send: K, keys: new Map([[1, K]]) };

Deno.test("every truncation of every capture datagram is a typed error", () => {
  let cases = 0;
  for (const e of Deno.readDirSync(DIR)) {
    if (!e.name.endsWith(".pcap")) continue;
    for (const p of readPcap(Deno.readFileSync(new URL(e.name, DIR)))) {
      for (let cut = 0; cut < p.payload.length; cut++) {
        const piece = p.payload.subarray(0, cut);
        const r = decodeAndVerify(piece, KEYS);
        assert.equal(r.ok, false);
        if (!r.ok) {
          // Cut inside the body: truncated. Cut exactly after "%%%\n": no signature.
          assert.ok(
            r.error.code === "truncated" || r.error.code === "no_signature",
            `${e.name} cut at ${cut}: ${r.error.code}`,
          );
          assert.equal(typeof r.error.detail, "string");
        }
        const c = decodeClassic(piece);
        assert.equal(c.ok, false);
        cases++;
      }
    }
  }
  assert.ok(cases > 100_000, `only ${cases} cases`);
});
