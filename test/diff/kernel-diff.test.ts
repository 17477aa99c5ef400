/**
 * iptrace against the kernel on generated cases: fixtures/kernel-diff/seed-<n>.json holds, for
 * each fixed seed of test/kernel/generate.ts, the kernel's own trace (recorded with
 * `npm run kernel:fuzz -- --record`). iptrace runs on the kernel's iptables-save text, the
 * recorded host and the same packet, and must print the kernel's steps exactly.
 *
 * fixtures/kernel-diff/known.json lists the seeds where iptrace is known to differ, each with the
 * kernel behaviour it lacks; those must still differ (when one agrees, drop it from the list).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { normaliseSave } from "../kernel/trace.js";
import { compareCase, comparePrinted, describeDifference, describePrinted, KERNEL_DIFF_DIR, loadDiffCases } from "./compare.js";

const cases = loadDiffCases();
const knownFile = path.join(KERNEL_DIFF_DIR, "known.json");
const known: Record<string, string> = existsSync(knownFile) ? (JSON.parse(readFileSync(knownFile, "utf8")) as Record<string, string>) : {};

describe("iptrace agrees with the kernel on generated cases", () => {
  it("has at least 300 recorded cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
  });
  for (const c of cases) {
    const reason = known[c.name];
    it(reason ? `${c.name} (known difference: ${reason})` : c.name, () => {
      const r = compareCase(c);
      if (reason) {
        expect(r.agree, `${c.name} now agrees with the kernel: remove it from fixtures/kernel-diff/known.json`).toBe(false);
        return;
      }
      expect(r.agree, describeDifference(c, r)).toBe(true);
    });
  }
});

describe("iptrace's printer agrees with the kernel's iptables-save on generated cases", () => {
  // the generator's restore text differs from what the kernel saves in most cases (limit rates,
  // --tcp-flags, table order, …): each must print as the kernel printed it after loading it
  it("has cases whose input is not already the kernel's text", () => {
    const differing = cases.filter((c) => normaliseSave(c.input).trim() !== normaliseSave(c.kernelSave).trim());
    expect(differing.length).toBeGreaterThanOrEqual(cases.length / 2);
  });
  for (const c of cases) {
    it(c.name, () => {
      const d = comparePrinted(c);
      expect(d, d && describePrinted(d)).toBeUndefined();
    });
  }
});
