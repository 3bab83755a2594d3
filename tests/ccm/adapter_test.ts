import assert from "node:assert/strict";
import { membershipEventFromCore } from "../../src/ccm/adapter.ts";
import { encodeCcm } from "../../src/ccm/messages.ts";
import { membershipTimings } from "../../src/ccm/timings.ts";
import { Message } from "../../src/wire/message.ts";

Deno.test("adapter: peer statuses and CCM deliveries become membership events, nothing else", () => {
  assert.deepEqual(
    membershipEventFromCore({
      kind: "node_status",
      node: "b",
      status: "dead",
      previous: "active",
      reason: "silent",
    }),
    { kind: "peer", node: "b", status: "dead" },
  );
  const ccm = encodeCcm({ type: "commit", round: 1, instance: 2, members: ["a"] });
  assert.deepEqual(membershipEventFromCore({ kind: "deliver", msg: ccm }), {
    kind: "deliver",
    msg: ccm,
  });
  assert.equal(membershipEventFromCore({ kind: "deliver", msg: Message.of({ t: "app" }) }), null);
  assert.equal(membershipEventFromCore({ kind: "transmit", msg: ccm }), null);
  assert.equal(membershipEventFromCore({ kind: "warn_late", node: "b", silentMs: 3 }), null);
});

Deno.test("timings: rounds scale with keepalive, with floors for very short keepalives", () => {
  assert.deepEqual(membershipTimings(1000), {
    roundTimeoutMs: 2000,
    resyncMs: 5000,
    reportGapMs: 20,
  });
  assert.deepEqual(membershipTimings(20), {
    roundTimeoutMs: 200,
    resyncMs: 500,
    reportGapMs: 20,
  });
});
