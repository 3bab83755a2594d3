/**
 * Compression (wire.md §6, cl_compress.c). Heartbeat has two forms:
 *
 * - legacy whole-message: the netstring body of the message (without signature) is
 *   compressed and sent as a message of two fields, `_compressed_payload` (binary, type 1 —
 *   cl_compressmsg uses ha_msg_addbin) and `_compression_algorithm` (plugin name). The
 *   signature netstring covers that outer message; the `auth=` field lives in the inner one.
 * - per field: an FT_UNCOMPRESS (5) struct field travels as FT_COMPRESS (4) holding the
 *   compressed nested message; the parent names the algorithm in `_compression_algorithm`.
 *   Real Heartbeat 3.0.6 (ha_msg_addstruct_compress, as Pacemaker uses) compresses the nested
 *   message in CLASSIC text with its terminating NUL (`>>>\n…<<<\n\0`), observed on the
 *   wire in the mixed lab; we read that and netstring, and write the classic form.
 *
 * The zlib plugin uses zlib's compress()/uncompress(), i.e. the zlib container, which is what
 * node:zlib deflateSync/inflateSync produce/read. bz2 has no built-in decoder here: a typed
 * `unsupported_compression` error. Inflating is capped at MAXMSG so a zip bomb is an error.
 */

import { deflateSync, inflateSync } from "node:zlib";
import { Message } from "./message.ts";
import { type DecodeError, decodeError, WireEncodeError } from "./errors.ts";
import { MAXMSG } from "./limits.ts";
import { decodeNetstring, netstringBody } from "./netstring.ts";
import { decodeClassic, encodeClassic } from "./classic.ts";
import { fromLatin1 } from "./bytes.ts";

export const COMPRESSED_FIELD = "_compressed_payload";
export const COMPRESS_NAME = "_compression_algorithm";

/** Compression methods Heartbeat knows; only zlib can be produced and read here. */
export type CompressionAlgorithm = "zlib" | "bz2";

export interface CompressOptions {
  readonly algorithm: "zlib";
  /** Compress only bodies longer than this many bytes (ha.cf compression_threshold, in bytes). */
  readonly threshold: number;
}

export type MessageResult =
  | { readonly ok: true; readonly msg: Message }
  | { readonly ok: false; readonly error: DecodeError };

function deflate(body: string): Uint8Array {
  const out = deflateSync(fromLatin1(body));
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The outer (legacy) message carrying `body` compressed. */
function outerMessage(body: string): Message {
  return new Message([
    { name: COMPRESSED_FIELD, type: 1, value: deflate(body) },
    { name: COMPRESS_NAME, type: 0, value: "zlib" },
  ]);
}

/**
 * Legacy whole-message compression: returns `msg` itself when its netstring body is at most
 * `threshold` bytes, else the two-field message carrying it zlib-compressed. Add `auth`
 * before calling (signAndEncode with `compression` does all of this).
 */
export function compressMessage(msg: Message, threshold: number): Message {
  const body = netstringBody(msg);
  return body.length <= threshold ? msg : outerMessage(body);
}

/** Like compressMessage but on an encoded body (byte string); used by signAndEncode. */
export function compressBody(body: string, opts: CompressOptions): string {
  return body.length <= opts.threshold ? body : netstringBody(outerMessage(body));
}

/** Inflates `data` compressed with `algorithm`, at most MAXMSG bytes out. */
export function inflate(
  data: Uint8Array,
  algorithm: string | undefined,
): { ok: true; bytes: Uint8Array } | { ok: false; error: DecodeError } {
  if (algorithm === undefined) {
    return { ok: false, error: decodeError("bad_compressed", 0, `no ${COMPRESS_NAME} field`) };
  }
  if (algorithm !== "zlib") {
    return {
      ok: false,
      error: decodeError(
        "unsupported_compression",
        0,
        `unsupported compression ${algorithm}: only zlib can be read`,
      ),
    };
  }
  try {
    const out = inflateSync(data, { maxOutputLength: MAXMSG });
    return { ok: true, bytes: new Uint8Array(out.buffer, out.byteOffset, out.length) };
  } catch (e) {
    // node:zlib reports both corruption and the size cap by throwing; turn them into values.
    const tooBig = e instanceof RangeError ||
      (e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
    return {
      ok: false,
      error: tooBig
        ? decodeError("too_big", 0, `compressed payload inflates to over MAXMSG ${MAXMSG} bytes`)
        : decodeError("bad_compressed", 0, `compressed payload is corrupt: ${String(e)}`),
    };
  }
}

/** ">>>": a compressed nested message in classic text (what real Heartbeat writes). */
function isClassic(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x3e && b[1] === 0x3e && b[2] === 0x3e;
}

function inflateToMessage(data: Uint8Array, algorithm: string | undefined): MessageResult {
  const inf = inflate(data, algorithm);
  if (!inf.ok) return inf;
  if (isClassic(inf.bytes)) return decodeClassic(inf.bytes);
  const d = decodeNetstring(inf.bytes);
  if (!d.ok) return d;
  if (d.signed !== null) {
    return {
      ok: false,
      error: decodeError("trailing_bytes", d.signed.signedBytes.length, "signed inner payload"),
    };
  }
  return { ok: true, msg: d.msg };
}

/**
 * Undoes legacy whole-message compression: a message with `_compressed_payload` becomes the
 * inner message; any other message is returned as is. The inner message is not inflated
 * again (no compression chains).
 */
export function decompressMessage(msg: Message): MessageResult {
  const f = msg.fields.find((x) => x.name === COMPRESSED_FIELD);
  if (f === undefined) return { ok: true, msg };
  if (f.type !== 1 && f.type !== 4) {
    return {
      ok: false,
      error: decodeError("bad_compressed", 0, `${COMPRESSED_FIELD} is not binary`),
    };
  }
  return inflateToMessage(f.value, msg.get(COMPRESS_NAME));
}

/** Replaces FT_COMPRESS (4) fields of `msg` by the FT_UNCOMPRESS (5) messages they carry. */
export function expandCompressedFields(msg: Message): MessageResult {
  if (!msg.fields.some((f) => f.type === 4 && f.name !== COMPRESSED_FIELD)) {
    return { ok: true, msg };
  }
  const out = msg.clone();
  for (let i = 0; i < out.fields.length; i++) {
    const f = out.fields[i];
    if (f.type !== 4 || f.name === COMPRESSED_FIELD) continue;
    const r = inflateToMessage(f.value, msg.get(COMPRESS_NAME));
    if (!r.ok) return r;
    out.fields[i] = { name: f.name, type: 5, value: r.msg };
  }
  return { ok: true, msg: out };
}

/**
 * Per-field compression: turns the FT_UNCOMPRESS (5) field `name` into FT_COMPRESS (4) and
 * names the algorithm in the parent (cl_compress_field). Throws WireEncodeError if `name` is
 * not a type-5 field (a caller bug).
 */
export function compressField(msg: Message, name: string): void {
  const i = msg.fields.findIndex((f) => f.name === name);
  const f = msg.fields[i];
  if (f === undefined || f.type !== 5) {
    throw new WireEncodeError(`no FT_UNCOMPRESS field "${name}" to compress`);
  }
  const text = encodeClassic(f.value, { nul: true });
  const out = deflateSync(text);
  msg.fields[i] = { name, type: 4, value: new Uint8Array(out.buffer, out.byteOffset, out.length) };
  msg.set(COMPRESS_NAME, "zlib");
}
