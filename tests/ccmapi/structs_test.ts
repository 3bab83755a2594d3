import assert from "node:assert/strict";
import {
  CCM_EV,
  decodeCcmMessage,
  encodeBareEvent,
  encodeLlm,
  encodeMemInfo,
  LLM_NODE_SIZE,
} from "../../src/ccmapi/structs.ts";

Deno.test("ccm structs: ccm_llm_t has gcc's layout (12-byte header, 260-byte nodes)", () => {
  const b = encodeLlm({ nodes: ["alpha", "beta"], mynode: 1 });
  assert.equal(b.length, 12 + 2 * 260);
  assert.equal(LLM_NODE_SIZE, 260);
  const dv = new DataView(b.buffer);
  assert.deepEqual([dv.getInt32(0, true), dv.getUint32(4, true), dv.getInt32(8, true)], [
    CCM_EV.LLM,
    2,
    1,
  ]);
  // Second node: Uuid 1 at 272, its name right after, NUL-terminated.
  assert.equal(dv.getUint32(12 + 260, true), 1);
  assert.equal(new TextDecoder().decode(b.subarray(276, 280)), "beta");
  assert.equal(b[280], 0);
  assert.deepEqual(decodeCcmMessage(b), {
    ok: true,
    msg: { ev: "llm", list: { nodes: ["alpha", "beta"], mynode: 1 } },
  });
});

Deno.test("ccm structs: a 255-byte name is cut to 254 and stays NUL-terminated", () => {
  const long = "n".repeat(300);
  const r = decodeCcmMessage(encodeLlm({ nodes: [long], mynode: 0 }));
  assert.ok(r.ok && r.msg.ev === "llm");
  if (r.ok && r.msg.ev === "llm") assert.equal(r.msg.list.nodes[0], "n".repeat(254));
});

Deno.test("ccm structs: ccm_meminfo_t and bare events", () => {
  const info = {
    trans: 12,
    quorum: true,
    members: [{ index: 0, bornon: 3 }, { index: 2, bornon: 12 }],
  };
  const b = encodeMemInfo(info);
  assert.equal(b.length, 16 + 2 * 8);
  const dv = new DataView(b.buffer);
  assert.deepEqual([0, 4, 8, 12, 16, 20, 24, 28].map((o) => dv.getInt32(o, true)), [
    2,
    2,
    12,
    1,
    0,
    3,
    2,
    12,
  ]);
  assert.deepEqual(decodeCcmMessage(b), { ok: true, msg: { ev: "membership", info } });
  const noq = decodeCcmMessage(encodeMemInfo({ ...info, quorum: false }));
  assert.ok(noq.ok && noq.msg.ev === "membership" && noq.msg.info.quorum === false);
  assert.deepEqual(decodeCcmMessage(encodeBareEvent(CCM_EV.INFLUX)), {
    ok: true,
    msg: { ev: "influx" },
  });
  assert.deepEqual(decodeCcmMessage(encodeBareEvent(CCM_EV.EVICTED)), {
    ok: true,
    msg: { ev: "evicted" },
  });
});

Deno.test("ccm structs: truncated or inconsistent messages are errors", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(2), /shorter than its event code/],
    [encodeLlm({ nodes: ["a", "b"], mynode: 0 }).subarray(0, 300), /node list of 2 nodes is 300/],
    [
      encodeMemInfo({ trans: 1, quorum: true, members: [{ index: 0, bornon: 1 }] }).subarray(0, 20),
      /membership of 1 members is 20/,
    ],
    [encodeBareEvent(CCM_EV.INFLUX).map((x, i) => (i === 0 ? 9 : x)), /unknown event code 9/],
  ];
  for (const [b, re] of cases) {
    const r = decodeCcmMessage(b);
    assert.equal(r.ok, false, re.source);
    if (!r.ok) assert.match(r.error.detail, re);
  }
  const bad = encodeLlm({ nodes: ["a"], mynode: 0 });
  new DataView(bad.buffer).setInt32(8, 5, true);
  const r = decodeCcmMessage(bad);
  assert.ok(!r.ok && /mynode 5/.test(r.error.detail));
});
