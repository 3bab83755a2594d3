/** The fuzz loop of scripts/fuzz_wire.ts, 20,000 cases: nothing may throw. */

import assert from "node:assert/strict";
import { fuzz, loadCorpus } from "../../scripts/fuzz_wire.ts";

Deno.test("fuzz: 20,000 mutated/random datagrams never make a decoder throw", () => {
  const corpus = loadCorpus();
  const r = fuzz(20260, 20_000, corpus);
  if (r.failure !== null) {
    assert.fail(`throw at seed 20260 index ${r.failure.index}: ${String(r.failure.error)}`);
  }
  let total = 0;
  for (const n of r.outcomes.values()) total += n;
  assert.equal(total, 20_000);
  // The mix must reach both rejection and acceptance paths, or the fuzzer is not testing much.
  assert.ok((r.outcomes.get("verified") ?? 0) > 0);
  assert.ok((r.outcomes.get("bad_auth_field") ?? 0) > 0, "re-signed mutants reach the auth field");
  assert.ok(r.outcomes.size >= 8, `only outcomes ${[...r.outcomes.keys()]}`);
});
