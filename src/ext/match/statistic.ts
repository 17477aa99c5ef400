/**
 * `-m statistic` (xt_statistic): a random draw (`--mode random --probability P`) or every Nth packet
 * (`--mode nth --every N --packet P`, a counter shared by the rule).
 */
import { bang, parseUint, Recent } from "../common.js";
import type { MatchExtension } from "../types.js";

/** The typed `-m statistic` match. */
export type StatisticMatch =
  | {
      readonly module: "statistic";
      readonly mode: "random";
      /** The stored 31-bit fraction: the kernel matches when `(random & 0x7FFFFFFF) < fraction`. */
      readonly fraction: number;
      readonly invert: boolean;
    }
  | {
      readonly module: "statistic";
      readonly mode: "nth";
      /** Match one packet in `every`. */
      readonly every: number;
      /** The counter's start value, 0 to every-1. */
      readonly packet: number;
      readonly invert: boolean;
    };

const TWO_31 = 0x80000000;

/** `--mode random` matches, shared by fraction and `!`: kube-proxy writes the same few probabilities in every service. */
const RANDOM = new Recent<StatisticMatch>(16);

/** The fraction libxt_statistic stores for a probability: `lround(0x80000000 * p)`. */
export function probabilityFraction(p: number): number {
  // p is in [0, 1] and the scaling by 2^31 is exact, so Math.round is lround (half away from zero)
  return Math.round(TWO_31 * p);
}

/**
 * Prints `fraction / 2^31` with 11 decimals exactly as glibc's printf("%.11f") does: from the exact
 * binary value, ties to even (JavaScript's toFixed rounds ties up, e.g. for 2^-12).
 */
export function formatProbability(fraction: number): string {
  return PRINTED.get(fraction) ?? PRINTED.set(fraction, printFraction(fraction));
}

/** Printed probabilities by fraction: the same few, in every service of a kube-proxy dump, and bigint arithmetic each. */
const PRINTED = new Recent<string>(16);

function printFraction(fraction: number): string {
  const scaled = BigInt(fraction) * 10n ** 11n;
  const den = BigInt(TWO_31);
  let n = scaled / den;
  const rem2 = (scaled % den) * 2n;
  if (rem2 > den || (rem2 === den && n % 2n === 1n)) n += 1n;
  const digits = n.toString().padStart(12, "0");
  return `${digits.slice(0, -11)}.${digits.slice(-11)}`;
}

/** What strtod accepts in decimal notation (the forms a ruleset uses). */
const DECIMAL = /^[+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

export const statistic: MatchExtension<StatisticMatch> = {
  name: "statistic",
  options: [
    { name: "mode", args: 1 },
    { name: "probability", args: 1, invertible: true },
    { name: "every", args: 1, invertible: true },
    { name: "packet", args: 1 },
  ],
  build(uses, ctx) {
    let mode: "random" | "nth" | undefined;
    let fraction: number | undefined;
    let every: number | undefined;
    let packet: number | undefined;
    let invert = false;
    for (const u of uses) {
      const text = u.values[0] ?? "";
      switch (u.name) {
        case "mode":
          if (text !== "random" && text !== "nth") return ctx.error("bad-value", `--mode expects random or nth, found "${text}"`, u, 0);
          mode = text === "random" ? "random" : "nth"; // the literal, not the rule's copy of the word
          break;
        case "probability": {
          const p = DECIMAL.test(text) ? Number(text) : NaN;
          if (!(p >= 0 && p <= 1)) return ctx.error("bad-value", `--probability expects a number from 0 to 1, found "${text}"`, u, 0);
          fraction = probabilityFraction(p);
          invert = u.invert;
          break;
        }
        case "every": {
          const n = parseUint(text, 1);
          if (n === undefined) return ctx.error("bad-value", `--every expects a number from 1 to 4294967295, found "${text}"`, u, 0);
          every = n;
          invert = u.invert;
          break;
        }
        case "packet": {
          const n = parseUint(text);
          if (n === undefined) return ctx.error("bad-value", `--packet expects a number from 0 to 4294967295, found "${text}"`, u, 0);
          packet = n;
          break;
        }
      }
    }
    const find = (name: string) => uses.find((u) => u.name === name) ?? ctx.where;
    if (mode === undefined) return ctx.error("missing-value", "-m statistic needs --mode random or --mode nth", ctx.where);
    if (mode === "random") {
      if (every !== undefined || packet !== undefined) return ctx.error("bad-value", "--every and --packet belong to --mode nth, not --mode random", find(every !== undefined ? "every" : "packet"));
      if (fraction === undefined) return ctx.error("missing-value", "-m statistic --mode random needs --probability P", ctx.where);
      const key = fraction * 2 + (invert ? 1 : 0);
      return RANDOM.get(key) ?? RANDOM.set(key, { module: "statistic", mode, fraction, invert });
    }
    if (fraction !== undefined) return ctx.error("bad-value", "--probability belongs to --mode random, not --mode nth", find("probability"));
    if (every === undefined || packet === undefined) return ctx.error("missing-value", "-m statistic --mode nth needs both --every N and --packet P", ctx.where);
    if (packet > every - 1) return ctx.error("bad-value", `--packet must be from 0 to --every minus 1 (${every - 1}), found ${packet}`, find("packet"), 0);
    return { module: "statistic", mode, every, packet, invert };
  },
  print(m) {
    if (m.mode === "random") return `--mode random ${bang(m.invert)}--probability ${formatProbability(m.fraction)}`;
    return `--mode nth ${bang(m.invert)}--every ${m.every} --packet ${m.packet}`;
  },
  compile(m, env) {
    if (m.mode === "random") return { kind: "random", probability: m.fraction / TWO_31, invert: m.invert };
    const hit = env.assume.nthHit ?? false;
    const result = hit !== m.invert;
    return {
      kind: "test",
      test: () => result,
      assumption: `statistic --mode nth --every ${m.every}: assumed (assume.nthHit) this packet is ${hit ? "" : "not "}the one in ${m.every} that the counter picks: one fixed answer for every nth match, whatever its counter`,
    };
  },
};
