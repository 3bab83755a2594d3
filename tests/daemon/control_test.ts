import assert from "node:assert/strict";
import { controlRequest, ControlServer } from "../../src/daemon/control.ts";
import { controlSocketPath } from "../../src/daemon/paths.ts";
import { runMain } from "../helpers/run.ts";

Deno.test("control: status request round trip, unknown command refused", async () => {
  const dir = Deno.makeTempDirSync();
  const path = controlSocketPath(dir);
  const server = ControlServer.listen(path, (req) => ({ echo: req.cmd }));
  try {
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o660);
    assert.deepEqual(await controlRequest(path, { cmd: "status" }), {
      ok: true,
      result: { echo: "status" },
    });
    const conn = await Deno.connect({ transport: "unix", path });
    await conn.write(new TextEncoder().encode('{"cmd":"reboot"}\n'));
    const buf = new Uint8Array(1000);
    const n = await conn.read(buf);
    conn.close();
    const reply = JSON.parse(new TextDecoder().decode(buf.subarray(0, n!)));
    assert.equal(reply.ok, false);
    assert.match(reply.error, /unknown command "reboot"/);
  } finally {
    server.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("control: a stale socket file from a crash is replaced", async () => {
  const dir = Deno.makeTempDirSync();
  const path = controlSocketPath(dir);
  Deno.writeTextFileSync(path, "stale");
  const server = ControlServer.listen(path, () => 1);
  try {
    assert.deepEqual(await controlRequest(path, { cmd: "ping" }), { ok: true, result: 1 });
  } finally {
    server.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("status: no daemon → Heartbeat's stopped sentence, exit 1; --json says so", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const r = await runMain(["status", "--run-dir", dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Heartbeat is stopped on this machine \(no daemon listening at /);
    const j = await runMain(["status", "--json", "--run-dir", dir]);
    assert.equal(j.code, 1);
    assert.equal(JSON.parse(j.stdout).running, false);
    const bad = await runMain(["status", "--bogus"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /usage: heartbeat status/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
