/**
 * Reads the words of one rule line the way iptables' getopt_long loop does: base options, `-m`
 * modules whose options join the option table as they load (the newest first), the target's
 * options, unique-prefix abbreviations, `!` before an option (and the legacy `--opt ! value`),
 * and the protocol match loaded implicitly by `-p tcp --dport 22`.
 */
import type { Family, IpNet } from "../net/ip.js";
import { parseNet } from "../net/ip.js";
import type { TableName } from "../model/chain.js";
import type { IssueCode } from "../model/issue.js";
import type { Counters, Negatable, Rule } from "../model/rule.js";
import type { Match } from "../model/match.js";
import type { Target } from "../model/target.js";
import { MATCHES } from "../ext/match/index.js";
import { TARGETS } from "../ext/target/index.js";
import type { BuildContext, MatchExtension, OptionSpec, OptionUse, TargetExtension } from "../ext/types.js";
import { protocolNumber } from "./protocols.js";
import type { Word } from "./words.js";

/** The commands a restore line may give. */
export type CommandOp =
  | "append"
  | "insert"
  | "delete"
  | "replace"
  | "new-chain"
  | "delete-chain"
  | "flush"
  | "policy"
  | "zero"
  | "rename-chain";

/** One line of restore input, read. */
export interface RuleCommand {
  readonly op: CommandOp;
  /** The chain the command names (absent for `-F`/`-X`/`-Z` of the whole table). */
  readonly chain?: string;
  readonly chainWord?: Word;
  /** `-I CHAIN N`, `-D CHAIN N`, `-R CHAIN N`. */
  readonly ruleNum?: number;
  /** The policy of `-P`, the new name of `-E`. */
  readonly arg?: Word;
  /** `-4` / `-6`: the line is only for that family. */
  readonly onlyFamily?: Family;
  /** Whether the line gave any rule-spec options (for `-D` by spec). */
  readonly hasSpec: boolean;
  /** The rules the spec makes (more than one when `-s`/`-d` list several addresses). */
  readonly rules: readonly Rule[];
  /** Where the `-j`/`-g` word stands, for problems with the target. */
  readonly targetWord?: Word;
}

/** Where problems go. */
export interface Reporter {
  error(code: IssueCode, message: string, line: number, column: number): void;
  warn(code: string, message: string, line: number, column: number): void;
}

/** What the rule reader needs to know about its surroundings. */
export interface RuleScope {
  readonly family: Family;
  readonly table: TableName;
  /** The chain names this table has declared so far (for telling a chain jump from a target); a Set or the table's Map. */
  readonly chains: { has(name: string): boolean };
}

interface BaseOption {
  readonly name: string;
  readonly short?: string;
  readonly args: 0 | 1 | 2;
  readonly invertible?: boolean;
  /** -I/-D/-X/-F/-Z: a further optional word. */
  readonly optionalArg?: boolean;
}

const BASE_OPTIONS: readonly BaseOption[] = [
  { name: "append", short: "A", args: 1 },
  { name: "insert", short: "I", args: 1 },
  { name: "delete", short: "D", args: 1 },
  { name: "replace", short: "R", args: 2 },
  { name: "new-chain", short: "N", args: 1 },
  { name: "delete-chain", short: "X", args: 1, optionalArg: true },
  { name: "flush", short: "F", args: 1, optionalArg: true },
  { name: "policy", short: "P", args: 2 },
  { name: "zero", short: "Z", args: 1, optionalArg: true },
  { name: "rename-chain", short: "E", args: 2 },
  { name: "source", short: "s", args: 1, invertible: true },
  { name: "src", args: 1, invertible: true },
  { name: "destination", short: "d", args: 1, invertible: true },
  { name: "dst", args: 1, invertible: true },
  { name: "in-interface", short: "i", args: 1, invertible: true },
  { name: "out-interface", short: "o", args: 1, invertible: true },
  { name: "protocol", short: "p", args: 1, invertible: true },
  { name: "fragment", short: "f", args: 0, invertible: true },
  { name: "match", short: "m", args: 1 },
  { name: "jump", short: "j", args: 1 },
  { name: "goto", short: "g", args: 1 },
  { name: "set-counters", short: "c", args: 2 },
  { name: "ipv4", short: "4", args: 0 },
  { name: "ipv6", short: "6", args: 0 },
  { name: "table", short: "t", args: 1 },
  { name: "wait", short: "w", args: 1, optionalArg: true },
  { name: "verbose", short: "v", args: 0 },
];

