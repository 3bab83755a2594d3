/**
 * heartbeat-ts: the entry point of the `heartbeat` binary (compiled or `deno run main.ts`).
 * Parses the subcommand and hands the rest of argv to it; exits with its status.
 */
import { runCli } from "./src/cli/dispatch.ts";

if (import.meta.main) {
  const code = await runCli(Deno.args);
  Deno.exit(code);
}
