/**
 * Wire fuzzer: random and mutated datagrams (bit flips, truncation, splices, length edits,
 * insertions of capture datagrams and generated messages) through decodeAndVerify, the
 * classic decoder and decompression. Counts outcomes by code; exits 1 if anything throws,
 * printing the seed and index that reproduce it (`--seed S --index I` replays one case).
 *
 *   deno task fuzz -- --count 1000000 --seed 1
 */

import { parseArgs } from "node:util";
import { readPcap } from "../tests/helpers/pcap.ts";
import { mulberry32, randInt, randomMessage, type Rng } from "../tests/wire/gen.ts";
import { decodeAndVerify, digestHex, signAndEncode } from "../src/wire/auth.ts";
import { authText, decodeClassic, encodeClassic } from "../src/wire/classic.ts";
import { decodeNetstring, netstringBody, withSignature } from "../src/wire/netstring.ts";
import { fromLatin1 } from "../src/wire/bytes.ts";
import type { Message } from "../src/wire/message.ts";
import { expandCompressedFields } from "../src/wire/compress.ts";
import type { AuthKey, AuthKeys, AuthMethod } from "../src/config/auth_types.ts";

const CAPTURES = new URL("../tests/fixtures/captures/", import.meta.url);

function keysFor(method: AuthMethod, secret: string): AuthKeys {
  const key: AuthKey = { index: 1, method, secret: new TextEncoder().encode(secret) };
  return { send: key, keys: new Map([[1, key]]) };
}

/** Key sets tried in turn: the captures' methods, so mutated packets reach the auth checks. */
export const FUZZ_KEYS: readonly AuthKeys[] = [
  keysFor("sha1", "interop-secret"),
  keysFor("md5", "interop-secret"),
  keysFor("crc", "interop-secret"),
  keysFor("sha256", "interop-secret"),
];

/** Seed corpus: every capture datagram plus signed and classic encodings of random messages. */
export function loadCorpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const e of Deno.readDirSync(CAPTURES)) {
    if (!e.name.endsWith(".pcap")) continue;
    for (const p of readPcap(Deno.readFileSync(new URL(e.name, CAPTURES)))) out.push(p.payload);
  }
  const rng = mulberry32(12345);
  for (let i = 0; i < 64; i++) {
    const m = randomMessage(rng, { classic: true, maxDepth: 3 });
    out.push(signAndEncode(m, FUZZ_KEYS[i % FUZZ_KEYS.length], {
      compression: i % 8 === 0 ? { algorithm: "zlib", threshold: 64 } : undefined,
    }));
    out.push(encodeClassic(m, { head: true, nul: i % 2 === 0 }));
  }
  return out;
}

const DIGITS = /[0-9]+:/g;

/** One fuzz input, chosen and mutated by `rng`. */
export function mutate(rng: Rng, corpus: readonly Uint8Array[]): Uint8Array {
  const pick = () => corpus[randInt(rng, 0, corpus.length - 1)];
  const kind = randInt(rng, 0, 7);
  let b: Uint8Array;
  switch (kind) {
    case 0: { // random bytes, sometimes behind a valid start marker
      b = new Uint8Array(randInt(rng, 0, 400));
      for (let i = 0; i < b.length; i++) b[i] = randInt(rng, 0, 255);
      if (rng() < 0.5 && b.length >= 4) b.set([0x23, 0x23, 0x23, 0x0a]);
      return b;
    }
    case 1: { // bit flips
      b = pick().slice();
      const n = randInt(rng, 1, 8);
      for (let i = 0; i < n && b.length > 0; i++) {
        b[randInt(rng, 0, b.length - 1)] ^= 1 << randInt(rng, 0, 7);
      }
      return b;
    }
    case 2: { // truncation
      const s = pick();
      return s.slice(0, randInt(rng, 0, s.length));
    }
    case 3: { // splice two inputs
      const a = pick();
      const c = pick();
      const i = randInt(rng, 0, a.length);
      const j = randInt(rng, 0, c.length);
      b = new Uint8Array(i + c.length - j);
      b.set(a.subarray(0, i));
      b.set(c.subarray(j), i);
      return b;
    }
    case 4: { // length edits: rewrite one "<digits>:" prefix
      const s = pick();
      const text = String.fromCharCode.apply(null, s as unknown as number[]);
      const ms = [...text.matchAll(DIGITS)];
      if (ms.length === 0) return s.slice();
      const m = ms[randInt(rng, 0, ms.length - 1)];
      const old = Number(m[0].slice(0, -1));
      const choices = [0, old - 1, old + 1, old * 2, 99999999, 262144, 1e30, randInt(rng, 0, 1000)];
      const repl = String(choices[randInt(rng, 0, choices.length - 1)]) + ":";
      const t = text.slice(0, m.index) + repl + text.slice(m.index! + m[0].length);
      b = new Uint8Array(t.length);
      for (let i = 0; i < t.length; i++) b[i] = t.charCodeAt(i);
      return b;
    }
    case 5: { // byte insert / delete runs
      const s = pick();
      const i = randInt(rng, 0, s.length);
      if (rng() < 0.5) {
        const ins = new Uint8Array(randInt(rng, 1, 16)).map(() => randInt(rng, 0, 255));
        b = new Uint8Array(s.length + ins.length);
        b.set(s.subarray(0, i));
        b.set(ins, i);
        b.set(s.subarray(i), i + ins.length);
        return b;
      }
      const j = Math.min(s.length, i + randInt(rng, 1, 16));
      b = new Uint8Array(s.length - (j - i));
      b.set(s.subarray(0, i));
      b.set(s.subarray(j), i);
      return b;
    }
    case 6: { // duplicate a chunk (repeated fields / nesting markers)
      const s = pick();
      const i = randInt(rng, 0, s.length);
      const j = Math.min(s.length, i + randInt(rng, 1, 64));
      b = new Uint8Array(s.length + (j - i));
      b.set(s.subarray(0, j));
      b.set(s.subarray(i), j);
      return b;
    }
    default:
      return pick().slice();
  }
}

