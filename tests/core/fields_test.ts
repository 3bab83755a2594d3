import assert from "node:assert/strict";
import { parseHex } from "../../src/core/fields.ts";
import { Rng } from "../sim/prng.ts";

Deno.test("parseHex: strict hex of 1-13 digits, anything else is null", () => {
  assert.equal(parseHex("0"), 0);
  assert.equal(parseHex("1b58"), 7000);
  assert.equal(parseHex("ABCdef"), 0xabcdef);
  assert.equal(parseHex("fffffffffffff"), 0xfffffffffffff);
  for (const bad of [undefined, "", " 1", "1 ", "0x1", "-1", "g", "12345678901234", "1.5", "١"]) {
    assert.equal(parseHex(bad), null, JSON.stringify(bad));
  }
});

Deno.test("parseHex agrees with /^[0-9a-fA-F]{1,13}$/ + parseInt on 20,000 random strings", () => {
  const rng = Rng.seeded(7);
  const alphabet = "0123456789abcdefABCDEFgGxX -+./:@`\u0660";
  for (let i = 0; i < 20_000; i++) {
    const len = rng.int(0, 15);
    let s = "";
    for (let k = 0; k < len; k++) s += alphabet[rng.int(0, alphabet.length - 1)];
    const want = /^[0-9a-fA-F]{1,13}$/.test(s) ? parseInt(s, 16) : null;
    assert.equal(parseHex(s), want, JSON.stringify(s));
  }
});
