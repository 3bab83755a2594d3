/**
 * Runs a real Heartbeat client binary (cl_status, api_test, ipfail...) against a daemon's run
 * directory: the clients have /run/heartbeat/register compiled in, so each runs in a private
 * mount namespace where the run directory is bind-mounted over /run/heartbeat. Needs root.
 */
import type { RunResult } from "./run.ts";

export const CL_STATUS = "/usr/bin/cl_status";

const BIND = 'mkdir -p /run/heartbeat && mount --bind "$0" /run/heartbeat && exec "$@"';

/** The command running `cmd args` as a client of the daemon whose run dir is `runDir`. */
export function heartbeatClient(
  runDir: string,
  cmd: string,
  args: string[],
  opts: Omit<Deno.CommandOptions, "args"> = {},
): Deno.Command {
  // unshare and sh exec into the client, so the child's pid is the client's own.
  return new Deno.Command("unshare", {
    stdout: "piped",
    stderr: "piped",
    ...opts,
    args: ["--mount", "--propagation", "private", "sh", "-c", BIND, runDir, cmd, ...args],
  });
}

/** Runs `cl_status args` against `runDir`; its exit code and output. */
export async function clStatus(runDir: string, ...args: string[]): Promise<RunResult> {
  const out = await heartbeatClient(runDir, CL_STATUS, args).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/**
 * Why real Heartbeat client binaries `paths` cannot run here (not installed, or not root
 * for the private mount namespace), or undefined when they can.
 */
export function clientsUnavailable(...paths: string[]): string | undefined {
  for (const f of paths) {
    try {
      Deno.statSync(f);
    } catch {
      return `${f} is not installed (apt-get install heartbeat)`;
    }
  }
  if (Deno.uid() !== 0) return "needs root (private mount namespace for the client)";
  return undefined;
}
