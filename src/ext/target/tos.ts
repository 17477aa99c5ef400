/** `-j TOS` (xt_DSCP's TOS, revision 1): changes the TOS / traffic class byte as `tos = (tos & ~mask) ^ value`. */
import { parseUint } from "../common.js";
import type { TargetExtension } from "../types.js";

/** The typed `-j TOS`, in the kernel's one form (`--set-tos VALUE/MASK`). */
export interface TosTarget {
  readonly name: "TOS";
  readonly value: number;
  readonly mask: number;
}

/** Symbolic TOS names (RFC 1349); with a name the mask is 0x3f (libxt_TOS). */
const TOS_NAMES: ReadonlyMap<string, number> = new Map([
  ["minimize-delay", 0x10], ["maximize-throughput", 0x08], ["maximize-reliability", 0x04], ["minimize-cost", 0x02], ["normal-service", 0x00],
]);

const OPS = ["set-tos", "and-tos", "or-tos", "xor-tos"] as const;

function hex2(v: number): string {
  return `0x${v.toString(16).padStart(2, "0")}`;
}

export const tos: TargetExtension<TosTarget> = {
  name: "TOS",
  options: OPS.map((name) => ({ name, args: 1 as const })),
  // kernel: xt_DSCP.c (TOS), table "mangle"
  allowed: { tables: ["mangle"] },
  build(uses, ctx) {
    const ops = uses.filter((u) => (OPS as readonly string[]).includes(u.name));
    if (ops.length === 0) return ctx.error("missing-value", `TOS needs one of --set-tos, --and-tos, --or-tos, --xor-tos`, ctx.where);
    if (ops.length > 1) return ctx.error("bad-value", `TOS: --${ops[0].name} cannot be used together with --${ops[1].name}`, ops[1]);
    const u = ops[0];
    const text = u.values[0] ?? "";
    if (u.name === "set-tos") {
      const slash = text.indexOf("/");
      const v = parseUint(slash < 0 ? text : text.slice(0, slash), 0, 255);
      const m = slash < 0 ? 0xff : parseUint(text.slice(slash + 1), 0, 255);
      if (v !== undefined && m !== undefined) return { name: "TOS", value: v, mask: m };
      const named = slash < 0 ? TOS_NAMES.get(text.toLowerCase()) : undefined;
      if (named !== undefined) return { name: "TOS", value: named, mask: 0x3f };
      return ctx.error("bad-value", `--set-tos expects VALUE[/MASK] (0-255) or a name (Minimize-Delay, Maximize-Throughput, Maximize-Reliability, Minimize-Cost, Normal-Service); found "${text}"`, u, 0);
    }
    const v = parseUint(text, 0, 255);
    if (v === undefined) return ctx.error("bad-value", `--${u.name} expects a number from 0 to 255, found "${text}"`, u, 0);
    if (u.name === "and-tos") return { name: "TOS", value: 0, mask: ~v & 0xff };
    if (u.name === "or-tos") return { name: "TOS", value: v, mask: v };
    return { name: "TOS", value: v, mask: 0 };
  },
  print(t) {
    return `--set-tos ${hex2(t.value)}/${hex2(t.mask)}`;
  },
  compile(t) {
    const keep = ~t.mask & 0xff;
    return {
      kind: "effect",
      apply(p) {
        p.tos = ((p.tos & keep) ^ t.value) & 0xff;
        return "CONTINUE";
      },
    };
  },
};
