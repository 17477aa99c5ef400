/** `-j SECMARK` (xt_SECMARK): sets the packet's security mark from an SELinux context. */
import type { TargetExtension } from "../types.js";

/** The typed `-j SECMARK`. */
export interface SecmarkTarget {
  readonly name: "SECMARK";
  readonly selctx: string;
}

export const secmark: TargetExtension<SecmarkTarget> = {
  name: "SECMARK",
  options: [{ name: "selctx", args: 1 }],
  // kernel: xt_SECMARK.c checks the table is "mangle" or "security"
  allowed: { tables: ["mangle", "security"] },
  build(uses, ctx) {
    const u = uses.find((x) => x.name === "selctx");
    if (!u || (u.values[0] ?? "") === "") return ctx.error("missing-value", `SECMARK needs --selctx CONTEXT`, u ?? ctx.where);
    if ((u.values[0] ?? "").length > 255) return ctx.error("bad-value", `--selctx is longer than 255 characters`, u, 0);
    return { name: "SECMARK", selctx: u.values[0] ?? "" };
  },
  print(t) {
    return `--selctx ${t.selctx}`;
  },
  compile(t) {
    return {
      kind: "effect",
      apply(_p, w) {
        w.note(`SECMARK: security context ${t.selctx} (SELinux labels are not modelled)`);
        return "CONTINUE";
      },
    };
  },
};
