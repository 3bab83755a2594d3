import assert from "node:assert/strict";
import { Message } from "../../src/wire/message.ts";
import {
  decodeNetstring,
  encodeNetstring,
  netstringBody,
  writeNetstringBody,
} from "../../src/wire/netstring.ts";
import { mulberry32, randomMessage } from "./gen.ts";
import { fromLatin1, latin1 } from "../../src/wire/bytes.ts";
import { MAX_FIELDS, MAXDEPTH, MAXMSG } from "../../src/wire/limits.ts";
import { WireEncodeError } from "../../src/wire/errors.ts";

const enc = (s: string) => fromLatin1(s);

function code(s: string | Uint8Array): string {
  const r = decodeNetstring(typeof s === "string" ? enc(s) : s);
  return r.ok ? "ok" : r.error.code;
}

Deno.test("netstring: all field types encode as wire.md §4 says", () => {
  const inner = Message.of({ a: "1" });
  const m = new Message([
    { name: "s", type: 0, value: "x=,\ny" },
    { name: "b", type: 1, value: new Uint8Array([0, 255]) },
    { name: "st", type: 2, value: inner },
    { name: "l", type: 3, value: ["abc", "defg"] },
    { name: "c", type: 4, value: new Uint8Array([1, 2, 3]) },
    { name: "u", type: 5, value: inner },
  ]);
  assert.equal(
    netstringBody(m),
    "###\n" + "10:(0)s=x=,\ny," + "7:(1)b=\x00\xff," + "23:(2)st=###\n6:(0)a=1,%%%\n," +
      "18:(3)l=3:abc,4:defg,," + "8:(4)c=\x01\x02\x03," + "22:(5)u=###\n6:(0)a=1,%%%\n," + "%%%\n",
  );
  const d = decodeNetstring(encodeNetstring(m));
  assert.ok(d.ok);
  assert.equal(d.signed, null);
  assert.deepEqual(d.msg, m);
});

Deno.test("netstring: signature netstring is parsed and signedBytes ends at %%%\\n", () => {
  const body = "###\n6:(0)a=1,%%%\n";
  const r = decodeNetstring(enc(body + "10:1 b86087d3,"));
  assert.ok(r.ok);
  assert.equal(r.signed?.keyIndex, 1);
  assert.equal(r.signed?.digestHex, "b86087d3");
  assert.equal(latin1(r.signed!.signedBytes), body);
});

Deno.test("netstring: malformed inputs give the right typed error", () => {
  assert.equal(code(""), "truncated");
  assert.equal(code("##"), "truncated");
  assert.equal(code(">>>\nt=x\n<<<\n"), "bad_start");
  assert.equal(code("###\n6:(0)a=1,"), "truncated");
  assert.equal(code("###\n6:(0)a=1;%%%\n"), "bad_length");
  assert.equal(code("###\nx:(0)a=1,%%%\n"), "bad_length");
  assert.equal(code("###\n6x(0)a=1,%%%\n"), "bad_length");
  assert.equal(code("###\n6:(7)a=1,%%%\n"), "bad_type");
  assert.equal(code("###\n6:(x)a=1,%%%\n"), "bad_type");
  assert.equal(code("###\n6:[0]a=1,%%%\n"), "bad_field");
  assert.equal(code("###\n6:(0)a:1,%%%\n"), "bad_field");
  assert.equal(code("###\n6:(0)=11,%%%\n"), "bad_field");
  assert.equal(code("###\n6:(0)a=1,%%x\n"), "bad_end");
  assert.equal(code("###\n6:(0)a=1,%%%\n3:1 a,junk"), "trailing_bytes");
  assert.equal(code("###\n6:(0)a=1,%%%\n3:1a ,"), "bad_signature_format");
  assert.equal(code("###\n6:(0)a=1,%%%\n3:1 a"), "truncated");
  assert.equal(code("###\n9:(3)l=2:a,,%%%\n"), "bad_list");
  assert.equal(code("###\n14:(2)s=###\n%%%\n!,%%%\n"), "bad_field");
});

Deno.test("netstring: a huge length prefix is refused without allocating", () => {
  assert.equal(code("###\n99999999999999999999:(0)a=1,%%%\n"), "too_big");
  assert.equal(code("###\n999999:(0)a=1,%%%\n"), "too_big");
  assert.equal(code(`###\n${MAXMSG}:(0)a=1,%%%\n`), "truncated");
});

