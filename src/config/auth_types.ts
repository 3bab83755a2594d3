/**
 * Authentication keys as read from authkeys (or TOML): shared by the config parser and
 * the wire auth code.
 */

/** Heartbeat's methods (crc, md5, sha1) plus our HMAC-SHA256 for all-heartbeat-ts clusters. */
export type AuthMethod = "crc" | "md5" | "sha1" | "sha256";

/** One numbered key line: `N METHOD SECRET`. crc ignores the secret. */
export interface AuthKey {
  /** Key index, 1..15 (Heartbeat's MAXAUTH is 16; index 0 is never written by Heartbeat). */
  readonly index: number;
  readonly method: AuthMethod;
  /** Secret bytes exactly as written in the file (no trailing newline). */
  readonly secret: Uint8Array;
}

/** The whole authkeys file: `auth N` picks the sending key; every listed key is accepted. */
export interface AuthKeys {
  readonly send: AuthKey;
  /** All keys by index, including `send`. Receivers accept any of them (key rotation). */
  readonly keys: ReadonlyMap<number, AuthKey>;
}
