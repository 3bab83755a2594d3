import assert from "node:assert/strict";
import { parseHaCf } from "../../src/config/hacf.ts";
import { type HostFacts, hostWarnings } from "../../src/config/hostcheck.ts";
import { formatIssue } from "../../src/config/errors.ts";

const HOST: HostFacts = {
  interfaces: new Set(["lo", "eth0"]),
  users: new Set(["root", "hacluster"]),
  mode: (path) =>
    Promise.resolve(
      ({ "/usr/bin/ok": 0o755, "/usr/bin/plain": 0o644, "/dev/ttyS0": 0o660 } as Record<
        string,
        number
      >)[path],
    ),
};

Deno.test("host checks: interfaces, devices, respawn programs and users, watchdog", async () => {
  const r = parseHaCf(
    [
      "node n1",
      "bcast eth0 eth9",
      "ucast eth9 192.0.2.2",
      "serial /dev/ttyS0 /dev/ttyS7",
      "respawn hacluster /usr/bin/ok",
      "respawn nobody2 /usr/bin/plain",
      "failfast root /usr/bin/gone",
      "watchdog /dev/watchdog",
      "",
    ].join("\n"),
    "ha.cf",
    { localNode: "n1" },
  );
  if (!r.ok) assert.fail(r.errors.map(formatIssue).join("\n"));
  assert.deepEqual((await hostWarnings(r.value, HOST)).map(formatIssue), [
    "ha.cf:2: bcast: interface eth9 does not exist on this host; Heartbeat refuses to start with it",
    "ha.cf:4: serial: device /dev/ttyS7 does not exist on this host",
    "ha.cf:6: respawn: /usr/bin/plain is not executable; chmod +x it",
    "ha.cf:6: respawn: user nobody2 does not exist on this host; Heartbeat refuses it",
    "ha.cf:7: failfast: /usr/bin/gone does not exist on this host; Heartbeat refuses a respawn program it cannot run",
    "ha.cf:8: watchdog: watchdog device /dev/watchdog does not exist on this host (load the softdog module?)",
  ]);
});
