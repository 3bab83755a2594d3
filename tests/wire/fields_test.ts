import assert from "node:assert/strict";
import { Message } from "../../src/wire/message.ts";
import {
  formatHex,
  getDecimal,
  getHex,
  parseDecimal,
  parseHex,
  setDecimal,
  setHex,
} from "../../src/wire/fields.ts";

Deno.test("hex fields: Heartbeat's lowercase hex without 0x", () => {
  assert.deepEqual(parseHex("1b58"), { ok: true, value: 7000 });
  assert.deepEqual(parseHex("6b064bcc"), { ok: true, value: 0x6b064bcc });
  assert.deepEqual(parseHex("1B58"), { ok: true, value: 7000 });
  for (const bad of ["", "0x1b", "1g", " 1", "-1", "12345678901234"]) {
    const r = parseHex(bad, "seq");
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.equal(r.error.code, "bad_number");
  }
  assert.equal(formatHex(7000), "1b58");
  const m = new Message();
  setHex(m, "seq", 26);
  assert.equal(m.get("seq"), "1a");
  assert.deepEqual(getHex(m, "seq"), { ok: true, value: 26 });
  const miss = getHex(m, "hg");
  assert.equal(!miss.ok && miss.error.code, "missing_field");
});

Deno.test("decimal fields: firstseq/lastseq/ttl", () => {
  assert.deepEqual(parseDecimal("12"), { ok: true, value: 12 });
  assert.deepEqual(parseDecimal("-3"), { ok: true, value: -3 });
  assert.equal(parseDecimal("1a").ok, false);
  assert.equal(parseDecimal("").ok, false);
  const m = new Message();
  setDecimal(m, "ttl", 3);
  assert.equal(m.get("ttl"), "3");
  assert.deepEqual(getDecimal(m, "ttl"), { ok: true, value: 3 });
  const r = getDecimal(Message.of({ lastseq: "x" }), "lastseq");
  assert.ok(!r.ok);
  assert.match(r.error.detail, /lastseq=x/);
});
