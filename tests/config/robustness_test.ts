import assert from "node:assert/strict";
import { parseHaCf } from "../../src/config/hacf.ts";
import { parseAuthkeys } from "../../src/config/authkeys.ts";
import { parseTomlConfig } from "../../src/config/toml.ts";
import { DIRECTIVES } from "../../src/config/directives.ts";

/** Small seeded PRNG (mulberry32) so a failure names a reproducible seed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  ...Object.keys(DIRECTIVES),
  "auth",
  "1",
  "0",
  "-3",
  "15",
  "2.5",
  "500ms",
  "abc",
  "eth0",
  "239.0.0.1",
  "192.0.2.1",
  "ff12::1",
  "uid=a,b",
  "gid=",
  "/usr/bin/x",
  "#",
  "=",
  ",",
  "%",
  "sha1",
  "crc",
  "md5",
  "\t",
  "[x]",
  '"',
  "[[media]]",
  "kind",
  "}",
];

function garbage(next: () => number): string {
  const lines: string[] = [];
  const n = Math.floor(next() * 12);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(next() * 6);
    const words: string[] = [];
    for (let j = 0; j < k; j++) words.push(WORDS[Math.floor(next() * WORDS.length)]);
    lines.push(words.join(next() < 0.8 ? " " : ""));
  }
  return lines.join(next() < 0.9 ? "\n" : "\r\n");
}

Deno.test("parsers return results, never throw, on random input (seeded)", () => {
  for (let seed = 1; seed <= 1500; seed++) {
    const text = garbage(rng(seed));
    try {
      for (
        const r of [
          parseHaCf(text, "f", { localNode: "n" }),
          parseAuthkeys(text, "f"),
          parseTomlConfig(text, "f", { localNode: "n" }),
        ]
      ) {
        assert.equal(typeof r.ok, "boolean");
        if (!r.ok) assert.ok(r.errors.length > 0, `seed ${seed}: failure without errors`);
        for (const e of r.ok ? r.warnings : r.errors) assert.ok(e.message.length > 0);
      }
    } catch (e) {
      throw new Error(`seed ${seed}: ${(e as Error).message}\ninput: ${JSON.stringify(text)}`);
    }
  }
});

Deno.test("TOML: well-formed documents with random shapes never throw (seeded)", async () => {
  const { stringify } = await import("smol-toml");
  const keys = [
    "nodes",
    "media",
    "timing",
    "keepalive",
    "kind",
    "iface",
    "peer",
    "group",
    "port",
    "auth",
    "keys",
    "send",
    "index",
    "method",
    "secret",
    "logging",
    "process",
    "env",
    "respawn",
    "apiauth",
    "uid",
    "ping_group",
    "addresses",
    "legacy",
    "stonith",
    "x",
  ];
  const value = (next: () => number, depth: number): unknown => {
    const r = next();
    if (depth > 2 || r < 0.2) {
      return ["a", "eth0", "ucast", "239.0.0.1", "500ms", "sha1"][Math.floor(next() * 6)];
    }
    if (r < 0.35) return Math.floor(next() * 70000) - 5;
    if (r < 0.45) return next() < 0.5;
    if (r < 0.6) {
      return Array.from({ length: Math.floor(next() * 3) }, () => value(next, depth + 1));
    }
    const t: Record<string, unknown> = {};
    for (let i = 0; i < 1 + next() * 4; i++) {
      t[keys[Math.floor(next() * keys.length)]] = value(next, depth + 1);
    }
    return t;
  };
  let parsed = 0;
  for (let seed = 1; seed <= 800; seed++) {
    const next = rng(seed);
    const doc = value(next, 0);
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) continue;
    const text = stringify(doc);
    try {
      const r = parseTomlConfig(text, "f", { localNode: "a" });
      if (!r.ok) assert.ok(r.errors.length > 0);
      parsed++;
    } catch (e) {
      throw new Error(`seed ${seed}: ${(e as Error).message}\ninput: ${text}`);
    }
  }
  assert.ok(parsed > 200, `only ${parsed} documents exercised`);
});
