import assert from "node:assert/strict";
import { fromLatin1, latin1 } from "../../src/wire/bytes.ts";

/** The byte string the slow, obvious way. */
const naive = (b: Uint8Array) => Array.from(b, (x) => String.fromCharCode(x)).join("");

Deno.test("latin1: one char per byte for every byte value, short and long", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(latin1(all), naive(all));
  for (const n of [0, 1, 47, 48, 49, 300, 5000]) {
    const b = Uint8Array.from({ length: n }, (_, i) => 32 + (i * 7) % 95);
    assert.equal(latin1(b), naive(b), `ASCII, ${n} bytes`);
  }
});

Deno.test("latin1: long input that a UTF-8 decoder would read differently keeps its bytes", () => {
  const pad = new TextEncoder().encode("x".repeat(60));
  const cases: [string, number[]][] = [
    ["a valid 2-byte UTF-8 sequence (é)", [0xc3, 0xa9]],
    ["a valid 3-byte sequence (€)", [0xe2, 0x82, 0xac]],
    ["a byte order mark first", [0xef, 0xbb, 0xbf]],
    ["a lone continuation byte", [0x80]],
    ["0xff", [0xff]],
    ["U+FFFD's own encoding", [0xef, 0xbf, 0xbd]],
  ];
  for (const [what, bytes] of cases) {
    for (const at of ["start", "end"]) {
      const b = new Uint8Array(pad.length + bytes.length);
      b.set(at === "start" ? bytes : pad, 0);
      b.set(at === "start" ? pad : bytes, at === "start" ? bytes.length : pad.length);
      const s = latin1(b);
      assert.equal(s, naive(b), `${what} at the ${at}`);
      assert.deepEqual(fromLatin1(s), b, `${what} round-trips`);
    }
  }
});

Deno.test("latin1: a range of a larger buffer", () => {
  const b = Uint8Array.from({ length: 200 }, (_, i) => (i % 2 ? 0xe9 : 0x41));
  assert.equal(latin1(b, 10, 150), naive(b.subarray(10, 150)));
  assert.equal(latin1(b, 150, 10), "");
});
