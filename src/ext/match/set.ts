/**
 * `-m set` (xt_set, revision 4): whether the packet's addresses/ports, taken from the source or the
 * destination per set dimension, are in an ipset; optionally with the set's per-element counters.
 */
import { bang } from "../common.js";
import type { BuildContext, MatchExtension, OptionUse } from "../types.js";

/** A counter comparison (`--packets-eq 5`, `! --bytes-eq 3`, `--packets-lt 10`, …). */
export interface SetCounterTest {
  readonly op: "eq" | "ne" | "lt" | "gt";
  /** A uint64, kept as a bigint. */
  readonly value: bigint;
}

/** The typed `-m set` match. */
export interface SetMatch {
  readonly module: "set";
  readonly setName: string;
  /** One direction per dimension of the set, as `src,dst`. */
  readonly dirs: readonly ("src" | "dst")[];
  readonly invert: boolean;
  /** `--return-nomatch`: elements added with `nomatch` make the test true rather than false. */
  readonly returnNomatch: boolean;
  /** `! --update-counters`: the set's counters are not updated. */
  readonly skipCounterUpdate: boolean;
  /** `! --update-subcounters`. */
  readonly skipSubcounterUpdate: boolean;
  readonly packets?: SetCounterTest;
  readonly bytes?: SetCounterTest;
}

/** kernel: IPSET_MAXNAMELEN is 32 with the NUL; IPSET_DIM_MAX is 6. */
const MAX_NAME = 31;
const MAX_DIM = 6;

function counter(u: OptionUse, ctx: BuildContext, op: SetCounterTest["op"]): SetCounterTest | undefined {
  const text = u.values[0] ?? "";
  let value: bigint | undefined;
  if (/^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.test(text)) {
    value = BigInt(/^0[0-7]+$/.test(text) ? `0o${text.slice(1)}` : text);
    if (value > 0xffffffffffffffffn) value = undefined;
  }
  if (value === undefined) return ctx.error("bad-value", `--${u.name} expects a counter value (0 to 18446744073709551615), found "${text}"`, u, 0);
  return { op, value };
}

export const set: MatchExtension<SetMatch> = {
  name: "set",
  options: [
    { name: "match-set", args: 2, invertible: true },
    { name: "set", args: 2, invertible: true },
    { name: "return-nomatch", args: 0, invertible: true },
    { name: "update-counters", args: 0, invertible: true },
    { name: "update-subcounters", args: 0, invertible: true },
    { name: "packets-eq", args: 1, invertible: true },
    { name: "packets-lt", args: 1, invertible: true },
    { name: "packets-gt", args: 1, invertible: true },
    { name: "bytes-eq", args: 1, invertible: true },
    { name: "bytes-lt", args: 1, invertible: true },
    { name: "bytes-gt", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    let m: { -readonly [K in keyof SetMatch]: SetMatch[K] } | undefined;
    let returnNomatch = false;
    let skipCounterUpdate = false;
    let skipSubcounterUpdate = false;
    let packets: SetCounterTest | undefined;
    let bytes: SetCounterTest | undefined;
    for (const u of uses) {
      switch (u.name) {
        case "match-set":
        case "set": {
          if (m) return ctx.error("duplicate-option", "--match-set can be given only once", u);
          const name = u.values[0] ?? "";
          if (name.length === 0 || name.length > MAX_NAME) return ctx.error("bad-value", `--${u.name} expects a set name of 1 to ${MAX_NAME} characters, found "${name}"`, u, 0);
          const words = (u.values[1] ?? "").split(",");
          if (words.length > MAX_DIM) return ctx.error("bad-value", `--${u.name} takes at most ${MAX_DIM} directions, found ${words.length}`, u, 1);
          const dirs: ("src" | "dst")[] = [];
          for (const w of words) {
            // libxt_set parse_dirs: only the first three characters are compared
            if (w.startsWith("src")) dirs.push("src");
            else if (w.startsWith("dst")) dirs.push("dst");
            else return ctx.error("bad-value", `--${u.name} expects a comma-separated list of src and dst after the set name, found "${u.values[1] ?? ""}"`, u, 1);
          }
          m = { module: "set", setName: name, dirs, invert: u.invert, returnNomatch: false, skipCounterUpdate: false, skipSubcounterUpdate: false };
          break;
        }
        case "return-nomatch":
          if (u.invert) return ctx.error("bad-value", "--return-nomatch cannot be negated", u);
          returnNomatch = true;
          break;
        case "update-counters":
          if (u.invert) skipCounterUpdate = true;
          break;
        case "update-subcounters":
          if (u.invert) skipSubcounterUpdate = true;
          break;
        default: {
          const [what, kind] = u.name.split("-") as ["packets" | "bytes", "eq" | "lt" | "gt"];
          if ((what === "packets" ? packets : bytes) !== undefined) return ctx.error("duplicate-option", `only one of --${what}-eq, --${what}-lt and --${what}-gt is allowed`, u);
          if (u.invert && kind !== "eq") return ctx.error("bad-value", `--${u.name} cannot be negated`, u);
          const c = counter(u, ctx, u.invert ? "ne" : kind);
          if (!c) return undefined;
          if (what === "packets") packets = c;
          else bytes = c;
        }
      }
    }
    if (!m) return ctx.error("missing-value", "-m set needs --match-set NAME src|dst[,src|dst…]", ctx.where);
    return { ...m, returnNomatch, skipCounterUpdate, skipSubcounterUpdate, ...(packets ? { packets } : {}), ...(bytes ? { bytes } : {}) };
  },
  print(m) {
    const parts = [`${bang(m.invert)}--match-set ${m.setName} ${m.dirs.join(",")}`];
    if (m.returnNomatch) parts.push("--return-nomatch");
    if (m.skipCounterUpdate) parts.push("! --update-counters");
    if (m.skipSubcounterUpdate) parts.push("! --update-subcounters");
    const c = (name: string, t: SetCounterTest | undefined) => {
      if (t) parts.push(t.op === "ne" ? `! --${name}-eq ${t.value}` : `--${name}-${t.op} ${t.value}`);
    };
    c("packets", m.packets);
    c("bytes", m.bytes);
    return parts.join(" ");
  },
  compile(m, env) {
    if (m.packets || m.bytes) return { kind: "unsupported", reason: `set ${m.setName}: --packets-*/--bytes-* compare the set element's counters, which are not modelled` };
    if (m.returnNomatch) return { kind: "unsupported", reason: `set ${m.setName}: --return-nomatch depends on nomatch elements, which are not modelled` };
    const s = env.ipsets.get(m.setName);
    if (!s) return { kind: "unsupported", reason: `set ${m.setName} is not known (give its \`ipset save\` output)` };
    const dirs = m.dirs;
    const invert = m.invert;
    // kernel (set_match_v4 → match_set): ip_set_test ^ invert
    return { kind: "test", test: (p) => s.test(p, dirs) !== invert };
  },
};
