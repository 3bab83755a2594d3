import assert from "node:assert/strict";
import {
  addViewFields,
  membershipViewMessage,
  parseMembershipEvent,
  parseViewFields,
  T_MEMVIEW,
} from "../../src/api/membership.ts";
import { decodePayload, encodeFrame, FRAME_HEADER } from "../../src/api/framing.ts";
import { Message } from "../../src/wire/message.ts";

const VIEW = {
  id: "7.n1.3e9.2",
  instance: 7,
  leader: "n1",
  members: ["n1", "n2", "n3"],
  quorum: true,
};

Deno.test("membership message: fields in order, survives the API framing", () => {
  const m = membershipViewMessage("n2", VIEW, "n4 died");
  assert.deepEqual(m.fields.map((f) => `${f.name}=${f.value}`), [
    `t=${T_MEMVIEW}`,
    "node=n2",
    "viewid=7.n1.3e9.2",
    "instance=7",
    "leader=n1",
    "nmembers=3",
    "members=n1 n2 n3",
    "quorum=1",
    "reason=n4 died",
  ]);
  const d = decodePayload(encodeFrame(m).subarray(FRAME_HEADER));
  assert.ok(d.ok);
  const e = d.ok ? parseMembershipEvent(d.msg) : undefined;
  assert.deepEqual(e, { ok: true, event: { node: "n2", view: VIEW, reason: "n4 died" } });
});

Deno.test("membership message: a one-member view without quorum, and no view at all", () => {
  const lone = { id: "9.n3.1.1", instance: 9, leader: "n3", members: ["n3"], quorum: false };
  assert.deepEqual(parseViewFields(addViewFields(new Message(), lone)), { ok: true, view: lone });
  assert.deepEqual(parseViewFields(Message.of({ view: "none" })), { ok: true, view: undefined });
  const none = parseMembershipEvent(Message.of({ t: T_MEMVIEW, view: "none" }));
  assert.equal(none.ok, false);
});

Deno.test("membership message: malformed views are errors that name the field", () => {
  const base = () => addViewFields(Message.of({ t: T_MEMVIEW, node: "n1" }), VIEW);
  const cases: [(m: Message) => void, RegExp][] = [
    [(m) => m.remove("viewid"), /without viewid/],
    [(m) => m.set("instance", "x7"), /instance "x7"/],
    [(m) => m.set("leader", ""), /no leader/],
    [(m) => m.set("nmembers", "2"), /nmembers=2 but members="n1 n2 n3"/],
    [(m) => m.set("members", "n1  n3"), /nmembers=3 but members/],
    [(m) => m.set("quorum", "yes"), /quorum "yes"/],
    [(m) => m.set("t", "status"), /not a view message/],
  ];
  for (const [spoil, re] of cases) {
    const m = base();
    spoil(m);
    const r = parseMembershipEvent(m);
    assert.equal(r.ok, false, re.source);
    if (!r.ok) assert.match(r.error.detail, re);
  }
  assert.equal(parseMembershipEvent(base()).ok, true);
});
