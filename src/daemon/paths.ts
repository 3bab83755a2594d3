/**
 * Default file locations. Heartbeat's own paths, so a node keeps its uuid and generation
 * across a switch between real Heartbeat and heartbeat-ts.
 */
export const DEFAULT_CONFIG = "/etc/ha.d/ha.cf";
export const DEFAULT_STATE_DIR = "/var/lib/heartbeat";
export const DEFAULT_RUN_DIR = "/run/heartbeat";

/** Where the daemon's control socket lives inside its run directory. */
export function controlSocketPath(runDir: string): string {
  return `${runDir}/hbts-control`;
}

/** The run directory: `--run-dir`, else $HEARTBEAT_RUN_DIR, else the default. */
export function runDirFrom(flag: string | undefined): string {
  return flag ?? Deno.env.get("HEARTBEAT_RUN_DIR") ?? DEFAULT_RUN_DIR;
}
