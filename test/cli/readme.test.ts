/**
 * The README shows real output: its first command, run now, prints exactly what is pasted there.
 * UPDATE_GOLDEN=1 rewrites the pasted block (review the diff like code).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, iptrace } from "./helpers.js";

const BLOCK = /(The output, as printed:\n\n```\n)([\s\S]*?)(```\n)/;

describe("README", () => {
  it("pastes the real output of its set-up command", () => {
    const path = join(ROOT, "README.md");
    const readme = readFileSync(path, "utf8");
    const cmd = /npm install && npx iptrace (.*)\n/.exec(readme);
    const shown = BLOCK.exec(readme);
    expect(cmd).not.toBeNull();
    expect(shown).not.toBeNull();
    const r = iptrace(cmd![1].split(" "));
    expect(r.status).toBe(0);
    if (process.env.UPDATE_GOLDEN && r.stdout !== shown![2]) {
      writeFileSync(path, readme.replace(BLOCK, (_m, a: string, _b: string, c: string) => `${a}${r.stdout}${c}`));
      return;
    }
    expect(r.stdout, "README.md's pasted output is stale: run UPDATE_GOLDEN=1 npx vitest run test/cli/readme.test.ts").toBe(shown![2]);
  });

  it("shows only real output lines in the excerpts under its other examples", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const examples = [...readme.matchAll(/```sh\n(npx iptrace [^\n]*)\n```\n```\n([\s\S]*?)```/g)];
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const [, cmd, excerpt] of examples) {
      const real = iptrace(cmd.split(" ").slice(2)).stdout.split("\n");
      const shown = excerpt.split("\n").filter((l) => l.trim() !== "" && l.trim() !== "...");
      expect({ cmd, missing: shown.filter((l) => !real.includes(l)) }).toEqual({ cmd, missing: [] });
    }
  }, 120_000);
});
