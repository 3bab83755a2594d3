/**
 * API stream framing (api.md "Framing", cluster-glue ipcsocket.c): every message is
 *
 *   u32 LE payload length | u32 LE magic 0xABCD | payload
 *
 * where the payload is a classic-format message followed by one NUL that the length counts.
 * The decoder is incremental: feed it whatever a read returned (half a header, several frames)
 * and it yields whole payloads. A bad magic or a length over the cap is a typed error; the
 * stream cannot be resynchronised after that, so the caller must disconnect.
 */

import { classicString, decodeClassic } from "../wire/classic.ts";
import type { DecodeError } from "../wire/errors.ts";
import type { Message } from "../wire/message.ts";
import { MAXMSG } from "../wire/limits.ts";

/** ipcsocket.c POOL magic carried in every frame header. */
export const FRAME_MAGIC = 0xabcd;
/** Bytes before the payload: length + magic. */
export const FRAME_HEADER = 8;
/** Default biggest payload we accept (Heartbeat's MAXMSG, 256 KiB). */
export const DEFAULT_MAX_FRAME = MAXMSG;

/** Why a stream of frames is broken beyond repair. */
export type FrameError =
  | { readonly kind: "frame"; readonly code: "bad_magic"; readonly detail: string }
  | { readonly kind: "frame"; readonly code: "too_big"; readonly detail: string };

/** One step of the decoder: a payload, or the error that ends the stream. */
export type FrameItem =
  | { readonly ok: true; readonly payload: Uint8Array }
  | { readonly ok: false; readonly error: FrameError };

/** Encodes one payload (already holding its trailing NUL) as a frame. */
export function framePayload(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, payload.length, true);
  dv.setUint32(4, FRAME_MAGIC, true);
  out.set(payload, FRAME_HEADER);
  return out;
}

const ascii = new TextEncoder();

/**
 * Encodes a message as one API frame (classic text + NUL), written straight into the frame:
 * one allocation per delivered message, not three. Never throws.
 */
export function encodeFrame(msg: Message): Uint8Array {
  const text = classicString(msg);
  const n = text.length + 1; // the NUL: the last byte, already 0
  const out = new Uint8Array(FRAME_HEADER + n);
  const body = out.subarray(FRAME_HEADER, FRAME_HEADER + text.length);
  const r = ascii.encodeInto(text, body);
  if (r.read !== text.length || r.written !== text.length) {
    // Bytes above 0x7f: one byte per char (UTF-8 would differ), as fromLatin1 does.
    for (let i = 0; i < text.length; i++) body[i] = text.charCodeAt(i);
  }
  const dv = new DataView(out.buffer);
  dv.setUint32(0, n, true);
  dv.setUint32(4, FRAME_MAGIC, true);
  return out;
}

/** Decodes a frame payload (classic text + optional NUL) into a message. */
export function decodePayload(
  payload: Uint8Array,
): { ok: true; msg: Message } | { ok: false; error: DecodeError } {
  return decodeClassic(payload);
}

/**
 * Incremental frame decoder. `push()` appends bytes; `next()` returns the next complete
 * payload, `undefined` when more bytes are needed, or an error after which it stays broken.
 * Buffered bytes never exceed one frame header plus one capped payload.
 */
export class FrameDecoder {
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;
  #broken: FrameError | undefined;

  constructor(readonly maxFrame: number = DEFAULT_MAX_FRAME) {}

  /** Bytes held but not yet returned as payloads. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** The error that ended the stream, if any. */
  get error(): FrameError | undefined {
    return this.#broken;
  }

  /** Appends bytes read from the stream. */
  push(chunk: Uint8Array): void {
    if (this.#broken !== undefined || chunk.length === 0) return;
    const held = this.#end - this.#start;
    if (this.#buf.length - this.#end < chunk.length) {
      // Compact, growing only when the held bytes plus the chunk do not fit.
      const need = held + chunk.length;
      // Grow geometrically so a peer dripping one byte at a time costs O(n), not O(n²).
      const next = need <= this.#buf.length
        ? this.#buf
        : new Uint8Array(Math.max(need, this.#buf.length * 2, 4096));
      next.set(this.#buf.subarray(this.#start, this.#end), 0);
      this.#buf = next;
      this.#start = 0;
      this.#end = held;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** The next whole payload, `undefined` when incomplete, or the error that broke the stream. */
  next(): FrameItem | undefined {
    if (this.#broken !== undefined) return { ok: false, error: this.#broken };
    const held = this.#end - this.#start;
    if (held < FRAME_HEADER) return undefined;
    const dv = new DataView(this.#buf.buffer, this.#buf.byteOffset + this.#start, FRAME_HEADER);
    const len = dv.getUint32(0, true);
    const magic = dv.getUint32(4, true);
    if (magic !== FRAME_MAGIC) {
      return this.#fail({
        kind: "frame",
        code: "bad_magic",
        detail: `frame magic is 0x${
          magic.toString(16)
        }, expected 0xabcd: not a Heartbeat API client`,
      });
    }
    if (len > this.maxFrame) {
      return this.#fail({
        kind: "frame",
        code: "too_big",
        detail: `frame of ${len} bytes is over the ${this.maxFrame}-byte limit`,
      });
    }
    if (held < FRAME_HEADER + len) return undefined;
    const p = this.#start + FRAME_HEADER;
    const payload = this.#buf.slice(p, p + len);
    this.#start = p + len;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return { ok: true, payload };
  }

  #fail(e: FrameError): FrameItem {
    this.#broken = e;
    this.#buf = new Uint8Array(0);
    this.#start = this.#end = 0;
    return { ok: false, error: e };
  }
}
