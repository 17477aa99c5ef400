/** `-j AUDIT` (xt_AUDIT): writes an audit record and continues. */
import type { TargetExtension } from "../types.js";

/** The typed `-j AUDIT`. */
export interface AuditTarget {
  readonly name: "AUDIT";
  readonly type: "accept" | "drop" | "reject";
}

const TYPES = ["accept", "drop", "reject"] as const;

export const audit: TargetExtension<AuditTarget> = {
  name: "AUDIT",
  options: [{ name: "type", args: 1 }],
  build(uses, ctx) {
    const u = uses.find((x) => x.name === "type");
    if (!u) return ctx.error("missing-value", `AUDIT needs --type accept|drop|reject`, ctx.where);
    const t = TYPES.find((x) => x === (u.values[0] ?? "").toLowerCase());
    if (!t) return ctx.error("bad-value", `--type expects accept, drop or reject; found "${u.values[0] ?? ""}"`, u, 0);
    return { name: "AUDIT", type: t };
  },
  print(t) {
    return `--type ${t.type}`;
  },
  compile(t) {
    return {
      kind: "effect",
      apply(_p, w) {
        w.note(`AUDIT: records an audit event of type ${t.type}`);
        return "CONTINUE";
      },
    };
  },
};
