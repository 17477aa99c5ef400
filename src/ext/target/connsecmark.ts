/** `-j CONNSECMARK` (xt_CONNSECMARK): copies the security mark between packet and connection. */
import type { TargetExtension } from "../types.js";

/** The typed `-j CONNSECMARK`. */
export interface ConnsecmarkTarget {
  readonly name: "CONNSECMARK";
  readonly mode: "save" | "restore";
}

export const connsecmark: TargetExtension<ConnsecmarkTarget> = {
  name: "CONNSECMARK",
  options: [
    { name: "save", args: 0 },
    { name: "restore", args: 0 },
  ],
  // kernel: xt_CONNSECMARK.c checks the table is "mangle" or "security"
  allowed: { tables: ["mangle", "security"] },
  build(uses, ctx) {
    const save = uses.find((u) => u.name === "save");
    const restore = uses.find((u) => u.name === "restore");
    if (save && restore) return ctx.error("bad-value", `CONNSECMARK: --save cannot be used together with --restore`, restore);
    if (!save && !restore) return ctx.error("missing-value", `CONNSECMARK needs --save or --restore`, ctx.where);
    return { name: "CONNSECMARK", mode: save ? "save" : "restore" };
  },
  print(t) {
    return `--${t.mode}`;
  },
  compile: () => ({ kind: "verdict", verdict: "CONTINUE" }),
};
