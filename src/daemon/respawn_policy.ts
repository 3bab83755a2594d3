/**
 * When to restart a `respawn` child (pure): a child that ran long enough is restarted at
 * once; one that keeps dying quickly is restarted after a doubling delay, capped, so a broken
 * program cannot spin the CPU or flood the log. (Heartbeat stops respawning a client that
 * dies too fast; we keep trying at the capped rate, since the cause is often transient.)
 */

export interface RespawnState {
  /** Consecutive quick deaths. */
  quickDeaths: number;
}

export const QUICK_DEATH_MS = 10_000;
export const BASE_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 60_000;

/** The delay before the next start, and the new state, after a child ran `ranMs`. */
export function nextRespawn(
  state: RespawnState,
  ranMs: number,
): { delayMs: number; state: RespawnState } {
  if (ranMs >= QUICK_DEATH_MS) return { delayMs: 0, state: { quickDeaths: 0 } };
  const quickDeaths = state.quickDeaths + 1;
  const delayMs = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (quickDeaths - 1));
  return { delayMs, state: { quickDeaths } };
}
