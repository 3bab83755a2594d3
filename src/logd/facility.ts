/** syslog facility names (`logfacility` in ha.cf / logd.cf) and their codes. */

/** syslog(3) facility codes; `none` disables syslog. */
const FACILITY_CODES = {
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
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

/** A facility that syslog messages can be sent to. */
export type SyslogFacility = keyof typeof FACILITY_CODES;

/** A `logfacility` value: a syslog facility, or `none` (no syslog). */
export type Facility = SyslogFacility | "none";

/** Why a facility name was refused. */
export interface FacilityError {
  readonly code: "unknown-facility";
  /** Where the name came from, e.g. `ha.cf:12`; `logfacility` when not given. */
  readonly place: string;
  readonly message: string;
}

/** Result of {@link parseFacility}. */
export type FacilityResult =
  | { readonly ok: true; readonly facility: Facility }
  | { readonly ok: false; readonly error: FacilityError };

/** The syslog code of a facility (`local0` → 16). */
export function facilityCode(facility: SyslogFacility): number {
  return FACILITY_CODES[facility];
}

/**
 * Parses a `logfacility` value (case-insensitive).
 *
 * @example
 * ```ts
 * const r = parseFacility("local0"); // { ok: true, facility: "local0" }
 * ```
 */
export function parseFacility(name: string, place = "logfacility"): FacilityResult {
  const n = name.trim().toLowerCase();
  if (n === "none") return { ok: true, facility: "none" };
  if (Object.hasOwn(FACILITY_CODES, n)) return { ok: true, facility: n as SyslogFacility };
  return {
    ok: false,
    error: {
      code: "unknown-facility",
      place,
      message: `${place}: unknown syslog facility "${name}"; use one of ${
        Object.keys(FACILITY_CODES).join(", ")
      }, or none to disable syslog`,
    },
  };
}
