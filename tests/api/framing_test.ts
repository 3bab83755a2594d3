import assert from "node:assert/strict";
import {
  decodePayload,
  encodeFrame,
  FRAME_HEADER,
  FrameDecoder,
  type FrameError,
  type FrameItem,
  framePayload,
} from "../../src/api/framing.ts";
import { Message } from "../../src/wire/message.ts";
import { encodeClassic } from "../../src/wire/classic.ts";
import { mulberry32, randomMessage } from "../wire/gen.ts";

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

// The signon frame real cl_status 3.0.6 sent (strace, see tests/api/README note in server tests).
const REAL_SIGNON = latin1(
  "U\0\0\0\xcd\xab\0\0>>>\nt=hbapi-req\nreqtype=signon\ndest=node1\npid=13784\nfrom_id=13784\n" +
    "uid=0\ngid=105\n<<<\n\0",
);

function errorOf(it: FrameItem | undefined): FrameError {
  if (it === undefined || it.ok) throw new Error("expected a frame error");
  return it.error;
}

function drain(d: FrameDecoder): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (;;) {
    const it = d.next();
    if (it === undefined) return out;
    if (!it.ok) throw new Error(`unexpected frame error: ${it.error.detail}`);
    out.push(it.payload);
  }
}

Deno.test("framing: decodes the real cl_status signon frame", () => {
  const d = new FrameDecoder();
  d.push(REAL_SIGNON);
  const [p] = drain(d);
  assert.deepEqual(p.length, 0x55);
  const m = decodePayload(p);
  if (!m.ok) throw new Error(m.error.detail);
  assert.deepEqual(m.msg.get("reqtype"), "signon");
  assert.deepEqual(m.msg.get("gid"), "105");
  assert.deepEqual(d.buffered, 0);
});

Deno.test("framing: encodeFrame reproduces the real frame byte for byte", () => {
  const m = Message.of({
    t: "hbapi-req",
    reqtype: "signon",
    dest: "node1",
    pid: "13784",
    from_id: "13784",
    uid: "0",
    gid: "105",
  });
  assert.deepEqual(encodeFrame(m), REAL_SIGNON);
});

Deno.test("framing: encodeFrame keeps bytes above 0x7f one byte each, as encodeClassic", () => {
  const m = Message.of({ t: "x", name: "caf\u00e9 \u00ff\u0080", nl: "a\nb" });
  const f = encodeFrame(m);
  assert.deepEqual(f, framePayload(encodeClassic(m, { nul: true })));
  const back = decodePayload(f.subarray(FRAME_HEADER));
  if (!back.ok) throw new Error(back.error.detail);
  assert.equal(back.msg.get("name"), "caf\u00e9 \u00ff\u0080");
  assert.equal(back.msg.get("nl"), "a\nb");
});

Deno.test("framing: a frame split at every byte boundary decodes once", () => {
  for (let cut = 0; cut <= REAL_SIGNON.length; cut++) {
    const d = new FrameDecoder();
    d.push(REAL_SIGNON.subarray(0, cut));
    const first = drain(d);
    assert.deepEqual(first.length, cut === REAL_SIGNON.length ? 1 : 0, `cut ${cut}`);
    d.push(REAL_SIGNON.subarray(cut));
    const second = drain(d);
    assert.deepEqual(first.length + second.length, 1, `cut ${cut}`);
  }
});

Deno.test("framing: byte-at-a-time feeding of several frames", () => {
  const frames = [1, 2, 3].map((i) => encodeFrame(Message.of({ t: "x", n: String(i) })));
  const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of frames) {
    all.set(f, o);
    o += f.length;
  }
  const d = new FrameDecoder();
  const got: string[] = [];
  for (const b of all) {
    d.push(Uint8Array.of(b));
    for (const p of drain(d)) {
      const m = decodePayload(p);
      if (!m.ok) throw new Error(m.error.detail);
      got.push(m.msg.get("n")!);
    }
  }
  assert.deepEqual(got, ["1", "2", "3"]);
});

