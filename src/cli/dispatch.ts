/** Subcommand dispatch for the `heartbeat` binary. One entry per subcommand. */
import { VERSION } from "../version.ts";

/** A subcommand: takes its own argv (without the subcommand name), returns an exit status. */
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

/** Registry of subcommands; each lives in its own module and is loaded on demand. */
const commands: Record<string, Command> = {
  version: {
    summary: "print the version",
    run() {
      console.log(`heartbeat-ts ${VERSION}`);
      return Promise.resolve(0);
    },
  },
};

/** Registers a subcommand (modules call this from `src/cli/commands.ts`). */
export function register(name: string, command: Command): void {
  commands[name] = command;
}

export function usage(): string {
  const names = Object.keys(commands).sort();
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${commands[n].summary}`);
  return [
    "usage: heartbeat <command> [options]",
    "",
    "commands:",
    ...lines,
    "",
    "Run `heartbeat <command> --help` for a command's options.",
  ].join("\n");
}

/** Runs the CLI for argv; returns the process exit status. */
export async function runCli(argv: string[]): Promise<number> {
  await import("./commands.ts");
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") return commands.version.run([]);
  const command = commands[name];
  if (!command) {
    console.error(`heartbeat: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return await command.run(rest);
}
