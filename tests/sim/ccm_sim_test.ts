import assert from "node:assert/strict";
import { convergenceBoundMs, runCcmSeed } from "./ccm_run.ts";
import { runCcmSeeds } from "./ccm_seeds.ts";

Deno.test("membership: seeds 1-1000 (2-16 nodes) keep agreement, strong connectivity, convergence", () => {
  const { views, formed } = runCcmSeeds(1, 1000);
  // The runs must exercise what they claim to check.
  assert.ok(views > 10_000, `view changes ${views}`);
  assert.ok(formed > 3_000, `views formed ${formed}`);
});

Deno.test("membership: a run is reproducible from its seed and converges within the bound", () => {
  const a = runCcmSeed(4242, 5), b = runCcmSeed(4242, 5);
  assert.deepEqual(a, b);
  assert.notDeepEqual(runCcmSeed(4243, 5).steps, a.steps);
  assert.ok(a.convergedAfterMs <= convergenceBoundMs());
});
