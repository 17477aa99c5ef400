/**
 * The kernel canonical-save goldens are current: every fixtures/kernel-save/*.restore, loaded
 * into a fresh namespace by iptables-nft-restore, still saves as the stored .saved. Fails (never
 * skips) when namespaces or tools are missing.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertKernelUsable } from "./netns.ts";
import { kernelSaveOf, listSaveCases, SAVE_FIXTURES } from "./record-save.ts";

const cases = await listSaveCases();

describe("kernel canonical-save goldens", () => {
  beforeAll(async () => {
    await assertKernelUsable();
  });

  it("has at least 30 goldens", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of cases) {
    it(`${c.name}: the kernel still saves it as ${c.name}.saved`, async () => {
      const stored = await readFile(path.join(SAVE_FIXTURES, `${c.name}.saved`), "utf8");
      expect(await kernelSaveOf(c)).toBe(stored);
    });
  }
});
