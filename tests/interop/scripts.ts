/**
 * Runs the lab scripts of this folder (hbnet.sh, realhb.sh) with the lab's environment
 * (HBNET_NS, HBLAB): shared by the mixed-cluster lab, the serial interop test and the benches.
 */

const HERE = new URL(".", import.meta.url).pathname;

/** What a script printed and how it exited. */
export interface Shell {
  code: number;
  out: string;
  err: string;
}

/** Runs `script args` (a file of tests/interop/) to completion. */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<Shell> {
  const o = await new Deno.Command(`${HERE}${script}`, {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

/** Like runScript, but a non-zero exit throws with the command and everything it printed. */
export async function mustScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<string> {
  const r = await runScript(script, args, env);
  if (r.code !== 0) {
    throw new Error(`${script} ${args.join(" ")} failed (${r.code}): ${r.err}${r.out}`);
  }
  return r.out;
}
