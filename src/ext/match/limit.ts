/** `-m limit` (xt_limit): a token bucket — matches while the packet rate stays under an average with a burst. */
import { parseUint } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m limit` match, in the kernel's numbers (xt_rateinfo). */
export interface LimitMatch {
  readonly module: "limit";
  /** The average period between packets in units of 1/10000 s (XT_LIMIT_SCALE): 10000 is 1/sec. */
  readonly avg: number;
  readonly burst: number;
}

/** kernel: XT_LIMIT_SCALE. */
export const LIMIT_SCALE = 10000;
const DEFAULT_AVG = (LIMIT_SCALE * 3600) / 3; // "3/hour"
const DEFAULT_BURST = 5;

/** The unit of a rate: a case-insensitive prefix of second, minute, hour or day (first one wins), as parse_rate. */
export function rateUnit(unit: string): number | undefined {
  const u = unit.toLowerCase();
  if (u.length === 0) return undefined;
  if ("second".startsWith(u)) return 1;
  if ("minute".startsWith(u)) return 60;
  if ("hour".startsWith(u)) return 3600;
  if ("day".startsWith(u)) return 86400;
  return undefined;
}

/** Splits `N[/unit]` into the count and the unit's seconds; undefined when it is no rate. */
export function parseRateText(text: string): { n: number; mult: number } | undefined {
  const slash = text.indexOf("/");
  const mult = slash < 0 ? 1 : rateUnit(text.slice(slash + 1));
  const n = parseUint(slash < 0 ? text : text.slice(0, slash));
  if (mult === undefined || n === undefined || n === 0 || !/^[0-9]+$/.test(slash < 0 ? text : text.slice(0, slash))) return undefined;
  return { n, mult };
}

/**
 * print_rate of libxt_limit / libxt_hashlimit: the largest unit (day, hour, min, sec) that still
 * shows the period without too much rounding, then `mult/period` in it.
 */
export function formatRate(period: number, scale: number): string {
  const rates: readonly [string, number][] = [
    ["day", scale * 86400],
    ["hour", scale * 3600],
    ["min", scale * 60],
    ["sec", scale],
  ];
  if (period === 0) return "inf";
  let i = 1;
  for (; i < rates.length; i++) {
    const mult = rates[i][1];
    if (period > mult || Math.floor(mult / period) < mult % period) break;
  }
  const [name, mult] = rates[i - 1];
  return `${Math.floor(mult / period)}/${name}`;
}

export const limit: MatchExtension<LimitMatch> = {
  name: "limit",
  options: [
    { name: "limit", args: 1 },
    { name: "limit-burst", args: 1 },
  ],
  build(uses, ctx) {
    let avg = DEFAULT_AVG;
    let burst = DEFAULT_BURST;
    for (const u of uses) {
      const text = u.values[0] ?? "";
      if (u.name === "limit") {
        const r = parseRateText(text);
        if (!r) return ctx.error("bad-value", `--limit expects a rate N[/second|/minute|/hour|/day] with N ≥ 1, found "${text}"`, u, 0);
        avg = Math.floor((LIMIT_SCALE * r.mult) / r.n);
        if (avg === 0) return ctx.error("bad-value", `--limit ${text} is too fast: the kernel's resolution is 10000/sec`, u, 0);
      } else {
        const b = parseUint(text, 0, 10000);
        if (b === undefined) return ctx.error("bad-value", `--limit-burst expects a number from 0 to 10000, found "${text}"`, u, 0);
        burst = b;
      }
    }
    return { module: "limit", avg, burst };
  },
  print(m) {
    // libxt_limit limit_save: the burst only when it is not the default 5; iptables-nft stores a
    // burst of 0 as nft's default and saves it back as 5 (seen with iptables-nft-save 1.8.9)
    const burst = m.burst === 0 ? DEFAULT_BURST : m.burst;
    return `--limit ${formatRate(m.avg, LIMIT_SCALE)}${burst !== DEFAULT_BURST ? ` --limit-burst ${burst}` : ""}`;
  },
  compile(_m, env) {
    const within = env.assume.withinLimit ?? true;
    return { kind: "test", test: () => within, assumption: `the packet is assumed ${within ? "within" : "over"} the rate limit` };
  },
};
