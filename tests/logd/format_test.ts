import { deepEqual, equal } from "node:assert/strict";
import {
  formatLine,
  type LogRecord,
  parseLogLine,
  sanitizeText,
  unescapeText,
} from "../../src/logd/mod.ts";

const base: LogRecord = {
  time: Date.UTC(2026, 10, 29, 1, 2, 3, 4),
  level: "warn",
  debugLevel: 0,
  entity: "heartbeat",
  pid: 4242,
  host: "node1",
  text: "node node2: is dead",
};

Deno.test("formatLine writes the documented format", () => {
  deepEqual(
    formatLine(base),
    "2026-11-29T01:02:03.004Z node1 heartbeat[4242]: WARN: node node2: is dead",
  );
  deepEqual(
    formatLine({ ...base, level: "debug", debugLevel: 3 }).split(" ")[3],
    "debug:",
  );
});

Deno.test("parseLogLine takes a formatted line apart", () => {
  const p = parseLogLine(formatLine(base) + "\n");
  deepEqual(p, {
    time: base.time,
    host: "node1",
    entity: "heartbeat",
    pid: 4242,
    level: "warn",
    text: "node node2: is dead",
  });
  for (const level of ["debug", "info", "warn", "error", "crit"] as const) {
    equal(parseLogLine(formatLine({ ...base, level }))?.level, level);
  }
});

Deno.test("parseLogLine refuses lines that are not ours", () => {
  for (
    const bad of [
      "",
      "hello",
      "Nov 29 01:02:03 node1 heartbeat: [42]: info: x",
      "2026-11-29T01:02:03.004Z node1 heartbeat[x]: info: text",
      "2026-11-29T01:02:03.004Z node1 heartbeat[1]: NOTICE: text",
      "2026-11-29 01:02:03.004Z node1 heartbeat[1]: info: text",
    ]
  ) equal(parseLogLine(bad), undefined, bad);
});

Deno.test("text is sanitised to one line and round-trips", () => {
  const nasty = "a\nb\r\tc\x00d\x1b[31me\x7f\x85f\u2028g\\n h é 日本";
  const s = sanitizeText(nasty);
  // deno-lint-ignore no-control-regex
  equal(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/.test(s), false, s);
  equal(s, "a\\nb\\r\\tc\\x00d\\x1b[31me\\x7f\\x85f\\u2028g\\\\n h é 日本");
  equal(unescapeText(s), nasty);
  const line = formatLine({ ...base, text: nasty });
  equal(line.includes("\n"), false);
  equal(parseLogLine(line)?.text, nasty);
  equal(sanitizeText("plain"), "plain");
});

Deno.test("entity and host become single tokens", () => {
  const line = formatLine({ ...base, entity: "my app: [x]", host: "" });
  const p = parseLogLine(line);
  equal(p?.entity, "my_app___x_");
  equal(p?.host, "-");
});

Deno.test("an out-of-range time does not throw", () => {
  equal(formatLine({ ...base, time: 1e20 }).startsWith("1970-01-01T00:00:00.000Z"), true);
});
