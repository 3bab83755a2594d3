/**
 * Heartbeat's time syntax (clplumbing `cl_get_msec`): a plain number is seconds
 * (`2`, `0.5`, `.5`); suffix `ms`/`msec` gives milliseconds, `us`/`usec` microseconds.
 * The result is rounded half-up to whole milliseconds, as Heartbeat does.
 */

/** Largest accepted time: timers are set with setTimeout, whose limit is 2^31-1 ms. */
export const MAX_TIME_MS = 2 ** 31 - 1;

/** What a time value may look like, for error messages. */
export const TIME_ACCEPTED = "seconds (`2`, `0.5`) or milliseconds (`500ms`)";

/** Parses a time value; returns milliseconds (> 0) or the reason it is not a time. */
export function parseTime(text: string): { ok: true; ms: number } | { ok: false; reason: string } {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(ms|msec|us|usec)?$/i.exec(text);
  if (!m) {
    let reason = `"${text}" is not a time; use ${TIME_ACCEPTED}`;
    if (text === "") reason = `empty time; use ${TIME_ACCEPTED}`;
    else if (text.startsWith("-")) reason = `"${text}" is negative; use ${TIME_ACCEPTED}`;
    else if (/^[\d.]+s(ec)?$/i.test(text)) {
      // Heartbeat itself refuses `2s`; accepting it would break files shared with real nodes.
      reason = `"${text}": Heartbeat has no "s" suffix; write \`${
        text.replace(/s(ec)?$/i, "")
      }\` for seconds`;
    }
    return { ok: false, reason };
  }
  const unit = (m[2] ?? "").toLowerCase();
  const n = Number(m[1]);
  const exact = unit === "" ? n * 1000 : unit.startsWith("m") ? n : n / 1000;
  const ms = Math.floor(exact + 0.5);
  if (ms <= 0) return { ok: false, reason: `"${text}" is less than 1 ms; use ${TIME_ACCEPTED}` };
  if (ms > MAX_TIME_MS) {
    return { ok: false, reason: `"${text}" is too long (at most ${MAX_TIME_MS} ms)` };
  }
  return { ok: true, ms };
}
