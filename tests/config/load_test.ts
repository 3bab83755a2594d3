import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/load.ts";
import { formatIssue } from "../../src/config/errors.ts";
import { privateCopy } from "./example_copy.ts";

Deno.test("loadConfig: each example loads with its authkeys", async () => {
  const cases: [string, string, string][] = [
    ["ucast-2node", "ha.cf", "sha1"],
    ["ucast-2node", "heartbeat.toml", "sha1"],
    ["mcast-3node", "ha.cf", "sha1"],
    ["bcast-serial", "ha.cf", "sha256"],
  ];
  for (const [name, file, method] of cases) {
    const dir = await privateCopy(name);
    try {
      const r = await loadConfig(`${dir}/${file}`, { localNode: "node2" });
      if (!r.ok) assert.fail(`${name}/${file}:\n${r.errors.map(formatIssue).join("\n")}`);
      assert.deepEqual(r.warnings, [], `${name}/${file}`);
      assert.equal(r.value.authkeys?.send.method, method);
      assert.equal(r.value.authkeysPath, `${dir}/authkeys`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("loadConfig: config and authkeys errors come together; explicit authkeys path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ha.cf`, "node node1\nbcast eth0\nkeepalive x\n");
    await Deno.writeTextFile(`${dir}/authkeys`, "auth 1\n1 sha1 k\n", { mode: 0o644 });
    await Deno.chmod(`${dir}/authkeys`, 0o644);
    const r = await loadConfig(`${dir}/ha.cf`, { localNode: "node1" });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.deepEqual(r.errors.map((e) => e.code), ["bad-value", "permissions"]);
    await Deno.writeTextFile(`${dir}/keys`, "auth 1\n1 md5 k\n", { mode: 0o600 });
    await Deno.writeTextFile(`${dir}/ha.cf`, "node node1\nbcast eth0\n");
    const r2 = await loadConfig(`${dir}/ha.cf`, { localNode: "node1", authkeys: `${dir}/keys` });
    assert.ok(r2.ok && r2.value.authkeys?.send.method === "md5");
    const r3 = await loadConfig(`${dir}/ha.cf`, { localNode: "node1", authkeys: false });
    assert.ok(r3.ok && r3.value.authkeys === undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfig: missing file; TOML embedding keys must be private", async () => {
  const r = await loadConfig("/nonexistent/ha.cf");
  assert.ok(!r.ok);
  if (!r.ok) {
    assert.deepEqual(r.errors.map(formatIssue), [
      "/nonexistent/ha.cf: file not found; check the path",
    ]);
  }
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/heartbeat.toml`;
    await Deno.writeTextFile(
      path,
      'nodes=["n1"]\n[[media]]\nkind="bcast"\niface="eth0"\n[auth]\nsend=1\n[[auth.keys]]\nindex=1\nmethod="sha256"\nsecret="x"\n',
    );
    await Deno.chmod(path, 0o644);
    const bad = await loadConfig(path, { localNode: "n1" });
    assert.ok(!bad.ok);
    if (!bad.ok) {
      assert.deepEqual(bad.errors.map(formatIssue), [
        `${path}: auth: embeds auth keys but has mode 0644, open to group or others; fix: chmod 600 ${path}`,
      ]);
    }
    await Deno.chmod(path, 0o600);
    const good = await loadConfig(path, { localNode: "n1" });
    assert.ok(
      good.ok && good.value.authkeys?.send.method === "sha256" && good.value.authkeysPath === path,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
