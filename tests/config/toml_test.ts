import assert from "node:assert/strict";
import { parseTomlConfig } from "../../src/config/toml.ts";
import { parseHaCf } from "../../src/config/hacf.ts";
import { formatIssue } from "../../src/config/errors.ts";
import type { Config } from "../../src/config/types.ts";

const EXAMPLE = new URL("../../examples/ucast-2node/", import.meta.url);

/** Drops what legitimately differs between the two forms: file names and source places. */
function withoutSources(c: Config): unknown {
  return JSON.parse(
    JSON.stringify(c, (k, v) => {
      if (k === "source" || k === "sources" || k === "file") return undefined;
      return v instanceof Map ? Object.fromEntries([...v].sort()) : v;
    }),
  );
}

function errors(text: string, localNode = "node1"): string[] {
  const r = parseTomlConfig(text, "hb.toml", { localNode });
  if (r.ok) assert.fail("expected errors");
  return r.errors.map(formatIssue);
}

Deno.test("example heartbeat.toml and ha.cf give the same Config", async () => {
  const toml = parseTomlConfig(
    await Deno.readTextFile(new URL("heartbeat.toml", EXAMPLE)),
    "heartbeat.toml",
    {
      localNode: "node1",
    },
  );
  const hacf = parseHaCf(await Deno.readTextFile(new URL("ha.cf", EXAMPLE)), "ha.cf", {
    localNode: "node1",
  });
  if (!toml.ok) assert.fail(toml.errors.map(formatIssue).join("\n"));
  if (!hacf.ok) assert.fail(hacf.errors.map(formatIssue).join("\n"));
  assert.deepEqual(withoutSources(toml.value.config), withoutSources(hacf.value));
  assert.deepEqual(toml.warnings, []);
  assert.deepEqual(hacf.warnings, []);
  assert.equal(toml.value.authkeysPath, "authkeys");
  // Not vacuous: the shared content is really there.
  assert.equal(hacf.value.timings.keepaliveMs, 500);
  assert.equal(hacf.value.media.length, 2);
});

Deno.test("TOML: sections, media kinds, ping groups, env, embedded keys", () => {
  const r = parseTomlConfig(
    `
nodes = ["node1", "node2"]
udpport = 700
baud = 38400
autojoin = "none"
ping = ["192.0.2.1"]
[timing]
keepalive = 0.25
deadtime = "3"
initdead = 12
[[media]]
kind = "bcast"
iface = "eth0"
[[media]]
kind = "ucast"
iface = "eth0"
peer = "192.0.2.2"
port = 9000
[[media]]
kind = "mcast"
iface = "eth1"
group = "239.0.0.9"
port = 694
[[media]]
kind = "mcast6"
iface = "eth1"
group = "FF12::9"
port = 694
hops = 2
loop = true
[[media]]
kind = "ucast6"
iface = "eth2"
peer = "FE80::2%eth2"
[[media]]
kind = "serial"
device = "/dev/ttyS0"
[[ping_group]]
name = "gw"
addresses = ["192.0.2.5", "192.0.2.6"]
[[respawn]]
user = "root"
path = "/usr/bin/x"
args = ["-a", "b"]
failfast = true
[process]
realtime = false
env = { FOO = "bar" }
[pacemaker]
mode = "respawn"
daemon_dir = "/usr/lib/pacemaker"
[legacy]
auto_failback = "legacy"
stonith_host = ["* null node1"]
[logging]
logfile = "/var/log/ha"
[auth]
send = 2
[[auth.keys]]
index = 1
method = "sha1"
secret = "one two"
[[auth.keys]]
index = 2
method = "sha256"
secret = "s2"
`,
    "hb.toml",
    { localNode: "node2" },
  );
  if (!r.ok) assert.fail(r.errors.map(formatIssue).join("\n"));
  const c = r.value.config;
  assert.deepEqual(c.timings, {
    keepaliveMs: 250,
    deadtimeMs: 3000,
    warntimeMs: 1500,
    initdeadMs: 12000,
    deadpingMs: 3000,
  });
  assert.equal(c.raw.get("keepalive"), "0.25");
  assert.deepEqual(c.media.map(({ source: _s, ...m }) => m), [
    { kind: "bcast", iface: "eth0", port: 700 },
    { kind: "ucast", iface: "eth0", peer: "192.0.2.2", port: 9000 },
    { kind: "mcast", iface: "eth1", group: "239.0.0.9", port: 694, ttl: 1, loop: false },
    { kind: "mcast6", iface: "eth1", group: "ff12::9", port: 694, hops: 2, loop: true },
    { kind: "ucast6", iface: "eth2", peer: "fe80::2", scope: "eth2", port: 700 },
    { kind: "serial", device: "/dev/ttyS0", baud: 38400 },
  ]);
  assert.deepEqual(c.media[1].source, { file: "hb.toml", key: "media[1]" });
  assert.deepEqual(c.ping.map((p) => p.address), ["192.0.2.1"]);
  assert.deepEqual(c.pingGroups.map((g) => [g.name, g.addresses]), [["gw", [
    "192.0.2.5",
    "192.0.2.6",
  ]]]);
  assert.deepEqual(c.respawn[0].command, "/usr/bin/x -a b");
  assert.equal(c.respawn[0].failfast, true);
  assert.equal(c.process.realtime, false);
  assert.equal(c.raw.get("realtime"), "off");
  assert.deepEqual([...c.process.env], [["HA_FOO", "bar"]]);
  assert.equal(c.pacemaker.mode, "respawn");
  assert.equal(c.pacemaker.daemonDir, "/usr/lib/pacemaker");
  assert.deepEqual(c.legacy.stonith.map((s) => s.value), ["* null node1"]);
  const keys = r.value.authkeys!;
  assert.equal(keys.send.index, 2);
  assert.equal(
    new TextDecoder().decode(keys.keys.get(1)!.secret),
    "one two",
    "TOML secrets are kept whole",
  );
});

