/**
 * Differential testing, live: the fixed-seed generated cases and the hand-written ones
 * (hand-cases.ts) run through the kernel now (one network, one monitor per family for all of
 * them) and are compared with iptrace directly; the kernel's trace and save must also still be
 * the recorded ones in fixtures/kernel-diff (so that `npm test`, which reads the recording, keeps
 * testing what the kernel does). iptrace's printer must print each case's input as the kernel's
 * iptables-nft-save printed it after loading it.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareCase, comparePrinted, describeDifference, describePrinted, KERNEL_DIFF_DIR } from "../diff/compare.ts";
import { KernelSession, type DiffCase } from "./differential.ts";
import { FIXED_SEEDS, generateCase } from "./generate.ts";
import { HAND_CASES } from "./hand-cases.ts";
import { assertKernelUsable } from "./netns.ts";
import { writeFixture } from "./record-diff.ts";

const knownFile = path.join(KERNEL_DIFF_DIR, "known.json");
const known: Record<string, string> = existsSync(knownFile) ? (JSON.parse(readFileSync(knownFile, "utf8")) as Record<string, string>) : {};

const strip = (steps: readonly { packet?: number }[]) => steps.map(({ packet: _packet, ...rest }) => rest);

describe("differential: generated cases through the kernel and iptrace", () => {
  let session: KernelSession;
  beforeAll(async () => {
    await assertKernelUsable();
    session = await KernelSession.open();
  }, 60_000);
  afterAll(async () => {
    if (session) {
      const t = session.times;
      const per = (ms: number) => (ms / Math.max(1, t.cases)).toFixed(0);
      console.log(`kernel time per case (${t.cases} cases): load ${per(t.load)} ms, send ${per(t.send)} ms, drain ${per(t.drain)} ms`);
      await session.close();
    }
  }, 60_000);

  const cases: (DiffCase & { seed?: number })[] = [...FIXED_SEEDS.map((seed) => generateCase(seed)), ...HAND_CASES];
  for (const c of cases) {
    it(c.name, async () => {
      const fixture = await session.run(c);
      const recordedFile = path.join(KERNEL_DIFF_DIR, `${c.name}.json`);
      expect(existsSync(recordedFile), `${c.name} is not recorded: npm run kernel:record`).toBe(true);
      const recorded = JSON.parse(readFileSync(recordedFile, "utf8")) as { input: string; kernelSave: string; steps: { packet?: number }[] };
      expect(recorded.input, "the case changed: re-record with npm run kernel:record").toBe(c.input);
      expect(fixture.kernelSave, "the kernel's save is not the recorded one").toBe(recorded.kernelSave);
      expect(strip(fixture.steps), "the kernel's trace is not the recorded one").toEqual(strip(recorded.steps));
      const printed = comparePrinted(fixture);
      expect(printed, printed && describePrinted(printed)).toBeUndefined();
      const r = compareCase({ ...fixture, file: c.name });
      // Keep a differing case for replay (npm run kernel:fuzz -- --seed N, or read the file).
      if (!r.agree && !known[c.name]) await writeFixture(path.join(KERNEL_DIFF_DIR, "found"), { ...fixture, ...(c.seed !== undefined ? { seed: c.seed } : {}) });
      if (known[c.name]) expect(r.agree, `${c.name} now agrees: remove it from known.json`).toBe(false);
      else expect(r.agree, describeDifference({ ...fixture, file: c.name }, r)).toBe(true);
    });
  }
});
