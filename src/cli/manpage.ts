/**
 * `heartbeat manpage [--output FILE]`: writes heartbeat(8) in troff, built from this
 * binary's own help texts. Exit 0 written, 1 failed, 2 usage error.
 */
import { parseArgs } from "node:util";
import { register } from "./dispatch.ts";
import { collectHelp, renderManPage } from "../ops/manpage.ts";

const USAGE = `usage: heartbeat manpage [--output FILE]

Writes the heartbeat(8) manual page (troff) built from \`heartbeat help\` and every
\`heartbeat <command> --help\`; to standard output unless --output names a file.
  -o, --output FILE   where to write (e.g. heartbeat.8; view with man -l heartbeat.8)`;

async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        output: { type: "string", short: "o" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    console.error(`heartbeat manpage: ${e instanceof Error ? e.message : e}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const help = await collectHelp();
  if (!help.ok) {
    console.error(`heartbeat manpage: cannot collect the help texts: ${help.error}`);
    return 1;
  }
  const text = renderManPage(help.value, new Date());
  if (values.output === undefined) {
    await Deno.stdout.write(new TextEncoder().encode(text));
    return 0;
  }
  try {
    await Deno.writeTextFile(values.output, text);
  } catch (e) {
    console.error(
      `heartbeat manpage: cannot write ${values.output}: ${e instanceof Error ? e.message : e}`,
    );
    return 1;
  }
  return 0;
}

register("manpage", { summary: "write the heartbeat(8) manual page from the help texts", run });
