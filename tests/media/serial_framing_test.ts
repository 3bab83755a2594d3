/** Serial line framing: what real Heartbeat writes, reading it back, writing ours. */
import assert from "node:assert/strict";
import { decodeAndVerifyAny, frameForLine, LineDeframer } from "../../src/media/serial_framing.ts";
import { parseAuthkeys } from "../../src/config/authkeys.ts";
import type { AuthKeys } from "../../src/config/auth_types.ts";
import { signAndEncode } from "../../src/wire/auth.ts";
import { encodeClassic } from "../../src/wire/classic.ts";
import { Message } from "../../src/wire/message.ts";

/**
 * The first two messages real Heartbeat 3.0.6 (node1, `serial /dev/pts/0`, authkeys
 * `1 sha1 interop-secret`) wrote on a pty, read from the master side byte for byte
 * (2026-11-29): classic text, back to back, no NUL, no CR.
 */
const REAL_HB_LINE = ">>>\nt=status\nst=init\ndt=2ee0\nprotocol=1\nsrc=node1\n" +
  "(1)srcuuid=a+HD5u9VQTShUR+lYbZJqQ==\nseq=1\nhg=6b0b854a\nts=6b0b8549\n" +
  "ld=1.65 1.49 1.00 2/150 31492\nttl=3\nauth=1 0996122733e4b273b7ad08cdd98e314ee842357f\n" +
  "<<<\n>>>\nt=status\nst=up\ndt=2ee0\nprotocol=1\nsrc=node1\n" +
  "(1)srcuuid=a+HD5u9VQTShUR+lYbZJqQ==\nseq=2\nhg=6b0b854a\nts=6b0b8549\n" +
  "ld=1.65 1.49 1.00 3/150 31492\nttl=3\nauth=1 8a8bf0334a0f89195801d8ab1d3911619abc546d\n<<<\n";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function keys(line = "1 sha1 interop-secret"): AuthKeys {
  const r = parseAuthkeys(`auth 1\n${line}\n`, "authkeys");
  assert.ok(r.ok);
  return r.value;
}

function deframe(chunks: Uint8Array[], d = new LineDeframer()): string[] {
  const out: string[] = [];
  for (const c of chunks) d.push(c, (m) => out.push(text(m)));
  return out;
}

Deno.test("deframer: real Heartbeat's line gives its two messages, which verify", () => {
  const msgs = deframe([bytes(REAL_HB_LINE)]);
  assert.equal(msgs.length, 2);
  assert.equal(msgs.join(""), REAL_HB_LINE);
  const k = keys();
  const st = msgs.map((m) => {
    const r = decodeAndVerifyAny(bytes(m), k);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    return r.msg.get("st");
  });
  assert.deepEqual(st, ["init", "up"]);
  // The same bytes under another key must not verify.
  const bad = decodeAndVerifyAny(bytes(msgs[0]), keys("1 sha1 other-secret"));
  assert.equal(bad.ok, false);
});

Deno.test("deframer: any split of the stream into reads gives the same messages", () => {
  const all = bytes(REAL_HB_LINE);
  for (let cut = 0; cut <= all.length; cut += 7) {
    const msgs = deframe([all.subarray(0, cut), all.subarray(cut)]);
    assert.equal(msgs.join(""), REAL_HB_LINE, `cut at ${cut}`);
  }
  // One byte at a time.
  const bytewise = deframe([...all].map((b) => Uint8Array.of(b)));
  assert.equal(bytewise.join(""), REAL_HB_LINE);
});

Deno.test("deframer: noise before a message is skipped and counted, CRs are ignored", () => {
  const d = new LineDeframer();
  const noisy = "login: \r\nGARBAGE\n" + REAL_HB_LINE.replaceAll("\n", "\r\n");
  const msgs = deframe([bytes(noisy)], d);
  assert.equal(msgs.join(""), REAL_HB_LINE);
  assert.equal(d.stats.skippedBytes, "login: \nGARBAGE\n".length);
});

Deno.test("deframer: a message cut off by a new start line is dropped, the new one kept", () => {
  const d = new LineDeframer();
  const first = REAL_HB_LINE.slice(0, REAL_HB_LINE.indexOf("<<<"));
  const msgs = deframe([bytes(first + REAL_HB_LINE)], d);
  assert.equal(msgs.join(""), REAL_HB_LINE);
  assert.equal(d.stats.truncated, 1);
});

Deno.test("deframer: an oversized message is dropped and the next one read", () => {
  const d = new LineDeframer(400);
  const big = ">>>\n" + "x=" + "y".repeat(1000) + "\n<<<\n";
  const msgs = deframe([bytes(big + REAL_HB_LINE)], d);
  assert.equal(d.stats.oversized, 1);
  assert.equal(msgs.join(""), REAL_HB_LINE);
});

Deno.test("deframer: reset drops a partial message", () => {
  const d = new LineDeframer();
  const half = REAL_HB_LINE.slice(0, 60);
  deframe([bytes(half)], d);
  d.reset();
  const rest = REAL_HB_LINE.slice(60);
  // The rest alone is not a message start; only the second message survives.
  const msgs = deframe([bytes(rest)], d);
  assert.equal(msgs.length, 1);
  assert.match(msgs[0], /st=up/);
});

function statusMsg(): Message {
  return Message.of({ t: "status", st: "active", src: "n1", seq: "7", ttl: "3" });
}

Deno.test("frameForLine: netstring becomes classic text that verifies with the same key", () => {
  const k = keys();
  const wire = signAndEncode(statusMsg(), k);
  assert.equal(text(wire.subarray(0, 4)), "###\n");
  const f = frameForLine(wire);
  assert.ok(f.ok);
  const line = text(f.bytes);
  assert.ok(line.startsWith(">>>\n") && line.endsWith("<<<\n"), line);
  const back = decodeAndVerifyAny(f.bytes, k);
  assert.ok(back.ok);
  assert.equal(back.msg.get("st"), "active");
  assert.equal(back.msg.get("seq"), "7");
  // And it reads back off the line as one message.
  assert.deepEqual(deframe([f.bytes]), [line]);
});

Deno.test("frameForLine: classic passes through without a NUL; other bytes are refused", () => {
  const classic = encodeClassic(statusMsg(), { nul: true });
  const f = frameForLine(classic);
  assert.ok(f.ok);
  assert.equal(f.bytes.length, classic.length - 1);
  assert.notEqual(f.bytes[f.bytes.length - 1], 0);
  const g = frameForLine(bytes("hello\n"));
  assert.equal(g.ok, false);
});

Deno.test("decodeAndVerifyAny: tampered classic text is refused, netstring still works", () => {
  const k = keys();
  const tampered = REAL_HB_LINE.slice(0, REAL_HB_LINE.indexOf("<<<") + 4).replace(
    "st=init",
    "st=dead",
  );
  const r = decodeAndVerifyAny(bytes(tampered), k);
  assert.equal(r.ok, false);
  const ns = decodeAndVerifyAny(signAndEncode(statusMsg(), k), k);
  assert.ok(ns.ok);
});
