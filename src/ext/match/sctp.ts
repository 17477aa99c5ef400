/** `-m sctp` (xt_sctp): SCTP ports and chunk types. */
import type { Negatable } from "../../model/rule.js";
import { Proto } from "../../sim/packet.js";
import { bang, formatRange, portRangeOption, type NumRange } from "../common.js";
import type { MatchExtension, OptionUse, BuildContext } from "../types.js";
import { inRange } from "./tcp.js";

/** `--chunk-types any|all|only LIST`. */
export interface SctpChunkTest {
  readonly how: "any" | "all" | "only";
  /** Chunk type numbers, ascending. */
  readonly types: readonly number[];
  /**
   * Flag tests, at most 4, keyed as libxt_sctp keys them: by the chunk's index in its name table,
   * not by chunk type (the two agree below I_DATA; for later chunks the kernel checks the flags of
   * another type and iptables-save does not print them).
   */
  readonly flags: readonly { readonly key: number; readonly flag: number; readonly mask: number }[];
}

/** The typed `-m sctp` match. */
export interface SctpMatch {
  readonly module: "sctp";
  readonly sport?: Negatable<NumRange>;
  readonly dport?: Negatable<NumRange>;
  readonly chunks?: Negatable<SctpChunkTest>;
}

/** libxt_sctp's chunk table: name, type, flag letters for bits 7…0. Its order gives the flag keys. */
const CHUNKS: readonly (readonly [string, number, string])[] = [
  ["DATA", 0, "----IUBE"],
  ["INIT", 1, "--------"],
  ["INIT_ACK", 2, "--------"],
  ["SACK", 3, "--------"],
  ["HEARTBEAT", 4, "--------"],
  ["HEARTBEAT_ACK", 5, "--------"],
  ["ABORT", 6, "-------T"],
  ["SHUTDOWN", 7, "--------"],
  ["SHUTDOWN_ACK", 8, "--------"],
  ["ERROR", 9, "--------"],
  ["COOKIE_ECHO", 10, "--------"],
  ["COOKIE_ACK", 11, "--------"],
  ["ECN_ECNE", 12, "--------"],
  ["ECN_CWR", 13, "--------"],
  ["SHUTDOWN_COMPLETE", 14, "-------T"],
  ["I_DATA", 64, "----IUBE"],
  ["RE_CONFIG", 130, "--------"],
  ["PAD", 132, "--------"],
  ["ASCONF", 193, "--------"],
  ["ASCONF_ACK", 128, "--------"],
  ["FORWARD_TSN", 192, "--------"],
  ["I_FORWARD_TSN", 194, "--------"],
];
/** kernel: XT_NUM_SCTP_FLAGS. */
const MAX_FLAG_ENTRIES = 4;
/** `ALL`: every one of the 256 chunk types. */
const ALL_TYPES = Array.from({ length: 256 }, (_, i) => i);

function parseChunks(u: OptionUse, ctx: BuildContext): SctpChunkTest | undefined {
  const howText = (u.values[0] ?? "").toLowerCase();
  if (howText !== "any" && howText !== "all" && howText !== "only") return ctx.error("bad-value", `--chunk-types expects any, all or only before the list, found "${u.values[0] ?? ""}"`, u, 0);
  const list = u.values[1] ?? "";
  if (list.toUpperCase() === "ALL") return { how: howText, types: ALL_TYPES, flags: [] };
  if (list.toUpperCase() === "NONE") return { how: howText, types: [], flags: [] };
  const types = new Set<number>();
  const flags: { key: number; flag: number; mask: number }[] = [];
  for (const part of list.split(",")) {
    if (part === "") continue; // strtok skips empty fields
    const colon = part.indexOf(":");
    const name = colon < 0 ? part : part.slice(0, colon);
    const key = CHUNKS.findIndex(([n]) => n.toLowerCase() === name.toLowerCase());
    if (key < 0) return ctx.error("bad-value", `--chunk-types: unknown SCTP chunk "${name}"; expected names such as DATA, INIT, INIT_ACK, SACK, ABORT, SHUTDOWN`, u, 1);
    const [, type, letters] = CHUNKS[key];
    types.add(type);
    if (colon < 0) continue;
    for (const ch of part.slice(colon + 1)) {
      const pos = letters.indexOf(ch.toUpperCase());
      if (ch === "-" || pos < 0) return ctx.error("bad-value", `--chunk-types: "${ch}" is not a flag of ${CHUNKS[key][0]}${letters.replace(/-/g, "") ? ` (its flags are ${letters.replace(/-/g, "")})` : " (it has no flags)"}`, u, 1);
      const bit = 1 << (7 - pos);
      let entry = flags.find((f) => f.key === key);
      if (!entry) {
        if (flags.length === MAX_FLAG_ENTRIES) return ctx.error("bad-value", `--chunk-types: flags can be given for at most ${MAX_FLAG_ENTRIES} chunk types`, u, 1);
        entry = { key, flag: 0, mask: 0 };
        flags.push(entry);
      }
      entry.mask |= bit;
      if (ch === ch.toUpperCase()) entry.flag |= bit;
    }
  }
  return { how: howText, types: [...types].sort((a, b) => a - b), flags };
}

