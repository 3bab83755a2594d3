import assert from "node:assert/strict";
import { parseHaCf } from "../../src/config/hacf.ts";
import { formatIssue } from "../../src/config/errors.ts";
import type { Config } from "../../src/config/types.ts";
import { parameterValue } from "../../src/config/params.ts";
import { DIRECTIVES } from "../../src/config/directives.ts";

const BASE = "node node1 node2\nbcast eth0\n";

function good(text: string, localNode = "node1"): { config: Config; warnings: string[] } {
  const r = parseHaCf(text, "ha.cf", { localNode });
  if (!r.ok) assert.fail(`expected ok, got:\n${r.errors.map(formatIssue).join("\n")}`);
  return { config: r.value, warnings: r.warnings.map(formatIssue) };
}

function bad(text: string, localNode = "node1"): string[] {
  const r = parseHaCf(text, "ha.cf", { localNode });
  if (r.ok) assert.fail("expected errors, got ok");
  return r.errors.map(formatIssue);
}

Deno.test("defaults: Heartbeat's timings and settings when nothing is set", () => {
  const { config: c, warnings } = good(BASE);
  assert.deepEqual(c.timings, {
    keepaliveMs: 1000,
    deadtimeMs: 30000,
    warntimeMs: 15000,
    initdeadMs: 30000,
    deadpingMs: 30000,
  });
  assert.deepEqual(warnings, []);
  assert.equal(c.udpport, 694);
  assert.equal(c.baud, 19200);
  assert.equal(c.autojoin, "none");
  assert.equal(c.msgfmt, "classic");
  assert.equal(c.hopfudge, 1);
  assert.equal(c.maxRexmitDelayMs, 250);
  assert.equal(c.logging.connLogdTimeMs, 60000);
  assert.equal(c.logging.useLogd, false);
  assert.equal(c.logging.debug, 0);
  assert.deepEqual(c.compression, { method: "zlib", thresholdKB: 2, traditional: false });
  assert.equal(c.process.realtime, true);
  assert.equal(c.hbgenmethod, "file");
  assert.equal(c.uuidfrom, "file");
  assert.equal(c.pacemaker.mode, "off");
  assert.equal(c.legacy.autoFailback, "legacy");
  assert.deepEqual(c.apiauth.map((a) => `${a.group}:${a.uids}:${a.gids}:${a.builtin}`), [
    "ipfail:hacluster::true",
    "ccm:hacluster::true",
    "ping::haclient:true",
    "lha-snmpagent:root::true",
    "anon:root:haclient:true",
  ]);
  assert.equal(parameterValue(c, "keepalive"), "1000ms");
  assert.equal(parameterValue(c, "warntime"), "15000ms");
  assert.equal(parameterValue(c, "nosuch"), undefined);
});

Deno.test("initdead default follows Heartbeat's rule on deadtime", () => {
  const initdead = (deadtime: string) =>
    good(`${BASE}keepalive 100ms\ndeadtime ${deadtime}\n`).config.timings.initdeadMs;
  assert.equal(initdead("5"), 12000); // < 6 s → 12 s
  assert.equal(initdead("8"), 16000); // 6..10 s → 2 x deadtime
  assert.equal(initdead("10"), 20000);
  assert.equal(initdead("11"), 11000); // > 10 s → deadtime
  assert.equal(good(`${BASE}deadtime 9\n`).config.timings.warntimeMs, 4500);
  assert.equal(
    good(`${BASE}deadtime 1001ms\nkeepalive 100ms\ninitdead 20\n`).config.timings.warntimeMs,
    500,
  );
});

