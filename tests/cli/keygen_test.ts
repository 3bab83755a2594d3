import assert from "node:assert/strict";
import { runMain } from "../helpers/run.ts";
import { loadAuthkeys } from "../../src/config/authkeys.ts";

Deno.test("keygen writes a 0600 authkeys that loads, and refuses to overwrite", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/authkeys`;
    const r = await runMain(["keygen", "--output", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /sha256 key 1, mode 0600/);
    assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);
    const keys = await loadAuthkeys(out);
    assert.ok(keys.ok);
    if (!keys.ok) return;
    assert.equal(keys.value.send.method, "sha256");
    assert.equal(keys.value.send.secret.length, 64, "32 random bytes as hex");
    const before = await Deno.readTextFile(out);
    assert.doesNotMatch(r.stdout, new RegExp(new TextDecoder().decode(keys.value.send.secret)));

    const again = await runMain(["keygen", "--output", out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists; not replaced \(use --force/);
    assert.equal(await Deno.readTextFile(out), before, "file untouched");

    const forced = await runMain([
      "keygen",
      "--output",
      out,
      "--force",
      "--method",
      "sha1",
      "--index",
      "3",
    ]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);
    const k2 = await loadAuthkeys(out);
    assert.ok(k2.ok && k2.value.send.index === 3 && k2.value.send.method === "sha1");
    assert.notEqual(await Deno.readTextFile(out), before, "a fresh secret");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["authkeys"],
      "no temp files left",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("keygen: usage errors and unwritable places", async () => {
  const bad = await runMain(["keygen", "--method", "crc", "--output", "/tmp/never"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--method crc is not accepted/);
  assert.equal((await runMain(["keygen", "--index", "16", "--output", "/tmp/never"])).code, 2);
  assert.equal((await runMain(["keygen", "--what"])).code, 2);
  const nodir = await runMain(["keygen", "--output", "/nonexistent-dir/authkeys"]);
  assert.equal(nodir.code, 1);
  assert.match(nodir.stderr, /directory \/nonexistent-dir does not exist/);
});
