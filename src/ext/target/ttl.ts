/** `-j TTL` (xt_HL, IPv4): sets, decrements or increments the TTL. Also the shared code of `-j HL`. */
import type { Family } from "../../net/ip.js";
import { uintOption } from "../common.js";
import type { TargetExtension } from "../types.js";

/** How a TTL / hop limit is changed. */
export type HopMode = "set" | "dec" | "inc";

/** The typed `-j TTL`. */
export interface TtlTarget {
  readonly name: "TTL";
  readonly mode: HopMode;
  readonly value: number;
}

/** Builds the TTL or HL target: options `--{prefix}-set|dec|inc`, mangle only (kernel: xt_HL.c, table "mangle"). */
export function hopLimitTarget<N extends "TTL" | "HL">(name: N, prefix: string, family: Family): TargetExtension<{ readonly name: N; readonly mode: HopMode; readonly value: number }> {
  const modes: readonly HopMode[] = ["set", "dec", "inc"];
  return {
    name,
    family,
    options: modes.map((m) => ({ name: `${prefix}-${m}`, args: 1 as const })),
    allowed: { tables: ["mangle"] },
    build(uses, ctx) {
      const ops = uses.filter((u) => modes.some((m) => u.name === `${prefix}-${m}`));
      if (ops.length === 0) return ctx.error("missing-value", `${name} needs one of --${prefix}-set, --${prefix}-dec, --${prefix}-inc`, ctx.where);
      if (ops.length > 1) return ctx.error("bad-value", `${name}: --${ops[0].name} cannot be used together with --${ops[1].name}`, ops[1]);
      const u = ops[0];
      const mode = u.name.slice(prefix.length + 1) as HopMode;
      // libxt_TTL/HL: set 0-255; dec/inc 1-255 (the kernel refuses 0)
      const value = uintOption(u, ctx, mode === "set" ? 0 : 1, 255);
      if (value === undefined) return undefined;
      return { name, mode, value };
    },
    print(t) {
      return `--${prefix}-${t.mode} ${t.value}`;
    },
    compile(t) {
      const { mode, value } = t;
      return {
        kind: "effect",
        apply(p) {
          // kernel: ttl_tg / hl_tg clamp at 0 and 255
          if (mode === "set") p.ttl = value;
          else if (mode === "dec") p.ttl = Math.max(0, p.ttl - value);
          else p.ttl = Math.min(255, p.ttl + value);
          return "CONTINUE";
        },
      };
    },
  };
}

export const ttl = hopLimitTarget("TTL", "ttl", 4);