Deno.test("every directive parses into its typed field", () => {
  const text = `# full ha.cf
cluster prod
keepalive 200ms
deadtime 5
warntime 2.5
initdead 20
deadping 4
conn_logd_time 30
udpport 7000
baud 38400
hopfudge 3
debug 2
rtprio 20
max_rexmit_delay 400
compression bz2
compression_threshold 8
traditional_compression on
memreserve 7000
autojoin other
uuidfrom nodename
hbgenmethod time
msgfmt netstring
logfacility local3
logfile /var/log/ha-log
debugfile /var/log/ha-debug
use_logd yes
syslogmsgfmt off
log_badpack no
realtime off
coredumps false
coreroot /var/lib/heartbeat/cores
watchdog /dev/watchdog
quorum_server q.example
use_apphbd off
auto_failback on
crm_daemon_dir /usr/lib/pacemaker
crmd_spawns_pengine on
crm respawn
record_config_changes off
record_pengine_inputs off
enable_config_writes off
node Node1, node2
node node3
env FOO=bar
hbaping fc0
ucast eth0 192.0.2.11
bcast eth1 eth2
mcast eth0 239.0.0.1 694 2 1
ucast6 eth0 fe80::2%eth0
mcast6 eth0 ff12::1:2:3:4 694 3 0
serial /dev/ttyS0 /dev/ttyS1
ping 192.0.2.1 192.0.2.2
ping6 2001:DB8::1
ping_group routers 192.0.2.3 192.0.2.4
respawn hacluster /usr/lib/heartbeat/ipfail -v --x
failfast root /usr/sbin/watcher
apiauth ipfail uid=hacluster,root gid=haclient
apiauth mon gid=mon
stonith baytech /etc/ha.d/conf/stonith.baytech
stonith_host * null node1
`;
  const { config: c } = good(text);
  assert.deepEqual(c.nodes, ["node1", "node2", "node3"]);
  assert.equal(c.localNode, "node1");
  assert.equal(c.cluster, "prod");
  assert.deepEqual(c.timings, {
    keepaliveMs: 200,
    deadtimeMs: 5000,
    warntimeMs: 2500,
    initdeadMs: 20000,
    deadpingMs: 4000,
  });
  assert.equal(c.logging.connLogdTimeMs, 30000);
  assert.equal(c.udpport, 7000);
  assert.equal(c.baud, 38400);
  assert.equal(c.hopfudge, 3);
  assert.equal(c.logging.debug, 2);
  assert.equal(c.process.rtprio, 20);
  assert.equal(c.maxRexmitDelayMs, 400);
  assert.deepEqual(c.compression, { method: "bz2", thresholdKB: 8, traditional: true });
  assert.equal(c.process.memreserveKB, 7000);
  assert.equal(c.autojoin, "other");
  assert.equal(c.uuidfrom, "nodename");
  assert.equal(c.hbgenmethod, "time");
  assert.equal(c.msgfmt, "netstring");
  assert.deepEqual(c.logging, {
    logfacility: "local3",
    logfile: "/var/log/ha-log",
    debugfile: "/var/log/ha-debug",
    useLogd: true,
    debug: 2,
    connLogdTimeMs: 30000,
    syslogFormat: false,
    logBadPackets: false,
  });
  assert.equal(c.process.realtime, false);
  assert.equal(c.process.coredumps, false);
  assert.equal(c.process.coreroot, "/var/lib/heartbeat/cores");
  assert.equal(c.process.watchdog, "/dev/watchdog");
  assert.deepEqual([...c.process.env], [["HA_FOO", "bar"]]);
  assert.equal(c.legacy.quorumServer, "q.example");
  assert.equal(c.legacy.autoFailback, "on");
  assert.deepEqual(c.legacy.hbaping, ["fc0"]);
  assert.deepEqual(c.legacy.stonith.map((s) => `${s.directive}|${s.value}`), [
    "stonith|baytech /etc/ha.d/conf/stonith.baytech",
    "stonith_host|* null node1",
  ]);
  assert.deepEqual(c.pacemaker, {
    mode: "respawn",
    daemonDir: "/usr/lib/pacemaker",
    crmdSpawnsPengine: true,
    recordConfigChanges: false,
    recordPengineInputs: false,
    enableConfigWrites: false,
  });
  assert.equal(c.raw.get("pacemaker"), "respawn", "crm is stored as pacemaker");
  const media = c.media.map(({ source, ...m }) => ({ ...m, line: source.line }));
  assert.deepEqual(media, [
    { kind: "ucast", iface: "eth0", peer: "192.0.2.11", port: 7000, line: 46 },
    { kind: "bcast", iface: "eth1", port: 7000, line: 47 },
    { kind: "bcast", iface: "eth2", port: 7000, line: 47 },
    { kind: "mcast", iface: "eth0", group: "239.0.0.1", port: 694, ttl: 2, loop: true, line: 48 },
    { kind: "ucast6", iface: "eth0", peer: "fe80::2", scope: "eth0", port: 7000, line: 49 },
    {
      kind: "mcast6",
      iface: "eth0",
      group: "ff12::1:2:3:4",
      port: 694,
      hops: 3,
      loop: false,
      line: 50,
    },
    { kind: "serial", device: "/dev/ttyS0", baud: 38400, line: 51 },
    { kind: "serial", device: "/dev/ttyS1", baud: 38400, line: 51 },
  ]);
  assert.deepEqual(c.ping.map((p) => p.address), ["192.0.2.1", "192.0.2.2", "2001:db8::1"]);
  assert.deepEqual(c.pingGroups.map((g) => [g.name, g.addresses]), [["routers", [
    "192.0.2.3",
    "192.0.2.4",
  ]]]);
  assert.deepEqual(c.respawn.map(({ source: _s, ...r }) => r), [
    {
      user: "hacluster",
      path: "/usr/lib/heartbeat/ipfail",
      args: ["-v", "--x"],
      command: "/usr/lib/heartbeat/ipfail -v --x",
      failfast: false,
    },
    {
      user: "root",
      path: "/usr/sbin/watcher",
      args: [],
      command: "/usr/sbin/watcher",
      failfast: true,
    },
  ]);
  const ipfail = c.apiauth.find((a) => a.group === "ipfail")!;
  assert.deepEqual([ipfail.uids, ipfail.gids, ipfail.builtin], [
    ["hacluster", "root"],
    ["haclient"],
    false,
  ]);
  assert.equal(
    c.apiauth.filter((a) => a.group === "ipfail").length,
    1,
    "explicit line replaces the built-in",
  );
  assert.deepEqual(c.apiauth.find((a) => a.group === "mon")!.gids, ["mon"]);
  assert.equal(c.raw.get("keepalive"), "200ms");
  assert.equal(c.raw.get("warntime"), "2.5");
  assert.equal(c.sources.get("deadtime")?.line, 4);
  // The test really covers the whole directive table.
  for (const name of Object.keys(DIRECTIVES)) {
    if (name === "pacemaker") continue; // only once per file; its alias crm is used above
    assert.match(text, new RegExp(`^${name} `, "m"), `directive ${name} not exercised`);
  }
});

