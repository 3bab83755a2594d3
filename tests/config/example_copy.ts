/** Test helper: a private copy of an example directory (git keeps authkeys at 0644). */

const EXAMPLES = new URL("../../examples/", import.meta.url).pathname;

/** Copies examples/NAME to a new temp dir and makes its authkeys mode 0600; returns the dir. */
export async function privateCopy(name: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const e of Deno.readDirSync(`${EXAMPLES}${name}`)) {
    await Deno.copyFile(`${EXAMPLES}${name}/${e.name}`, `${dir}/${e.name}`);
  }
  await Deno.chmod(`${dir}/authkeys`, 0o600);
  return dir;
}
