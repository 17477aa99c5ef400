/**
 * Batch-B match extensions against the kernel: every rule in batch-b-forms.ts was loaded alone with
 * iptables-nft-restore 1.8.9 and saved back with iptables-nft-save 1.8.9 (nf_tables) in a network
 * namespace. iptrace must print what the kernel printed, and report an error where it refused.
 */
import { describe, expect, it } from "vitest";
import { KERNEL_FORMS } from "./batch-b-forms.js";
import { errorsOf, savedForm } from "./rules.js";

/** Refusals iptrace cannot see from the text alone. */
const NOT_DETECTED: ReadonlyMap<string, string> = new Map([
  ["-A PREROUTING -m nfacct --nfacct-name x -j ACCEPT", "whether the nfacct object exists is host state"],
  ["-A INPUT -m hashlimit --hashlimit-upto 1/day --hashlimit-name a -j ACCEPT", "xt_hashlimit's credit overflow check is not modelled"],
]);

describe("batch B: saved forms and refusals recorded from the kernel", () => {
  for (const [module, rows] of Object.entries(KERNEL_FORMS)) {
    describe(module, () => {
      for (const row of rows) {
        const w = { table: row.table, family: row.family } as const;
        if (row.saved !== null) {
          it(`${row.input} → ${row.saved}`, () => {
            expect(savedForm(row.input, w)).toBe(row.saved);
          });
        } else if (NOT_DETECTED.has(row.input)) {
          it(`${row.input} is accepted by iptrace (${NOT_DETECTED.get(row.input)})`, () => {
            expect(errorsOf(row.input, w)).toEqual([]);
          });
        } else {
          it(`${row.input} is refused (kernel: ${row.refused})`, () => {
            expect(errorsOf(row.input, w).length).toBeGreaterThan(0);
          });
        }
      }
    });
  }
});