const BY_SHORT = new Map(BASE_OPTIONS.filter((o) => o.short).map((o) => [o.short as string, o]));

/** Base options a rule may give once, as bits. */
const BASE_ONCE = { source: 1, destination: 2, "in-interface": 4, "out-interface": 8, protocol: 16 } as const;

/** Kernel targets that exist but that iptrace does not type: kept as unknown, with a warning. */
const UNTYPED_KERNEL_TARGETS = new Set([
  "CLUSTERIP", "DNPT", "SNPT", "ECN", "HMARK", "IDLETIMER", "LED", "RATEEST", "SYNPROXY", "TCPOPTSTRIP", "TEE",
  "MIRROR", "SAME", "IPV4OPTSSTRIP", "ROUTE", "TARPIT", "DELUDE", "CHAOS", "STEAL", "SYSRQ", "LOGMARK", "ECHO",
  "IPMARK", "DHCPMAC", "JOOL", "JOOL_SIIT", "FULLCONENAT", "ACCOUNT",
]);

/** Protocol → the match `-p` loads implicitly when an option is not otherwise known. */
const PROTO_MATCH: ReadonlyMap<number, string> = new Map([
  [6, "tcp"],
  [17, "udp"],
  [132, "sctp"],
  [1, "icmp"],
  [58, "icmp6"],
  [136, "udplite"],
  [33, "dccp"],
  [135, "mh"],
]);

/** Lookups by (family, name), remembered: the registries are fixed once loaded (reset if one grows). */
const matchCache: [Map<string, MatchExtension<{ module: string }> | null>, Map<string, MatchExtension<{ module: string }> | null>] = [new Map(), new Map()];
const targetCache: [Map<string, TargetExtension<{ name: string }> | null>, Map<string, TargetExtension<{ name: string }> | null>] = [new Map(), new Map()];
let cachedRegistrySize = -1;

function checkRegistries(): void {
  const size = MATCHES.length * 65536 + TARGETS.length;
  if (size === cachedRegistrySize) return;
  cachedRegistrySize = size;
  for (const m of [...matchCache, ...targetCache]) m.clear();
}

/** The registry entry named `name` (or an alias) for `family`, remembered per family. */
function findIn<E extends { readonly name: string; readonly aliases?: readonly string[]; readonly family?: Family }>(
  list: readonly E[],
  caches: Map<string, E | null>[],
  name: string,
  family: Family,
): E | undefined {
  checkRegistries();
  const cache = caches[family === 4 ? 0 : 1];
  let found = cache.get(name);
  if (found === undefined) {
    found = list.find((e) => (e.name === name || e.aliases?.includes(name)) && (e.family === undefined || e.family === family)) ?? null;
    cache.set(name, found);
  }
  return found ?? undefined;
}

function findMatch(name: string, family: Family): MatchExtension<{ module: string }> | undefined {
  return findIn(MATCHES, matchCache, name, family);
}

function findTarget(name: string, family: Family): TargetExtension<{ name: string }> | undefined {
  return findIn(TARGETS, targetCache, name, family);
}

/** An extension loaded on this line, collecting its option uses. */
interface Loaded {
  readonly kind: "match" | "target";
  readonly name: string;
  readonly where: Word;
  readonly ext?: MatchExtension<{ module: string }> | TargetExtension<{ name: string }>;
  readonly uses: OptionUse[];
  /** For unknown modules: the raw words after `-m NAME` / `-j NAME`. */
  readonly raw?: string[];
}

interface Resolved {
  readonly base?: BaseOption;
  readonly owner?: Loaded;
  readonly spec?: OptionSpec;
}

/** getopt_long's lookup: an exact name, else a unique prefix, over base options and the loaded modules (newest first). */
function resolveLong(name: string, loaded: readonly Loaded[]): Resolved | "ambiguous" | undefined {
  // an exact name: the base options come first, then the modules newest first (a Map per module)
  const base = BASE_EXACT.get(name);
  if (base) return base;
  for (let k = loaded.length - 1; k >= 0; k--) {
    const l = loaded[k];
    if (!l.ext) continue;
    const spec = optionsByName(l.ext).get(name);
    if (spec) return { owner: l, spec };
  }
  return resolvePrefix(name, loaded);
}

