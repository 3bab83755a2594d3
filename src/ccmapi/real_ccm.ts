/**
 * Whether the real ccm daemon will run next to us: a `respawn` line (or pacemaker's
 * children) naming a program called `ccm`. It then serves /run/heartbeat/ccm/ccm itself
 * (with its own protocol between real ccm daemons), so we must not take that path.
 */

/** True when one of the respawned programs is a `ccm`. */
export function realCcmRespawned(paths: readonly string[]): boolean {
  return paths.some((p) => p === "ccm" || p.endsWith("/ccm"));
}