Deno.test("netstring: input over MAXMSG is refused unread", () => {
  const big = new Uint8Array(MAXMSG + 1);
  big.set(enc("###\n"));
  assert.equal(code(big), "too_big");
});

Deno.test("netstring: a nesting bomb stops at MAXDEPTH", () => {
  let body = "###\n%%%\n";
  for (let i = 0; i < 40; i++) {
    const data = "(2)s=" + body;
    body = "###\n" + data.length + ":" + data + ",%%%\n";
  }
  const r = decodeNetstring(enc(body));
  assert.equal(!r.ok && r.error.code, "too_deep");
  // Exactly MAXDEPTH - 1 nested levels are fine.
  let m = new Message();
  for (let i = 0; i < MAXDEPTH - 1; i++) m = new Message([{ name: "s", type: 2, value: m }]);
  assert.equal(decodeNetstring(encodeNetstring(m)).ok, true);
  const deeper = new Message([{ name: "s", type: 2, value: m }]);
  assert.throws(() => encodeNetstring(deeper), WireEncodeError);
});

Deno.test("netstring: too many fields", () => {
  const ok = "6:(0)a=1,".repeat(MAX_FIELDS);
  assert.equal(code("###\n" + ok + "%%%\n"), "ok");
  assert.equal(code("###\n" + ok + "6:(0)a=1,%%%\n"), "too_many_fields");
});

Deno.test("netstring: encoder refuses names with '=' and messages over MAXMSG", () => {
  assert.throws(() => encodeNetstring(Message.of({ "a=b": "1" })), WireEncodeError);
  assert.throws(() => encodeNetstring(Message.of({ a: "x".repeat(MAXMSG) })), WireEncodeError);
});

Deno.test("netstring: a body with no room left for a signature is too_big", () => {
  const filler = (n: number) => netstringBody(Message.of({ a: "x".repeat(n) }));
  const base = filler(0).length;
  const limit = MAXMSG - 65 - base; // body + 64 + 1 must stay below MAXMSG
  const r1 = decodeNetstring(fromLatin1(filler(limit - 10)));
  assert.equal(r1.ok, true);
  const r2 = decodeNetstring(fromLatin1(filler(limit + 10)));
  assert.equal(!r2.ok && r2.error.code, "too_big");
});

Deno.test("netstring: writeNetstringBody writes exactly the bytes of netstringBody", () => {
  const rng = mulberry32(6);
  const out = new Uint8Array(MAXMSG);
  for (let i = 0; i < 300; i++) {
    const msg = randomMessage(rng, { classic: false, maxDepth: 3 });
    const want = fromLatin1(netstringBody(msg));
    const at = i % 7;
    const end = writeNetstringBody(msg, out, at);
    assert.equal(end, at + want.length, `message ${i}`);
    assert.deepEqual(out.subarray(at, end), want, `message ${i}`);
  }
  // A datagram-like message: binary uuid with bytes above 0x7f among ASCII strings.
  const m = Message.of({ t: "hbbench", bench_i: "7" });
  m.setBinary("srcuuid", Uint8Array.from({ length: 16 }, (_, i) => 0x80 + i * 7));
  m.set("auth", "1 " + "ab".repeat(20));
  const want = fromLatin1(netstringBody(m));
  assert.equal(writeNetstringBody(m, out, 0), want.length);
  assert.deepEqual(out.subarray(0, want.length), want);
});

Deno.test("netstring: writeNetstringBody says -1 when the body does not fit", () => {
  const m = Message.of({ t: "status", st: "active", x: "y".repeat(100) });
  const n = netstringBody(m).length;
  assert.equal(writeNetstringBody(m, new Uint8Array(n), 0), n);
  for (const size of [0, 3, 10, n - 4, n - 1]) {
    assert.equal(writeNetstringBody(m, new Uint8Array(size), 0), -1, `size ${size}`);
  }
  assert.equal(writeNetstringBody(m, new Uint8Array(n + 5), 6), -1);
  assert.throws(
    () => writeNetstringBody(Message.of({ "a=b": "c" }), new Uint8Array(99), 0),
    WireEncodeError,
  );
});
