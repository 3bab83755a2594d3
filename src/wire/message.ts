/**
 * The Heartbeat message model: an ordered list of typed, named fields.
 *
 * Order matters: both of Heartbeat's digests are computed over the fields in order, so a
 * received message keeps its fields exactly as they arrived and re-encodes byte for byte.
 *
 * String values are *byte strings*: one JS char per byte (code 0..255, "latin1"). Heartbeat
 * treats strings as opaque bytes, so this keeps every message byte-exact whatever it
 * carries. Use `utf8Text()` to show such a value to a person.
 */

/** Field type numbers as they appear on the wire (`(N)name=value`), from ha_msg.h. */
export const FieldType = {
  STRING: 0,
  BINARY: 1,
  STRUCT: 2,
  LIST: 3,
  COMPRESS: 4,
  UNCOMPRESS: 5,
} as const;

export type Field =
  | { readonly name: string; readonly type: 0; readonly value: string }
  | { readonly name: string; readonly type: 1; readonly value: Uint8Array }
  | { readonly name: string; readonly type: 2; readonly value: Message }
  | { readonly name: string; readonly type: 3; readonly value: readonly string[] }
  /** Compressed payload: the raw compressed bytes as carried on the wire. */
  | { readonly name: string; readonly type: 4; readonly value: Uint8Array }
  | { readonly name: string; readonly type: 5; readonly value: Message };

/** An ordered, typed field list. Mutators keep the position of replaced fields. */
export class Message {
  readonly fields: Field[];

  constructor(fields: Field[] = []) {
    this.fields = fields;
  }

  /** Builds a message of string fields, in the given order. */
  static of(pairs: Record<string, string>): Message {
    return new Message(Object.entries(pairs).map(([name, value]) => ({ name, type: 0, value })));
  }

  /** The first string field called `name`. */
  get(name: string): string | undefined {
    for (const f of this.fields) if (f.name === name && f.type === 0) return f.value;
    return undefined;
  }

  /** The first binary field called `name`. */
  getBinary(name: string): Uint8Array | undefined {
    for (const f of this.fields) if (f.name === name && f.type === 1) return f.value;
    return undefined;
  }

  /** The first nested message (struct or uncompressed) called `name`. */
  getStruct(name: string): Message | undefined {
    for (const f of this.fields) {
      if (f.name === name && (f.type === 2 || f.type === 5)) return f.value;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.fields.some((f) => f.name === name);
  }

  /** Replaces the first field called `name` in place, or appends it. */
  put(field: Field): this {
    const i = this.fields.findIndex((f) => f.name === field.name);
    if (i >= 0) this.fields[i] = field;
    else this.fields.push(field);
    return this;
  }

  /** Sets a string field (in place when present). */
  set(name: string, value: string): this {
    return this.put({ name, type: 0, value });
  }

  /** Sets a binary field (in place when present). */
  setBinary(name: string, value: Uint8Array): this {
    return this.put({ name, type: 1, value });
  }

  /** Appends a field even when one of the same name exists. */
  add(field: Field): this {
    this.fields.push(field);
    return this;
  }

  /** Removes every field called `name`. */
  remove(name: string): this {
    for (let i = this.fields.length - 1; i >= 0; i--) {
      if (this.fields[i].name === name) this.fields.splice(i, 1);
    }
    return this;
  }

  /** A copy whose field list can be changed without touching this one (values shared). */
  clone(): Message {
    return new Message([...this.fields]);
  }
}

/** Byte string (one char per byte) from bytes. */
export function bytesToByteString(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode(...b.subarray(i, i + 8192));
  }
  return s;
}

/** Bytes from a byte string; chars above 0xFF are a bug in the caller. */
export function byteStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** A byte string shown as text (UTF-8, invalid sequences replaced). */
export function utf8Text(s: string): string {
  return new TextDecoder().decode(byteStringToBytes(s));
}

/** A UTF-8 text as a byte string, for putting text a person typed into a message. */
export function textToByteString(text: string): string {
  return bytesToByteString(new TextEncoder().encode(text));
}
