import assert from "node:assert/strict";
import { runCcmSeeds } from "./ccm_seeds.ts";

// A second file so `deno test --parallel` runs the two halves of the 2,000 seeds at once.
Deno.test("membership: seeds 1001-2000 (2-16 nodes) keep every invariant", () => {
  const { views } = runCcmSeeds(1001, 2000);
  assert.ok(views > 10_000, `view changes ${views}`);
});
