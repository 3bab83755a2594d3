import { deepEqual, equal } from "node:assert/strict";
import { facilityCode, parseFacility } from "../../src/logd/mod.ts";

Deno.test("parseFacility knows syslog's facilities and none", () => {
  const codes: Record<string, number> = {
    kern: 0,
    user: 1,
    mail: 2,
    daemon: 3,
    auth: 4,
    syslog: 5,
    lpr: 6,
    news: 7,
    uucp: 8,
    cron: 9,
    authpriv: 10,
    local0: 16,
    local7: 23,
  };
  for (const [name, code] of Object.entries(codes)) {
    const r = parseFacility(name);
    if (!r.ok || r.facility === "none") throw new Error(`${name} refused`);
    equal(facilityCode(r.facility), code, name);
  }
  deepEqual(parseFacility("none"), { ok: true, facility: "none" });
  deepEqual(parseFacility(" LOCAL3 "), { ok: true, facility: "local3" });
});

Deno.test("parseFacility refuses unknown names with a typed error", () => {
  for (const bad of ["local8", "", "daemons", "toString", "__proto__"]) {
    const r = parseFacility(bad, "ha.cf:7");
    if (r.ok) throw new Error(`${bad} accepted`);
    equal(r.error.code, "unknown-facility");
    equal(r.error.place, "ha.cf:7");
    equal(r.error.message.startsWith("ha.cf:7: unknown syslog facility"), true);
  }
});
