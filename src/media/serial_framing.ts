/**
 * Message framing on a serial line, as Heartbeat 3.0.6's serial plugin does it.
 *
 * A message goes on the line as its classic text form, exactly the bytes of a classic UDP
 * datagram: ">>>\n", one "name=value\n" line per field, "<<<\n", nothing else (no NUL, no
 * length; verified by reading a pty that real Heartbeat wrote to). Netstring messages are
 * turned into classic text first, as Heartbeat's serial_write does: the `auth=` field covers
 * the classic text of the fields, so it stays valid in either form.
 *
 * The reader is line-based like Heartbeat's ttygets: it skips lines until ">>>", collects
 * lines until "<<<", ignores carriage returns, and gives up on a message that grows past
 * MAXMSG (then waits for the next ">>>"). A ">>>" in the middle of a message restarts it:
 * the sender was cut off (line noise, a restart) and the new message is the one to keep.
 */

import type { AuthKeys } from "../config/auth_types.ts";
import { decodeAndVerify, verifyAuthField, type VerifyResult } from "../wire/auth.ts";
import { CLASSIC_END, CLASSIC_START, decodeClassic, encodeClassic } from "../wire/classic.ts";
import { decompressMessage } from "../wire/compress.ts";
import { MAXMSG } from "../wire/limits.ts";
import { decodeNetstring, NETSTRING_START } from "../wire/netstring.ts";

const NL = 0x0a;
const CR = 0x0d;

function startsWith(b: Uint8Array, marker: string): boolean {
  if (b.length < marker.length) return false;
  for (let i = 0; i < marker.length; i++) if (b[i] !== marker.charCodeAt(i)) return false;
  return true;
}

/** The bytes to write on the line for one encoded message, or an error sentence. */
export type LineFrame = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

/** Frames one encoded message (classic or netstring) for the serial line. */
export function frameForLine(message: Uint8Array): LineFrame {
  if (startsWith(message, CLASSIC_START)) {
    // Classic API frames may end in a NUL; the line carries none.
    const end = message[message.length - 1] === 0 ? message.length - 1 : message.length;
    return { ok: true, bytes: message.subarray(0, end) };
  }
  if (startsWith(message, NETSTRING_START)) {
    const r = decodeNetstring(message);
    if (!r.ok) return { ok: false, error: `cannot reframe netstring message: ${r.error.detail}` };
    return { ok: true, bytes: encodeClassic(r.msg) };
  }
  return { ok: false, error: "message is neither classic nor netstring format" };
}

/**
 * Decodes and authenticates a message in either wire format, as Heartbeat's receiver does
 * (wirefmt2msg + isauthentic): netstring goes through decodeAndVerify (signature netstring
 * and `auth=` field); classic text — all a serial line carries — has only the `auth=` field,
 * which must verify with a configured key. Never throws.
 */
export function decodeAndVerifyAny(bytes: Uint8Array, keys: AuthKeys): VerifyResult {
  if (!startsWith(bytes, CLASSIC_START)) return decodeAndVerify(bytes, keys);
  const d = decodeClassic(bytes);
  if (!d.ok) return d;
  const inner = decompressMessage(d.msg);
  if (!inner.ok) return inner;
  const index = verifyAuthField(inner.msg, keys);
  if (typeof index !== "number") return { ok: false, error: index };
  return { ok: true, msg: inner.msg, keyIndex: index };
}

/** What the deframer noticed besides whole messages (for counters and logs). */
export interface DeframeStats {
  /** Bytes outside any message (line noise, a peer's boot chatter). */
  skippedBytes: number;
  /** Messages dropped because they grew past MAXMSG. */
  oversized: number;
  /** Messages cut off by a new ">>>" line. */
  truncated: number;
}

/** Splits the byte stream read from a line into classic messages. */
export class LineDeframer {
  readonly stats: DeframeStats = { skippedBytes: 0, oversized: 0, truncated: 0 };
  readonly #max: number;
  /** Bytes of the current, not yet finished line. */
  #line = new Uint8Array(256);
  #lineLen = 0;
  /** The message being collected (lines joined with "\n"), or null between messages. */
  #msg: Uint8Array | null = null;
  #msgLen = 0;
  /** Dropping an oversized message until its "<<<" or the next ">>>". */
  #discarding = false;

  constructor(maxMessage = MAXMSG) {
    this.#max = maxMessage;
  }

  /** Feeds bytes read from the line; calls `emit` once per complete message. */
  push(chunk: Uint8Array, emit: (message: Uint8Array) => void): void {
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(NL, at);
      const end = nl < 0 ? chunk.length : nl;
      this.#addToLine(chunk.subarray(at, end));
      if (nl < 0) return;
      this.#endLine(emit);
      at = nl + 1;
    }
  }

  /** Discards the partial line and message (after the line hung up). */
  reset(): void {
    this.#lineLen = 0;
    this.#msg = null;
    this.#discarding = false;
  }

  #addToLine(part: Uint8Array): void {
    if (part.length === 0) return;
    // A line longer than a whole message cannot be part of one: keep only its head.
    const room = this.#max + 1 - this.#lineLen;
    if (room <= 0) return;
    let bytes = part.length > room ? part.subarray(0, room) : part;
    if (bytes.includes(CR)) bytes = bytes.filter((b) => b !== CR); // IGNCR, as Heartbeat
    const need = this.#lineLen + bytes.length;
    if (need > this.#line.length) {
      const grown = new Uint8Array(Math.max(need, this.#line.length * 2));
      grown.set(this.#line.subarray(0, this.#lineLen));
      this.#line = grown;
    }
    this.#line.set(bytes, this.#lineLen);
    this.#lineLen = need;
  }

  #endLine(emit: (message: Uint8Array) => void): void {
    const line = this.#line.subarray(0, this.#lineLen);
    this.#lineLen = 0;
    if (isMarker(line, CLASSIC_START)) {
      if (this.#msg !== null && !this.#discarding) this.stats.truncated++;
      this.#msg = new Uint8Array(1024);
      this.#msgLen = 0;
      this.#discarding = false;
      this.#append(line);
      return;
    }
    if (this.#msg === null) {
      this.stats.skippedBytes += line.length + 1;
      return;
    }
    if (!this.#discarding) this.#append(line);
    if (isMarker(line, CLASSIC_END)) {
      if (!this.#discarding) emit(this.#msg.slice(0, this.#msgLen));
      this.#msg = null;
      this.#discarding = false;
    }
  }

  #append(line: Uint8Array): void {
    const need = this.#msgLen + line.length + 1;
    if (need > this.#max) {
      this.stats.oversized++;
      this.#discarding = true;
      return;
    }
    let buf = this.#msg!;
    if (need > buf.length) {
      const grown = new Uint8Array(Math.min(this.#max, Math.max(need, buf.length * 2)));
      grown.set(buf.subarray(0, this.#msgLen));
      this.#msg = buf = grown;
    }
    buf.set(line, this.#msgLen);
    buf[this.#msgLen + line.length] = NL;
    this.#msgLen = need;
  }
}

/** A line equal to a marker without its "\n" (">>>" or "<<<"). */
function isMarker(line: Uint8Array, marker: string): boolean {
  if (line.length !== marker.length - 1) return false;
  for (let i = 0; i < line.length; i++) if (line[i] !== marker.charCodeAt(i)) return false;
  return true;
}
