/**
 * Standard fields Heartbeat's master process appends to every cluster message
 * (wire.md §7), and parsing of the numeric ones.
 */
import type { Message } from "../wire/message.ts";
import type { CoreConfig, CoreEnv } from "./types.ts";

/** Types outside the retransmission protocol: no `seq`, no `ld` (NOSEQ_PREFIX). */
export function isUnsequenced(type: string | undefined): boolean {
  return type !== undefined && type.startsWith("NS_");
}

/** Lowercase hex without `0x`, as Heartbeat writes numbers. */
export function hex(n: number): string {
  return Math.floor(n).toString(16);
}

/**
 * A strict hex number (what `seq`, `hg`, `ackseq`, `dt` carry), or null when absent or not
 * a number. Unlike strtoul we reject trailing garbage: a field that fails here is dropped.
 */
export function parseHex(s: string | undefined): number | null {
  // A char loop, not a RegExp: this runs several times for every packet received.
  if (s === undefined || s.length === 0 || s.length > 13) return null;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 48 && c <= 57
      ? c - 48
      : c >= 97 && c <= 102
      ? c - 87
      : c >= 65 && c <= 70
      ? c - 55
      : -1;
    if (d < 0) return null;
    n = n * 16 + d;
  }
  return n;
}

/** A decimal number as written by `ha_msg_add_int` (`firstseq`, `lastseq`). */
export function parseDec(s: string | undefined): number | null {
  if (s === undefined || !/^-?[0-9]{1,15}$/.test(s)) return null;
  return parseInt(s, 10);
}

/**
 * Appends, in wire order, src, srcuuid, seq (when `seq` is given), hg, ts, ld (sequenced
 * only), ttl. Any stale copies of these fields are removed first so a client cannot forge them.
 */
export function stampStandardFields(
  msg: Message,
  cfg: CoreConfig,
  env: CoreEnv,
  seq: number | null,
): Message {
  for (const name of ["src", "srcuuid", "seq", "hg", "ts", "ld", "ttl", "auth"]) msg.remove(name);
  msg.add({ name: "src", type: 0, value: cfg.self });
  msg.add({ name: "srcuuid", type: 1, value: cfg.selfUuid });
  if (seq !== null) msg.add({ name: "seq", type: 0, value: hex(seq) });
  msg.add({ name: "hg", type: 0, value: hex(cfg.generation) });
  msg.add({ name: "ts", type: 0, value: hex(env.wallClockSec()) });
  if (seq !== null) msg.add({ name: "ld", type: 0, value: env.loadAvg() });
  msg.add({ name: "ttl", type: 0, value: String(cfg.hopfudge + cfg.nodes.length) });
  return msg;
}

/** True when two uuids hold the same 16 bytes. */
export function sameUuid(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