/** Resolved forms of the base options by exact name (the first of a name wins, as in the table). */
const BASE_EXACT: ReadonlyMap<string, Resolved> = (() => {
  const m = new Map<string, Resolved>();
  for (const b of BASE_OPTIONS) if (!m.has(b.name)) m.set(b.name, { base: b });
  return m;
})();

const optionMaps = new WeakMap<readonly OptionSpec[], Map<string, OptionSpec>>();

/** A module's options by exact name (the first of a name wins), built once per module. */
function optionsByName(ext: { readonly options: readonly OptionSpec[] }): Map<string, OptionSpec> {
  let m = optionMaps.get(ext.options);
  if (!m) {
    m = new Map();
    for (const spec of ext.options) if (!m.has(spec.name)) m.set(spec.name, spec);
    optionMaps.set(ext.options, m);
  }
  return m;
}

/** No exact name: a unique prefix (getopt_long's abbreviations), over the whole option table. */
function resolvePrefix(name: string, loaded: readonly Loaded[]): Resolved | "ambiguous" | undefined {
  const table: Resolved[] = BASE_OPTIONS.map((b) => ({ base: b }));
  for (let k = loaded.length - 1; k >= 0; k--) {
    const l = loaded[k];
    if (l.ext) for (const spec of l.ext.options) table.push({ owner: l, spec });
  }
  const nameOf = (r: Resolved) => (r.base ? r.base.name : (r.spec as OptionSpec).name);
  const exact = table.find((r) => nameOf(r) === name);
  if (exact) return exact;
  const prefixed = table.filter((r) => nameOf(r).startsWith(name));
  if (prefixed.length === 0) return undefined;
  const first = prefixed[0];
  // getopt_long: several prefix matches are ambiguous unless they are the same option
  if (prefixed.some((r) => r.base !== first.base || r.spec !== first.spec)) return "ambiguous";
  return first;
}

