/**
 * The netstring wire format that Heartbeat 3.0.6 sends (wire.md §2, cl_netstring.c):
 *
 *   "###\n" <len>:(T)name=value, ... "%%%\n" <len>:<keyindex> <hexdigest>,
 *
 * The decoder never throws and never reads or allocates beyond the limits in limits.ts.
 */

import { type Field, FieldType, Message } from "./message.ts";
import { type DecodeError, decodeError, WireEncodeError } from "./errors.ts";
import { MAX_AUTH_BYTES, MAX_FIELDS, MAX_LENGTH_DIGITS, MAXDEPTH, MAXMSG } from "./limits.ts";
import { fromLatin1, hasMarker, isMarkerPrefix, latin1, writeByteString } from "./bytes.ts";

export const NETSTRING_START = "###\n";
export const NETSTRING_END = "%%%\n";

/** The trailing signature netstring and the bytes it signs. */
export interface Signed {
  readonly keyIndex: number;
  /** The digest exactly as received (lowercase hex from Heartbeat). */
  readonly digestHex: string;
  /** The signed bytes: "###\n" through "%%%\n" inclusive (a view into the input). */
  readonly signedBytes: Uint8Array;
}

export type NetstringDecodeResult =
  | { readonly ok: true; readonly msg: Message; readonly signed: Signed | null }
  | { readonly ok: false; readonly error: DecodeError };

const COLON = 0x3a;
const COMMA = 0x2c;
const EQ = 0x3d;
const LPAREN = 0x28;
const RPAREN = 0x29;
const PERCENT = 0x25;
const ZERO = 0x30;

/** Cursor + first error of one decode; methods return -1 / null after an error. */
/** Datagrams up to this size are converted to a byte string whole (Reader.text). */
const WHOLE_TEXT_MAX = 8192;

class Reader {
  err: DecodeError | null = null;
  /** All of `b` as a byte string, made once: names and values are slices of it. */
  #text: string | undefined;
  constructor(readonly b: Uint8Array) {}

  /**
   * b[start..end) as a byte string: a datagram of usual size is converted once and names and
   * values are substrings (~30 small conversions cost ~3x more); a big one, often mostly
   * binary (compressed), field by field.
   */
  text(start: number, end: number): string {
    if (this.b.length > WHOLE_TEXT_MAX) return latin1(this.b, start, end);
    this.#text ??= latin1(this.b);
    return this.#text.slice(start, end);
  }

  fail(code: DecodeError["code"], offset: number, detail: string): null {
    if (this.err === null) this.err = decodeError(code, offset, detail);
    return null;
  }

  /**
   * Reads one netstring starting at `at` (before `end`); returns [dataStart, dataEnd] or null.
   * The next netstring starts at dataEnd + 1.
   */
  netstring(at: number, end: number, what: string): [number, number] | null {
    const b = this.b;
    let p = at;
    let n = 0;
    while (p < end) {
      const d = b[p] - ZERO;
      if (d < 0 || d > 9) break;
      if (p - at >= MAX_LENGTH_DIGITS) {
        return this.fail(
          "too_big",
          at,
          `${what} at ${at}: length has over ${MAX_LENGTH_DIGITS} digits`,
        );
      }
      n = n * 10 + d;
      p++;
    }
    if (p >= end) return this.fail("truncated", at, `${what} at ${at}: input ends in its length`);
    if (p === at) return this.fail("bad_length", at, `${what} at ${at}: expected a decimal length`);
    if (b[p] !== COLON) {
      return this.fail("bad_length", p, `${what} at ${at}: expected ':' after the length`);
    }
    if (n > MAXMSG) return this.fail("too_big", at, `${what} at ${at}: length ${n} over MAXMSG`);
    const ds = p + 1;
    const de = ds + n;
    if (de >= end) {
      return this.fail("truncated", at, `${what} at ${at}: ${n} data bytes + ',' not all present`);
    }
    if (b[de] !== COMMA) {
      return this.fail("bad_length", de, `${what} at ${at}: data of length ${n} not closed by ','`);
    }
    return [ds, de];
  }

