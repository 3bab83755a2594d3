/**
 * `deno task sim:ccm [--seeds N] [--first F] [--nodes M] [--seed S] [--verbose]`: seeded
 * simulations of heartbeat + membership cores; every failing seed prints the one command
 * that reproduces it.
 *
 * Large clusters cost more: steps grow ~N³ (every node's acks and retransmission requests
 * reach every node on two links). Here one seed of `--nodes 32` takes ~2.5 s and one of
 * `--nodes 64` (~14 M core steps) about a minute; CI runs three 32-node seeds and one
 * 64-node seed (tests/sim/ccm_sim_large.slow.ts).
 */
import { ccmDefaultNodes, ccmReproCommand, runCcmSeed } from "./ccm_run.ts";
import { parseSimArgs } from "./cli_args.ts";

const { first, count, nodes, verbose, single } = parseSimArgs(Deno.args, 2000);

let failed = 0, worst = 0, views = 0;
const t0 = performance.now();
for (let seed = first; seed < first + count; seed++) {
  const n = nodes ?? ccmDefaultNodes(seed);
  const r = runCcmSeed(seed, n);
  worst = Math.max(worst, r.convergedAfterMs);
  views += r.viewChanges;
  if (verbose) {
    console.log(
      `seed ${seed} nodes ${n}: steps ${r.steps}, view changes ${r.viewChanges} ` +
        `(${r.formed} formed), converged ${r.convergedAfterMs.toFixed(1)} ms after faults ` +
        `(bound ${r.boundMs} ms)`,
    );
    if (single) { for (const f of r.faults) console.log(`  fault ${f}`); }
  }
  if (r.failures.length) {
    failed++;
    console.log(`FAIL seed ${seed} (${n} nodes):`);
    for (const f of r.failures) console.log(`  ${f}`);
    console.log(`  reproduce: ${ccmReproCommand(seed, n)}`);
  }
}
const secs = ((performance.now() - t0) / 1000).toFixed(1);
console.log(
  `${count - failed}/${count} seeds passed in ${secs} s; ${views} view changes; ` +
    `slowest convergence ${worst.toFixed(1)} ms after faults stopped`,
);
Deno.exit(failed ? 1 : 0);