/** Reads one rule line. Returns undefined when the line is too broken to use; problems go to `report`. */
export function readRuleLine(words: readonly Word[], scope: RuleScope, report: Reporter): RuleCommand | undefined {
  let op: CommandOp | undefined;
  let chainWord: Word | undefined;
  let ruleNum: number | undefined;
  let arg: Word | undefined;
  let onlyFamily: Family | undefined;
  let hasSpec = false;
  const sources: { nets: IpNet[]; invert: boolean }[] = [];
  const dests: { nets: IpNet[]; invert: boolean }[] = [];
  let inIface: Negatable<string> | undefined;
  let outIface: Negatable<string> | undefined;
  let protocol: Negatable<number> | undefined;
  let fragment: Negatable<true> | undefined;
  let counters: Counters | undefined;
  let goto = false;
  let targetWord: Word | undefined;
  let chainTarget: string | undefined;
  const loaded: Loaded[] = [];
  let target: Loaded | undefined;
  let failed = false;
  /** Base options seen on this line (bits of BASE_ONCE), each allowed once. */
  let seenBase = 0;

  const err = (code: IssueCode, message: string, w: { line: number; column: number }) => {
    failed = true;
    report.error(code, message, w.line, w.column);
  };

  const open = words.find((w) => w.unterminated);
  if (open) {
    err("unterminated-quote", `the quote opened at column ${open.column} is not closed before the end of the line; expected a closing "`, open);
    return undefined;
  }
  /** After an unknown option, its value words are skipped rather than reported again. */
  const skipValues = (from: number): number => {
    let k = from;
    while (k < words.length && !words[k].text.startsWith("-") && words[k].text !== "!") k++;
    return k;
  };
  let pendingNot: Word | undefined;
  let i = 0;
  while (i < words.length) {
    const w = words[i];
    if (w.text === "!" && !w.quoted) {
      if (pendingNot) err("syntax", `"!" twice in a row; expected an option after "!"`, w);
      pendingNot = w;
      i++;
      continue;
    }
    const isLong = w.text.startsWith("--") && w.text.length > 2;
    const isShort = !isLong && w.text.startsWith("-") && w.text.length >= 2 && w.text !== "--";
    if (!isLong && !isShort) {
      // a word that belongs to an unknown module's options (we cannot know their arity)
      const open = loaded[loaded.length - 1];
      if (open && !open.ext && open.raw && (open.raw.length > 0 || open.kind === "target")) {
        open.raw.push(w.text);
        i++;
        continue;
      }
      err("syntax", `unexpected word "${w.text}"; expected an option such as -A, -s, -m or -j`, w);
      i++;
      continue;
    }

    // find the option
    let resolved: Resolved | undefined;
    let attached: string | undefined;
    if (isLong) {
      let name = w.text.slice(2);
      const eq = name.indexOf("=");
      if (eq >= 0) {
        attached = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      let r = resolveLong(name, loaded);
      if (r === undefined && protocol && !protocol.invert) {
        // iptables: an unknown option with -p set loads the protocol's match and tries again
        const pm = PROTO_MATCH.get(protocol.value);
        const ext = pm ? findMatch(pm, scope.family) : undefined;
        if (ext && !loaded.some((l) => l.kind === "match" && l.ext === ext)) {
          loaded.push({ kind: "match", name: ext.name, where: w, ext, uses: [] });
          r = resolveLong(name, loaded);
        }
      }
      if (r === "ambiguous") {
        err("ambiguous-option", `option "--${name}" is ambiguous: it abbreviates more than one option of this rule`, w);
        i++;
        continue;
      }
      if (r === undefined) {
        const open = loaded[loaded.length - 1];
        if (open && !open.ext && open.raw) {
          if (pendingNot) open.raw.push("!");
          pendingNot = undefined;
          open.raw.push(w.text);
          i++;
          continue;
        }
        const known = loaded.filter((l) => l.ext).map((l) => (l.kind === "match" ? `-m ${l.name}` : `-j ${l.name}`));
        err("unknown-option", `unknown option "--${name}"${known.length ? ` for ${known.join(", ")}` : ""}; expected an option of a loaded module (add -m MODULE before it)`, w);
        pendingNot = undefined;
        i = skipValues(i + 1);
        continue;
      }
      resolved = r;
    } else {
      const letter = w.text[1];
      const base = BY_SHORT.get(letter);
      if (!base) {
        const open = loaded[loaded.length - 1];
        if (open && !open.ext && open.raw) {
          if (pendingNot) open.raw.push("!");
          pendingNot = undefined;
          open.raw.push(w.text);
          i++;
          continue;
        }
        err("unknown-option", `unknown option "${w.text}"; expected one of -A -I -D -R -N -X -F -P -Z -E -s -d -i -o -p -f -m -j -g -c`, w);
        i = skipValues(i + 1);
        continue;
      }
      if (w.text.length > 2) attached = w.text.slice(2);
      resolved = { base };
    }

    const spec = resolved.base ?? (resolved.spec as OptionSpec);
    let invert = false;
    if (pendingNot) {
      if (!spec.invertible) err("syntax", `"!" cannot stand before ${isLong ? "--" : "-"}${isLong ? spec.name : w.text.slice(1, 2)}; that option cannot be negated`, pendingNot);
      invert = true;
      pendingNot = undefined;
    }
    // take the option's values
    const values: Word[] = [];
    let j = i + 1;
    if (attached !== undefined) values.push({ ...w, text: attached, column: w.column + w.text.length - attached.length });
    const need = spec.args;
    const optional = "optionalArg" in spec && spec.optionalArg;
    while (values.length < need) {
      const next = words[j];
      if (!next) break;
      if (optional && (next.text.startsWith("-") || next.text === "!")) break;
      // legacy (iptables ≤ 1.4.3): `--opt ! value`
      if (next.text === "!" && !next.quoted && spec.invertible && values.length === 0 && !invert) {
        invert = true;
        j++;
        continue;
      }
      values.push(next);
      j++;
    }
    if (values.length < need && !optional) {
      const shown = isLong ? w.text : `-${w.text[1]}`;
      err("missing-value", `option ${shown} needs ${need === 1 ? "a value" : `${need} values`}; found the end of the line`, { line: w.line, column: w.column + w.text.length });
      break;
    }
    i = j;

    if (resolved.owner) {
      hasSpec = true;
      const s = resolved.spec as OptionSpec;
      const prior = resolved.owner.uses.find((u) => u.name === s.name);
      if (prior && !s.repeatable) {
        err("duplicate-option", `--${s.name} is given twice for ${resolved.owner.kind === "match" ? "-m" : "-j"} ${resolved.owner.name}; the kernel tools allow it once`, w);
      }
      resolved.owner.uses.push({
        name: s.name,
        invert,
        values: values.map((v) => v.text),
        line: w.line,
        column: w.column,
        valueColumns: values.map((v) => v.column),
      });
      continue;
    }

    const base = resolved.base as BaseOption;
    const v0 = values[0];
    const once = (name: keyof typeof BASE_ONCE) => {
      if (seenBase & BASE_ONCE[name]) err("duplicate-option", `${w.text} is given twice; iptables allows it once per rule`, w);
      seenBase |= BASE_ONCE[name];
    };
    switch (base.name) {
      case "append":
      case "insert":
      case "delete":
      case "replace":
      case "new-chain":
      case "delete-chain":
      case "flush":
      case "policy":
      case "zero":
      case "rename-chain": {
        if (op) {
          err("bad-command", `a second command ${w.text} on one line; expected one of -A, -I, -D, -R, -N, -X, -F, -P, -Z, -E per line`, w);
          break;
        }
        op = base.name;
        chainWord = v0;
        if (values[1]) arg = values[1];
        if (op === "replace") {
          const n = values[1] && /^[0-9]+$/.test(values[1].text) ? Number(values[1].text) : undefined;
          if (!n) err("bad-value", `-R needs CHAIN RULENUM; found "${values[1]?.text ?? ""}"`, values[1] ?? w);
          ruleNum = n;
          arg = undefined;
        }
        if ((op === "insert" || op === "delete") && words[i] && /^[0-9]+$/.test(words[i].text)) {
          ruleNum = Number(words[i].text);
          if (ruleNum < 1) err("bad-value", `rule numbers start at 1; found ${ruleNum}`, words[i]);
          i++;
        }
        break;
      }
      case "source":
      case "src":
      case "destination":
      case "dst": {
        hasSpec = true;
        const isSrc = base.name === "source" || base.name === "src";
        once(isSrc ? "source" : "destination");
        const nets: IpNet[] = [];
        for (const raw of v0.text.split(",")) {
          // iptables resolves host names; iptrace knows only localhost (DNS answers vary by machine)
          const part = raw.startsWith("localhost") ? raw.replace(/^localhost(?=\/|$)/, scope.family === 4 ? "127.0.0.1" : "::1") : raw;
          const net = parseNet(part, scope.family);
          if (typeof net === "string" && /^[A-Za-z][A-Za-z0-9.-]*$/.test(part.split("/")[0]) && !part.includes(":")) {
            err("bad-address", `${isSrc ? "-s" : "-d"} "${part}": host names other than localhost are not resolved by iptrace; write the address`, v0);
            break;
          }
          if (typeof net === "string") {
            err("bad-address", `${isSrc ? "-s" : "-d"} expects an IPv${scope.family} address or network; ${net}`, v0);
            break;
          }
          nets.push(net);
        }
        if (invert && nets.some((n) => (n.family === 4 ? n.mask === 0 : n.mask === 0n))) {
          // the kernel refuses it: RULE_APPEND failed (Invalid argument), seen with iptables-nft 1.8.9
          err("bad-address", `"! ${isSrc ? "-s" : "-d"} ${v0.text}" negates a network that holds every address; the kernel refuses it`, v0);
          break;
        }
        // kernel: an all-zero mask matches everything and is not stored, so iptables-save omits it
        const kept = invert ? nets : nets.filter((n) => (n.family === 4 ? n.mask !== 0 : n.mask !== 0n));
        if (kept.length > 0) (isSrc ? sources : dests).push({ nets: kept, invert });
        if (invert && nets.length > 1) err("bad-address", `"!" cannot be used with a list of addresses`, v0);
        break;
      }
      case "in-interface":
      case "out-interface": {
        hasSpec = true;
        once(base.name as "in-interface" | "out-interface");
        const name = v0.text;
        // kernel: IFNAMSIZ is 16 including the NUL
        if (name.length === 0 || name.length > 15 || /[\s/]/.test(name)) {
          err("bad-interface", `${base.name === "in-interface" ? "-i" : "-o"} expects an interface name of 1 to 15 characters (a trailing + is a wildcard); found "${name}"`, v0);
          break;
        }
        // `-i +` matches every interface: the kernel keeps no interface test and iptables-save prints none
        if (name === "+" && !invert) break;
        const value = { value: name, invert };
        if (base.name === "in-interface") inIface = value;
        else outIface = value;
        break;
      }
      case "protocol": {
        hasSpec = true;
        once("protocol");
        const n = protocolNumber(v0.text);
        if (n === undefined) {
          err("bad-protocol", `-p expects a protocol name (tcp, udp, icmp, …) or a number from 0 to 255; found "${v0.text}"`, v0);
          break;
        }
        if (n === 0) {
          if (invert) err("bad-protocol", `"! -p all" matches nothing; the kernel tools refuse it`, v0);
          break;
        }
        protocol = { value: n, invert };
        break;
      }
      case "fragment":
        hasSpec = true;
        if (scope.family === 6) err("family-mismatch", `-f exists only for IPv4; use -m frag for IPv6`, w);
        fragment = { value: true, invert };
        break;
      case "match": {
        hasSpec = true;
        const ext = findMatch(v0.text, scope.family);
        if (ext) loaded.push({ kind: "match", name: ext.name, where: v0, ext, uses: [] });
        else {
          const other = findMatch(v0.text, scope.family === 4 ? 6 : 4);
          if (other) err("family-mismatch", `-m ${v0.text} exists only for IPv${scope.family === 4 ? 6 : 4}`, v0);
          else {
            report.warn("unknown-match", `match module "${v0.text}" is not known to iptrace; kept as written and not evaluated`, v0.line, v0.column);
            loaded.push({ kind: "match", name: v0.text, where: v0, uses: [], raw: [] });
          }
        }
        break;
      }
      case "jump":
      case "goto": {
        hasSpec = true;
        if (target || chainTarget !== undefined) {
          err("duplicate-option", `a second ${w.text}; a rule has at most one target`, w);
          break;
        }
        const name = v0.text;
        targetWord = v0;
        if (base.name === "goto") {
          goto = true;
          chainTarget = name;
          break;
        }
        const ext = scope.chains.has(name) ? undefined : findTarget(name, scope.family);
        if (ext) {
          target = { kind: "target", name: ext.name, where: v0, ext, uses: [] };
          loaded.push(target);
        } else if (UNTYPED_KERNEL_TARGETS.has(name) || (findTarget(name, scope.family === 4 ? 6 : 4) && !scope.chains.has(name))) {
          if (findTarget(name, scope.family === 4 ? 6 : 4)) err("family-mismatch", `target ${name} exists only for IPv${scope.family === 4 ? 6 : 4}`, v0);
          else report.warn("unknown-target", `target "${name}" is not modelled by iptrace; kept as written`, v0.line, v0.column);
          target = { kind: "target", name, where: v0, uses: [], raw: [] };
          loaded.push(target);
        } else {
          chainTarget = name;
        }
        break;
      }
      case "set-counters": {
        const p = /^[0-9]+$/.test(v0.text) ? Number(v0.text) : NaN;
        const b = values[1] && /^[0-9]+$/.test(values[1].text) ? Number(values[1].text) : NaN;
        if (Number.isNaN(p) || Number.isNaN(b)) err("bad-counters", `-c expects two numbers, PACKETS BYTES`, v0);
        else counters = { packets: p, bytes: b };
        break;
      }
      case "ipv4":
      case "ipv6":
        onlyFamily = base.name === "ipv4" ? 4 : 6;
        break;
      case "table":
        err("bad-command", `-t is not allowed in iptables-restore input; start the table with a "*${v0.text}" line`, w);
        break;
      case "wait":
      case "verbose":
        break;
    }
  }
  if (pendingNot) err("syntax", `"!" at the end of the line; expected an option after it`, pendingNot);

  if (!op) {
    const first = words[0];
    if (first) err("bad-command", `a rule line must start with a command such as -A CHAIN; found "${first.text}"`, first);
    return undefined;
  }
  if (!chainWord && (op === "append" || op === "insert" || op === "delete" || op === "replace" || op === "new-chain" || op === "policy" || op === "rename-chain")) {
    return undefined;
  }
  if (failed) return undefined;

  // build the typed matches and target
  // one context for the line; `where` moves to each module as it is built (builds run one at a time)
  const ctx: { -readonly [K in keyof BuildContext]: BuildContext[K] } = {
    family: scope.family,
    table: scope.table,
    chain: chainWord?.text ?? "",
    protocol: protocol && !protocol.invert ? protocol.value : undefined,
    where: words[0],
    error: (code, message, at, valueIndex) => {
      const col = valueIndex !== undefined && "valueColumns" in at ? (at.valueColumns[valueIndex] ?? at.column) : at.column;
      err(code, message, { line: at.line, column: col });
      return undefined;
    },
    warn: (code, message, at, valueIndex) => {
      const col = valueIndex !== undefined && "valueColumns" in at ? (at.valueColumns[valueIndex] ?? at.column) : at.column;
      report.warn(code, message, at.line, col);
    },
  };
  const ctxFor = (l: Loaded): BuildContext => {
    ctx.where = l.where;
    return ctx;
  };
  const matches: Match[] = [];
  let builtTarget: Target | undefined;
  for (const l of loaded) {
    if (!l.ext) {
      if (l.kind === "match") matches.push({ module: "unknown", name: l.name, words: l.raw ?? [], line: l.where.line, column: l.where.column });
      else builtTarget = { name: "unknown", target: l.name, words: l.raw ?? [] };
      continue;
    }
    const built = l.ext.build(l.uses, ctxFor(l));
    if (!built) {
      failed = true;
      continue;
    }
    if (l.kind === "match") {
      // the builder's object is new and ours: add the position in place (a spread copy costs more)
      const m = built as { line?: number; column?: number };
      m.line = l.where.line;
      m.column = l.where.column;
      matches.push(built as Match);
    }
    else builtTarget = built as Target;
  }
  mergeProtocolMatches(matches);
  if (chainTarget !== undefined) builtTarget = { name: "chain", chain: chainTarget };
  if (failed) return undefined;

  // -s/-d with lists expand into one rule per pair, as iptables does
  const srcList: (Negatable<IpNet> | undefined)[] = sources.length ? sources[0].nets.map((n) => ({ value: n, invert: sources[0].invert })) : [undefined];
  const dstList: (Negatable<IpNet> | undefined)[] = dests.length ? dests[0].nets.map((n) => ({ value: n, invert: dests[0].invert })) : [undefined];
  const rules: Rule[] = [];
  const line = words[0].line;
  for (const s of srcList) {
    for (const d of dstList) {
      // every rule has the same fields (absent ones undefined): one object shape keeps the
      // property loads of the validator, the printer and the compiler monomorphic
      rules.push({
        line,
        counters,
        source: s,
        destination: d,
        inInterface: inIface,
        outInterface: outIface,
        protocol,
        fragment,
        matches,
        target: builtTarget,
        goto,
      });
    }
  }
  return { op, chain: chainWord?.text, chainWord, ruleNum, arg, onlyFamily, hasSpec, rules, targetWord };
}

/**
 * iptables-nft turns `-m tcp`/`-m udp` options into native payload tests, and iptables-nft-save
 * prints them back as one match: `-m tcp --dport 8080 -m tcp --sport 1234` is saved as
 * `-m tcp --sport 1234 --dport 8080` (seen with 1.8.9). Merges later matches of the same module
 * into the first when their options do not overlap.
 */
function mergeProtocolMatches(matches: Match[]): void {
  for (const module of ["tcp", "udp"] as const) {
    let first = -1;
    for (let k = 0; k < matches.length; k++) {
      if (matches[k].module !== module) continue;
      if (first < 0) {
        first = k;
        continue;
      }
      const a = matches[first] as unknown as Record<string, unknown>;
      const b = matches[k] as unknown as Record<string, unknown>;
      const keys = Object.keys(b).filter((key) => key !== "module" && key !== "line" && key !== "column" && b[key] !== undefined);
      if (keys.some((key) => a[key] !== undefined)) continue;
      const merged = { ...a };
      for (const key of keys) merged[key] = b[key];
      matches[first] = merged as unknown as Match;
      matches.splice(k, 1);
      k--;
    }
  }
}

/** `-4`/`-6` (or `--ipv4`/`--ipv6`) on a restore line: the family it is for, so the other family's restore skips it unread. */
export function lineFamily(words: readonly Word[]): Family | undefined {
  for (const w of words) {
    if (w.quoted) continue;
    if (w.text === "-4" || w.text === "--ipv4") return 4;
    if (w.text === "-6" || w.text === "--ipv6") return 6;
  }
  return undefined;
}
