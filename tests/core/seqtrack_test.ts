import assert from "node:assert/strict";
import { Message } from "../../src/wire/message.ts";
import { SEQGAP, SeqTrack } from "../../src/core/seqtrack.ts";
import { MAXMSGHIST, SentHistory } from "../../src/core/history.ts";
import { RexmitScheduler } from "../../src/core/rexmit.ts";

const m = (n: number) => Message.of({ n: String(n) });
const ns = (ms: Message[]) => ms.map((x) => Number(x.get("n")));

Deno.test("seqtrack: in order, gap, fill, duplicate, ordered release", () => {
  const t = new SeqTrack();
  assert.equal(t.accept(10, m(10)).verdict.kind, "first");
  assert.deepEqual(ns(t.accept(11, m(11)).released), [11]);
  const g = t.accept(14, m(14));
  assert.deepEqual(g.verdict, { kind: "gap", missing: [12, 13] });
  assert.deepEqual(g.released, []);
  assert.equal(t.accept(14, m(14)).verdict.kind, "duplicate");
  assert.equal(t.accept(11, m(11)).verdict.kind, "duplicate");
  const f = t.accept(13, m(13));
  assert.equal(f.verdict.kind, "fill");
  assert.deepEqual(f.released, [], "12 still missing");
  assert.deepEqual(ns(t.accept(12, null).released), [13, 14], "null payloads are skipped");
  assert.equal(t.hasHoles(), false);
});

Deno.test("seqtrack: a gap above SEQGAP restarts tracking and releases what was held", () => {
  const t = new SeqTrack();
  t.accept(1, m(1));
  t.accept(3, m(3));
  const r = t.accept(3 + SEQGAP + 2, m(999));
  assert.deepEqual(r.verdict, { kind: "reset", abandoned: [2] });
  assert.deepEqual(ns(r.released), [3, 999]);
  assert.equal(t.hasHoles(), false);
});

Deno.test("seqtrack: giving a hole up releases the messages behind it", () => {
  const t = new SeqTrack();
  t.accept(1, m(1));
  t.accept(4, m(4));
  assert.deepEqual(ns(t.giveUp(2)), []);
  assert.deepEqual(ns(t.giveUp(3)), [4]);
  assert.deepEqual(t.giveUp(3), []);
});

Deno.test("history keeps the last MAXMSGHIST messages", () => {
  const h = new SentHistory();
  for (let s = 1; s <= MAXMSGHIST + 10; s++) h.put(s, m(s));
  assert.equal(h.lookup(10).kind, "too_old");
  assert.equal(h.lookup(11).kind, "found");
  assert.equal(h.lookup(MAXMSGHIST + 11).kind, "not_sent");
  assert.equal(h.lookup(0).kind, "not_sent");
});

Deno.test("rexmit scheduler repeats every interval and gives up after the bound", () => {
  const r = new RexmitScheduler(250, 3);
  r.add("b", 7, 100);
  assert.deepEqual(r.due(99), []);
  const kinds: string[] = [];
  for (let t = 100; t <= 1100; t += 250) kinds.push(...r.due(t).map((d) => d.kind));
  assert.deepEqual(kinds, ["request", "request", "request", "give_up"]);
  assert.equal(r.nextDeadline(), Infinity);
});
