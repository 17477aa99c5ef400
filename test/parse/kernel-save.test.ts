/**
 * The printer against the kernel: each hand-written restore file in fixtures/kernel-save was
 * loaded into a network namespace with iptables-nft-restore and saved with iptables-nft-save
 * (test/kernel/record-save.ts); the `.saved` file is what the kernel printed. iptrace must print
 * the same text from the restore input alone. (test/kernel re-records them against the live kernel.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset, printRuleset } from "../../src/index.js";

const dir = join(import.meta.dirname, "../../fixtures/kernel-save");
const inputs = readdirSync(dir).filter((f) => f.endsWith(".restore"));

/** Drops iptables-save's `#` header lines, which carry a date. */
const withoutComments = (text: string) =>
  text
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .join("\n");

describe("printer agrees with the kernel's iptables-save", () => {
  it("has at least 30 recorded files, IPv4 and IPv6", () => {
    expect(inputs.length).toBeGreaterThanOrEqual(30);
    expect(inputs.some((f) => f.endsWith(".v6.restore"))).toBe(true);
  });

  for (const input of inputs) {
    it(input, () => {
      const family = input.endsWith(".v6.restore") ? 6 : 4;
      const text = readFileSync(join(dir, input), "utf8");
      const saved = readFileSync(join(dir, input.replace(/\.restore$/, ".saved")), "utf8");
      const { ruleset, issues } = parseRuleset(text, { family, source: input });
      expect(issues.filter((i) => i.severity === "error")).toEqual([]);
      expect(withoutComments(printRuleset(ruleset, { order: "kernel" }))).toBe(withoutComments(saved));
    });
  }
});