  /**
   * Parses "###\n" fields "%%%\n" from `at`; returns the message and sets `endPos` to the
   * offset after "%%%\n".
   */
  message(at: number, end: number, depth: number): Message | null {
    const b = this.b;
    if (depth >= MAXDEPTH) {
      return this.fail("too_deep", at, `struct nesting at ${at} deeper than MAXDEPTH ${MAXDEPTH}`);
    }
    if (!hasMarker(b, at, end, NETSTRING_START)) {
      if (isMarkerPrefix(b, at, end, NETSTRING_START)) {
        return this.fail("truncated", at, `input ends in the start marker at ${at}`);
      }
      return this.fail("bad_start", at, `no netstring start marker "###\\n" at ${at}`);
    }
    let p = at + 4;
    const fields: Field[] = [];
    for (;;) {
      if (p >= end) return this.fail("truncated", p, `no end marker "%%%\\n" before ${end}`);
      if (b[p] === PERCENT) {
        if (hasMarker(b, p, end, NETSTRING_END)) break;
        if (isMarkerPrefix(b, p, end, NETSTRING_END)) {
          return this.fail("truncated", p, `input ends in the end marker at ${p}`);
        }
        return this.fail("bad_end", p, `malformed end marker at ${p}`);
      }
      if (fields.length >= MAX_FIELDS) {
        return this.fail("too_many_fields", p, `more than ${MAX_FIELDS} fields in one message`);
      }
      const r = this.netstring(p, end, "field netstring");
      if (r === null) return null;
      const f = this.field(r[0], r[1], depth);
      if (f === null) return null;
      fields.push(f);
      p = r[1] + 1;
    }
    this.endPos = p + 4;
    return new Message(fields);
  }
  endPos = 0;

  /** Parses "(T)name=value" in b[ds..de). */
  field(ds: number, de: number, depth: number): Field | null {
    const b = this.b;
    if (de - ds < 4 || b[ds] !== LPAREN || b[ds + 2] !== RPAREN) {
      return this.fail("bad_field", ds, `field at ${ds} does not start with "(T)"`);
    }
    const type = b[ds + 1] - ZERO;
    if (type < 0 || type > 9) {
      return this.fail("bad_type", ds + 1, `field at ${ds}: type is not a digit`);
    }
    let eq = ds + 3;
    while (eq < de && b[eq] !== EQ) eq++;
    if (eq >= de) return this.fail("bad_field", ds, `field at ${ds} has no '='`);
    if (eq === ds + 3) return this.fail("bad_field", ds, `field at ${ds} has an empty name`);
    const name = this.text(ds + 3, eq);
    const vs = eq + 1;
    switch (type) {
      case FieldType.STRING:
        return { name, type: 0, value: this.text(vs, de) };
      case FieldType.BINARY:
        return { name, type: 1, value: b.slice(vs, de) };
      case FieldType.COMPRESS:
        return { name, type: 4, value: b.slice(vs, de) };
      case FieldType.STRUCT:
      case FieldType.UNCOMPRESS: {
        const inner = this.message(vs, de, depth + 1);
        if (inner === null) return null;
        if (this.endPos !== de) {
          return this.fail(
            "bad_field",
            this.endPos,
            `struct field "${name}" has bytes after "%%%\\n"`,
          );
        }
        return type === 2 ? { name, type: 2, value: inner } : { name, type: 5, value: inner };
      }
      case FieldType.LIST: {
        const items: string[] = [];
        let p = vs;
        while (p < de) {
          if (items.length >= MAX_FIELDS) {
            return this.fail("too_many_fields", p, `list "${name}" has over ${MAX_FIELDS} items`);
          }
          const r = this.netstring(p, de, "list item");
          if (r === null) {
            this.err = null;
            return this.fail(
              "bad_list",
              p,
              `list field "${name}": item at ${p} is not a netstring`,
            );
          }
          items.push(this.text(r[0], r[1]));
          p = r[1] + 1;
        }
        return { name, type: 3, value: items };
      }
      default:
        return this.fail("bad_type", ds + 1, `field "${name}" at ${ds} has unknown type ${type}`);
    }
  }
}

/** Matches the signature netstring data "<index> <digest>". */
const SIG_RE = /^([0-9]{1,3}) ([0-9A-Za-z]{1,128})$/;

/**
 * Decodes one netstring-format datagram. `signed` is null when nothing follows "%%%\n"
 * (nested or unauthenticated messages); otherwise it carries the parsed signature netstring.
 * Never throws.
 */
export function decodeNetstring(bytes: Uint8Array): NetstringDecodeResult {
  if (bytes.length > MAXMSG) {
    return {
      ok: false,
      error: decodeError("too_big", 0, `${bytes.length} bytes is over MAXMSG ${MAXMSG}`),
    };
  }
  const r = new Reader(bytes);
  const msg = r.message(0, bytes.length, 0);
  if (msg === null) return { ok: false, error: r.err! };
  const bodyEnd = r.endPos;
  // Heartbeat's sender never builds a body this big (room for the signature is kept); refusing
  // it here also means every accepted message can be re-signed and forwarded.
  if (bodyEnd + MAX_AUTH_BYTES + 1 >= MAXMSG) {
    return {
      ok: false,
      error: decodeError("too_big", 0, `message body of ${bodyEnd} bytes leaves no room to sign`),
    };
  }
  if (bodyEnd === bytes.length) return { ok: true, msg, signed: null };
  const s = r.netstring(bodyEnd, bytes.length, "signature netstring");
  if (s === null) return { ok: false, error: r.err! };
  if (s[1] + 1 !== bytes.length) {
    return {
      ok: false,
      error: decodeError("trailing_bytes", s[1] + 1, `bytes after the signature netstring`),
    };
  }
  const m = SIG_RE.exec(latin1(bytes, s[0], s[1]));
  if (m === null) {
    return {
      ok: false,
      error: decodeError("bad_signature_format", s[0], `signature is not "<index> <hex digest>"`),
    };
  }
  return {
    ok: true,
    msg,
    signed: {
      keyIndex: Number(m[1]),
      digestHex: m[2],
      signedBytes: bytes.subarray(0, bodyEnd),
    },
  };
}

