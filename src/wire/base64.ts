/** Standard base64 with '=' padding, as cluster-glue's base64.c writes it (verified on capture). */

import { Buffer } from "node:buffer";

/** Encodes bytes as padded standard base64. */
export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("base64");
}

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes padded standard base64; null when `s` is not exactly that (Buffer alone is lenient). */
export function fromBase64(s: string): Uint8Array | null {
  if (!B64_RE.test(s)) return null;
  const buf = Buffer.from(s, "base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length).slice();
}
