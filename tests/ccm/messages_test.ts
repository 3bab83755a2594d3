import assert from "node:assert/strict";
import { type CcmMessage, decodeCcm, encodeCcm, isCcmMessage } from "../../src/ccm/messages.ts";
import { Message } from "../../src/wire/message.ts";

function stamped(m: CcmMessage): Message {
  return encodeCcm(m).set("src", "node2").set("hg", "3ea");
}

Deno.test("messages: every kind survives encoding and decoding", () => {
  const all: CcmMessage[] = [
    { type: "report", hears: ["node1", "node2"], instance: 7, viewId: "7.a.1.3", want: ["c"] },
    { type: "report", hears: ["node2"], instance: 0, viewId: "", want: [] },
    { type: "propose", round: 3, instance: 9, members: ["node1", "node2"] },
    { type: "ack", round: 3, leaderGen: 0x3e9, ok: true, instance: 8, hears: [] },
    { type: "ack", round: 4, leaderGen: 1, ok: false, instance: 0, hears: ["a", "b"] },
    { type: "commit", round: 3, instance: 9, members: ["node2"] },
  ];
  for (const m of all) {
    const msg = stamped(m);
    assert.ok(isCcmMessage(msg));
    assert.equal(msg.get("to_id"), "hbts_ccm");
    assert.deepEqual(decodeCcm(msg), { origin: { src: "node2", generation: 0x3ea }, body: m });
  }
});

Deno.test("messages: real ccm types and malformed fields are not ours", () => {
  assert.equal(isCcmMessage(Message.of({ t: "CCM_TYPE_MEM_LIST" })), false);
  assert.equal(isCcmMessage(Message.of({ t: "status" })), false);
  const good = stamped({ type: "propose", round: 1, instance: 2, members: ["a"] });
  for (const [field, value] of [["inst", "x"], ["round", "-1"], ["members", ""], ["hg", "zz"]]) {
    assert.equal(decodeCcm(good.clone().set(field, value)), null, `${field}=${value}`);
  }
  assert.equal(decodeCcm(good.clone().remove("src")), null);
  const ack = stamped({ type: "ack", round: 1, leaderGen: 2, ok: true, instance: 0, hears: [] });
  assert.equal(decodeCcm(ack.clone().set("ok", "yes")), null);
});
