/**
 * `deno task sim [--seeds N] [--first F] [--nodes M] [--seed S] [--verbose]`: runs seeded
 * cluster simulations; every failing seed prints the one command that reproduces it.
 */
import { defaultNodes, reproCommand, runSeed } from "./run.ts";

function arg(name: string): number | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(Deno.args[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} needs a whole number, got '${Deno.args[i + 1] ?? ""}'`);
    Deno.exit(2);
  }
  return v;
}

const one = arg("seed");
const nodes = arg("nodes");
const verbose = Deno.args.includes("--verbose") || one !== undefined;
if (nodes !== undefined && (nodes < 2 || nodes > 64)) {
  console.error("--nodes must be between 2 and 64");
  Deno.exit(2);
}
const first = one ?? arg("first") ?? 1;
const count = one !== undefined ? 1 : arg("seeds") ?? 300;

let failed = 0;
const t0 = performance.now();
for (let seed = first; seed < first + count; seed++) {
  const n = nodes ?? defaultNodes(seed);
  const r = runSeed(seed, n);
  if (verbose) {
    console.log(
      `seed ${seed} nodes ${n} ${r.kind}: steps ${r.steps}, loss ${
        (r.lossRate * 100).toFixed(1)
      }%, ` +
        `deaths ${r.deaths}, delivered ${r.delivered}, rexmit requests ${r.rexmitRequests}`,
    );
  }
  if (r.failures.length) {
    failed++;
    console.log(`FAIL seed ${seed} (${r.kind}, ${n} nodes):`);
    for (const f of r.failures) console.log(`  ${f}`);
    console.log(`  reproduce: ${reproCommand(seed, n)}`);
  }
}
const secs = ((performance.now() - t0) / 1000).toFixed(1);
console.log(`${count - failed}/${count} seeds passed in ${secs} s`);
Deno.exit(failed ? 1 : 0);
