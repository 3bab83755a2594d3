/** logd.cf parsing: defaults, every directive, and file:line errors a user can act on. */

import { deepEqual, equal, ok } from "node:assert/strict";
import { formatIssue } from "../../src/config/errors.ts";
import { loadLogdCf, LOGD_DEFAULTS, parseLogdCf } from "../../src/logd/mod.ts";

// cluster-glue's sample logd.cf, as shipped (comments trimmed), with values changed.
const SAMPLE = `# File to write debug messages to
debugfile /var/log/ha-debug
#
logfile	/var/log/ha-log

logmode        0640
logfacility    local3   # trailing comment
entity logd2
syslogprefix linux-ha
useapphbd no
sendqlen 512
recvqlen 128
`;

Deno.test("logd.cf: an empty file gives the sample file's defaults", () => {
  const r = parseLogdCf("# nothing\n\n", "/etc/logd.cf");
  ok(r.ok);
  deepEqual(r.value, LOGD_DEFAULTS);
  equal(r.warnings.length, 0);
  equal(LOGD_DEFAULTS.logmode, 0o644);
  equal(LOGD_DEFAULTS.sendqlen, 256);
});

Deno.test("logd.cf: every directive is parsed to its typed value", () => {
  const r = parseLogdCf(SAMPLE, "/etc/logd.cf");
  ok(r.ok, JSON.stringify(!r.ok && r.errors));
  deepEqual(r.value, {
    debugfile: "/var/log/ha-debug",
    logfile: "/var/log/ha-log",
    logmode: 0o640,
    logfacility: "local3",
    entity: "logd2",
    syslogprefix: "linux-ha",
    useapphbd: false,
    sendqlen: 512,
    recvqlen: 128,
  });
});

Deno.test("logd.cf: none disables files and syslog; names are case-insensitive", () => {
  const r = parseLogdCf("LogFile none\ndebugfile NONE\nlogfacility None\n", "x.cf");
  ok(r.ok);
  equal(r.value.logfile, undefined);
  equal(r.value.debugfile, undefined);
  equal(r.value.logfacility, "none");
});

Deno.test("logd.cf: errors carry file:line, the directive and a fix", () => {
  const text = [
    "logfile ha-log", // 1: relative path
    "logmode 0999", // 2: not octal
    "logfacility local9", // 3
    "sendqlen 0", // 4
    "recvqlen", // 5: missing value
    "logfle /var/log/x", // 6: typo
    "entity a b", // 7: too many values
    "useapphbd maybe", // 8
  ].join("\n");
  const r = parseLogdCf(text, "/etc/logd.cf");
  ok(!r.ok);
  const byLine = new Map(r.errors.map((e) => [e.line, e]));
  deepEqual([...byLine.keys()], [1, 2, 3, 4, 5, 6, 7, 8]);
  equal(byLine.get(1)!.code, "bad-value");
  ok(byLine.get(1)!.message.includes("absolute path"));
  ok(formatIssue(byLine.get(2)!).startsWith("/etc/logd.cf:2: logmode: "));
  ok(byLine.get(2)!.message.includes("octal"));
  const fac = formatIssue(byLine.get(3)!);
  ok(fac.startsWith("/etc/logd.cf:3: logfacility: unknown syslog facility"), fac);
  ok(byLine.get(4)!.message.includes("out of range"));
  equal(byLine.get(5)!.code, "missing-value");
  equal(byLine.get(6)!.code, "unknown-directive");
  ok(byLine.get(6)!.message.includes(`did you mean "logfile"`));
  equal(byLine.get(7)!.code, "too-many-values");
  ok(byLine.get(8)!.message.includes("boolean"));
});

Deno.test("logd.cf: a repeated directive warns and the last value wins", () => {
  const r = parseLogdCf("entity one\nentity two\n", "/etc/logd.cf");
  ok(r.ok);
  equal(r.value.entity, "two");
  equal(r.warnings.length, 1);
  equal(r.warnings[0].line, 2);
  ok(r.warnings[0].message.includes("line 1"));
});

Deno.test("logd.cf: useapphbd yes is accepted with a warning (no apphbd here)", () => {
  const r = parseLogdCf("useapphbd yes\n", "/etc/logd.cf");
  ok(r.ok);
  equal(r.value.useapphbd, true);
  equal(r.warnings[0].directive, "useapphbd");
});

Deno.test("logd.cf: an entity longer than the wire field is refused", () => {
  const r = parseLogdCf(`entity ${"e".repeat(64)}\n`, "/etc/logd.cf");
  ok(!r.ok);
  ok(r.errors[0].message.includes("63 bytes"));
});

Deno.test("logd.cf: a missing file is one read-failed error naming the path", async () => {
  const r = await loadLogdCf("/nonexistent/logd.cf");
  ok(!r.ok);
  equal(r.errors.length, 1);
  equal(r.errors[0].code, "read-failed");
  equal(r.errors[0].file, "/nonexistent/logd.cf");
});
