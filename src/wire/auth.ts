/**
 * Heartbeat 3.0.6 message authentication (wire.md §5): the `auth=` field over the NOHEAD
 * text, and the trailing signature netstring over "###\n".."%%%\n". Both are
 * "<keyindex> <hex digest>" with the method of that key: HMAC-SHA1, HMAC-MD5, the keyless
 * CRC, or our HMAC-SHA256 (heartbeat-ts only clusters).
 */

import { createHash, type Hash } from "node:crypto";
import type { AuthKey, AuthKeys, AuthMethod } from "../config/auth_types.ts";
import type { Message } from "./message.ts";
import { type AuthError, authError, type DecodeError } from "./errors.ts";
import { authText } from "./classic.ts";
import {
  checkBodySize,
  decodeNetstring,
  netstringBody,
  withSignature,
  writeNetstringBody,
} from "./netstring.ts";
import { MAXMSG } from "./limits.ts";
import { hmacSha1Hex, type Sha1Pads, sha1Pads } from "./hmac_sha1.ts";
import { heartbeatCrcHex } from "./crc.ts";
import { fromLatin1 } from "./bytes.ts";
import { compressBody, type CompressOptions, decompressMessage } from "./compress.ts";

const ascii = new TextEncoder();
/**
 * Scratch space for byte strings on their way into a hash or a datagram: encodeInto() here
 * costs ~0.2 µs where encode() allocates and costs ~2 µs (per message, twice or more).
 * Holds a whole datagram (body + signature); contents are valid until the next call.
 */
const scratch = new Uint8Array(MAXMSG + 1024);

/**
 * The byte string `s` written into `scratch` at `at`; its length, or -1 when `s` is not pure
 * ASCII (UTF-8 would differ from latin1 there) or does not fit.
 */
function intoScratch(s: string, at: number): number {
  const r = ascii.encodeInto(s, scratch.subarray(at));
  return r.read === s.length && r.written === s.length ? r.written : -1;
}

/** The bytes of byte string `s`: a view into `scratch` when it is ASCII, else a copy. */
function bytesOf(s: string): Uint8Array {
  const n = intoScratch(s, 0);
  return n >= 0 ? scratch.subarray(0, n) : fromLatin1(s);
}

const HASH_ALG: Record<Exclude<AuthMethod, "crc">, string> = {
  sha1: "sha1",
  md5: "md5",
  sha256: "sha256",
};

/** The HMAC state of one key after hashing K0 ^ ipad and K0 ^ opad (RFC 2104, 64-byte blocks). */
interface Pads {
  readonly alg: string;
  readonly inner: Hash;
  readonly outer: Hash;
  /** sha1 only: the same pads for the JavaScript HMAC (faster for datagram sizes). */
  readonly js: Sha1Pads | undefined;
}

const padCache = new WeakMap<AuthKey, Pads>();

function padsOf(key: AuthKey, alg: string): Pads {
  const cached = padCache.get(key);
  if (cached !== undefined && cached.alg === alg) return cached;
  // Keys longer than the block are hashed first; all three hashes use 64-byte blocks.
  const k0 = new Uint8Array(64);
  k0.set(key.secret.length > 64 ? createHash(alg).update(key.secret).digest() : key.secret);
  const pads = {
    alg,
    inner: createHash(alg).update(k0.map((b) => b ^ 0x36)),
    outer: createHash(alg).update(k0.map((b) => b ^ 0x5c)),
    js: alg === "sha1" ? sha1Pads(k0) : undefined,
  };
  padCache.set(key, pads);
  return pads;
}

/**
 * HMAC (RFC 2104) from node:crypto hashes whose pad blocks are hashed once per key and then
 * copied. Same result as createHmac (a test checks it); Deno's createHmac re-derives the key
 * on every call: measured 15.4 µs against 4.4 µs here for a 300-byte message.
 */
function hmacHex(key: AuthKey, alg: string, data: Uint8Array): string {
  const p = padsOf(key, alg);
  if (p.js !== undefined) return hmacSha1Hex(p.js, data);
  const inner = p.inner.copy().update(data).digest();
  return p.outer.copy().update(inner).digest("hex");
}

/** The hex digest of `data` (a byte string or bytes) under `key`, as Heartbeat prints it. */
export function digestHex(key: AuthKey, data: string | Uint8Array): string {
  if (key.method === "crc") return heartbeatCrcHex(data);
  // The hash copies what it is given, so a view into `scratch` is safe here.
  return hmacHex(key, HASH_ALG[key.method], typeof data === "string" ? bytesOf(data) : data);
}

/** Constant-time comparison of two ASCII hex strings (length compared first). */
export function digestEquals(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  // No early exit: the time does not depend on where they differ (and no allocation).
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
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
  if (opts.compression === undefined) {
    // Body bytes straight into `scratch` (binary fields copied as they are), signed in place.
    const n = writeNetstringBody(msg, scratch, 0);
    if (n >= 0) {
      checkBodySize(n);
      const sig = withSignature("", key.index, digestHex(key, scratch.subarray(0, n)));
      const m = intoScratch(sig, n);
      if (m >= 0) return scratch.slice(0, n + m);
    }
  }
  let body = netstringBody(msg);
  if (opts.compression !== undefined) body = compressBody(body, opts.compression);
  checkBodySize(body);
  // Body and signature are assembled in `scratch` and copied out once.
  const n = intoScratch(body, 0);
  if (n < 0) {
    const bodyBytes = fromLatin1(body);
    const sig = fromLatin1(withSignature("", key.index, digestHex(key, bodyBytes)));
    const out = new Uint8Array(bodyBytes.length + sig.length);
    out.set(bodyBytes);
    out.set(sig, bodyBytes.length);
    return out;
  }
  const sig = withSignature("", key.index, digestHex(key, scratch.subarray(0, n)));
  const m = intoScratch(sig, n);
  return scratch.slice(0, n + m);
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

/** True when a field holds a nested message: FT_STRUCT (2), FT_COMPRESS (4), FT_UNCOMPRESS (5). */
function holdsNestedMessage(msg: Message): boolean {
  return msg.fields.some((f) => f.type === 2 || f.type === 4 || f.type === 5);
}

/**
 * Decodes a datagram and accepts it only when its signature netstring verifies with the
 * method of the key index it names (any configured key: key rotation) AND its `auth=` field
 * verifies too. A legacy compressed message is inflated after its signature is checked, and
 * the `auth=` field is checked on the inner message.
 *
 * One exception, as real Heartbeat 3.0.6 behaves: a message holding a nested message (a
 * struct, or a compressed struct as Pacemaker's CIB updates are) comes without any `auth=`
 * field (the NOHEAD text the field covers cannot hold a nested message), and real receivers
 * take it on the signature netstring alone, which covers every byte of it. Such a message
 * is accepted when it has no `auth=` field at all; one that has the field must still match.
 * Never throws.
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
  if (inner.msg.get("auth") === undefined && holdsNestedMessage(inner.msg)) {
    return { ok: true, msg: inner.msg, keyIndex: sig.keyIndex };
  }
  const a = verifyAuthField(inner.msg, keys);
  if (typeof a !== "number") return { ok: false, error: a };
  return { ok: true, msg: inner.msg, keyIndex: sig.keyIndex };
}
