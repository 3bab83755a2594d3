/**
 * The classic text format (wire.md §3, cl_msg.c msg2string_buf / string2msg_ll):
 *
 *   ">>>\n" name=value\n (1)name=base64\n ... "<<<\n"
 *
 * Also its NOHEAD form (no markers, `auth` left out) that the `auth=` digest is computed over,
 * and the API frame payload (head + one trailing NUL, api.md).
 *
 * Newlines inside a nested struct's text are replaced by SPECIAL_SYMS[depth] = byte 20 + depth
 * (cl_msg_types.c: `int SPECIAL_SYMS[] = {20, 21, ..., 29}` used by convert()). cluster-glue
 * writes *string* values raw (str2string is a plain strcat), so a string holding '\n' cannot
 * survive Heartbeat's text form. We escape such newlines the same way structs do (byte 20 +
 * depth), which makes our own text round-trip; the auth text keeps strings raw, exactly like
 * Heartbeat, so digests match it. A string already holding that symbol byte decodes to '\n'
 * (Heartbeat refuses such strings; we accept the ambiguity rather than fail to encode).
 */

import { type Field, FieldType, Message } from "./message.ts";
import { type DecodeError, decodeError } from "./errors.ts";
import { MAX_FIELDS, MAX_TEXT_DEPTH, MAXMSG } from "./limits.ts";
import { fromLatin1, latin1 } from "./bytes.ts";
import { fromBase64, toBase64 } from "./base64.ts";
import { packList } from "./netstring.ts";

export const CLASSIC_START = ">>>\n";
export const CLASSIC_END = "<<<\n";

/** The byte that stands for '\n' in text nested at `depth` (cl_msg_types.c SPECIAL_SYMS). */
export function specialSym(depth: number): string {
  return String.fromCharCode(20 + depth);
}

export interface ClassicEncodeOptions {
  /** Write ">>>\n" / "<<<\n" (default true). NOHEAD (false) also leaves out the `auth` field. */
  readonly head?: boolean;
  /** Append one NUL byte, as API frames carry (default false). */
  readonly nul?: boolean;
}

export type ClassicDecodeResult =
  | { readonly ok: true; readonly msg: Message }
  | { readonly ok: false; readonly error: DecodeError };

function replaceNewlines(s: string, depth: number): string {
  return s.includes("\n") ? s.replaceAll("\n", specialSym(depth)) : s;
}

/** Text of one message at `depth` as a byte string. `escape` escapes newlines in strings. */
function classicText(msg: Message, depth: number, head: boolean, escape: boolean): string {
  let s = head ? CLASSIC_START : "";
  for (const f of msg.fields) {
    if (!head && f.name === "auth") continue; // msg2string_buf(NOHEAD) skips F_AUTH
    let v: string;
    switch (f.type) {
      case 0:
        v = escape ? replaceNewlines(f.value, depth) : f.value;
        break;
      case 1:
      case 4:
        v = toBase64(f.value);
        break;
      case 2:
      case 5:
        v = replaceNewlines(classicText(f.value, depth + 1, true, escape), depth);
        break;
      case 3:
        v = packList(f.value);
        break;
    }
    s += (f.type === 0 ? "" : "(" + f.type + ")") + f.name + "=" + v + "\n";
  }
  return head ? s + CLASSIC_END : s;
}

/**
 * Encodes `msg` in classic text form. Strings with '\n' are escaped (see module doc).
 * Total (never throws), because it also carries peers' messages to API clients: like
 * Heartbeat's strcat, it writes names as they are, and it nests deeper than the 10-entry
 * SPECIAL_SYMS table with byte 20 + depth. Text that Heartbeat could not carry either (a
 * name with '=' or '\n', nesting of 10+) does not decode back: decodeClassic reports it.
 */
export function encodeClassic(msg: Message, opts: ClassicEncodeOptions = {}): Uint8Array {
  const text = classicText(msg, 0, opts.head ?? true, true);
  return fromLatin1(opts.nul ? text + "\0" : text);
}

/**
 * `msg` in classic text form with its markers, as a byte string: what encodeClassic writes,
 * for callers that place the bytes themselves (API frames). Never throws.
 */
export function classicString(msg: Message): string {
  return classicText(msg, 0, true, true);
}

/**
 * The exact text Heartbeat's `auth=` digest covers: NOHEAD classic text of every field but
 * `auth`, strings raw (wire.md §5.1). A byte string. Never throws (see encodeClassic).
 */
export function authText(msg: Message): string {
  return classicText(msg, 0, false, false);
}

const TYPE_PREFIX = /^\(([0-9])\)/;

class TextReader {
  err: DecodeError | null = null;
  constructor(readonly s: string, readonly base: number) {}

  fail(code: DecodeError["code"], offset: number, detail: string): null {
    if (this.err === null) this.err = decodeError(code, this.base + offset, detail);
    return null;
  }

