import assert from "node:assert/strict";
import { Message } from "../../src/wire/message.ts";
import { authText, decodeClassic, encodeClassic, specialSym } from "../../src/wire/classic.ts";
import { fromLatin1, latin1 } from "../../src/wire/bytes.ts";
import { MAX_TEXT_DEPTH } from "../../src/wire/limits.ts";

function code(s: string, head = true): string {
  const r = decodeClassic(fromLatin1(s), { head });
  return r.ok ? "ok" : r.error.code;
}

const SAMPLE = new Message([
  { name: "t", type: 0, value: "status" },
  { name: "uuid", type: 1, value: new Uint8Array([0x24, 0x2a, 0x29, 0xbf, 0x2c]) },
  { name: "l", type: 3, value: ["a b", "c"] },
  { name: "inner", type: 2, value: Message.of({ x: "1", y: "2" }) },
  { name: "auth", type: 0, value: "1 abc" },
]);

Deno.test("classic: exact text with head, base64 padding, list and struct symbol", () => {
  const text = latin1(encodeClassic(SAMPLE));
  assert.equal(
    text,
    ">>>\nt=status\n(1)uuid=JCopvyw=\n(3)l=3:a b,1:c,\n" +
      "(2)inner=>>>\x14x=1\x14y=2\x14<<<\x14\nauth=1 abc\n<<<\n",
  );
  const r = decodeClassic(fromLatin1(text));
  assert.ok(r.ok);
  assert.deepEqual(r.msg, SAMPLE);
});

Deno.test("classic: NOHEAD leaves out markers and the auth field, and decodes back", () => {
  const text = latin1(encodeClassic(SAMPLE, { head: false }));
  assert.ok(!text.startsWith(">>>") && !text.includes("auth="));
  const r = decodeClassic(fromLatin1(text), { head: false });
  assert.ok(r.ok);
  assert.deepEqual(r.msg.fields, SAMPLE.fields.slice(0, 4));
});

Deno.test("classic: API frame payload with trailing NUL round-trips", () => {
  const bytes = encodeClassic(Message.of({ t: "hbapi-req", reqtype: "signon" }), { nul: true });
  assert.equal(bytes[bytes.length - 1], 0);
  assert.equal(latin1(bytes), ">>>\nt=hbapi-req\nreqtype=signon\n<<<\n\0");
  const r = decodeClassic(bytes);
  assert.ok(r.ok);
  assert.equal(r.msg.get("reqtype"), "signon");
  assert.equal(code(">>>\na=1\n<<<\n\0\0"), "trailing_bytes");
  assert.equal(code(">>>\na=1\n<<<\nx"), "trailing_bytes");
});

Deno.test("classic: newlines in strings use SPECIAL_SYMS[depth]; auth text keeps them raw", () => {
  const m = new Message([
    { name: "s", type: 0, value: "a\nb" },
    { name: "n", type: 2, value: Message.of({ s: "c\nd" }) },
  ]);
  const text = latin1(encodeClassic(m));
  assert.equal(specialSym(0), "\x14");
  assert.ok(text.includes("s=a\x14b\n"));
  // Nested string: escaped with depth 1 (21) inside, then the child's newlines with 20.
  assert.ok(text.includes("(2)n=>>>\x14s=c\x15d\x14<<<\x14\n"));
  const r = decodeClassic(fromLatin1(text));
  assert.ok(r.ok);
  assert.deepEqual(r.msg, m);
  assert.equal(authText(m).split("\n")[0], "s=a");
});

Deno.test("classic: malformed inputs give typed errors", () => {
  assert.equal(code(""), "truncated");
  assert.equal(code(">>"), "truncated");
  assert.equal(code("###\n"), "bad_start");
  assert.equal(code(">>>\na=1\n"), "truncated");
  assert.equal(code(">>>\na=1"), "truncated");
  assert.equal(code(">>>\nnoequals\n<<<\n"), "bad_field");
  assert.equal(code(">>>\n=1\n<<<\n"), "bad_field");
  assert.equal(code(">>>\n(0)a=1\n<<<\n"), "bad_type");
  assert.equal(code(">>>\n(9)a=1\n<<<\n"), "bad_type");
  assert.equal(code(">>>\n(1a=1\n<<<\n"), "bad_field");
  assert.equal(code(">>>\n(1)a=JCo\n<<<\n"), "bad_base64");
  assert.equal(code(">>>\n(1)a=JC!v\n<<<\n"), "bad_base64");
  assert.equal(code(">>>\n(3)a=5:ab,\n<<<\n"), "bad_list");
  assert.equal(code(">>>\n(2)a=>>>\x14b=1\x14\n<<<\n"), "truncated");
  assert.equal(code(">>>\n(2)a=>>>\x14<<<\x14x\n<<<\n"), "bad_field");
  assert.equal(code("a=1\nb", false), "truncated");
  assert.equal(code("a=1\nb=2\n", false), "ok");
});

Deno.test("classic: stray CR/NL between lines are skipped like string2msg_ll", () => {
  const r = decodeClassic(fromLatin1(">>>\n\r\na=1\n\nb=2\n<<<\n"));
  assert.ok(r.ok);
  assert.deepEqual(r.msg, Message.of({ a: "1", b: "2" }));
});

Deno.test("classic: nesting limit (SPECIAL_SYMS has 10 entries)", () => {
  let m = new Message();
  for (let i = 0; i < MAX_TEXT_DEPTH - 1; i++) m = new Message([{ name: "s", type: 2, value: m }]);
  const r = decodeClassic(encodeClassic(m));
  assert.ok(r.ok);
  assert.deepEqual(r.msg, m);
  // One level more still encodes (API frames must never throw) but does not decode back.
  const deeper = encodeClassic(new Message([{ name: "s", type: 2, value: m }]));
  const back = decodeClassic(deeper);
  assert.equal(!back.ok && back.error.code, "too_deep");
  // A hand-made deeper text is a typed error.
  let text = ">>>\n<<<\n";
  for (let d = 12; d >= 0; d--) {
    text = ">>>\n(2)s=" + text.replaceAll("\n", String.fromCharCode(20 + d)) + "\n<<<\n";
  }
  assert.equal(code(text), "too_deep");
});

Deno.test("classic: encodeClassic never throws on what a peer can send (names with '=' / '\\n')", () => {
  const m = new Message([{ name: "a=b\nc", type: 0, value: "1" }]);
  const text = latin1(encodeClassic(m));
  assert.equal(text, ">>>\na=b\nc=1\n<<<\n");
  // Lossy exactly like Heartbeat's text: it reads back as other fields.
  const back = decodeClassic(fromLatin1(text));
  assert.ok(back.ok);
  assert.deepEqual(back.msg, Message.of({ a: "b", c: "1" }));
});
