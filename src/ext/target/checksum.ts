/** `-j CHECKSUM` (xt_CHECKSUM): fills in a missing layer-4 checksum; no effect on matching. */
import type { TargetExtension } from "../types.js";

/** The typed `-j CHECKSUM`. */
export interface ChecksumTarget {
  readonly name: "CHECKSUM";
}

export const checksum: TargetExtension<ChecksumTarget> = {
  name: "CHECKSUM",
  options: [{ name: "checksum-fill", args: 0 }],
  // kernel: xt_CHECKSUM.c, table "mangle"
  allowed: { tables: ["mangle"] },
  build(uses, ctx) {
    if (!uses.some((u) => u.name === "checksum-fill")) return ctx.error("missing-value", `CHECKSUM needs --checksum-fill`, ctx.where);
    return { name: "CHECKSUM" };
  },
  print: () => "--checksum-fill",
  compile: () => ({ kind: "verdict", verdict: "CONTINUE" }),
};
