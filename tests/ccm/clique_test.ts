import assert from "node:assert/strict";
import { leaderClique, mutual } from "../../src/ccm/clique.ts";
import { Rng } from "../sim/prng.ts";

function graph(edges: Record<string, string[]>) {
  const m = new Map(Object.entries(edges).map(([k, v]) => [k, new Set([k, ...v])]));
  return (n: string) => m.get(n) ?? new Set<string>();
}

Deno.test("clique: everyone hearing everyone gives all candidates, sorted", () => {
  const h = graph({ c: ["a", "b"], a: ["b", "c"], b: ["a", "c"] });
  assert.deepEqual(leaderClique("a", ["c", "b", "a"], h), ["a", "b", "c"]);
});

Deno.test("clique: a one-way link excludes one end; the leader is always in", () => {
  // c does not hear b (b hears c): b and c are not mutual.
  const h = graph({ a: ["b", "c", "d"], b: ["a", "c", "d"], c: ["a", "d"], d: ["a", "b", "c"] });
  const got = leaderClique("a", ["a", "b", "c", "d"], h);
  assert.ok(got.includes("a") && got.includes("d"));
  assert.equal(got.length, 3);
  assert.ok(!(got.includes("b") && got.includes("c")));
  // A node that does not hear the leader back is never admitted.
  const h2 = graph({ a: ["b"], b: [] });
  assert.deepEqual(leaderClique("a", ["a", "b"], h2), ["a"]);
});

Deno.test("clique: random graphs give a maximal clique, independent of candidate order", () => {
  const rng = Rng.seeded(9);
  for (let round = 0; round < 300; round++) {
    const names = Array.from({ length: rng.int(1, 12) }, (_, i) => `n${i}`);
    const edges: Record<string, string[]> = {};
    for (const a of names) edges[a] = names.filter((b) => b !== a && rng.chance(0.8));
    const h = graph(edges);
    const leader = rng.pick(names);
    const got = leaderClique(leader, names, h);
    const shuffled = [...names].sort(() => rng.next() - 0.5);
    assert.deepEqual(leaderClique(leader, shuffled, h), got);
    assert.ok(got.includes(leader));
    for (const a of got) for (const b of got) if (a !== b) assert.ok(mutual(h, a, b));
    for (const c of names) {
      if (got.includes(c)) continue;
      assert.ok(got.some((m) => !mutual(h, m, c)), `${c} could have been added to ${got}`);
    }
  }
});
