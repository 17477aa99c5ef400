/** The support table in the README and docs/support.md is generated from the registries; it must not go stale. */
import { execFileSync } from "node:child_process";
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
});
