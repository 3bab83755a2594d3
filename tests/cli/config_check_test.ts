import assert from "node:assert/strict";
import { runMain } from "../helpers/run.ts";
import { privateCopy } from "../config/example_copy.ts";

Deno.test("config check: ok config prints the effective settings, never the secret", async () => {
  const dir = await privateCopy("ucast-2node");
  try {
    const r = await runMain([
      "config",
      "check",
      `${dir}/ha.cf`,
      "--node",
      "node1",
      "--no-host-checks",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /configuration OK/);
    assert.match(r.stdout, /nodes:\s+node1, node2 \(this node: node1\)/);
    assert.match(r.stdout, /keepalive\s+500 ms\s+\(written "500ms"\)/);
    assert.match(r.stdout, /deadping\s+10000 ms\s+\(default\)/);
    assert.match(r.stdout, /ucast eth0 -> 192\.0\.2\.12 port 694\s+\(line 17\)/);
    assert.match(r.stdout, /auth:\s+sha1, sending with key 1/);
    assert.match(r.stdout, /hacluster \/usr\/lib\/heartbeat\/ccm/);
    assert.match(r.stdout, /warnings: none/);
    assert.doesNotMatch(r.stdout, /replace-this-example-secret/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config check: every error, one per line, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/ha.cf`,
      "node node1\nkeepalive abc\nbcast eth0\ndeadtime\nkeeplive 1\n",
    );
    await Deno.writeTextFile(`${dir}/authkeys`, "auth 1\n1 sha1 secret\n");
    await Deno.chmod(`${dir}/authkeys`, 0o640);
    const r = await runMain(["config", "check", `${dir}/ha.cf`, "--node", "node1"]);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split("\n");
    assert.deepEqual(lines, [
      `${dir}/ha.cf:2: keepalive: "abc" is not a time; use seconds (\`2\`, \`0.5\`) or milliseconds (\`500ms\`)`,
      `${dir}/ha.cf:4: deadtime: needs a value: deadtime TIME`,
      `${dir}/ha.cf:5: keeplive: unknown directive; did you mean "keepalive"?`,
      `${dir}/authkeys: mode 0640 lets group or others access the keys (Heartbeat refuses it too); fix: chmod 600 ${dir}/authkeys`,
      "4 errors; configuration not usable",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config check --json: ok and error documents", async () => {
  const dir = await privateCopy("mcast-3node");
  try {
    const ok = await runMain([
      "config",
      "check",
      `${dir}/ha.cf`,
      "--node",
      "node3",
      "--json",
      "--no-host-checks",
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const doc = JSON.parse(ok.stdout);
    assert.equal(doc.ok, true);
    assert.deepEqual(doc.config.nodes, ["node1", "node2", "node3"]);
    assert.equal(doc.config.timings.deadtimeMs, 15000);
    assert.equal(doc.config.raw.keepalive, "1");
    assert.equal(doc.config.media[0].group, "239.0.0.1");
    assert.deepEqual(doc.auth.keys, [{ index: 1, method: "sha1" }, { index: 2, method: "md5" }]);
    assert.doesNotMatch(ok.stdout, /example-secret/);
    assert.deepEqual(doc.warnings, []);

    const bad = await runMain(["config", "check", `${dir}/ha.cf`, "--node", "node9", "--json"]);
    assert.equal(bad.code, 1);
    const err = JSON.parse(bad.stdout);
    assert.equal(err.ok, false);
    assert.equal(err.errors.length, 1);
    assert.equal(err.errors[0].code, "local-node-missing");
    assert.equal(err.errors[0].line, 16); // the node line of examples/mcast-3node/ha.cf
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config check: TOML file and usage errors", async () => {
  const dir = await privateCopy("ucast-2node");
  try {
    const r = await runMain(["config", "check", `${dir}/heartbeat.toml`, "--node", "node2"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ucast eth0 -> 192\.0\.2\.11 port 694\s+\(media\[0\]\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal((await runMain(["config"])).code, 2);
  assert.equal((await runMain(["config", "verify"])).code, 2);
  const unknown = await runMain(["config", "check", "--bogus"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /bogus/);
  assert.equal((await runMain(["config", "check", "a", "b"])).code, 2);
  const help = await runMain(["config", "check", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: heartbeat config check/);
  const missing = await runMain([
    "config",
    "check",
    "/nonexistent/ha.cf",
    "--authkeys",
    "/nonexistent/k",
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^\/nonexistent\/ha\.cf: file not found/);
});

Deno.test("config check: host checks warn about missing interfaces, programs and users", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/ha.cf`,
      [
        "logfacility none",
        "node n1",
        "bcast lo",
        "bcast nosuchif0",
        "respawn root /bin/sh",
        "respawn nosuchuser9 /nonexistent/prog",
        "",
      ].join("\n"),
    );
    await Deno.writeTextFile(`${dir}/authkeys`, "auth 1\n1 sha1 s\n", { mode: 0o600 });
    const r = await runMain(["config", "check", `${dir}/ha.cf`, "--node", "n1", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const messages = JSON.parse(r.stdout).warnings.map((w: { line: number; message: string }) =>
      `${w.line}: ${w.message}`
    );
    assert.deepEqual(messages, [
      "4: interface nosuchif0 does not exist on this host; Heartbeat refuses to start with it",
      "6: /nonexistent/prog does not exist on this host; Heartbeat refuses a respawn program it cannot run",
      "6: user nosuchuser9 does not exist on this host; Heartbeat refuses it",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