function netstringPiece(data: string): string {
  return data.length + ":" + data + ",";
}

/** Packs a string list as consecutive netstrings (string_list_pack). */
export function packList(items: readonly string[]): string {
  let s = "";
  for (const it of items) s += netstringPiece(it);
  return s;
}

/**
 * The netstring body "###\n" ... "%%%\n" of `msg` as a byte string (no signature).
 * Throws WireEncodeError on nesting over MAXDEPTH or a name with '=' (bugs in the caller).
 */
export function netstringBody(msg: Message, depth = 0): string {
  if (depth >= MAXDEPTH) throw new WireEncodeError(`struct nesting over MAXDEPTH ${MAXDEPTH}`);
  let s = NETSTRING_START;
  for (const f of msg.fields) {
    if (f.name.length === 0 || f.name.includes("=")) {
      throw new WireEncodeError(`field name ${JSON.stringify(f.name)} is empty or contains '='`);
    }
    let v: string;
    switch (f.type) {
      case 0:
        v = f.value;
        break;
      case 1:
      case 4:
        v = latin1(f.value);
        break;
      case 2:
      case 5:
        v = netstringBody(f.value, depth + 1);
        break;
      case 3:
        v = packList(f.value);
        break;
    }
    s += netstringPiece("(" + f.type + ")" + f.name + "=" + v);
  }
  return s + NETSTRING_END;
}

/** Appends the signature netstring "<index> <digest>" to a body. */
export function withSignature(body: string, keyIndex: number, digestHex: string): string {
  return body + netstringPiece(keyIndex + " " + digestHex);
}

/**
 * Throws WireEncodeError when a body (or a body of that many bytes) is too big to send: like
 * cl_netstring.c, the body plus room for the signature must stay below MAXMSG.
 */
export function checkBodySize(body: string | number): void {
  const n = typeof body === "number" ? body : body.length;
  if (n + MAX_AUTH_BYTES + 1 >= MAXMSG) {
    throw new WireEncodeError(`message of ${n} bytes is too big for MAXMSG ${MAXMSG}; compress it`);
  }
}

/**
 * Writes the netstring body of `msg` (the bytes of `netstringBody(msg)`) into `out` from `at`
 * and returns the offset after it, or -1 when it does not fit. Binary values are copied as
 * bytes: no byte string of the whole body is built (a `srcuuid` in every datagram made that
 * the slow, non-ASCII path). Throws WireEncodeError as netstringBody does.
 */
export function writeNetstringBody(msg: Message, out: Uint8Array, at: number): number {
  const end = out.length;
  let p = at;
  if (p + 8 > end) return -1;
  p = writeByteString(NETSTRING_START, out, p);
  for (const f of msg.fields) {
    const name = f.name;
    if (name.length === 0 || name.includes("=")) {
      throw new WireEncodeError(`field name ${JSON.stringify(name)} is empty or contains '='`);
    }
    // Nested and list values are rare: their text form, written like a string.
    let text: string | undefined;
    let bytes: Uint8Array | undefined;
    switch (f.type) {
      case 0:
        text = f.value;
        break;
      case 1:
      case 4:
        bytes = f.value;
        break;
      case 2:
      case 5:
        text = netstringBody(f.value, 1);
        break;
      case 3:
        text = packList(f.value);
        break;
    }
    const vlen = text !== undefined ? text.length : bytes!.length;
    const dataLen = 4 + name.length + vlen; // "(T)" name "=" value
    const digits = String(dataLen);
    if (p + digits.length + dataLen + 2 + 4 > end) return -1; // + ':' ',' and "%%%\n"
    p = writeByteString(digits, out, p);
    out[p++] = COLON;
    out[p++] = LPAREN;
    out[p++] = ZERO + f.type;
    out[p++] = RPAREN;
    p = writeByteString(name, out, p);
    out[p++] = EQ;
    if (text !== undefined) {
      p = writeByteString(text, out, p);
    } else {
      out.set(bytes!, p);
      p += vlen;
    }
    out[p++] = COMMA;
  }
  if (p + 4 > end) return -1;
  return writeByteString(NETSTRING_END, out, p);
}

/** Encodes `msg` without a signature (nested/unauthenticated form). Throws WireEncodeError if too big. */
export function encodeNetstring(msg: Message): Uint8Array {
  const body = netstringBody(msg);
  checkBodySize(body);
  return fromLatin1(body);
}
