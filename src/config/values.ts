/**
 * Value parsers shared by ha.cf and TOML: each returns the typed value or a reason that
 * names the bad value and what is accepted.
 */

/** A parsed value or the sentence explaining why it was refused. */
export type ValueResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): ValueResult<T> => ({ ok: true, value });
const bad = <T>(reason: string): ValueResult<T> => ({ ok: false, reason });

const TRUE_WORDS = ["true", "on", "yes", "y", "1"];
const FALSE_WORDS = ["false", "off", "no", "n", "0"];

/** Heartbeat's booleans (`cl_str_to_boolean`): on/off, yes/no, true/false, y/n, 1/0. */
export function parseBool(text: string): ValueResult<boolean> {
  const t = text.toLowerCase();
  if (TRUE_WORDS.includes(t)) return ok(true);
  if (FALSE_WORDS.includes(t)) return ok(false);
  return bad(`"${text}" is not a boolean; use on/off (also yes/no, true/false, 1/0)`);
}

/** A decimal integer in [min, max]. */
export function parseIntIn(
  text: string,
  min: number,
  max: number,
  what = "a number",
): ValueResult<number> {
  if (!/^\d+$/.test(text)) {
    return bad(`"${text}" is not ${what}; use an integer from ${min} to ${max}`);
  }
  const n = Number(text);
  if (n < min || n > max) return bad(`${text} is out of range; use ${min} to ${max}`);
  return ok(n);
}

/** A UDP port, 1..65535. */
export function parsePort(text: string): ValueResult<number> {
  return parseIntIn(text, 1, 65535, "a port");
}

/** One of a fixed set of words (exact, or case-insensitive when asked). */
export function parseChoice<T extends string>(
  text: string,
  choices: readonly T[],
  caseInsensitive = false,
): ValueResult<T> {
  const t = caseInsensitive ? text.toLowerCase() : text;
  const found = choices.find((c) => c === t);
  if (found !== undefined) return ok(found);
  return bad(`"${text}" is not accepted; use one of: ${choices.join(", ")}`);
}

/** Dotted-quad IPv4 (`192.0.2.1`), each part 0..255 without leading zeros. */
export function isIPv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 &&
    parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** IPv6 text form (RFC 4291: hex groups, one `::`, optional trailing dotted quad). */
export function isIPv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length < 2) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const all = [...groups(halves[0]), ...(halves.length === 2 ? groups(halves[1]) : [])];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i];
    if (i === all.length - 1 && g.includes(".")) {
      if (!isIPv4(g)) return false;
      count += 2;
    } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) count += 1;
    else return false;
  }
  return halves.length === 2 ? count < 8 : count === 8;
}

/** An IPv4 multicast group: 224.0.0.0/4. */
export function isMcast4(text: string): boolean {
  if (!isIPv4(text)) return false;
  const first = Number(text.split(".")[0]);
  return first >= 224 && first <= 239;
}

/** An IPv6 multicast group: ff00::/8. */
export function isMcast6(text: string): boolean {
  return isIPv6(text) && /^ff[0-9a-f]{2}:/i.test(text);
}

/** A network interface name as Linux allows it (1..15 chars, no `/`, `:` or blanks). */
export function parseIface(text: string): ValueResult<string> {
  if (/^[^\s/:%]{1,15}$/.test(text) && text !== "." && text !== "..") return ok(text);
  return bad(`"${text}" is not an interface name; use a name like eth0 (1-15 characters)`);
}

/** An IPv4 address literal (hostnames are not resolved by the config parser). */
export function parseIPv4(text: string, role = "address"): ValueResult<string> {
  if (isIPv4(text)) return ok(text);
  return bad(`"${text}" is not an IPv4 ${role}; use a dotted quad like 192.0.2.1`);
}

/** Serial speeds Heartbeat accepts (`StringToBaud`). */
export const BAUD_RATES = [9600, 19200, 38400, 57600, 115200, 230400, 460800] as const;

/** A serial speed from BAUD_RATES. */
export function parseBaud(text: string): ValueResult<number> {
  const n = Number(text);
  if (/^\d+$/.test(text) && (BAUD_RATES as readonly number[]).includes(n)) return ok(n);
  return bad(`"${text}" is not a supported baud rate; use one of ${BAUD_RATES.join(", ")}`);
}

/** Syslog facility names (`cl_syslogfac_str2int`) plus `none`. */
export const FACILITIES = [
  "none",
  "auth",
  "authpriv",
  "cron",
  "daemon",
  "ftp",
  "kern",
  "lpr",
  "mail",
  "news",
  "syslog",
  "user",
  "uucp",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7",
] as const;

/** An absolute path. */
export function parseAbsPath(text: string): ValueResult<string> {
  if (text.startsWith("/")) return ok(text);
  return bad(`"${text}" is not an absolute path; give the full path starting with /`);
}
