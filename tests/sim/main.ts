/**
 * `deno task sim [--seeds N] [--first F] [--nodes M] [--seed S] [--verbose]`: runs seeded
 * cluster simulations; every failing seed prints the one command that reproduces it.
 */
import { defaultNodes, reproCommand, runSeed } from "./run.ts";
import { parseSimArgs } from "./cli_args.ts";

const { first, count, nodes, verbose } = parseSimArgs(Deno.args, 300);

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
