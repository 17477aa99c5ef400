/**
 * `-m addrtype` (xt_addrtype, revision 1): the routing type of the source and/or destination
 * address (LOCAL, UNICAST, BROADCAST, …), optionally judged on the packet's own interface only.
 */
import type { Negatable } from "../../model/rule.js";
import { bang, builtinHook, prefixName } from "../common.js";
import type { MatchExtension, OptionUse, BuildContext } from "../types.js";

/** The address types, in the kernel's order (RTN_*): the bit of type i is `1 << i` (XT_ADDRTYPE_*). */
export const ADDR_TYPES = [
  "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST",
  "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE",
] as const;

/** The typed `-m addrtype` match. Types are XT_ADDRTYPE bits. */
export interface AddrtypeMatch {
  readonly module: "addrtype";
  readonly src?: Negatable<number>;
  readonly dst?: Negatable<number>;
  /** `--limit-iface-in` / `--limit-iface-out`: judge the address on that interface only. */
  readonly limitIface?: "in" | "out";
}

function parseTypes(u: OptionUse, ctx: BuildContext): number | undefined {
  let bits = 0;
  for (const word of (u.values[0] ?? "").split(",")) {
    // libxt_addrtype parse_type: strncasecmp prefix, first in table order
    const name = prefixName(word, ADDR_TYPES);
    if (name === undefined) return ctx.error("bad-value", `--${u.name} expects a comma-separated list of ${ADDR_TYPES.join(", ")}; found "${word}"`, u, 0);
    bits |= 1 << ADDR_TYPES.indexOf(name);
  }
  return bits;
}

function formatTypes(bits: number): string {
  return ADDR_TYPES.filter((_, i) => bits & (1 << i)).join(",");
}

const BLACKHOLE = 1 << 6;
const PROHIBIT = 1 << 8;
const BROADCAST = 1 << 3;

export const addrtype: MatchExtension<AddrtypeMatch> = {
  name: "addrtype",
  options: [
    { name: "src-type", args: 1, invertible: true },
    { name: "dst-type", args: 1, invertible: true },
    { name: "limit-iface-in", args: 0 },
    { name: "limit-iface-out", args: 0 },
  ],
  build(uses, ctx) {
    const m: { -readonly [K in keyof AddrtypeMatch]: AddrtypeMatch[K] } = { module: "addrtype" };
    for (const u of uses) {
      switch (u.name) {
        case "src-type":
        case "dst-type": {
          const bits = parseTypes(u, ctx);
          if (bits === undefined) return undefined;
          if (ctx.family === 6) {
            // kernel (addrtype_mt_checkentry_v1): IPv6 knows no BLACKHOLE, PROHIBIT and above, or BROADCAST
            const bad = bits & BLACKHOLE ? "BLACKHOLE" : bits >= PROHIBIT ? "PROHIBIT, THROW, NAT and XRESOLVE" : bits & BROADCAST ? "BROADCAST" : undefined;
            if (bad) return ctx.error("bad-value", `--${u.name} ${bad} cannot be matched for IPv6 (the kernel refuses it)`, u, 0);
          }
          if (u.name === "src-type") m.src = { value: bits, invert: u.invert };
          else m.dst = { value: bits, invert: u.invert };
          break;
        }
        case "limit-iface-in":
        case "limit-iface-out": {
          const dir = u.name === "limit-iface-in" ? "in" : "out";
          if (m.limitIface && m.limitIface !== dir) return ctx.error("bad-value", "--limit-iface-in and --limit-iface-out cannot be used together", u);
          const hook = builtinHook(ctx);
          // kernel: no input interface in OUTPUT/POSTROUTING, no output interface in PREROUTING/INPUT
          if (dir === "in" && (hook === "OUTPUT" || hook === "POSTROUTING")) return ctx.error("match-not-allowed", `--limit-iface-in is not valid in ${hook} (there is no input interface); the kernel refuses it`, u);
          if (dir === "out" && (hook === "PREROUTING" || hook === "INPUT")) return ctx.error("match-not-allowed", `--limit-iface-out is not valid in ${hook} (there is no output interface yet); the kernel refuses it`, u);
          m.limitIface = dir;
          break;
        }
      }
    }
    if (!m.src && !m.dst) return ctx.error("missing-value", "-m addrtype needs --src-type or --dst-type", ctx.where);
    return m;
  },
  print(m) {
    const parts: string[] = [];
    if (m.src) parts.push(`${bang(m.src.invert)}--src-type ${formatTypes(m.src.value)}`);
    if (m.dst) parts.push(`${bang(m.dst.invert)}--dst-type ${formatTypes(m.dst.value)}`);
    if (m.limitIface) parts.push(`--limit-iface-${m.limitIface}`);
    return parts.join(" ");
  },
  compile(m, env) {
    const host = env.host;
    const { src, dst, limitIface } = m;
    const iface =
      limitIface === "in"
        ? (p: { inIface: string }) => p.inIface || undefined
        : limitIface === "out"
          ? (p: { outIface: string }) => p.outIface || undefined
          : () => undefined;
    return {
      kind: "test",
      // kernel (addrtype_mt_v1): inet_dev_addr_type / ip6 route lookup, limited to the device when asked
      test: (p) => {
        if (src && ((host.addressType(p.family, p.src, iface(p)) & src.value) !== 0) === src.invert) return false;
        if (dst && ((host.addressType(p.family, p.dst, iface(p)) & dst.value) !== 0) === dst.invert) return false;
        return true;
      },
    };
  },
};