  /** Parses lines from `p` to the end marker (head) or end of text (NOHEAD). */
  message(depth: number, head: boolean): { msg: Message; end: number } | null {
    const s = this.s;
    if (depth >= MAX_TEXT_DEPTH) {
      return this.fail("too_deep", 0, `text nesting deeper than ${MAX_TEXT_DEPTH}`);
    }
    let p = 0;
    if (head) {
      if (!s.startsWith(CLASSIC_START)) {
        if (CLASSIC_START.startsWith(s)) return this.fail("truncated", 0, 'input ends in ">>>"');
        return this.fail("bad_start", 0, `no classic start marker ">>>\\n"`);
      }
      p = 4;
    }
    const fields: Field[] = [];
    for (;;) {
      // string2msg_ll skips stray CR/NL between lines.
      while (p < s.length && (s[p] === "\n" || s[p] === "\r")) p++;
      if (head && s.startsWith(CLASSIC_END, p)) return { msg: new Message(fields), end: p + 4 };
      if (p >= s.length) {
        if (!head) return { msg: new Message(fields), end: p };
        return this.fail("truncated", p, `no end marker "<<<\\n"`);
      }
      if (fields.length >= MAX_FIELDS) {
        return this.fail("too_many_fields", p, `more than ${MAX_FIELDS} fields in one message`);
      }
      const nl = s.indexOf("\n", p);
      if (nl < 0) return this.fail("truncated", p, `line at ${p} has no newline`);
      const f = this.field(s.slice(p, nl), p, depth);
      if (f === null) return null;
      fields.push(f);
      p = nl + 1;
    }
  }

  field(line: string, at: number, depth: number): Field | null {
    let type = 0;
    let nameStart = 0;
    if (line[0] === "(") {
      const m = TYPE_PREFIX.exec(line);
      if (m === null) return this.fail("bad_field", at, `line at ${at}: bad "(T)" type prefix`);
      type = Number(m[1]);
      // cluster-glue refuses "(0)": strings carry no prefix.
      if (type === 0 || type > 5) {
        return this.fail("bad_type", at + 1, `line at ${at}: field type ${type} not allowed`);
      }
      nameStart = 3;
    }
    const eq = line.indexOf("=", nameStart);
    if (eq < 0) return this.fail("bad_field", at, `line at ${at} has no '='`);
    if (eq === nameStart) return this.fail("bad_field", at, `line at ${at} has an empty name`);
    const name = line.slice(nameStart, eq);
    const v = line.slice(eq + 1);
    const vAt = at + eq + 1;
    switch (type) {
      case FieldType.STRING:
        return { name, type: 0, value: v.replaceAll(specialSym(depth), "\n") };
      case FieldType.BINARY:
      case FieldType.COMPRESS: {
        const bytes = fromBase64(v);
        if (bytes === null) {
          return this.fail("bad_base64", vAt, `field "${name}" is not padded base64`);
        }
        return type === 1 ? { name, type: 1, value: bytes } : { name, type: 4, value: bytes };
      }
      case FieldType.STRUCT:
      case FieldType.UNCOMPRESS: {
        const inner = new TextReader(v.replaceAll(specialSym(depth), "\n"), this.base + vAt);
        const r = inner.message(depth + 1, true);
        if (r === null) {
          this.err = inner.err;
          return null;
        }
        if (r.end !== v.length) {
          return this.fail("bad_field", vAt + r.end, `struct "${name}" has bytes after "<<<"`);
        }
        return type === 2 ? { name, type: 2, value: r.msg } : { name, type: 5, value: r.msg };
      }
      case FieldType.LIST: {
        const items = unpackList(v);
        if (items === null) return this.fail("bad_list", vAt, `list "${name}" is not netstrings`);
        return { name, type: 3, value: items };
      }
    }
    return null; // unreachable: type checked above
  }
}

/** Unpacks "3:abc,4:defg," into items; null when malformed or over MAX_FIELDS items. */
export function unpackList(v: string): string[] | null {
  const items: string[] = [];
  let p = 0;
  while (p < v.length) {
    if (items.length >= MAX_FIELDS) return null;
    const colon = v.indexOf(":", p);
    if (colon <= p || colon - p > 7) return null;
    const digits = v.slice(p, colon);
    if (!/^[0-9]+$/.test(digits)) return null;
    const n = Number(digits);
    const e = colon + 1 + n;
    if (e >= v.length || v[e] !== ",") return null;
    items.push(v.slice(colon + 1, e));
    p = e + 1;
  }
  return items;
}

/**
 * Decodes classic text. `head: false` reads the NOHEAD form (lines to the end of input).
 * With a head, a single trailing NUL after "<<<\n" is accepted (API frames). Never throws.
 */
export function decodeClassic(
  bytes: Uint8Array,
  opts: { readonly head?: boolean } = {},
): ClassicDecodeResult {
  if (bytes.length > MAXMSG) {
    return {
      ok: false,
      error: decodeError("too_big", 0, `${bytes.length} bytes is over MAXMSG ${MAXMSG}`),
    };
  }
  const head = opts.head ?? true;
  const r = new TextReader(latin1(bytes), 0);
  const res = r.message(0, head);
  if (res === null) return { ok: false, error: r.err! };
  const rest = bytes.length - res.end;
  if (rest > 1 || (rest === 1 && bytes[res.end] !== 0)) {
    return {
      ok: false,
      error: decodeError("trailing_bytes", res.end, `bytes after the end marker "<<<\\n"`),
    };
  }
  return { ok: true, msg: res.msg };
}