Deno.test("comments, blank lines, CRLF and trailing comments are ignored", () => {
  const { config: c } = good(
    "# header\r\n\r\n   \nkeepalive 2 # two seconds\r\n\tdeadtime 20#no space\nnode node1 # me\nbcast eth0\n",
  );
  assert.equal(c.timings.keepaliveMs, 2000);
  assert.equal(c.timings.deadtimeMs, 20000);
  assert.equal(c.raw.get("deadtime"), "20");
  assert.deepEqual(c.nodes, ["node1"]);
});

Deno.test("media record the udpport/baud in effect when read; later ones warn", () => {
  const { config: c, warnings } = good(
    "node node1\nbcast eth0\nserial /dev/ttyS0\nudpport 700\nbaud 9600\nucast eth1 192.0.2.2\nserial /dev/ttyS1\n",
  );
  assert.deepEqual(c.media.map((m) => ("port" in m ? m.port : m.baud)), [694, 19200, 700, 9600]);
  assert.equal(c.udpport, 700);
  assert.deepEqual(warnings, [
    "ha.cf:4: udpport: comes after media lines, which keep the port in effect when they were read; move udpport above them",
    "ha.cf:5: baud: comes after serial lines, which keep the baud rate in effect when they were read; move baud above them",
  ]);
});

Deno.test("a repeated scalar warns and the last value wins", () => {
  const { config: c, warnings } = good(`${BASE}keepalive 2\nkeepalive 3\n`);
  assert.equal(c.timings.keepaliveMs, 3000);
  assert.deepEqual(warnings, [
    'ha.cf:4: keepalive: set again (first at line 3); this later value "3" wins',
  ]);
});

Deno.test("the four capture ha.cf files parse for node1", async () => {
  const dir = new URL("../fixtures/captures/", import.meta.url);
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".ha.cf"))
    .sort();
  assert.equal(names.length, 4);
  const kinds: string[] = [];
  for (const name of names) {
    const text = await Deno.readTextFile(new URL(name, dir));
    const r = parseHaCf(text, name, { localNode: "node1" });
    if (!r.ok) assert.fail(r.errors.map(formatIssue).join("\n"));
    const c = r.value;
    assert.deepEqual(c.nodes, ["node1", "node2"]);
    assert.deepEqual(c.timings, {
      keepaliveMs: 1000,
      deadtimeMs: 5000,
      warntimeMs: 3000,
      initdeadMs: 10000,
      deadpingMs: 5000,
    });
    assert.equal(c.logging.logfile, "<lab>/n1/ha.log");
    assert.equal(c.logging.logfacility, "none");
    assert.equal(c.respawn[0].path, "/usr/libexec/heartbeat/ccm");
    assert.deepEqual(r.warnings, []);
    kinds.push(c.media.map((m) => m.kind).join("+"));
  }
  assert.deepEqual(kinds, ["ucast+ucast", "bcast", "mcast", "ucast+ucast"]);
});

