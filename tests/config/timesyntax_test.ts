import assert from "node:assert/strict";
import { parseTime } from "../../src/config/timesyntax.ts";

Deno.test("time syntax: seconds, fractions, ms and us, rounded like Heartbeat", () => {
  const table: [string, number][] = [
    ["2", 2000],
    ["0.5", 500],
    [".5", 500],
    ["1.", 1000],
    ["500ms", 500],
    ["500MS", 500],
    ["10msec", 10],
    ["1.4ms", 1],
    ["0.5ms", 1],
    ["1500us", 2],
    ["1499usec", 1],
    ["0.001", 1],
    ["30", 30000],
  ];
  for (const [text, ms] of table) {
    const r = parseTime(text);
    assert.deepEqual(r, { ok: true, ms }, text);
  }
});

Deno.test("time syntax: refuses abc, negative, empty, zero, s suffix, spaces, huge", () => {
  const table: [string, RegExp][] = [
    ["abc", /"abc" is not a time; use seconds/],
    ["-1", /"-1" is negative/],
    ["", /empty time/],
    ["0", /less than 1 ms/],
    ["400us", /less than 1 ms/],
    ["2s", /no "s" suffix; write `2` for seconds/],
    ["5 ms", /not a time/],
    ["1e3", /not a time/],
    ["99999999999", /too long/],
  ];
  for (const [text, re] of table) {
    const r = parseTime(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.reason, re, text);
  }
});
