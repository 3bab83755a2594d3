/** Argument parsing shared by the subcommands: one behaviour for help and usage errors. */
import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * Parses a subcommand's argv with `node:util` parseArgs. Returns the parse, or the exit
 * status when it already answered: 0 after printing `help` for `--help`/`-h` (the config
 * must define a boolean `help` option), 2 after printing the error and `help` to stderr.
 *
 * @example
 * const p = parseCommandArgs("status", HELP, { args, options: { json: { type: "boolean" },
 *   help: { type: "boolean", short: "h" } }, strict: true });
 * if (typeof p === "number") return p;
 */
export function parseCommandArgs<T extends ParseArgsConfig>(
  command: string,
  help: string,
  config: T,
): ReturnType<typeof parseArgs<T>> | number {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (e) {
    console.error(`heartbeat ${command}: ${(e as Error).message}\n\n${help}`);
    return 2;
  }
  if ((parsed.values as Record<string, unknown>).help === true) {
    console.log(help);
    return 0;
  }
  return parsed;
}
