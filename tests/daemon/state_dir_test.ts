import assert from "node:assert/strict";
import {
  formatGeneration,
  openStateDir,
  parseGeneration,
  StateDirError,
} from "../../src/daemon/state_dir.ts";

Deno.test("state dir: generation record is Heartbeat's 15-column format", () => {
  assert.equal(formatGeneration(1795574732), "     1795574732\n");
  assert.equal(formatGeneration(1795574732).length, 16);
  assert.equal(parseGeneration("     1795574732\n"), 1795574732);
  assert.equal(parseGeneration("abc"), undefined);
  assert.equal(parseGeneration(""), undefined);
});

Deno.test("state dir: first start uses time+1, later starts add 1, uuid is kept", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const a = openStateDir(dir, 1000);
    assert.equal(a.generation, 1001);
    assert.equal(a.uuid.length, 16);
    const b = openStateDir(dir, 5);
    assert.equal(b.generation, 1002);
    assert.deepEqual(b.uuid, a.uuid);
    assert.equal(Deno.readTextFileSync(`${dir}/hb_generation`), formatGeneration(1002));
    assert.equal(Deno.statSync(`${dir}/hb_uuid`).mode! & 0o777, 0o600);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("state dir: a corrupt generation file is an error naming the file, not a reset", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/hb_generation`, "garbage\n");
    assert.throws(() => openStateDir(dir, 1000), (e: unknown) => {
      assert.ok(e instanceof StateDirError);
      assert.match(e.message, /hb_generation: not a generation record/);
      return true;
    });
    Deno.writeTextFileSync(`${dir}/hb_generation`, formatGeneration(7));
    Deno.writeFileSync(`${dir}/hb_uuid`, new Uint8Array(3));
    assert.throws(() => openStateDir(dir, 1000), /expected 16 bytes of uuid, found 3/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
