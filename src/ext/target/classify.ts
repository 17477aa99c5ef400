/** `-j CLASSIFY` (xt_CLASSIFY): sets skb->priority, the traffic-control class. */
import type { TargetExtension } from "../types.js";

/** The typed `-j CLASSIFY`. */
export interface ClassifyTarget {
  readonly name: "CLASSIFY";
  readonly major: number;
  readonly minor: number;
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, "0");
}

export const classify: TargetExtension<ClassifyTarget> = {
  name: "CLASSIFY",
  options: [{ name: "set-class", args: 1 }],
  // kernel: xt_CLASSIFY.c, hooks LOCAL_OUT | FORWARD | POST_ROUTING, any table
  allowed: { tables: ["raw", "mangle", "nat", "filter", "security"], hooks: ["OUTPUT", "FORWARD", "POSTROUTING"] },
  build(uses, ctx) {
    const u = uses.find((x) => x.name === "set-class");
    if (!u) return ctx.error("missing-value", `CLASSIFY needs --set-class MAJOR:MINOR`, ctx.where);
    // libxt_CLASSIFY: sscanf("%x:%x"), both hexadecimal
    const m = /^(?:0[xX])?([0-9a-fA-F]{1,8}):(?:0[xX])?([0-9a-fA-F]{1,8})$/.exec(u.values[0] ?? "");
    if (!m) return ctx.error("bad-value", `--set-class expects MAJOR:MINOR in hexadecimal (e.g. 1:10), found "${u.values[0] ?? ""}"`, u, 0);
    // the class is one u32 (major << 16 | minor): seen with iptables-nft 1.8.9, 10000:1 is saved as 0000:0001
    return { name: "CLASSIFY", major: parseInt(m[1], 16) & 0xffff, minor: parseInt(m[2], 16) & 0xffff };
  },
  print(t) {
    return `--set-class ${hex4(t.major)}:${hex4(t.minor)}`;
  },
  compile: () => ({ kind: "verdict", verdict: "CONTINUE" }),
};