/** Structural equality of two messages (no node:assert in the hot loop). */
function sameMessage(a: Message, b: Message): boolean {
  if (a.fields.length !== b.fields.length) return false;
  for (let i = 0; i < a.fields.length; i++) {
    const x = a.fields[i];
    const y = b.fields[i];
    if (x.name !== y.name || x.type !== y.type) return false;
    if (x.type === 0 && x.value !== y.value) return false;
    if (x.type === 1 || x.type === 4) {
      const yv = y.value as Uint8Array;
      if (x.value.length !== yv.length || x.value.some((c, j) => c !== yv[j])) return false;
    }
    if ((x.type === 2 || x.type === 5) && !sameMessage(x.value, y.value as Message)) return false;
    if (x.type === 3 && JSON.stringify(x.value) !== JSON.stringify(y.value)) return false;
  }
  return true;
}

export type Outcomes = Map<string, number>;

/** Runs one case through every decoder; returns an outcome label. Throws only on a bug. */
export function runCase(input: Uint8Array, keys: AuthKeys): string {
  const n = decodeNetstring(input);
  if (n.ok) {
    // Oracle: whatever the decoder accepts re-encodes to a message that decodes the same,
    // and its auth text can be computed (a peer's message must never make us throw).
    authText(n.msg);
    const again = decodeNetstring(fromLatin1(netstringBody(n.msg)));
    if (!again.ok || !sameMessage(again.msg, n.msg)) {
      throw new Error("accepted message does not survive re-encoding");
    }
  }
  const v = decodeAndVerify(input, keys);
  const c1 = decodeClassic(input, { head: true });
  const c2 = decodeClassic(input, { head: false });
  if (v.ok) {
    const x = expandCompressedFields(v.msg);
    if (!x.ok) return "verified/" + x.error.code;
  }
  if (c1.ok) expandCompressedFields(c1.msg);
  if (c2.ok) expandCompressedFields(c2.msg);
  return (v.ok ? "verified" : v.error.code) + (c1.ok ? " classic_ok" : "");
}

/**
 * Replaces whatever follows the last "%%%\n" by a valid signature of the bytes before it, so
 * mutated bodies get past the signature check into the auth-field and compression paths.
 */
export function resign(input: Uint8Array, keys: AuthKeys): Uint8Array {
  let end = -1;
  for (let i = input.length - 4; i >= 0; i--) {
    if (
      input[i] === 0x25 && input[i + 1] === 0x25 && input[i + 2] === 0x25 && input[i + 3] === 0x0a
    ) {
      end = i + 4;
      break;
    }
  }
  if (end < 0) return input;
  const body = input.subarray(0, end);
  const sig = fromLatin1(withSignature("", keys.send.index, digestHex(keys.send, body)));
  const out = new Uint8Array(end + sig.length);
  out.set(body);
  out.set(sig, end);
  return out;
}

/** Per-case seed so a single case replays without running the ones before it. */
export function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

export interface FuzzReport {
  readonly outcomes: Outcomes;
  readonly failure: { index: number; error: unknown } | null;
}

/** Runs `count` cases from `start`; stops at the first throw. */
export function fuzz(
  seed: number,
  count: number,
  corpus: readonly Uint8Array[],
  start = 0,
): FuzzReport {
  const outcomes: Outcomes = new Map();
  for (let i = start; i < start + count; i++) {
    const rng = mulberry32(caseSeed(seed, i));
    try {
      const keys = FUZZ_KEYS[i % FUZZ_KEYS.length];
      let input = mutate(rng, corpus);
      if (rng() < 0.25) input = resign(input, keys);
      const label = runCase(input, keys);
      outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
    } catch (error) {
      return { outcomes, failure: { index: i, error } };
    }
  }
  return { outcomes, failure: null };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      count: { type: "string", default: "1000000" },
      seed: { type: "string", default: "1" },
      index: { type: "string" },
    },
  });
  const seed = Number(values.seed);
  const corpus = loadCorpus();
  const start = values.index === undefined ? 0 : Number(values.index);
  const count = values.index === undefined ? Number(values.count) : 1;
  const t0 = performance.now();
  const r = fuzz(seed, count, corpus, start);
  const secs = (performance.now() - t0) / 1000;
  const rows = [...r.outcomes].sort((a, b) => b[1] - a[1]);
  for (const [k, n] of rows) console.log(`${String(n).padStart(9)}  ${k}`);
  console.log(`${count} cases, seed ${seed}, ${secs.toFixed(1)} s (${Math.round(count / secs)}/s)`);
  if (r.failure !== null) {
    console.error(`THROW at seed ${seed} index ${r.failure.index}:`, r.failure.error);
    console.error(`reproduce: deno task fuzz -- --seed ${seed} --index ${r.failure.index}`);
    Deno.exit(1);
  }
}