Deno.test("TOML errors: syntax with line:col", () => {
  const errs = errors('nodes = ["a"]\n[timing\nkeepalive = 1\n');
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^hb\.toml:2:\d+: TOML syntax: /);
});

Deno.test("TOML errors: unknown keys (with suggestions), bad values, types, all at once", () => {
  assert.deepEqual(
    errors(`
nodes = ["node1"]
colour = "blue"
[timing]
keepalive = "abc"
deadtyme = 5
[[media]]
kind = "ucats"
[[media]]
kind = "mcast"
iface = "eth0"
group = "10.0.0.1"
port = 70000
extra = 1
[[media]]
kind = "bcast"
[logging]
debug = [1]
[[apiauth]]
group = "x"
[auth]
send = 3
`),
    [
      "hb.toml: colour: unknown key; allowed here: autojoin, udpport, baud, cluster, nodes, media, ping, ping_group, respawn, apiauth, auth, timing, logging, compression, protocol, process, pacemaker, legacy",
      'hb.toml: timing.deadtyme: unknown key; did you mean "deadtime"?',
      'hb.toml: timing.keepalive: "abc" is not a time; use seconds (`2`, `0.5`) or milliseconds (`500ms`)',
      "hb.toml: logging.debug: must be a string, number or boolean, got an array",
      'hb.toml: media[0].kind: "ucats" is not a medium kind; use one of ucast, bcast, mcast, ucast6, mcast6, serial (did you mean "ucast"?)',
      "hb.toml: media[1].extra: unknown key; allowed here: kind, iface, group, port, ttl, loop",
      'hb.toml: media[1].group: "10.0.0.1" is not a multicast address in 224.0.0.0/4, e.g. 239.0.0.1',
      "hb.toml: media[1].port: 70000 is out of range; use 1 to 65535",
      "hb.toml: media[2].iface: is required",
      "hb.toml: apiauth[0]: needs a non-empty uid or gid list",
      "hb.toml: auth.send: names key 3, which [[auth.keys]] does not define",
    ],
  );
});

Deno.test("TOML: same sanity checks as ha.cf (local node, timings)", () => {
  assert.deepEqual(
    errors(
      'nodes = ["a"]\n[[media]]\nkind="bcast"\niface="eth0"\n[timing]\nkeepalive=2\ndeadtime=1\n',
      "a",
    ),
    [
      "hb.toml: timing.deadtime: 1000 ms is shorter than keepalive (2000 ms): every node would be declared dead between heartbeats; make deadtime several times keepalive",
    ],
  );
  assert.deepEqual(errors('nodes = ["a"]\n[[media]]\nkind="bcast"\niface="eth0"\n', "b"), [
    'hb.toml: nodes[0]: this node "b" is not listed (nodes: a); add it to a node line — it must equal `uname -n` — or set autojoin any',
  ]);
});
