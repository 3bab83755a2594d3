/**
 * The log line format, shared by the file and stderr sinks (see FORMAT.md):
 *
 *     YYYY-MM-DDTHH:MM:SS.mmmZ host entity[pid]: LEVEL: text
 *     2026-11-29T01:02:03.004Z node1 heartbeat[4242]: WARN: node node2: is dead
 *
 * - time is UTC with milliseconds (sorts as text, no timezone guessing);
 * - LEVEL is Heartbeat's spelling: debug, info, WARN, ERROR, CRIT;
 * - host and entity never contain spaces, `[`, `]` or `:` (other characters become `_`);
 * - text is one line: `\` → `\\`, newline → `\n`, CR → `\r`, tab → `\t`, other control
 *   characters → `\xNN`, U+2028/U+2029 → `\u2028`/`\u2029`. {@link parseLogLine} undoes it.
 */

import { LEVEL_NAMES, levelFromName, type LogLevel } from "./levels.ts";
import type { LogRecord } from "./record.ts";

// Control characters (C0, DEL, C1), backslash and the Unicode line separators: matching
// control characters is the point here.
// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE = /[\x00-\x1f\x7f-\x9f\\\u2028\u2029]/;
// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE_G = /[\x00-\x1f\x7f-\x9f\\\u2028\u2029]/g;

function escapeChar(c: string): string {
  switch (c) {
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    case "\u2028":
      return "\\u2028";
    case "\u2029":
      return "\\u2029";
    default:
      return "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0");
  }
}

/** Makes text safe for one log line: escapes control characters and backslashes. */
export function sanitizeText(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(NEEDS_ESCAPE_G, escapeChar) : text;
}

/** Reverses {@link sanitizeText}. */
export function unescapeText(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(/\\(\\|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_m, e: string) => {
    switch (e[0]) {
      case "\\":
        return "\\";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      default:
        return String.fromCharCode(parseInt(e.slice(1), 16));
    }
  });
}

const NAME_BAD = /[^A-Za-z0-9._@/+=,%~-]/g;

/** Makes an entity or host name a single token (max 64 chars); empty becomes `-`. */
export function sanitizeName(name: string): string {
  const n = name.slice(0, 64).replace(NAME_BAD, "_");
  return n === "" ? "-" : n;
}

/** ISO 8601 UTC time; out-of-range times show as the epoch rather than throwing. */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

/** Formats one record as a log line, without the trailing newline. */
export function formatLine(r: LogRecord): string {
  return `${isoTime(r.time)} ${sanitizeName(r.host)} ${sanitizeName(r.entity)}[${r.pid}]: ${
    LEVEL_NAMES[r.level]
  }: ${sanitizeText(r.text)}`;
}

/** A log line taken apart by {@link parseLogLine}. */
export interface ParsedLogLine {
  /** ms since the epoch. */
  readonly time: number;
  readonly host: string;
  readonly entity: string;
  readonly pid: number;
  readonly level: LogLevel;
  /** Text with escapes undone. */
  readonly text: string;
}

const LINE =
  /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) ([^\s\[\]:]+) ([^\s\[\]:]+)\[(\d+)\]: ([A-Za-z]+): (.*)$/;

/**
 * Parses one line written by the file or stderr sink; `undefined` if it is not one.
 *
 * @example
 * ```ts
 * parseLogLine("2026-11-29T01:02:03.004Z n1 heartbeat[42]: WARN: late heartbeat")?.level; // "warn"
 * ```
 */
export function parseLogLine(line: string): ParsedLogLine | undefined {
  const m = LINE.exec(line.endsWith("\n") ? line.slice(0, -1) : line);
  if (m === null) return undefined;
  const time = Date.parse(m[1]);
  const level = levelFromName(m[5]);
  if (Number.isNaN(time) || level === undefined) return undefined;
  return {
    time,
    host: m[2],
    entity: m[3],
    pid: Number(m[4]),
    level,
    text: unescapeText(m[6]),
  };
}
