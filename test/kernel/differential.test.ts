/**
 * Differential testing, live: the fixed-seed generated cases run through the kernel now (one
 * network, one monitor per family for all of them) and are compared with iptrace directly; the
 * kernel's trace must also still be the recorded one in fixtures/kernel-diff (so that `npm test`,
 * which reads the recording, keeps testing what the kernel does).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareCase, describeDifference, KERNEL_DIFF_DIR } from "../diff/compare.ts";
import { KernelSession } from "./differential.ts";
import { FIXED_SEEDS, generateCase } from "./generate.ts";
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

  for (const seed of FIXED_SEEDS) {
    const c = generateCase(seed);
    it(c.name, async () => {
      const fixture = await session.run(c);
      const recordedFile = path.join(KERNEL_DIFF_DIR, `${c.name}.json`);
      expect(existsSync(recordedFile), `${c.name} is not recorded: npm run kernel:fuzz -- --record`).toBe(true);
      const recorded = JSON.parse(readFileSync(recordedFile, "utf8")) as { input: string; steps: { packet?: number }[] };
      expect(recorded.input, "the generator changed: re-record with npm run kernel:fuzz -- --record").toBe(c.input);
      expect(strip(fixture.steps), "the kernel's trace is not the recorded one").toEqual(strip(recorded.steps));
      const r = compareCase({ ...fixture, file: c.name });
      // Keep a differing case for replay (npm run kernel:fuzz -- --seed N, or read the file).
      if (!r.agree && !known[c.name]) await writeFixture(path.join(KERNEL_DIFF_DIR, "found"), { ...fixture, seed });
      if (known[c.name]) expect(r.agree, `${c.name} now agrees: remove it from known.json`).toBe(false);
      else expect(r.agree, describeDifference({ ...fixture, file: c.name }, r)).toBe(true);
    });
  }
});
