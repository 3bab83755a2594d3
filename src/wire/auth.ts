/**
 * Heartbeat 3.0.6 message authentication (wire.md §5): the `auth=` field over the NOHEAD
 * text, and the trailing signature netstring over "###\n".."%%%\n". Both are
 * "<keyindex> <hex digest>" with the method of that key: HMAC-SHA1, HMAC-MD5, the keyless
 * CRC, or our HMAC-SHA256 (heartbeat-ts only clusters).
 */

import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { AuthKey, AuthKeys, AuthMethod } from "../config/auth_types.ts";
import type { Message } from "./message.ts";
import { type AuthError, authError, type DecodeError } from "./errors.ts";
import { authText } from "./classic.ts";
import { checkBodySize, decodeNetstring, netstringBody, withSignature } from "./netstring.ts";
import { heartbeatCrcHex } from "./crc.ts";
import { fromLatin1 } from "./bytes.ts";
import { compressBody, type CompressOptions, decompressMessage } from "./compress.ts";

const HMAC_ALG: Record<Exclude<AuthMethod, "crc">, string> = {
  sha1: "sha1",
  md5: "md5",
  sha256: "sha256",
};

/** The hex digest of `data` (a byte string or bytes) under `key`, as Heartbeat prints it. */
export function digestHex(key: AuthKey, data: string | Uint8Array): string {
  if (key.method === "crc") return heartbeatCrcHex(data);
  const h = createHmac(HMAC_ALG[key.method], key.secret);
  if (typeof data === "string") h.update(data, "latin1");
  else h.update(data);
  return h.digest("hex");
}

/** Constant-time comparison of two ASCII hex strings (length compared first). */
export function digestEquals(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a, "latin1"), Buffer.from(b, "latin1"));
}

/** Sets (in place) or appends the `auth` field: "<N> <digest of authText(msg)>". */
export function addAuthField(msg: Message, key: AuthKey): void {
  msg.set("auth", key.index + " " + digestHex(key, authText(msg)));
}

export interface SignOptions {
  /** Compress (legacy whole-message form, wire.md §6) when the body exceeds the threshold. */
  readonly compression?: CompressOptions;
}

/**
 * Signs `msg` with the sending key and encodes it as one datagram. Sets or replaces the
 * `auth` field of `msg` (appended last when absent), netstring-encodes, and appends the
 * signature netstring over "###\n".."%%%\n". Throws WireEncodeError only when the message
 * cannot be sent at all (over MAXMSG even after optional compression; a caller bug).
 *
 * @example
 *   const bytes = signAndEncode(Message.of({ t: "status", st: "up" }), keys);
 */
export function signAndEncode(msg: Message, keys: AuthKeys, opts: SignOptions = {}): Uint8Array {
  const key = keys.send;
  addAuthField(msg, key);
  let body = netstringBody(msg);
  if (opts.compression !== undefined) body = compressBody(body, opts.compression);
  checkBodySize(body);
  return fromLatin1(withSignature(body, key.index, digestHex(key, body)));
}

export type VerifyResult =
  | { readonly ok: true; readonly msg: Message; readonly keyIndex: number }
  | { readonly ok: false; readonly error: DecodeError | AuthError };

/** "<N> <hex>" as written in the auth field. */
const AUTH_FIELD_RE = /^([0-9]{1,3}) ([0-9A-Za-z]{1,128})$/;

/**
 * Verifies the `auth=` field of a decoded message against any configured key; returns the
 * key index used, or an AuthError.
 */
export function verifyAuthField(msg: Message, keys: AuthKeys): number | AuthError {
  const v = msg.get("auth");
  if (v === undefined) return authError("bad_auth_field", "message has no auth field");
  const m = AUTH_FIELD_RE.exec(v);
  if (m === null) return authError("bad_auth_field", `auth field is not "<index> <hex digest>"`);
  const index = Number(m[1]);
  const key = keys.keys.get(index);
  if (key === undefined) {
    return authError("unknown_key", `auth field names key ${index}, not in authkeys`, index);
  }
  if (!digestEquals(digestHex(key, authText(msg)), m[2])) {
    return authError("bad_auth_field", `auth field digest does not match key ${index}`, index);
  }
  return index;
}

/**
 * Decodes a datagram and accepts it only when its signature netstring verifies with the
 * method of the key index it names (any configured key: key rotation) AND its `auth=` field
 * verifies too. A legacy compressed message is inflated after its signature is checked, and
 * the `auth=` field is checked on the inner message. Never throws.
 */
export function decodeAndVerify(bytes: Uint8Array, keys: AuthKeys): VerifyResult {
  const d = decodeNetstring(bytes);
  if (!d.ok) return d;
  const sig = d.signed;
  if (sig === null) {
    return { ok: false, error: authError("no_signature", 'no signature after "%%%\\n"') };
  }
  const key = keys.keys.get(sig.keyIndex);
  if (key === undefined) {
    return {
      ok: false,
      error: authError(
        "unknown_key",
        `signature names key ${sig.keyIndex}, not in authkeys`,
        sig.keyIndex,
      ),
    };
  }
  if (!digestEquals(digestHex(key, sig.signedBytes), sig.digestHex)) {
    return {
      ok: false,
      error: authError(
        "bad_signature",
        `signature does not match key ${sig.keyIndex} (${key.method})`,
        sig.keyIndex,
      ),
    };
  }
  const inner = decompressMessage(d.msg);
  if (!inner.ok) return inner;
  const a = verifyAuthField(inner.msg, keys);
  if (typeof a !== "number") return { ok: false, error: a };
  return { ok: true, msg: inner.msg, keyIndex: sig.keyIndex };
}
