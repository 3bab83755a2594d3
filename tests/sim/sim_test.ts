import assert from "node:assert/strict";
import { defaultNodes, reproCommand, runSeed } from "./run.ts";
import { scenarioFor, SCENARIOS } from "./scenario.ts";
import { Rng } from "./prng.ts";

Deno.test("300 seeded cluster simulations (3-8 nodes) keep every invariant", () => {
  const failed: string[] = [];
  let deaths = 0, delivered = 0, rexmit = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const n = defaultNodes(seed);
    const r = runSeed(seed, n);
    deaths += r.deaths;
    delivered += r.delivered;
    rexmit += r.rexmitRequests;
    if (r.failures.length) failed.push(`${r.failures[0]}\n  reproduce: ${reproCommand(seed, n)}`);
  }
  assert.deepEqual(failed, []);
  // The runs must exercise what they claim to check.
  assert.ok(deaths > 300, `deaths ${deaths}`);
  assert.ok(delivered > 100_000, `delivered ${delivered}`);
  assert.ok(rexmit > 1000, `rexmit requests ${rexmit}`);
});

Deno.test("a run is reproducible from its seed", () => {
  const a = runSeed(77, 5), b = runSeed(77, 5);
  assert.deepEqual(a, b);
  assert.notDeepEqual(runSeed(78, 5).steps, a.steps);
});

Deno.test("every scenario kind is covered and heavy loss stays above the strict budget", () => {
  const kinds = new Set<string>();
  for (let seed = 1; seed <= 8; seed++) {
    const s = scenarioFor(seed, Rng.seeded(seed));
    kinds.add(s.kind);
    if (s.kind === "heavy") assert.equal(s.strictNoFalseDeath, false);
  }
  assert.deepEqual([...kinds].sort(), [...SCENARIOS].sort());
});
