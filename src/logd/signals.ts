/** Heartbeat's debug signals: SIGUSR1 raises the debug level by one, SIGUSR2 lowers it. */

import type { Logger } from "./logger.ts";

/**
 * Binds SIGUSR1/SIGUSR2 to `logger.raiseDebug()`/`lowerDebug()`; returns a function that
 * unbinds them (call it on shutdown, or the signal listeners keep the process alive).
 *
 * @example
 * ```ts
 * const unbind = bindDebugSignals(logger);
 * // ... `kill -USR1 <pid>` now raises the debug level
 * unbind();
 * ```
 */
export function bindDebugSignals(logger: Logger): () => void {
  const up = () => void logger.raiseDebug();
  const down = () => void logger.lowerDebug();
  Deno.addSignalListener("SIGUSR1", up);
  Deno.addSignalListener("SIGUSR2", down);
  return () => {
    Deno.removeSignalListener("SIGUSR1", up);
    Deno.removeSignalListener("SIGUSR2", down);
  };
}
