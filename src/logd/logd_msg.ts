/**
 * The message a cluster-glue client (cl_log's LogToDaemon, ha_logger, Heartbeat with
 * `use_logd yes`) sends to logd: a C struct `LogDaemonMsg` in host byte order (x86-64 and
 * other little-endian 64-bit Linux), carried as the payload of one IPC frame
 * (`src/api/framing.ts`: u32 length, u32 magic 0xABCD). Layout, as captured from
 * cluster-glue 1.0.12's ha_logger:
 *
 * ```
 *  0 i32 msgtype     2 = LD_LOGIT
 *  4 i32 facility    syslog facility code (LOG_USER = 8, LOG_DAEMON = 24, ...)
 *  8 i32 priority    syslog severity 0..7
 * 12 i32 msglen      bytes of message, NUL included
 * 16 i32 use_pri_str whether to print the level name
 * 20 i32 entity_pid
 * 24 char entity[MAXENTITY]   NUL-terminated; MAXENTITY is 64 in 1.0.12 (32 in old releases)
 * ..  u64 timestamp  time_t seconds (8-aligned)
 * ..  char message[msglen]
 * ```
 *
 * The decoder finds the entity field's size from the frame length, so both MAXENTITY
 * sizes decode; the encoder writes the 1.0.12 layout.
 */

import type { LogLevel } from "./levels.ts";

/** `LD_LOGIT`: the only message type logd acts on. */
export const LD_LOGIT = 2;
/** Entity field size in cluster-glue 1.0.12 (bytes, NUL included). */
export const MAXENTITY = 64;
/** Bytes before the entity field. */
const HEAD = 24;
/** Biggest message text we send or accept (bytes, NUL included); cl_log's MAXLINE is far less. */
export const MAX_LOGD_TEXT = 40_000;

/** One decoded `LogDaemonMsg`. */
export interface LogdMessage {
  readonly facility: number;
  /** syslog severity 0 (emerg) .. 7 (debug). */
  readonly priority: number;
  readonly usePriStr: boolean;
  readonly pid: number;
  readonly entity: string;
  /** Seconds since the epoch, as the client stamped it (0 = unknown). */
  readonly timestamp: number;
  readonly text: string;
}

/** Why a payload is not a log message (the connection may go on: frames still line up). */
export interface LogdMsgError {
  readonly code: "short" | "bad-type" | "bad-length";
  readonly detail: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: false });

/** Encodes one message as a frame payload (without the 8-byte frame header). */
export function encodeLogdMsg(m: LogdMessage): Uint8Array {
  let text = enc.encode(m.text);
  if (text.length > MAX_LOGD_TEXT - 1) text = text.subarray(0, MAX_LOGD_TEXT - 1);
  const textAt = HEAD + MAXENTITY + 8;
  const out = new Uint8Array(textAt + text.length + 1);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, LD_LOGIT, true);
  dv.setInt32(4, m.facility, true);
  dv.setInt32(8, m.priority, true);
  dv.setInt32(12, text.length + 1, true);
  dv.setInt32(16, m.usePriStr ? 1 : 0, true);
  dv.setInt32(20, m.pid, true);
  out.set(cString(m.entity, MAXENTITY - 1), HEAD);
  dv.setBigUint64(HEAD + MAXENTITY, BigInt(Math.max(0, Math.trunc(m.timestamp))), true);
  out.set(text, textAt);
  return out;
}

/** Decodes a frame payload; any entity field size that keeps the timestamp 8-aligned. */
export function decodeLogdMsg(
  p: Uint8Array,
): { ok: true; msg: LogdMessage } | { ok: false; error: LogdMsgError } {
  if (p.length < HEAD + 8) {
    return fail("short", `log message of ${p.length} bytes is shorter than its header`);
  }
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const type = dv.getInt32(0, true);
  if (type !== LD_LOGIT) return fail("bad-type", `message type ${type} is not LD_LOGIT (2)`);
  const msglen = dv.getInt32(12, true);
  const entityLen = p.length - msglen - 8 - HEAD;
  if (msglen < 0 || msglen > MAX_LOGD_TEXT || entityLen < 1 || entityLen % 8 !== 0) {
    return fail(
      "bad-length",
      `msglen ${msglen} does not fit a ${p.length}-byte log message`,
    );
  }
  const textAt = HEAD + entityLen + 8;
  return {
    ok: true,
    msg: {
      facility: dv.getInt32(4, true),
      priority: dv.getInt32(8, true),
      usePriStr: dv.getInt32(16, true) !== 0,
      pid: dv.getInt32(20, true),
      entity: fromCString(p.subarray(HEAD, HEAD + entityLen)),
      timestamp: Number(dv.getBigUint64(HEAD + entityLen, true)),
      text: fromCString(p.subarray(textAt, textAt + msglen)),
    },
  };
}

/** syslog severity → our level: emerg/alert/crit → crit, err → error, warning → warn, ... */
export function levelFromPriority(priority: number): LogLevel {
  const sev = priority & 7;
  if (sev <= 2) return "crit";
  if (sev === 3) return "error";
  if (sev === 4) return "warn";
  if (sev === 7) return "debug";
  return "info";
}

function fail(code: LogdMsgError["code"], detail: string): { ok: false; error: LogdMsgError } {
  return { ok: false, error: { code, detail } };
}

/** UTF-8 bytes of `s`, cut to `max` bytes without splitting a character. */
function cString(s: string, max: number): Uint8Array {
  const b = enc.encode(s);
  if (b.length <= max) return b;
  let n = max;
  while (n > 0 && (b[n] & 0xc0) === 0x80) n--;
  return b.subarray(0, n);
}

function fromCString(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return dec.decode(nul < 0 ? b : b.subarray(0, nul));
}
