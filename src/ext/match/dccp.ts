/** `-m dccp` (xt_dccp): DCCP ports, packet types and options. */
import type { Negatable } from "../../model/rule.js";
import { bang, formatRange, looseRangeOption, nameListOption, uintOption, type NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";
import { inRange } from "./tcp.js";

const DCCP = 33;

/** DCCP packet types by number (DCCP_PKT_*), as the tools name them. */
const TYPES = ["REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC", "SYNCACK", "INVALID"] as const;

/** The typed `-m dccp` match. */
export interface DccpMatch {
  readonly module: "dccp";
  readonly sport?: Negatable<NumRange>;
  readonly dport?: Negatable<NumRange>;
  /** `--dccp-types`: bits `1 << DCCP_PKT_*`. */
  readonly types?: Negatable<number>;
  /** `--dccp-option N`. */
  readonly option?: Negatable<number>;
}

export const dccp: MatchExtension<DccpMatch> = {
  name: "dccp",
  options: [
    { name: "source-port", args: 1, invertible: true },
    { name: "sport", args: 1, invertible: true },
    { name: "destination-port", args: 1, invertible: true },
    { name: "dport", args: 1, invertible: true },
    { name: "dccp-types", args: 1, invertible: true },
    { name: "dccp-option", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    if (ctx.protocol !== DCCP) return ctx.error("match-not-allowed", "-m dccp needs -p dccp (the kernel refuses it for other protocols)", ctx.where);
    const m: { -readonly [K in keyof DccpMatch]: DccpMatch[K] } = { module: "dccp" };
    for (const u of uses) {
      switch (u.name) {
        case "source-port":
        case "sport":
        case "destination-port":
        case "dport": {
          // PORTRC: a reversed range is kept
          const r = looseRangeOption(u, ctx, 65535, true);
          if (!r) return undefined;
          if (u.name === "source-port" || u.name === "sport") m.sport = { value: r, invert: u.invert };
          else m.dport = { value: r, invert: u.invert };
          break;
        }
        case "dccp-types": {
          const names = nameListOption(u, ctx, TYPES);
          if (!names) return undefined;
          m.types = { value: names.reduce((b, n) => b | (1 << TYPES.indexOf(n)), 0), invert: u.invert };
          break;
        }
        case "dccp-option": {
          const n = uintOption(u, ctx, 1, 255);
          if (n === undefined) return undefined;
          m.option = { value: n, invert: u.invert };
          break;
        }
      }
    }
    return m;
  },
  print(m) {
    const parts: string[] = [];
    if (m.sport) parts.push(`${bang(m.sport.invert)}--sport ${formatRange(m.sport.value)}`);
    if (m.dport) parts.push(`${bang(m.dport.invert)}--dport ${formatRange(m.dport.value)}`);
    if (m.types) {
      // print_types: ascending type numbers, stopping after INVALID
      const names = TYPES.filter((_, i) => m.types!.value & (1 << i));
      parts.push(`${bang(m.types.invert)}--dccp-types ${names.join(",")}`);
    }
    if (m.option) parts.push(`${bang(m.option.invert)}--dccp-option ${m.option.value}`);
    return parts.join(" ");
  },
  compile(m) {
    if (m.types) return { kind: "unsupported", reason: "dccp --dccp-types (the DCCP packet type is not modelled)" };
    if (m.option) return { kind: "unsupported", reason: "dccp --dccp-option (the DCCP options are not modelled)" };
    const { sport, dport } = m;
    return { kind: "test", test: (p) => p.proto === DCCP && !p.fragment && inRange(sport, p.sport) && inRange(dport, p.dport) };
  },
};
