/** `-m ttl` (ipt_ttl, IPv4 only): compares the packet's TTL with a number. */
import { bang, uintOption } from "../common.js";
import type { MatchExtension, OptionUse, BuildContext } from "../types.js";

/** `eq` (or `! --ttl-eq`, "not equal"), `lt`, `gt`. */
export type TtlOp = "eq" | "lt" | "gt";

/** The typed `-m ttl` match. */
export interface TtlMatch {
  readonly module: "ttl";
  readonly op: TtlOp;
  readonly value: number;
  /** Only `--ttl-eq` can be negated (the kernel's IPT_TTL_NE). */
  readonly invert: boolean;
}

/**
 * Reads the one comparison option of `-m ttl` / `-m hl` (`--PREFIX-eq|lt|gt N`); shared with hl.
 * libipt_ttl/libip6t_hl: the three options exclude each other, one is required, only -eq inverts.
 */
export function readTtlOp(prefix: string, uses: readonly OptionUse[], ctx: BuildContext): { op: TtlOp; value: number; invert: boolean } | undefined {
  if (uses.length === 0) return ctx.error("missing-value", `-m ${prefix === "ttl" ? "ttl" : "hl"} needs one of --${prefix}-eq, --${prefix}-lt, --${prefix}-gt`, ctx.where);
  if (uses.length > 1) return ctx.error("bad-value", `--${uses[1].name} cannot be combined with --${uses[0].name}; give one comparison`, uses[1]);
  const u = uses[0];
  const value = uintOption(u, ctx, 0, 255);
  if (value === undefined) return undefined;
  const op = u.name.slice(prefix.length + 1) as TtlOp;
  return { op, value, invert: u.invert };
}

/** Prints `[! ]--PREFIX-OP N`. */
export function printTtlOp(prefix: string, m: { op: TtlOp; value: number; invert: boolean }): string {
  return `${bang(m.invert)}--${prefix}-${m.op} ${m.value}`;
}

/** The test on the TTL / hop limit. */
export function ttlTest(m: { op: TtlOp; value: number; invert: boolean }): (ttl: number) => boolean {
  const v = m.value;
  switch (m.op) {
    case "eq":
      return m.invert ? (t) => t !== v : (t) => t === v;
    case "lt":
      return (t) => t < v;
    case "gt":
      return (t) => t > v;
  }
}

export const ttl: MatchExtension<TtlMatch> = {
  name: "ttl",
  family: 4,
  options: [
    { name: "ttl-eq", args: 1, invertible: true },
    { name: "ttl-lt", args: 1 },
    { name: "ttl-gt", args: 1 },
  ],
  build(uses, ctx) {
    const r = readTtlOp("ttl", uses, ctx);
    return r && { module: "ttl", ...r };
  },
  print(m) {
    return printTtlOp("ttl", m);
  },
  compile(m) {
    const t = ttlTest(m);
    return { kind: "test", test: (p) => t(p.ttl) };
  },
};
