/** Runs CI batches of membership seeds (shared by the two test files). */
import assert from "node:assert/strict";
import { ccmDefaultNodes, ccmReproCommand, runCcmSeed } from "./ccm_run.ts";

/** Runs seeds [first, last] and asserts every invariant held; returns totals. */
export function runCcmSeeds(first: number, last: number): { views: number; formed: number } {
  const failed: string[] = [];
  let views = 0, formed = 0;
  for (let seed = first; seed <= last; seed++) {
    const n = ccmDefaultNodes(seed);
    const r = runCcmSeed(seed, n);
    views += r.viewChanges;
    formed += r.formed;
    if (r.failures.length) {
      failed.push(`${r.failures[0]}\n  reproduce: ${ccmReproCommand(seed, n)}`);
    }
  }
  assert.deepEqual(failed, []);
  return { views, formed };
}
