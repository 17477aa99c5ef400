/**
 * `npm run kernel:record`: re-records every kernel golden — the canonical-save goldens
 * (fixtures/kernel-save) and the Docker traces (fixtures/kernel-trace). Root and the tools of
 * .ci/install-kernel-deps.sh are needed; namespaces named ipt-* are created and always removed.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { BR_DUMMY_TOPOLOGY, SEED_TOPOLOGY } from "./docker-cases.ts";
import { assertKernelUsable, deleteNetwork } from "./netns.ts";
import { recordDiffFixtures } from "./record-diff.ts";
import { kernelSaveOf, listSaveCases, SAVE_FIXTURES } from "./record-save.ts";
import { recordTraces } from "./record-traces.ts";

async function main(): Promise<void> {
  await assertKernelUsable();
  const started = Date.now();
  try {
    const cases = await listSaveCases();
    for (const c of cases) await writeFile(path.join(SAVE_FIXTURES, `${c.name}.saved`), await kernelSaveOf(c));
    console.log(`${cases.length} save goldens recorded in ${Date.now() - started} ms`);
    const traceStart = Date.now();
    const traces = await recordTraces();
    console.log(`${traces} kernel traces recorded in ${Date.now() - traceStart} ms`);
    const diffStart = Date.now();
    const diffs = await recordDiffFixtures();
    console.log(`${diffs} generated cases recorded in fixtures/kernel-diff in ${Date.now() - diffStart} ms`);
  } finally {
    for (const topology of [SEED_TOPOLOGY, BR_DUMMY_TOPOLOGY]) await deleteNetwork(topology);
  }
}

await main();
