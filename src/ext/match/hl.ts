/** `-m hl` (ip6t_hl, IPv6 only): compares the packet's hop limit with a number. */
import { printTtlOp, readTtlOp, ttlTest, type TtlOp } from "./ttl.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m hl` match. */
export interface HlMatch {
  readonly module: "hl";
  readonly op: TtlOp;
  readonly value: number;
  /** Only `--hl-eq` can be negated. */
  readonly invert: boolean;
}

export const hl: MatchExtension<HlMatch> = {
  name: "hl",
  family: 6,
  options: [
    { name: "hl-eq", args: 1, invertible: true },
    { name: "hl-lt", args: 1 },
    { name: "hl-gt", args: 1 },
  ],
  build(uses, ctx) {
    const r = readTtlOp("hl", uses, ctx);
    return r && { module: "hl", ...r };
  },
  print(m) {
    return printTtlOp("hl", m);
  },
  compile(m) {
    const t = ttlTest(m);
    // PacketState.ttl holds the hop limit for IPv6
    return { kind: "test", test: (p) => t(p.ttl) };
  },
};
