/**
 * logd.cf, the configuration of the standalone logging daemon (spec logd.md, cluster-glue's
 * sample /etc/logd.cf): one `directive value` per line, `#` comments. Errors and warnings
 * are `ConfigIssue`s with file:line, as for ha.cf.
 */

import { type ConfigIssue, type IssueCode, IssueList, type ParseResult } from "../config/errors.ts";
import { readError } from "../config/authkeys.ts";
import { suggest } from "../config/directives.ts";
import { parseAbsPath, parseBool, parseIntIn } from "../config/values.ts";
import { type Facility, parseFacility } from "./facility.ts";
import { MAXENTITY } from "./logd_msg.ts";

/** The settings of one logd, defaults filled in. */
export interface LogdConfig {
  /** Every record, debug included; `undefined` = no debug file. */
  readonly debugfile: string | undefined;
  /** Non-debug records; `undefined` = no log file. */
  readonly logfile: string | undefined;
  /** Mode of created log files. */
  readonly logmode: number;
  readonly logfacility: Facility;
  /** Entity on logd's own lines. */
  readonly entity: string;
  /** Ident on every syslog line; `undefined` = each record's entity. */
  readonly syslogprefix: string | undefined;
  readonly useapphbd: boolean;
  /** Global queue (records) between reading clients and writing sinks. */
  readonly sendqlen: number;
  /** Per-client (per-entity) queue share (records). */
  readonly recvqlen: number;
}

/** Defaults of cluster-glue's sample logd.cf. */
export const LOGD_DEFAULTS: LogdConfig = {
  debugfile: "/var/log/ha-debug",
  logfile: "/var/log/ha-log",
  logmode: 0o644,
  logfacility: "daemon",
  entity: "logd",
  syslogprefix: undefined,
  useapphbd: false,
  sendqlen: 256,
  recvqlen: 256,
};

/** Default configuration file of ha_logd. */
export const DEFAULT_LOGD_CF = "/etc/logd.cf";

const DIRECTIVES = [
  "debugfile",
  "logfile",
  "logmode",
  "logfacility",
  "entity",
  "syslogprefix",
  "useapphbd",
  "sendqlen",
  "recvqlen",
] as const;
type Directive = typeof DIRECTIVES[number];

/** Longest queue we accept: memory stays bounded even if someone types a huge number. */
const MAX_QLEN = 1_000_000;

/**
 * Parses logd.cf text. `file` names the file in issues. Unknown directives, bad values and
 * missing values are errors; a repeated directive is a warning (the last one wins).
 *
 * @example
 * ```ts
 * const r = parseLogdCf("logfile /var/log/ha-log\nlogfacility local0\n", "/etc/logd.cf");
 * if (r.ok) console.log(r.value.logfacility); // "local0"
 * ```
 */
export function parseLogdCf(text: string, file: string): ParseResult<LogdConfig> {
  const issues = new IssueList();
  const cfg: { -readonly [K in keyof LogdConfig]: LogdConfig[K] } = { ...LOGD_DEFAULTS };
  const seen = new Map<Directive, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const body = lines[i].replace(/#.*$/, "").trim();
    if (body === "") continue;
    const [word, ...rest] = body.split(/\s+/);
    const name = word.toLowerCase();
    const at = (code: IssueCode, message: string, value?: string): ConfigIssue => ({
      code,
      file,
      line,
      directive: name,
      ...(value === undefined ? {} : { value }),
      message,
    });
    if (!(DIRECTIVES as readonly string[]).includes(name)) {
      const near = suggest(name, DIRECTIVES);
      issues.error(
        at(
          "unknown-directive",
          `unknown logd.cf directive` + (near ? `; did you mean "${near}"?` : "") +
            `; known: ${DIRECTIVES.join(", ")}`,
        ),
      );
      continue;
    }
    const d = name as Directive;
    if (rest.length === 0) {
      issues.error(at("missing-value", `needs a value, e.g. "${d} ${example(d)}"`));
      continue;
    }
    if (rest.length > 1) {
      issues.error(
        at("too-many-values", `takes one value, got ${rest.length}`, rest.join(" ")),
      );
      continue;
    }
    const value = rest[0];
    const prev = seen.get(d);
    if (prev !== undefined) {
      issues.warn(at("duplicate", `also set on line ${prev}; this later value wins`, value));
    }
    seen.set(d, line);
    const reason = apply(cfg, d, value);
    if (reason !== undefined) issues.error(at("bad-value", reason, value));
  }
  if (cfg.useapphbd) {
    issues.warn({
      code: "bad-value",
      file,
      line: seen.get("useapphbd"),
      directive: "useapphbd",
      value: "yes",
      message: "apphbd is not part of heartbeat-ts; logd runs without registering (use " +
        "systemd's watchdog instead)",
    });
  }
  if (issues.errors.length > 0) {
    return { ok: false, errors: issues.errors, warnings: issues.warnings };
  }
  return { ok: true, value: cfg, warnings: issues.warnings };
}

/** Reads and parses a logd.cf file; a missing or unreadable file is one `read-failed` error. */
export async function loadLogdCf(path: string): Promise<ParseResult<LogdConfig>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    return { ok: false, errors: [readError(path, e)], warnings: [] };
  }
  return parseLogdCf(text, path);
}

/** Sets one directive; returns why the value was refused, or undefined. */
function apply(
  cfg: { -readonly [K in keyof LogdConfig]: LogdConfig[K] },
  d: Directive,
  value: string,
): string | undefined {
  switch (d) {
    case "debugfile":
    case "logfile": {
      // ha_logd treats an empty or "none"-like path as "no file"; /dev/null works as well.
      if (value.toLowerCase() === "none") {
        cfg[d] = undefined;
        return undefined;
      }
      const p = parseAbsPath(value);
      if (!p.ok) return p.reason;
      cfg[d] = p.value;
      return undefined;
    }
    case "logmode": {
      if (!/^0?[0-7]{1,4}$/.test(value)) {
        return `"${value}" is not an octal file mode; use e.g. 0644 or 0640`;
      }
      const mode = parseInt(value, 8);
      if (mode > 0o7777) return `${value} is out of range; use an octal mode up to 07777`;
      cfg.logmode = mode;
      return undefined;
    }
    case "logfacility": {
      const f = parseFacility(value);
      // The facility parser prefixes its own place; the issue already names it.
      if (!f.ok) return f.error.message.slice(f.error.place.length + 2);
      cfg.logfacility = f.facility;
      return undefined;
    }
    case "entity":
    case "syslogprefix": {
      if (new TextEncoder().encode(value).length > MAXENTITY - 1) {
        return `"${value}" is longer than ${MAXENTITY - 1} bytes; use a shorter name`;
      }
      if (d === "entity") cfg.entity = value;
      else cfg.syslogprefix = value.toLowerCase() === "none" ? undefined : value;
      return undefined;
    }
    case "useapphbd": {
      const b = parseBool(value);
      if (!b.ok) return b.reason;
      cfg.useapphbd = b.value;
      return undefined;
    }
    case "sendqlen":
    case "recvqlen": {
      const n = parseIntIn(value, 1, MAX_QLEN, "a queue length");
      if (!n.ok) return n.reason;
      cfg[d] = n.value;
      return undefined;
    }
  }
}

function example(d: Directive): string {
  return String(LOGD_DEFAULTS[d] ?? "none").replace(/^420$/, "0644");
}