Deno.test("node names: several per line, commas, case folded, duplicates warned", () => {
  const { config: c, warnings } = good("node NODE1,node2 node3\nnode node2\nbcast eth0\n");
  assert.deepEqual(c.nodes, ["node1", "node2", "node3"]);
  assert.deepEqual(warnings, ['ha.cf:2: node: "node2" is already listed at line 1; listed once']);
});

Deno.test("autojoin any: no node lines needed, local node added", () => {
  const { config: c } = good("autojoin any\nbcast eth0\n", "solo");
  assert.deepEqual(c.nodes, ["solo"]);
  assert.equal(c.localNode, "solo");
});

Deno.test("errors: unknown directive with and without suggestion", () => {
  assert.deepEqual(bad(`${BASE}keeplive 2\nfrobnicate 1\n`), [
    'ha.cf:3: keeplive: unknown directive; did you mean "keepalive"?',
    "ha.cf:4: frobnicate: unknown directive; see ha.cf(5) for the list",
  ]);
});

Deno.test("errors: directive without value, too many values", () => {
  assert.deepEqual(bad(`${BASE}deadtime\nkeepalive 1 2\n`), [
    "ha.cf:3: deadtime: needs a value: deadtime TIME",
    'ha.cf:4: keepalive: takes one value, got 2 ("1 2"): keepalive TIME',
  ]);
});

Deno.test("errors: bad values name the value and what is accepted", () => {
  const errs = bad(
    `${BASE}keepalive abc\ndeadtime -5\nudpport 0\nbaud 1234\nautojoin some\nmsgfmt xml\nlogfacility local9\nrealtime maybe\nhopfudge 300\nwatchdog dev/wd\n`,
  );
  assert.deepEqual(errs, [
    'ha.cf:3: keepalive: "abc" is not a time; use seconds (`2`, `0.5`) or milliseconds (`500ms`)',
    'ha.cf:4: deadtime: "-5" is negative; use seconds (`2`, `0.5`) or milliseconds (`500ms`)',
    "ha.cf:5: udpport: 0 is out of range; use 1 to 65535",
    'ha.cf:6: baud: "1234" is not a supported baud rate; use one of 9600, 19200, 38400, 57600, 115200, 230400, 460800',
    'ha.cf:7: autojoin: "some" is not accepted; use one of: none, other, any',
    'ha.cf:8: msgfmt: "xml" is not accepted; use one of: classic, netstring',
    `ha.cf:9: logfacility: "local9" is not accepted; use one of: none, auth, authpriv, cron, daemon, ftp, kern, lpr, mail, news, syslog, user, uucp, local0, local1, local2, local3, local4, local5, local6, local7`,
    'ha.cf:10: realtime: "maybe" is not a boolean; use on/off (also yes/no, true/false, 1/0)',
    "ha.cf:11: hopfudge: 300 is out of range; use 0 to 255",
    'ha.cf:12: watchdog: "dev/wd" is not an absolute path; give the full path starting with /',
  ]);
});

