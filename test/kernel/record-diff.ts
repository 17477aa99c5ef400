/**
 * Records the kernel's traces of the fixed-seed generated cases and the hand-written ones
 * (hand-cases.ts) into fixtures/kernel-diff/
 * (seed-<n>.json, the shape of fixtures/kernel-trace plus the restore input and the seed), which
 * `npm test` compares iptrace with. Used by `npm run kernel:record` and `kernel:fuzz -- --record`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { KERNEL_DIFF_DIR } from "../diff/compare.ts";
import { withSession, type DiffFixture, type KernelSession } from "./differential.ts";
import { FIXED_SEEDS, generateCase } from "./generate.ts";
import { HAND_CASES } from "./hand-cases.ts";

/** Writes a case as DIR/<name>.json and returns the path. */
export async function writeFixture(dir: string, f: DiffFixture): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${f.name}.json`);
  await writeFile(file, `${JSON.stringify(f, null, 2)}\n`);
  return file;
}

/** Traces a seed's case in an open session. */
export async function traceSeed(session: KernelSession, seed: number): Promise<DiffFixture> {
  return { ...(await session.run(generateCase(seed))), seed };
}

/** Records every fixed seed and every hand-written case (hand-cases.ts); returns how many. */
export async function recordDiffFixtures(seeds: readonly number[] = FIXED_SEEDS): Promise<number> {
  await withSession(async (session) => {
    for (const seed of seeds) await writeFixture(KERNEL_DIFF_DIR, await traceSeed(session, seed));
    for (const c of HAND_CASES) await writeFixture(KERNEL_DIFF_DIR, await session.run(c));
  });
  return seeds.length + HAND_CASES.length;
}
