/** `-m iprange` (xt_iprange, revision 1): the source and/or destination address within FROM-TO. */
import type { Negatable } from "../../model/rule.js";
import type { Family, IpValue } from "../../net/ip.js";
import { formatIp, parseIp } from "../../net/ip.js";
import { bang } from "../common.js";
import type { BuildContext, MatchExtension, OptionUse } from "../types.js";

/** An inclusive address range; a reversed one is kept (the tools warn, the kernel never matches). */
export interface IpRange {
  readonly from: IpValue;
  readonly to: IpValue;
}

/** The typed `-m iprange` match. */
export interface IprangeMatch {
  readonly module: "iprange";
  readonly src?: Negatable<IpRange>;
  readonly dst?: Negatable<IpRange>;
}

function parseRange(u: OptionUse, ctx: BuildContext): IpRange | undefined {
  const text = u.values[0] ?? "";
  const dash = text.indexOf("-");
  const parts = dash < 0 ? [text, text] : [text.slice(0, dash), text.slice(dash + 1)];
  const ends: IpValue[] = [];
  for (const part of parts) {
    const v = parseIp(part, ctx.family);
    if (v === undefined) return ctx.error("bad-address", `--${u.name} expects FROM[-TO] with IPv${ctx.family} addresses; "${part}" is not one`, u, 0);
    ends.push(v);
  }
  return { from: ends[0], to: ends[1] };
}

function formatRange(r: IpRange, family: Family): string {
  return `${formatIp(r.from, family)}-${formatIp(r.to, family)}`;
}

function rangeTest(r: Negatable<IpRange> | undefined, family: Family): ((ip: IpValue) => boolean) | undefined {
  if (!r) return undefined;
  const inv = r.invert;
  if (family === 4) {
    const lo = r.value.from as number;
    const hi = r.value.to as number;
    return (ip) => ((ip as number) >= lo && (ip as number) <= hi) !== inv;
  }
  const lo = r.value.from as bigint;
  const hi = r.value.to as bigint;
  return (ip) => ((ip as bigint) >= lo && (ip as bigint) <= hi) !== inv;
}

export const iprange: MatchExtension<IprangeMatch> = {
  name: "iprange",
  options: [
    { name: "src-range", args: 1, invertible: true },
    { name: "dst-range", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    const m: { -readonly [K in keyof IprangeMatch]: IprangeMatch[K] } = { module: "iprange" };
    for (const u of uses) {
      const r = parseRange(u, ctx);
      if (!r) return undefined;
      if (u.name === "src-range") m.src = { value: r, invert: u.invert };
      else m.dst = { value: r, invert: u.invert };
    }
    if (!m.src && !m.dst) return ctx.error("missing-value", "-m iprange needs --src-range or --dst-range", ctx.where);
    return m;
  },
  print(m, family) {
    const parts: string[] = [];
    if (m.src) parts.push(`${bang(m.src.invert)}--src-range ${formatRange(m.src.value, family)}`);
    if (m.dst) parts.push(`${bang(m.dst.invert)}--dst-range ${formatRange(m.dst.value, family)}`);
    return parts.join(" ");
  },
  compile(m, env) {
    const s = rangeTest(m.src, env.family);
    const d = rangeTest(m.dst, env.family);
    return { kind: "test", test: (p) => (!s || s(p.src)) && (!d || d(p.dst)) };
  },
};
