/** `-m string` (xt_string): a byte pattern searched for in the packet. */
import { parseUint } from "../common.js";
import type { MatchExtension, OptionUse, BuildContext } from "../types.js";

/** The typed `-m string` match. */
export interface StringMatch {
  readonly module: "string";
  /** The pattern as bytes (`--string` text is taken as UTF-8, `--hex-string` `|..|` blocks decoded). */
  readonly pattern: readonly number[];
  readonly invert: boolean;
  /** Text-search algorithm. */
  readonly algo: "bm" | "kmp";
  /** Search window, in bytes from the start of the packet (defaults 0 and 65535). */
  readonly from: number;
  readonly to: number;
  readonly icase: boolean;
}

/** kernel: XT_STRING_MAX_PATTERN_SIZE. */
const MAX_PATTERN = 128;

/** Decodes a `--hex-string` as libxt_string's parse_hex_string: `|41 42|` blocks of hex, `\x` literals, other characters as they are. */
export function parseHexString(s: string): number[] | string {
  const bytes = [...new TextEncoder().encode(s)];
  if (bytes.length === 0) return "the pattern must contain at least one byte";
  const out: number[] = [];
  const isHex = (b: number | undefined) => b !== undefined && /^[0-9a-fA-F]$/.test(String.fromCharCode(b));
  let i = 0;
  let inHex = false;
  while (i < bytes.length) {
    const c = bytes[i];
    if (c === 0x5c /* \ */) {
      if (inHex) return "a \\ literal cannot stand inside a |hex| block";
      if (i + 1 >= bytes.length) return "a \\ at the end of the pattern has nothing to escape";
      out.push(bytes[i + 1]);
      i += 2;
      continue;
    }
    if (c === 0x7c /* | */) {
      inHex = !inHex;
      i++;
      if (inHex) while (bytes[i] === 0x20) i++;
      continue;
    }
    if (inHex) {
      if (i + 1 >= bytes.length || i + 2 >= bytes.length) return "a |hex| block must hold an even number of hex digits and end with |";
      if (!isHex(bytes[i]) || !isHex(bytes[i + 1])) return `"${String.fromCharCode(bytes[i], bytes[i + 1])}" is not a hex byte`;
      out.push(parseInt(String.fromCharCode(bytes[i], bytes[i + 1]), 16));
      i += bytes[i + 2] === 0x20 ? 3 : 2;
      continue;
    }
    out.push(c);
    i++;
  }
  if (inHex) return "a |hex| block is not closed with |";
  return out;
}

/** is_hex_string: any byte outside printable ASCII, or a trailing backslash, makes iptables-save print hex. */
function needsHex(p: readonly number[]): boolean {
  return p.some((b) => b < 0x20 || b > 0x7e) || p[p.length - 1] === 0x5c;
}

/** Prints the pattern as string_save does: `--string "…"` with `"` and `\` escaped, or `--hex-string "|…|"`. */
export function formatPattern(p: readonly number[]): string {
  if (needsHex(p)) return `--hex-string "|${p.map((b) => b.toString(16).padStart(2, "0")).join("")}|"`;
  const text = p.map((b) => (b === 0x22 || b === 0x5c ? "\\" : "") + String.fromCharCode(b)).join("");
  return `--string "${text}"`;
}

function offset(u: OptionUse, ctx: BuildContext): number | undefined {
  const v = parseUint(u.values[0] ?? "", 0, 65535);
  if (v === undefined) return ctx.error("bad-value", `--${u.name} expects an offset from 0 to 65535, found "${u.values[0] ?? ""}"`, u, 0);
  return v;
}

export const string: MatchExtension<StringMatch> = {
  name: "string",
  options: [
    { name: "from", args: 1 },
    { name: "to", args: 1 },
    { name: "algo", args: 1 },
    { name: "icase", args: 0 },
    { name: "string", args: 1, invertible: true },
    { name: "hex-string", args: 1, invertible: true },
  ],
  build(uses, ctx) {
    let pattern: number[] | undefined;
    let patternUse: OptionUse | undefined;
    let invert = false;
    let algo: "bm" | "kmp" | undefined;
    let from = 0;
    let to = 65535;
    let icase = false;
    for (const u of uses) {
      switch (u.name) {
        case "string":
        case "hex-string": {
          if (patternUse) return ctx.error("bad-value", `--${u.name} cannot be combined with --${patternUse.name}; give one pattern`, u);
          const text = u.values[0] ?? "";
          const p = u.name === "string" ? [...new TextEncoder().encode(text)] : parseHexString(text);
          if (typeof p === "string") return ctx.error("bad-value", `--hex-string: ${p}; found "${text}"`, u, 0);
          if (p.length > MAX_PATTERN) return ctx.error("bad-value", `--${u.name} is at most ${MAX_PATTERN} bytes, found ${p.length}`, u, 0);
          pattern = p;
          patternUse = u;
          invert = u.invert;
          break;
        }
        case "algo": {
          const a = u.values[0] ?? "";
          if (a !== "bm" && a !== "kmp") return ctx.error("bad-value", `--algo expects bm or kmp, found "${a}"`, u, 0);
          algo = a;
          break;
        }
        case "from":
        case "to": {
          const v = offset(u, ctx);
          if (v === undefined) return undefined;
          if (u.name === "from") from = v;
          else to = v;
          break;
        }
        case "icase":
          icase = true;
          break;
      }
    }
    if (!pattern) return ctx.error("missing-value", "-m string needs --string TEXT or --hex-string |HEX|", ctx.where);
    if (!algo) return ctx.error("missing-value", "-m string needs --algo bm or --algo kmp", ctx.where);
    // kernel: string_mt_check refuses from > to
    if (from > to) return ctx.error("bad-value", `--from ${from} is beyond --to ${to}`, ctx.where);
    return { module: "string", pattern, invert, algo, from, to, icase };
  },
  print(m) {
    // libxt_string string_save order: pattern, algo, from (unless 0), to (unless 65535), icase
    const parts = [`${m.invert ? "! " : ""}${formatPattern(m.pattern)}`, `--algo ${m.algo}`];
    if (m.from !== 0) parts.push(`--from ${m.from}`);
    if (m.to !== 65535) parts.push(`--to ${m.to}`);
    if (m.icase) parts.push("--icase");
    return parts.join(" ");
  },
  compile() {
    return { kind: "unsupported", reason: "string: the packet's payload bytes are not modelled, so a pattern search cannot be decided" };
  },
};
