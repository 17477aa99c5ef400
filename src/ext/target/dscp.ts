/** `-j DSCP` (xt_DSCP): sets the DSCP bits (the upper six) of the TOS / traffic class byte. */
import { byName, uintOption } from "../common.js";
import type { TargetExtension } from "../types.js";

/** The typed `-j DSCP`: the class names are kept as their number, as iptables-save prints it. */
export interface DscpTarget {
  readonly name: "DSCP";
  readonly dscp: number;
}

/** DiffServ class names (libxt_dscp_helper.c). */
export const DSCP_CLASSES: ReadonlyMap<string, number> = new Map([
  ["CS0", 0x00], ["CS1", 0x08], ["CS2", 0x10], ["CS3", 0x18], ["CS4", 0x20], ["CS5", 0x28], ["CS6", 0x30], ["CS7", 0x38],
  ["BE", 0x00], ["AF11", 0x0a], ["AF12", 0x0c], ["AF13", 0x0e], ["AF21", 0x12], ["AF22", 0x14], ["AF23", 0x16],
  ["AF31", 0x1a], ["AF32", 0x1c], ["AF33", 0x1e], ["AF41", 0x22], ["AF42", 0x24], ["AF43", 0x26], ["EF", 0x2e],
]);

export const dscp: TargetExtension<DscpTarget> = {
  name: "DSCP",
  options: [
    { name: "set-dscp", args: 1 },
    { name: "set-dscp-class", args: 1 },
  ],
  // kernel: xt_DSCP.c, table "mangle"
  allowed: { tables: ["mangle"] },
  build(uses, ctx) {
    const o = byName(uses);
    const nu = o.get("set-dscp");
    const cu = o.get("set-dscp-class");
    if (nu && cu) return ctx.error("bad-value", `DSCP: --set-dscp cannot be used together with --set-dscp-class`, cu);
    if (nu) {
      const v = uintOption(nu, ctx, 0, 63);
      return v === undefined ? undefined : { name: "DSCP", dscp: v };
    }
    if (cu) {
      const v = DSCP_CLASSES.get((cu.values[0] ?? "").toUpperCase());
      if (v === undefined) return ctx.error("bad-value", `--set-dscp-class expects a class name (${[...DSCP_CLASSES.keys()].join(", ")}); found "${cu.values[0] ?? ""}"`, cu, 0);
      return { name: "DSCP", dscp: v };
    }
    return ctx.error("missing-value", `DSCP needs --set-dscp VALUE or --set-dscp-class CLASS`, ctx.where);
  },
  print(t) {
    return `--set-dscp 0x${t.dscp.toString(16).padStart(2, "0")}`;
  },
  compile(t) {
    const bits = t.dscp << 2;
    return {
      kind: "effect",
      apply(p) {
        p.tos = (p.tos & 0x03) | bits;
        return "CONTINUE";
      },
    };
  },
};
