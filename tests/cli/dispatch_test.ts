import assert from "node:assert/strict";
import { runMain } from "../helpers/run.ts";

Deno.test("main.ts: version subcommand prints the version and exits 0", async () => {
  const r = await runMain(["version"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^heartbeat-ts \d+\.\d+\.\d+\n$/);
});

Deno.test("main.ts: unknown subcommand names it and exits 2", async () => {
  const r = await runMain(["frobnicate"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.match(r.stderr, /usage: heartbeat <command>/);
});

Deno.test("main.ts: help lists commands and exits 0", async () => {
  const r = await runMain(["help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /version/);
});
