/**
 * The recorded Docker traces (fixtures/kernel-trace) are current: each case is traced again
 * through the kernel and must give the same steps and packet lines. Fails (never skips) when
 * namespaces or tools are missing.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCKER_RULESETS, dockerCases, REPO_ROOT, TRACE_FIXTURES } from "./docker-cases.ts";
import { assertKernelUsable, createNetwork, deleteNetwork, type Topology } from "./netns.ts";
import { recordCase, type TraceFixture } from "./record-traces.ts";

let network: Topology | undefined;

describe("kernel golden traces", () => {
  beforeAll(async () => {
    await assertKernelUsable();
  });
  afterAll(async () => {
    if (network) await deleteNetwork(network);
  });

  for (const ruleset of DOCKER_RULESETS) {
    describe(ruleset.name, async () => {
      const rulesText = await readFile(path.join(REPO_ROOT, ruleset.file), "utf8");
      for (const c of dockerCases(ruleset, rulesText)) {
        it(c.name, async () => {
          if (network !== ruleset.topology) {
            await createNetwork(ruleset.topology);
            network = ruleset.topology;
          }
          const stored = JSON.parse(await readFile(path.join(TRACE_FIXTURES, ruleset.name, `${c.name}.json`), "utf8")) as TraceFixture;
          const fresh = await recordCase(ruleset, rulesText, c);
          expect(fresh.steps).toEqual(stored.steps);
          expect(fresh.packetLines).toEqual(stored.packetLines);
          expect(fresh.kernelSave).toBe(stored.kernelSave);
        });
      }
    });
  }
});
