/**
 * SIGHUP: what a re-read configuration may change in a running daemon. Changing timings,
 * nodes, media or keys under a live protocol would make peers disagree about us mid-flight,
 * so those are reported as needing a restart; the debug level applies at once.
 */
import type { Config } from "../config/types.ts";

export interface ReloadPlan {
  /** New debug level to apply, when it changed. */
  debug?: number;
  /** Settings that changed but only take effect after a restart. */
  needsRestart: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Compares the running config with a freshly loaded one. */
export function planReload(running: Config, next: Config): ReloadPlan {
  const needsRestart: string[] = [];
  if (!same(running.timings, next.timings)) needsRestart.push("timings");
  if (!same(running.nodes, next.nodes)) needsRestart.push("node list");
  const media = (c: Config) => c.media.map(({ source: _s, ...m }) => m);
  if (!same(media(running), media(next))) needsRestart.push("media");
  const logging = (c: Config) => ({ ...c.logging, debug: 0 });
  if (!same(logging(running), logging(next))) needsRestart.push("log destinations");
  if (running.maxRexmitDelayMs !== next.maxRexmitDelayMs) needsRestart.push("max_rexmit_delay");
  const plan: ReloadPlan = { needsRestart };
  if (running.logging.debug !== next.logging.debug) plan.debug = next.logging.debug;
  return plan;
}
