import assert from "node:assert/strict";
import { BornTracker } from "../../src/ccmapi/born.ts";
import { realCcmRespawned } from "../../src/ccmapi/real_ccm.ts";

Deno.test("born: members keep their join instance; a node that left and returns is new", () => {
  const t = new BornTracker();
  assert.deepEqual(t.next(1, ["a"]), [{ name: "a", bornon: 1 }]);
  assert.deepEqual(t.next(2, ["a", "b"]), [{ name: "a", bornon: 1 }, { name: "b", bornon: 2 }]);
  assert.deepEqual(t.next(5, ["a"]), [{ name: "a", bornon: 1 }]);
  assert.deepEqual(t.next(7, ["a", "b"]), [{ name: "a", bornon: 1 }, { name: "b", bornon: 7 }]);
});

Deno.test("real ccm: a respawned program called ccm owns the client socket", () => {
  assert.equal(realCcmRespawned(["/usr/lib/heartbeat/ccm", "/usr/lib/heartbeat/ipfail"]), true);
  assert.equal(realCcmRespawned(["ccm"]), true);
  assert.equal(realCcmRespawned(["/usr/lib/heartbeat/ipfail", "/opt/myccm"]), false);
  assert.equal(realCcmRespawned([]), false);
});
