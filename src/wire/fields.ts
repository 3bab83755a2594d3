/**
 * Reading and writing Heartbeat's number fields. Heartbeat writes `seq`, `hg`, `ts`, `dt`,
 * `ackseq` as lowercase hex without "0x" (wire.md §7) and `firstseq`, `lastseq`, `ttl`,
 * `client_gen` as decimal. Readers are strict about the characters (sscanf-style leniency
 * would let junk through) but accept uppercase hex, which strtoul reads too.
 */

import type { Message } from "./message.ts";

/** A number field that is missing or not a number. */
export interface FieldError {
  readonly kind: "field";
  readonly code: "missing_field" | "bad_number";
  readonly field: string;
  readonly detail: string;
}

export type NumberResult =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly error: FieldError };

const HEX_RE = /^[0-9a-fA-F]{1,13}$/; // 13 hex digits < 2^53: always exact
const DEC_RE = /^-?[0-9]{1,15}$/;

function bad(field: string, code: FieldError["code"], detail: string): NumberResult {
  return { ok: false, error: { kind: "field", code, field, detail } };
}

/** Parses a hex number text (no "0x"). `field` names it in the error. */
export function parseHex(text: string, field = "value"): NumberResult {
  if (!HEX_RE.test(text)) return bad(field, "bad_number", `${field}=${text} is not a hex number`);
  return { ok: true, value: parseInt(text, 16) };
}

/** Parses a decimal integer text (optional '-'). */
export function parseDecimal(text: string, field = "value"): NumberResult {
  if (!DEC_RE.test(text)) {
    return bad(field, "bad_number", `${field}=${text} is not a decimal number`);
  }
  return { ok: true, value: Number(text) };
}

/** Reads the hex string field `name` of `msg` (seq, hg, ts, dt, ackseq). */
export function getHex(msg: Message, name: string): NumberResult {
  const v = msg.get(name);
  return v === undefined ? bad(name, "missing_field", `no ${name} field`) : parseHex(v, name);
}

/** Reads the decimal string field `name` of `msg` (firstseq, lastseq, ttl). */
export function getDecimal(msg: Message, name: string): NumberResult {
  const v = msg.get(name);
  return v === undefined ? bad(name, "missing_field", `no ${name} field`) : parseDecimal(v, name);
}

/** Heartbeat's hex text of a non-negative integer: lowercase, no "0x", no leading zeros. */
export function formatHex(n: number): string {
  return Math.trunc(n).toString(16);
}

/** Sets the string field `name` to `n` in hex. */
export function setHex(msg: Message, name: string, n: number): void {
  msg.set(name, formatHex(n));
}

/** Sets the string field `name` to `n` in decimal. */
export function setDecimal(msg: Message, name: string, n: number): void {
  msg.set(name, String(Math.trunc(n)));
}
