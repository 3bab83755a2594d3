import assert from "node:assert/strict";
import { hasQuorum } from "../../src/ccm/quorum.ts";

Deno.test("quorum: strict majority of configured nodes", () => {
  assert.equal(hasQuorum(2, 3), true);
  assert.equal(hasQuorum(1, 3), false);
  assert.equal(hasQuorum(2, 4), false);
  assert.equal(hasQuorum(3, 4), true);
  assert.equal(hasQuorum(33, 64), true);
  assert.equal(hasQuorum(32, 64), false);
});

Deno.test("quorum: a 2-node cluster keeps quorum with one node; one node alone has it", () => {
  assert.equal(hasQuorum(1, 2), true);
  assert.equal(hasQuorum(2, 2), true);
  assert.equal(hasQuorum(1, 1), true);
  assert.equal(hasQuorum(0, 2), false);
});