function formatChunks(c: SctpChunkTest): string {
  if (c.types.length === 0) return `${c.how} NONE`;
  if (c.types.length === 256) return `${c.how} ALL`;
  const words = c.types.map((t) => {
    const [name] = CHUNKS.find(([, ty]) => ty === t) ?? [`${t}`];
    let text = name;
    // print_chunks: flags whose key equals the chunk *type*
    for (const f of c.flags.filter((x) => x.key === t)) {
      const letters = CHUNKS[f.key][2];
      text += ":";
      for (let bit = 7; bit >= 0; bit--) {
        if (!(f.mask & (1 << bit))) continue;
        const ch = letters[7 - bit];
        text += f.flag & (1 << bit) ? ch : ch.toLowerCase();
      }
    }
    return text;
  });
  return `${c.how} ${words.join(",")}`;
}

export const sctp: MatchExtension<SctpMatch> = {
  name: "sctp",
  options: [
    { name: "source-port", args: 1, invertible: true },
    { name: "sport", args: 1, invertible: true },
    { name: "destination-port", args: 1, invertible: true },
    { name: "dport", args: 1, invertible: true },
    { name: "chunk-types", args: 2, invertible: true },
  ],
  build(uses, ctx) {
    if (ctx.protocol !== Proto.SCTP) return ctx.error("match-not-allowed", "-m sctp needs -p sctp (the kernel refuses it for other protocols)", ctx.where);
    const m: { -readonly [K in keyof SctpMatch]: SctpMatch[K] } = { module: "sctp" };
    for (const u of uses) {
      switch (u.name) {
        case "source-port":
        case "sport":
        case "destination-port":
        case "dport": {
          const src = u.name === "source-port" || u.name === "sport";
          if (src ? m.sport : m.dport) return ctx.error("duplicate-option", `only one --${src ? "source-port" : "destination-port"} is allowed`, u);
          const r = portRangeOption(u, ctx);
          if (!r) return undefined;
          if (src) m.sport = { value: r, invert: u.invert };
          else m.dport = { value: r, invert: u.invert };
          break;
        }
        case "chunk-types": {
          const c = parseChunks(u, ctx);
          if (!c) return undefined;
          m.chunks = { value: c, invert: u.invert };
          break;
        }
      }
    }
    return m;
  },
  print(m) {
    // sctp_save prints every range given, 0:65535 included
    const parts: string[] = [];
    if (m.sport) parts.push(`${bang(m.sport.invert)}--sport ${formatRange(m.sport.value)}`);
    if (m.dport) parts.push(`${bang(m.dport.invert)}--dport ${formatRange(m.dport.value)}`);
    if (m.chunks) parts.push(`${bang(m.chunks.invert)}--chunk-types ${formatChunks(m.chunks.value)}`);
    return parts.join(" ");
  },
  compile(m) {
    if (m.chunks) return { kind: "unsupported", reason: "sctp --chunk-types (the packet's SCTP chunks are not modelled)" };
    const { sport, dport } = m;
    // kernel (sctp_mt): non-first fragments never match
    return { kind: "test", test: (p) => p.proto === Proto.SCTP && !p.fragment && inRange(sport, p.sport) && inRange(dport, p.dport) };
  },
};
