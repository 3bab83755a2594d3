/**
 * `deno task compile`: builds dist/heartbeat, a single binary that behaves like
 * `deno run main.ts`. `deno compile` needs the `denort` runtime: it downloads it from
 * dl.deno.land unless DENORT_BIN names a local copy. When neither works we say so in one
 * sentence instead of Deno's stack of errors.
 */
const out = "dist/heartbeat";
await Deno.mkdir("dist", { recursive: true });
const args = [
  "compile",
  "-A",
  "--unstable-net",
  "--no-check",
  "--output",
  out,
  "main.ts",
];
const res = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
  .output();
const err = new TextDecoder().decode(res.stderr);
if (res.code === 0) {
  console.log(`built ${out}`);
  Deno.exit(0);
}
const denort = Deno.env.get("DENORT_BIN");
if (denort) {
  console.error(
    `compile: deno compile failed with DENORT_BIN=${denort}; check that it is a denort ` +
      `binary of Deno ${Deno.version.deno} for this platform. Deno said: ${lastLine(err)}`,
  );
} else if (/dl\.deno\.land|download|denort|dns|connect|network/i.test(err)) {
  console.error(
    `compile: cannot build ${out} because the denort runtime for Deno ${Deno.version.deno} ` +
      `could not be downloaded (no route to dl.deno.land); download ` +
      `denort-${Deno.build.target}.zip on a machine that can, unzip it, and run ` +
      `DENORT_BIN=/path/to/denort deno task compile.`,
  );
} else {
  console.error(`compile: deno compile failed: ${lastLine(err)}`);
}
Deno.exit(1);

function lastLine(s: string): string {
  const lines = s.trim().split("\n").filter((l) => l.trim() !== "");
  return lines.at(-1) ?? "(no output)";
}