Deno.test("errors: media addresses, ports, ttl, hops, loop, field counts", () => {
  const errs = bad(
    [
      "node node1",
      "bcast eth0",
      "ucast eth0 host.example",
      "ucast eth0",
      "mcast eth0 192.0.2.1 694 1 0",
      "mcast eth0 239.0.0.1 70000 0 2",
      "mcast eth0 239.0.0.1 694",
      "ucast6 eth0 192.0.2.1",
      "ucast6 eth0 fe80::1%eth1",
      "mcast6 eth0 fe80::1 694 5 0",
      "bcast this-name-is-far-too-long",
      "serial ttyS0",
      "",
    ].join("\n"),
  );
  assert.deepEqual(errs, [
    'ha.cf:3: ucast: peer: "host.example" is not an IPv4 peer address; use a dotted quad like 192.0.2.1; syntax: ucast IF PEER-IPv4',
    "ha.cf:4: ucast: expects at least 2 fields, got 1: ucast IF PEER-IPv4",
    'ha.cf:5: mcast: group: "192.0.2.1" is not a multicast address; use one in 224.0.0.0/4, e.g. 239.0.0.1',
    "ha.cf:6: mcast: port: 70000 is out of range; use 1 to 65535; syntax: mcast IF GROUP PORT TTL LOOP",
    "ha.cf:6: mcast: ttl: 0 is out of range; use 1 to 255; syntax: mcast IF GROUP PORT TTL LOOP",
    "ha.cf:6: mcast: loop: 2 is out of range; use 0 to 1; syntax: mcast IF GROUP PORT TTL LOOP",
    "ha.cf:7: mcast: expects 5 fields, got 3: mcast IF GROUP PORT TTL LOOP",
    'ha.cf:8: ucast6: peer: "192.0.2.1" is not an IPv6 address; use e.g. 2001:db8::2 or fe80::2%eth0',
    'ha.cf:9: ucast6: peer: scope "%eth1" differs from the interface eth0; they must match',
    'ha.cf:10: mcast6: group: "fe80::1" is not a multicast address; use one in ff00::/8, e.g. ff12::1:2:3:4',
    "ha.cf:10: mcast6: hops: 5 is out of range; use 0 to 4; syntax: mcast6 IF GROUP PORT HOPS LOOP",
    'ha.cf:11: bcast: interface: "this-name-is-far-too-long" is not an interface name; use a name like eth0 (1-15 characters); syntax: bcast IF [IF...]',
    'ha.cf:12: serial: device: "ttyS0" is not an absolute path; give the full path starting with /; syntax: serial DEVICE [DEVICE...]',
  ]);
});

Deno.test("errors: respawn, apiauth, ping, env, ping_group", () => {
  const errs = bad(
    [
      "node node1",
      "bcast eth0",
      "respawn hacluster",
      "respawn hacluster ccm",
      "apiauth ccm",
      "apiauth ccm user=x",
      "apiauth ccm uid=a uid=b",
      "apiauth ccm uid=a,,b",
      "apiauth mon uid=a",
      "apiauth mon gid=b",
      "ping router",
      "ping_group g1",
      "env NOVALUE",
      "ping6 192.0.2.1",
      "",
    ].join("\n"),
  );
  assert.deepEqual(errs, [
    "ha.cf:3: respawn: needs a user and a program: respawn USER PATH [ARGS]",
    'ha.cf:4: respawn: program: "ccm" is not an absolute path; give the full path starting with /; syntax: respawn USER PATH [ARGS]',
    'ha.cf:5: apiauth: group "ccm" needs uid=... and/or gid=...: apiauth GROUP [uid=u1,u2] [gid=g1,g2]',
    'ha.cf:6: apiauth: "user=x" is neither uid=LIST nor gid=LIST; syntax: apiauth GROUP [uid=u1,u2] [gid=g1,g2]',
    'ha.cf:7: apiauth: two uid= lists for group "ccm"; join them with commas',
    'ha.cf:8: apiauth: "uid=a,,b" has an empty name; list names separated by single commas',
    'ha.cf:10: apiauth: group "mon" has two apiauth lines; Heartbeat refuses duplicates, merge them',
    'ha.cf:11: ping: "router" is not an IP address; use e.g. 192.0.2.1',
    "ha.cf:12: ping_group: needs a group name and at least one address: ping_group NAME IP [IP...]",
    'ha.cf:13: env: "NOVALUE" is not NAME=VALUE',
    'ha.cf:14: ping6: "192.0.2.1" is not an IPv6 address; use e.g. 2001:db8::1',
  ]);
});

Deno.test("errors: once-only directives and pacemaker ordering", () => {
  assert.deepEqual(
    bad(`${BASE}baud 9600\nbaud 19200\ncrm on\npacemaker off\ncrm_daemon_dir /x\n`),
    [
      "ha.cf:4: baud: given twice (first at line 3); Heartbeat refuses a second baud",
      "ha.cf:6: pacemaker: given twice (first at line 5); Heartbeat refuses a second pacemaker",
      "ha.cf:7: crm_daemon_dir: must come before the pacemaker (crm) directive, as Heartbeat requires",
    ],
  );
});

