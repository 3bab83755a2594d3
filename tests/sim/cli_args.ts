/** Command-line options shared by `deno task sim` and `deno task sim:ccm`. */

export interface SimArgs {
  /** First seed and how many to run (`--seed S` means exactly that one). */
  first: number;
  count: number;
  /** Fixed node count, or undefined for each seed's default. */
  nodes: number | undefined;
  verbose: boolean;
  /** `--seed S` was given: one run, told in detail. */
  single: boolean;
}

function arg(args: string[], name: string): number | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} needs a whole number, got '${args[i + 1] ?? ""}'`);
    Deno.exit(2);
  }
  return v;
}

/** Parses `--seeds N --first F --nodes M --seed S --verbose`; exits 2 on bad values. */
export function parseSimArgs(args: string[], defaultSeeds: number): SimArgs {
  const one = arg(args, "seed");
  const nodes = arg(args, "nodes");
  if (nodes !== undefined && (nodes < 2 || nodes > 64)) {
    console.error("--nodes must be between 2 and 64");
    Deno.exit(2);
  }
  return {
    first: one ?? arg(args, "first") ?? 1,
    count: one !== undefined ? 1 : arg(args, "seeds") ?? defaultSeeds,
    nodes,
    verbose: args.includes("--verbose") || one !== undefined,
    single: one !== undefined,
  };
}
