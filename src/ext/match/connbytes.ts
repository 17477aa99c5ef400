/** `-m connbytes` (xt_connbytes): how many packets or bytes the connection has carried so far. */
import type { Negatable } from "../../model/rule.js";
import type { MatchExtension } from "../types.js";

const U64_MAX = 0xffffffffffffffffn;

/** The typed `-m connbytes` match. */
export interface ConnbytesMatch {
  readonly module: "connbytes";
  /** Inclusive range; `max` is 2^64-1 for an open range (`N` or `N:`). */
  readonly count: Negatable<{ readonly min: bigint; readonly max: bigint }>;
  readonly dir: "original" | "reply" | "both";
  readonly mode: "packets" | "bytes" | "avgpkt";
}

const DIRS = ["original", "reply", "both"] as const;
const MODES = ["packets", "bytes", "avgpkt"] as const;

/** XTTYPE_UINT64RC: `N` (from N on), `N:M`, `:M`, `N:`. */
function parseRange(text: string): { min: bigint; max: bigint } | undefined {
  const num = (s: string) => (/^[0-9]+$/.test(s) && BigInt(s) <= U64_MAX ? BigInt(s) : undefined);
  const colon = text.indexOf(":");
  if (colon < 0) {
    const v = num(text);
    return v === undefined ? undefined : { min: v, max: U64_MAX };
  }
  const min = colon === 0 ? 0n : num(text.slice(0, colon));
  const max = colon === text.length - 1 ? U64_MAX : num(text.slice(colon + 1));
  if (min === undefined || max === undefined || min > max) return undefined;
  return { min, max };
}

export const connbytes: MatchExtension<ConnbytesMatch> = {
  name: "connbytes",
  options: [
    { name: "connbytes", args: 1, invertible: true },
    { name: "connbytes-dir", args: 1 },
    { name: "connbytes-mode", args: 1 },
  ],
  build(uses, ctx) {
    let count: ConnbytesMatch["count"] | undefined;
    let dir: ConnbytesMatch["dir"] | undefined;
    let mode: ConnbytesMatch["mode"] | undefined;
    for (const u of uses) {
      const text = u.values[0] ?? "";
      if (u.name === "connbytes") {
        const r = parseRange(text);
        if (!r) return ctx.error("bad-value", `--connbytes expects N, N:M, :M or N: (0 to 2^64-1, N ≤ M), found "${text}"`, u, 0);
        count = { value: r, invert: u.invert };
      } else if (u.name === "connbytes-dir") {
        const d = DIRS.find((x) => x === text);
        if (!d) return ctx.error("bad-value", `--connbytes-dir expects original, reply or both, found "${text}"`, u, 0);
        dir = d;
      } else {
        const md = MODES.find((x) => x === text);
        if (!md) return ctx.error("bad-value", `--connbytes-mode expects packets, bytes or avgpkt, found "${text}"`, u, 0);
        mode = md;
      }
    }
    if (!count) return ctx.error("missing-value", "-m connbytes needs --connbytes N[:M]", ctx.where);
    if (!dir) return ctx.error("missing-value", "-m connbytes needs --connbytes-dir original|reply|both", ctx.where);
    if (!mode) return ctx.error("missing-value", "-m connbytes needs --connbytes-mode packets|bytes|avgpkt", ctx.where);
    return { module: "connbytes", count, dir, mode };
  },
  print(m) {
    // libxt_connbytes print_from_to: the upper bound is left out when it is open (or 0)
    const { min, max } = m.count.value;
    const range = max !== 0n && max < U64_MAX ? `${min}:${max}` : `${min}`;
    return `${m.count.invert ? "! " : ""}--connbytes ${range} --connbytes-mode ${m.mode} --connbytes-dir ${m.dir}`;
  },
  compile(m, env) {
    const what = BigInt(env.assume.connbytes ?? 0);
    const { min, max } = m.count.value;
    const result = (what >= min && what <= max) !== m.count.invert;
    return {
      kind: "test",
      test: () => result,
      assumption: `the connection's ${m.mode} count (${m.dir}) is assumed to be ${what}${env.assume.connbytes === undefined ? " (default)" : ""}`,
    };
  },
};