Deno.test("errors: no nodes, local node missing, no media", () => {
  assert.deepEqual(bad("bcast eth0\n"), [
    "ha.cf: node: no node lines; list every cluster member, e.g. `node node1` (or set autojoin any)",
  ]);
  assert.deepEqual(bad("keepalive 1\nnode alpha beta\nbcast eth0\n", "gamma"), [
    'ha.cf:2: node: this node "gamma" is not listed (nodes: alpha, beta); add it to a node line — it must equal `uname -n` — or set autojoin any',
  ]);
  assert.deepEqual(bad("node node1\n"), [
    "ha.cf: no heartbeat media defined; add a ucast, bcast, mcast, ucast6, mcast6 or serial line",
  ]);
  // The local node is matched without regard to case, as Heartbeat lowercases names.
  assert.equal(good("node Alpha\nbcast eth0\n", "ALPHA").config.localNode, "alpha");
});

Deno.test("timing sanity: error for deadtime < keepalive, warnings for risky timings", () => {
  assert.deepEqual(bad(`${BASE}keepalive 2\ndeadtime 1\ninitdead 20\n`), [
    "ha.cf:4: deadtime: 1000 ms is shorter than keepalive (2000 ms): every node would be declared dead between heartbeats; make deadtime several times keepalive",
  ]);
  const { warnings } = good(`${BASE}keepalive 2\ndeadtime 4\nwarntime 5\ninitdead 3\n`);
  assert.deepEqual(warnings, [
    "ha.cf:4: deadtime: 4000 ms is not more than 2 x keepalive (2000 ms); one lost packet can kill a node, and Heartbeat 3.0.6 refuses this — use at least 3 x keepalive",
    "ha.cf:5: warntime: 5000 ms is not below deadtime (4000 ms), so no late-heartbeat warning comes before a node is declared dead",
    "ha.cf:6: initdead: 3000 ms is shorter than deadtime (4000 ms); Heartbeat 3.0.6 refuses this — use at least deadtime (2 x deadtime recommended)",
  ]);
  assert.deepEqual(good(`${BASE}deadtime 5\ninitdead 8\n`).warnings, [
    "ha.cf:4: initdead: 8000 ms may be too small for slow network start-up; it should be >= deadtime and >= 10 s",
  ]);
});

Deno.test("use_logd off with nowhere to log is an error", () => {
  assert.deepEqual(bad(`${BASE}use_logd off\n`), [
    "ha.cf:3: use_logd: is off and no logfile, debugfile or logfacility is set, so nothing would be logged; set one of them or use_logd on",
  ]);
  good(`${BASE}use_logd off\nlogfile /var/log/ha-log\n`);
});

Deno.test("all errors of a file are reported together, in line order", () => {
  const r = parseHaCf(
    "keepalive x\nnode a\nfoo 1\nbcast eth0\nudpport y\ndeadtime\n",
    "/etc/ha.d/ha.cf",
    {
      localNode: "a",
    },
  );
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.errors.map((e) => [e.line, e.directive, e.code, e.value]), [
    [1, "keepalive", "bad-value", "x"],
    [3, "foo", "unknown-directive", "1"],
    [5, "udpport", "bad-value", "y"],
    [6, "deadtime", "missing-value", undefined],
  ]);
  assert.ok(r.errors.every((e) => e.file === "/etc/ha.d/ha.cf"));
});

Deno.test("old directive name udp is read as bcast with a warning", () => {
  const { config: c, warnings } = good("node node1\nudp eth0\n");
  assert.deepEqual(c.media.map((m) => m.kind), ["bcast"]);
  assert.deepEqual(warnings, ["ha.cf:2: udp: the old name 'udp' means 'bcast'; write bcast"]);
});

Deno.test("pacemaker values and the crm alias", () => {
  const mode = (line: string) => good(`${BASE}${line}\n`).config.pacemaker.mode;
  assert.equal(mode("pacemaker on"), "on");
  assert.equal(mode("pacemaker off"), "off");
  assert.equal(mode("crm yes"), "on");
  assert.equal(mode("pacemaker respawn"), "respawn");
  assert.equal(mode("pacemaker manual"), "minimal");
  assert.equal(mode("pacemaker ccm-only"), "ccm-only");
  assert.deepEqual(bad(`${BASE}crm sometimes\n`), [
    'ha.cf:3: crm: "sometimes" is not accepted; use off, on, respawn, minimal, ccm-only or valgrind',
  ]);
});
