/**
 * The run directory's client subdirectories, as Heartbeat's packaging creates them
 * (tmpfiles.d): clients such as ccm, crmd and dopd put their own sockets there and exit
 * when the directory is missing. Owned by hacluster:haclient when those exist.
 */
import { loadIdDb } from "../api/mod.ts";

export const CLIENT_DIRS = ["ccm", "crm", "dopd"];

/** Creates `<runDir>/{ccm,crm,dopd}` (0750); returns problems as sentences (not fatal). */
export function prepareRunDir(runDir: string): string[] {
  const problems: string[] = [];
  const db = loadIdDb();
  const uid = db.users.get("hacluster") ?? null;
  const gid = db.groups.get("haclient") ?? null;
  for (const d of CLIENT_DIRS) {
    const path = `${runDir}/${d}`;
    try {
      Deno.mkdirSync(path, { recursive: true, mode: 0o750 });
      Deno.chmodSync(path, 0o750);
      if (Deno.uid() === 0 && (uid !== null || gid !== null)) Deno.chownSync(path, uid, gid);
    } catch (e) {
      problems.push(`cannot prepare ${path} for clients: ${(e as Error).message}`);
    }
  }
  return problems;
}