Deno.test("framing: several frames in one chunk, plus half of the next", () => {
  const f = encodeFrame(Message.of({ t: "x" }));
  const chunk = new Uint8Array(f.length * 3 + 5);
  chunk.set(f, 0);
  chunk.set(f, f.length);
  chunk.set(f, 2 * f.length);
  chunk.set(f.subarray(0, 5), 3 * f.length);
  const d = new FrameDecoder();
  d.push(chunk);
  assert.deepEqual(drain(d).length, 3);
  assert.deepEqual(d.buffered, 5);
  d.push(f.subarray(5));
  assert.deepEqual(drain(d).length, 1);
  assert.deepEqual(d.buffered, 0);
});

Deno.test("framing: oversized length is refused before the payload arrives", () => {
  const d = new FrameDecoder(1024);
  const hdr = new Uint8Array(FRAME_HEADER);
  new DataView(hdr.buffer).setUint32(0, 1025, true);
  new DataView(hdr.buffer).setUint32(4, 0xabcd, true);
  d.push(hdr);
  assert.deepEqual(errorOf(d.next()).code, "too_big");
  // Broken for good: more bytes change nothing.
  d.push(encodeFrame(Message.of({ t: "x" })));
  errorOf(d.next());
  assert.deepEqual(d.buffered, 0);
});

Deno.test("framing: a frame exactly at the cap is accepted", () => {
  const payload = new Uint8Array(1024);
  const d = new FrameDecoder(1024);
  d.push(framePayload(payload));
  assert.deepEqual(drain(d).length, 1);
});

Deno.test("framing: garbage (bad magic) is a typed error", () => {
  const d = new FrameDecoder();
  d.push(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
  assert.deepEqual(errorOf(d.next()).code, "bad_magic");
});

Deno.test("framing: random garbage never throws and never yields a payload past an error", () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 300; i++) {
    const d = new FrameDecoder(4096);
    const junk = Uint8Array.from(
      { length: Math.floor(rnd() * 200) },
      () => Math.floor(rnd() * 256),
    );
    d.push(junk);
    let broken = false;
    for (let k = 0; k < 50; k++) {
      const it = d.next();
      if (it === undefined) break;
      if (!it.ok) {
        broken = true;
        break;
      }
      assert(!broken);
      decodePayload(it.payload); // must not throw either
    }
  }
});

Deno.test("framing: payload that is not a classic message is a decode error, not a throw", () => {
  const r = decodePayload(new TextEncoder().encode("hello\0"));
  assert(!r.ok);
});

Deno.test("framing: a max-size frame dripped byte by byte stays linear", () => {
  const payload = new Uint8Array(256 * 1024);
  const f = framePayload(payload);
  const d = new FrameDecoder();
  const t0 = performance.now();
  for (let i = 0; i < f.length; i++) d.push(f.subarray(i, i + 1));
  const took = performance.now() - t0;
  assert.equal(drain(d).length, 1);
  assert.ok(took < 2000, `dripping 256 KiB took ${took} ms`);
});

Deno.test("framing: encodeFrame equals the frame of encodeClassic for random and big messages", () => {
  const rng = mulberry32(62);
  for (let i = 0; i < 200; i++) {
    const m = randomMessage(rng, { classic: i % 2 === 0, maxDepth: 2 });
    assert.deepEqual(encodeFrame(m), framePayload(encodeClassic(m, { nul: true })), `message ${i}`);
  }
  // A frame far bigger than a datagram; earlier frames are not touched.
  const small = encodeFrame(Message.of({ t: "a" }));
  const copy = small.slice();
  const big = Message.of({ t: "big", data: "z".repeat(150_000) });
  big.setBinary("blob", Uint8Array.from({ length: 40_000 }, (_, i) => i & 0xff));
  assert.deepEqual(encodeFrame(big), framePayload(encodeClassic(big, { nul: true })));
  assert.deepEqual(small, copy);
});
