/** The LogDaemonMsg codec against bytes captured from cluster-glue 1.0.12's ha_logger. */

import { deepEqual, equal, ok } from "node:assert/strict";
import { FrameDecoder, framePayload } from "../../src/api/framing.ts";
import { decodeLogdMsg, encodeLogdMsg, levelFromPriority } from "../../src/logd/mod.ts";

/** `ha_logger -t mytag "hello world"` as it arrived on the logd socket (frame included). */
const HA_LOGGER_FRAME = "6c000000cdab00000200000008000000060000000c00000000000000596a0000" +
  "6d79746167000000000000000000000000000000000000000000000000000000" +
  "0000000000000000000000000000000000000000000000000000000000000000" +
  "f8840b6b0000000068656c6c6f20776f726c6400";

function hex(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
}

Deno.test("decodes the frame ha_logger sends", () => {
  const frames = new FrameDecoder();
  frames.push(hex(HA_LOGGER_FRAME));
  const f = frames.next();
  ok(f !== undefined && f.ok);
  const d = decodeLogdMsg(f.payload);
  ok(d.ok, JSON.stringify(!d.ok && d.error));
  deepEqual(d.msg, {
    facility: 8, // LOG_USER
    priority: 6, // LOG_INFO
    usePriStr: false,
    pid: 0x6a59,
    entity: "mytag",
    timestamp: 0x6b0b84f8,
    text: "hello world",
  });
});

Deno.test("our encoder produces ha_logger's exact bytes for the same message", () => {
  const m = {
    facility: 8,
    priority: 6,
    usePriStr: false,
    pid: 0x6a59,
    entity: "mytag",
    timestamp: 0x6b0b84f8,
    text: "hello world",
  };
  const frame = framePayload(encodeLogdMsg(m));
  equal(Array.from(frame, (b) => b.toString(16).padStart(2, "0")).join(""), HA_LOGGER_FRAME);
});

Deno.test("the old 32-byte entity layout decodes too", () => {
  const p = encodeLogdMsg({
    facility: 24,
    priority: 3,
    usePriStr: true,
    pid: 7,
    entity: "ccm",
    timestamp: 1,
    text: "x",
  });
  // Cut the entity field from 64 to 32 bytes: 24-byte head, 32 entity, then the rest.
  const old = new Uint8Array(p.length - 32);
  old.set(p.subarray(0, 24 + 32));
  old.set(p.subarray(24 + 64), 24 + 32);
  const d = decodeLogdMsg(old);
  ok(d.ok);
  equal(d.msg.entity, "ccm");
  equal(d.msg.timestamp, 1);
  equal(d.msg.text, "x");
  equal(d.msg.priority, 3);
});

Deno.test("round trip keeps UTF-8 text and cuts a long entity at a character boundary", () => {
  const entity = "é".repeat(40); // 80 bytes: cut to 63 → 31 whole characters
  const d = decodeLogdMsg(encodeLogdMsg({
    facility: 24,
    priority: 4,
    usePriStr: true,
    pid: 42,
    entity,
    timestamp: 1_800_000_000,
    text: "naïve ✓ line",
  }));
  ok(d.ok);
  equal(d.msg.entity, "é".repeat(31));
  equal(d.msg.text, "naïve ✓ line");
  equal(d.msg.pid, 42);
  equal(d.msg.usePriStr, true);
});

Deno.test("malformed payloads are typed errors, never exceptions", () => {
  const good = encodeLogdMsg({
    facility: 24,
    priority: 6,
    usePriStr: true,
    pid: 1,
    entity: "a",
    timestamp: 0,
    text: "t",
  });
  const short = decodeLogdMsg(good.subarray(0, 10));
  ok(!short.ok && short.error.code === "short");
  const wrongType = good.slice();
  wrongType[0] = 9;
  const t = decodeLogdMsg(wrongType);
  ok(!t.ok && t.error.code === "bad-type");
  const badLen = good.slice();
  new DataView(badLen.buffer).setInt32(12, 5000, true);
  const l = decodeLogdMsg(badLen);
  ok(!l.ok && l.error.code === "bad-length");
  // Random bytes: any result, but no throw.
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const n = (seed = (seed * 1103515245 + 12345) >>> 0) % 200;
    const b = new Uint8Array(n);
    for (let j = 0; j < n; j++) b[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    if (n > 4) b[0] = 2, b[1] = b[2] = b[3] = 0;
    decodeLogdMsg(b);
  }
});

Deno.test("syslog priorities map to Heartbeat's levels", () => {
  deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(levelFromPriority), [
    "crit",
    "crit",
    "crit",
    "error",
    "warn",
    "info",
    "info",
    "debug",
  ]);
  equal(levelFromPriority(24 + 3), "error"); // facility bits ignored
});
