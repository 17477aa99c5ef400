/** The support table in the README and docs/support.md is generated from the registries; it must not go stale. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");

describe("support table", () => {
  it("matches what docs/gen-support-table.ts generates from the extension registries", () => {
    let out = "";
    let status = 0;
    try {
      out = execFileSync(process.execPath, ["--import", "tsx", "docs/gen-support-table.ts", "--check"], { cwd: root, encoding: "utf8", stdio: "pipe" });
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      status = err.status ?? 1;
      out = `${err.stdout ?? ""}${err.stderr ?? ""}`;
    }
    expect(status, `stale: run node --import tsx docs/gen-support-table.ts\n${out}`).toBe(0);
  }, 60_000);

  it("reads each row's semantics from the extension's own file, whole", () => {
    const page = readFileSync(join(root, "docs/support.md"), "utf8");
    const rowOf = (name: string) => page.split("\n").find((l) => l.startsWith(`| \`${name}\``)) ?? "";
    // recent.ts has an option named "set": the set match's row must still describe the set match
    expect(rowOf("set")).toContain("ipset save");
    expect(rowOf("set")).not.toContain("recent list");
    // a template literal with a nested one inside ${…} is shown with "…", not cut at the inner backtick
    expect(page).not.toMatch(/\$\{/);
  });

  it("gives statistic's row what the walk assumes for nth counters, beside its own file's text", () => {
    const page = readFileSync(join(root, "docs/support.md"), "utf8");
    const row = page.split("\n").find((l) => l.startsWith("| `statistic`")) ?? "";
    // Walker.nthHit (src/sim/walk.ts): a counter's position unknown (the walk forks), or as just loaded
    expect(row).toContain("its counter's position is not known");
    expect(row).toContain("the walk follows each place it may stand, one packet in … being the pick");
    expect(row).toContain("its counter assumed as just loaded");
    // statistic.ts: assume.nthHit's fixed answer
    expect(row).toContain("assumed (assume.nthHit) this packet is …the one in … that the counter picks");
  });
});

