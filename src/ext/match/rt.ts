/** `-m rt` (ip6t_rt, IPv6 only): fields of the IPv6 routing header. */
import type { Negatable } from "../../model/rule.js";
import { formatIpv6, parseIpv6 } from "../../net/ip.js";
import { bang, formatRange, parseUintRange, uintOption, type NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m rt` match. */
export interface RtMatch {
  readonly module: "rt";
  readonly type?: Negatable<number>;
  readonly segsleft?: Negatable<NumRange>;
  readonly len?: Negatable<number>;
  /** Type 0 only: `--rt-0-res`, `--rt-0-addrs A,B`, `--rt-0-not-strict`. */
  readonly res: boolean;
  readonly addrs: readonly bigint[];
  readonly notStrict: boolean;
}

/** kernel: IP6T_RT_HOPS. */
const MAX_ADDRS = 16;

export const rt: MatchExtension<RtMatch> = {
  name: "rt",
  family: 6,
  options: [
    { name: "rt-type", args: 1, invertible: true },
    { name: "rt-segsleft", args: 1, invertible: true },
    { name: "rt-len", args: 1, invertible: true },
    { name: "rt-0-res", args: 0 },
    { name: "rt-0-addrs", args: 1 },
    { name: "rt-0-not-strict", args: 0 },
  ],
  build(uses, ctx) {
    const m: { -readonly [K in keyof RtMatch]: RtMatch[K] } = { module: "rt", res: false, addrs: [], notStrict: false };
    for (const u of uses) {
      switch (u.name) {
        case "rt-type":
        case "rt-len": {
          const v = uintOption(u, ctx);
          if (v === undefined) return undefined;
          m[u.name === "rt-type" ? "type" : "len"] = { value: v, invert: u.invert };
          break;
        }
        case "rt-segsleft": {
          const r = parseUintRange(u.values[0] ?? "");
          if (!r) return ctx.error("bad-value", `--rt-segsleft expects N or N:M (0 to 4294967295), found "${u.values[0] ?? ""}"`, u, 0);
          m.segsleft = { value: r, invert: u.invert };
          break;
        }
        case "rt-0-res":
          m.res = true;
          break;
        case "rt-0-not-strict":
          m.notStrict = true;
          break;
        case "rt-0-addrs": {
          const addrs: bigint[] = [];
          for (const a of (u.values[0] ?? "").split(",")) {
            const v = parseIpv6(a);
            if (v === undefined) return ctx.error("bad-address", `--rt-0-addrs expects a comma-separated list of IPv6 addresses; "${a}" is not one`, u, 0);
            addrs.push(v);
          }
          if (addrs.length > MAX_ADDRS) return ctx.error("bad-value", `--rt-0-addrs takes at most ${MAX_ADDRS} addresses, found ${addrs.length}`, u, 0);
          m.addrs = addrs;
          break;
        }
      }
    }
    // libip6t_rt: the type-0 options need --rt-type 0, and --rt-0-not-strict needs --rt-0-addrs
    if ((m.res || m.addrs.length > 0 || m.notStrict) && (!m.type || m.type.value !== 0 || m.type.invert)) {
      return ctx.error("bad-value", "--rt-0-res, --rt-0-addrs and --rt-0-not-strict need --rt-type 0", ctx.where);
    }
    if (m.notStrict && m.addrs.length === 0) return ctx.error("bad-value", "--rt-0-not-strict needs --rt-0-addrs", ctx.where);
    return m;
  },
  print(m) {
    const parts: string[] = [];
    if (m.type) parts.push(`${bang(m.type.invert)}--rt-type ${m.type.value}`);
    if (m.segsleft && (m.segsleft.invert || m.segsleft.value.min !== 0 || m.segsleft.value.max !== 0xffffffff)) parts.push(`${bang(m.segsleft.invert)}--rt-segsleft ${formatRange(m.segsleft.value)}`);
    if (m.len) parts.push(`${bang(m.len.invert)}--rt-len ${m.len.value}`);
    if (m.res) parts.push("--rt-0-res");
    if (m.addrs.length > 0) parts.push(`--rt-0-addrs ${m.addrs.map(formatIpv6).join(",")}`);
    if (m.notStrict) parts.push("--rt-0-not-strict");
    return parts.join(" ");
  },
  compile() {
    return { kind: "unsupported", reason: "rt: the IPv6 routing header is not modelled" };
  },
};
