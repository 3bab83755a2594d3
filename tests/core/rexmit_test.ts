import assert from "node:assert/strict";
import { RexmitScheduler } from "../../src/core/rexmit.ts";
import { Rng } from "../sim/prng.ts";

Deno.test("rexmit: cached bound never hides a due request (2,000 random runs against a model)", () => {
  for (let seed = 1; seed <= 2_000; seed++) {
    const rng = Rng.seeded(seed);
    const interval = rng.int(50, 500);
    const maxAttempts = rng.int(1, 5);
    const r = new RexmitScheduler(interval, maxAttempts);
    const model = new Map<string, { node: string; seq: number; at: number; n: number }>();
    let now = 0;
    for (let i = 0; i < 120; i++) {
      now += rng.int(0, 200);
      const node = rng.pick(["a", "b", "c"]);
      const seq = rng.int(1, 12);
      const op = rng.next();
      if (op < 0.45) {
        const at = now + rng.int(0, 300);
        r.add(node, seq, at);
        const k = `${node} ${seq}`;
        if (!model.has(k)) model.set(k, { node, seq, at, n: 0 });
      } else if (op < 0.6) {
        r.remove(node, seq);
        model.delete(`${node} ${seq}`);
      } else if (op < 0.65) {
        r.removeNode(node);
        for (const [k, p] of model) if (p.node === node) model.delete(k);
      }
      const earliest = Math.min(...[...model.values()].map((p) => p.at));
      const where = `seed ${seed} step ${i} at ${now}`;
      assert.ok(r.nextDeadline() <= earliest, `${where}: bound passed a due request`);
      if (rng.chance(0.6)) {
        const want: string[] = [];
        for (const [k, p] of model) {
          if (p.at > now) continue;
          if (p.n >= maxAttempts) {
            model.delete(k);
            want.push(`give_up ${k}`);
          } else {
            p.n++;
            p.at = now + interval;
            want.push(`request ${k}`);
          }
        }
        const scans = now >= r.nextDeadline();
        const got = r.due(now).map((d) => `${d.kind} ${d.node} ${d.seq}`);
        assert.deepEqual(got.sort(), want.sort(), where);
        const exact = Math.min(...[...model.values()].map((p) => p.at));
        if (scans) assert.equal(r.nextDeadline(), exact, `${where}: exact after a scan`);
        assert.equal(r.size, model.size, where);
      }
    }
  }
});
