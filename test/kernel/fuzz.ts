/**
 * Differential testing against the kernel from the command line (root, kernel tools installed).
 *
 *   npm run kernel:fuzz                      fresh random seeds (each printed), 200 cases
 *   npm run kernel:fuzz -- --count 1000      more of them
 *   npm run kernel:fuzz -- --seed 17,42      replay these seeds
 *   npm run kernel:fuzz -- --record          record the fixed CI seeds into fixtures/kernel-diff/
 *
 * Every case is traced by the kernel and by iptrace; a difference prints the case and the first
 * differing step, and the case is kept as fixtures/kernel-diff/found/seed-<n>.json for replay
 * (`npm test` does not read that directory; move a file up to make it a permanent case). The
 * case's restore input printed by iptrace must also equal what iptables-nft-save printed after
 * loading it; a difference there is kept the same way.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { compareCase, comparePrinted, describeDifference, describePrinted, KERNEL_DIFF_DIR } from "../diff/compare.ts";
import { withSession } from "./differential.ts";
import { FIXED_SEEDS, fuzzSeeds } from "./generate.ts";
import { assertKernelUsable } from "./netns.ts";
import { traceSeed, writeFixture } from "./record-diff.ts";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { count: { type: "string" }, seed: { type: "string" }, record: { type: "boolean" }, quiet: { type: "boolean" } },
  });
  await assertKernelUsable();
  const seeds = values.record ? [...FIXED_SEEDS] : fuzzSeeds(values.seed, values.count);
  const started = Date.now();
  let agree = 0;
  const differing: string[] = [];
  await withSession(async (session) => {
    for (const seed of seeds) {
      const fixture = await traceSeed(session, seed);
      if (values.record) await writeFixture(KERNEL_DIFF_DIR, fixture);
      let result;
      try {
        result = compareCase({ ...fixture, file: fixture.name });
      } catch (error) {
        console.log(`seed ${seed}: iptrace threw: ${(error as Error).message}`);
        differing.push(String(seed));
        await writeFixture(path.join(KERNEL_DIFF_DIR, "found"), fixture);
        continue;
      }
      const printed = comparePrinted(fixture);
      if (printed !== undefined) {
        differing.push(String(seed));
        const file = await writeFixture(path.join(KERNEL_DIFF_DIR, "found"), fixture);
        console.log(`seed ${seed}: PRINTED DIFFERENTLY (kept as ${path.relative(process.cwd(), file)}), ${describePrinted(printed)}\n`);
        continue;
      }
      if (result.agree) {
        agree++;
        if (!values.quiet) console.log(`seed ${seed}: agree (${fixture.steps.length} steps)`);
      } else {
        differing.push(String(seed));
        const file = await writeFixture(path.join(KERNEL_DIFF_DIR, "found"), fixture);
        console.log(`seed ${seed}: DIFFERENT (kept as ${path.relative(process.cwd(), file)})\n${describeDifference({ ...fixture, file: fixture.name }, result)}\n`);
      }
    }
    const t = session.times;
    const per = (ms: number) => (ms / Math.max(1, t.cases)).toFixed(0);
    console.log(`kernel time per case: load ${per(t.load)} ms, send ${per(t.send)} ms, drain ${per(t.drain)} ms`);
  });
  console.log(`${seeds.length} cases, ${agree} agree, ${differing.length} differ${differing.length ? ` (seeds ${differing.join(",")})` : ""}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = differing.length > 0 ? 1 : 0;
}

await main();
