/**
 * `-m multiport` (xt_multiport, revision 1): up to 15 ports or ranges on the source port, the
 * destination port, or either. Needs `-p tcp`, `udp`, `udplite`, `sctp` or `dccp`.
 */
import { bang, formatRange, parsePort, type NumRange } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m multiport` match. */
export interface MultiportMatch {
  readonly module: "multiport";
  /** Which port: `--sports`, `--dports` or `--ports` (either). */
  readonly which: "sports" | "dports" | "ports";
  /** The ports and ranges in the order given; a single port has min === max. */
  readonly ports: readonly NumRange[];
  readonly invert: boolean;
}

/** kernel: XT_MULTI_PORTS; a range takes two of them. */
const MAX_SLOTS = 15;
/** Protocols whose header starts with the two ports (proto_to_name in libxt_multiport). */
const PORT_PROTOCOLS = new Set([6, 17, 136, 132, 33]);

const WHICH: Readonly<Record<string, MultiportMatch["which"]>> = {
  "source-ports": "sports",
  sports: "sports",
  "destination-ports": "dports",
  dports: "dports",
  ports: "ports",
};

export const multiport: MatchExtension<MultiportMatch> = {
  name: "multiport",
  options: [
    { name: "source-ports", args: 1, invertible: true },
    { name: "sports", args: 1, invertible: true },
    { name: "destination-ports", args: 1, invertible: true },
    { name: "dports", args: 1, invertible: true },
    { name: "ports", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    if (uses.length === 0) return ctx.error("missing-value", "-m multiport needs --sports, --dports or --ports", ctx.where);
    if (uses.length > 1) return ctx.error("duplicate-option", `-m multiport takes one of --sports, --dports and --ports; found --${uses[0].name} and --${uses[1].name}`, uses[1]);
    const u = uses[0];
    if (ctx.protocol === undefined || !PORT_PROTOCOLS.has(ctx.protocol)) {
      return ctx.error("match-not-allowed", "-m multiport needs -p tcp, udp, udplite, sctp or dccp (not negated)", ctx.where);
    }
    const ports: NumRange[] = [];
    let slots = 0;
    for (const part of (u.values[0] ?? "").split(",")) {
      if (slots >= MAX_SLOTS) return ctx.error("bad-value", `--${u.name} takes at most ${MAX_SLOTS} ports (a range counts as two)`, u, 0);
      const colon = part.indexOf(":");
      if (colon < 0) {
        const p = parsePort(part);
        if (p === undefined) return ctx.error("bad-port", `--${u.name} expects ports or PORT:PORT ranges separated by commas; "${part}" is not a port`, u, 0);
        ports.push({ min: p, max: p });
        slots += 1;
        continue;
      }
      if (slots === MAX_SLOTS - 1) return ctx.error("bad-value", `--${u.name} takes at most ${MAX_SLOTS} ports (a range counts as two)`, u, 0);
      const lo = parsePort(part.slice(0, colon));
      const hi = parsePort(part.slice(colon + 1));
      if (lo === undefined || hi === undefined) return ctx.error("bad-port", `--${u.name} expects ports or PORT:PORT ranges separated by commas; "${part}" is not one`, u, 0);
      if (lo >= hi) return ctx.error("bad-port", `--${u.name}: the range "${part}" must go from a lower to a higher port`, u, 0);
      ports.push({ min: lo, max: hi });
      slots += 2;
    }
    return { module: "multiport", which: WHICH[u.name] ?? "ports", ports, invert: u.invert };
  },
  print(m) {
    return `${bang(m.invert)}--${m.which} ${m.ports.map(formatRange).join(",")}`;
  },
  compile(m) {
    const mins = Int32Array.from(m.ports, (r) => r.min);
    const maxs = Int32Array.from(m.ports, (r) => r.max);
    const n = mins.length;
    const invert = m.invert;
    const hit = (v: number) => {
      for (let i = 0; i < n; i++) if (v >= mins[i] && v <= maxs[i]) return true;
      return false;
    };
    // kernel (multiport_mt): non-first fragments never match; otherwise hit ^ invert
    const test =
      m.which === "sports"
        ? (p: { fragment: boolean; sport: number }) => !p.fragment && hit(p.sport) !== invert
        : m.which === "dports"
          ? (p: { fragment: boolean; dport: number }) => !p.fragment && hit(p.dport) !== invert
          : (p: { fragment: boolean; sport: number; dport: number }) => !p.fragment && (hit(p.sport) || hit(p.dport)) !== invert;
    return { kind: "test", test };
  },
};
