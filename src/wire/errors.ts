/** Typed failures of the wire layer: values, never exceptions. */

/** Why a byte sequence is not a well-formed message. */
export type DecodeErrorCode =
  | "bad_start" // does not begin with the start marker (###\n or >>>\n)
  | "bad_length" // a netstring length is not digits followed by ':', or not closed by ','
  | "truncated" // the input ends inside the message
  | "too_big" // over MAXMSG (input, a length prefix or an inflated payload)
  | "too_many_fields" // over MAX_FIELDS in one message
  | "too_deep" // struct nesting over the limit
  | "bad_type" // field type digit unknown (> 5) or "(0)" in text form
  | "bad_field" // field without "(T)" / "=" / name, or a bad nested value
  | "bad_list" // FT_LIST value is not packed netstrings
  | "bad_base64" // text-form binary value is not padded standard base64
  | "bad_end" // junk where the end marker should be
  | "trailing_bytes" // bytes after the signature netstring / end marker
  | "bad_signature_format" // signature netstring is not "<index> <hex>"
  | "unsupported_compression" // compressed with a method we cannot inflate (bz2, ...)
  | "bad_compressed"; // compressed payload is corrupt or missing its algorithm

/** A decode failure with the byte offset where it was noticed. */
export interface DecodeError {
  readonly kind: "decode";
  readonly code: DecodeErrorCode;
  /** Byte offset in the outermost input (or in the inflated payload for compressed data). */
  readonly offset: number;
  /** A sentence for logs, e.g. "field netstring at 57 is not closed by ','". */
  readonly detail: string;
}

/** Why a well-formed message was not accepted as authentic. */
export type AuthErrorCode = "no_signature" | "unknown_key" | "bad_signature" | "bad_auth_field";

export interface AuthError {
  readonly kind: "auth";
  readonly code: AuthErrorCode;
  /** The key index the message named, when it named one. */
  readonly keyIndex?: number;
  readonly detail: string;
}

/** Builds a DecodeError. */
export function decodeError(code: DecodeErrorCode, offset: number, detail: string): DecodeError {
  return { kind: "decode", code, offset, detail };
}

/** Builds an AuthError. */
export function authError(code: AuthErrorCode, detail: string, keyIndex?: number): AuthError {
  return keyIndex === undefined
    ? { kind: "auth", code, detail }
    : { kind: "auth", code, keyIndex, detail };
}

/**
 * Thrown only when *our own* code asks to encode something the format cannot carry (too big,
 * too deep, a name with '='): a bug in the caller, not bad input from a peer.
 */
export class WireEncodeError extends Error {
  override name = "WireEncodeError";
}
