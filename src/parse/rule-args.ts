/**
 * Reads the words of one rule line the way iptables' getopt_long loop does: base options, `-m`
 * modules whose options join the option table as they load (the newest first), the target's
 * options, unique-prefix abbreviations, `!` before an option (and the legacy `--opt ! value`),
 * and the protocol match loaded implicitly by `-p tcp --dport 22`.
 *
 * It runs once per line of dumps with 100,000+ lines, so it keeps its state in one reader that is
 * reset per line (no closures or word objects per line) and allocates little beyond the model.
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
import type { LineWords } from "./words.js";

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

/** One line of restore input, read. All positions are on the line `line`. */
export interface RuleCommand {
  readonly op: CommandOp;
  readonly line: number;
  /** The chain the command names (absent for `-F`/`-X`/`-Z` of the whole table). */
  readonly chain?: string;
  /** Column of the chain word, or of the line's first word when there is none. */
  readonly chainColumn: number;
  /** `-I CHAIN N`, `-D CHAIN N`, `-R CHAIN N`. */
  readonly ruleNum?: number;
  /** The policy of `-P`, the new name of `-E`. */
  readonly arg?: string;
  readonly argColumn: number;
  /** `-4` / `-6`: the line is only for that family. */
  readonly onlyFamily?: Family;
  /** Whether the line gave any rule-spec options (for `-D` by spec). */
  readonly hasSpec: boolean;
  /** The rules the spec makes (more than one when `-s`/`-d` list several addresses). */
  readonly rules: readonly Rule[];
  /** Column of the `-j`/`-g` value word, 0 when the rule has none. */
  readonly targetColumn: number;
}

/** Where problems go. */
export interface Reporter {
  error(code: IssueCode, message: string, line: number, column: number): void;
  warn(code: string, message: string, line: number, column: number): void;
}

/** A chain the table has declared, as the rule reader sees it. */
export interface ScopeChain {
  readonly name: string;
  /** The one `{ name: "chain", chain }` target that every jump to this chain shares (made on first use). */
  jump?: Target;
}

/** What the rule reader needs to know about its surroundings. */
export interface RuleScope {
  readonly family: Family;
  readonly table: TableName;
  /** The chains this table has declared so far (for telling a chain jump from a target). */
  readonly chains: { get(name: string): ScopeChain | undefined };
}

interface BaseOption {
  readonly name: string;
  readonly short?: string;
  readonly args: 0 | 1 | 2;
  readonly invertible?: boolean;
  /** -I/-D/-X/-F/-Z: a further optional word. */
  readonly optionalArg?: boolean;
  /** For options a rule may give once: their bit (`-s` and `--src` share one). */
  readonly once?: number;
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
  { name: "source", short: "s", args: 1, invertible: true, once: 1 },
  { name: "src", args: 1, invertible: true, once: 1 },
  { name: "destination", short: "d", args: 1, invertible: true, once: 2 },
  { name: "dst", args: 1, invertible: true, once: 2 },
  { name: "in-interface", short: "i", args: 1, invertible: true, once: 4 },
  { name: "out-interface", short: "o", args: 1, invertible: true, once: 8 },
  { name: "protocol", short: "p", args: 1, invertible: true, once: 16 },
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

/** Base options by the char code of their short letter (`-A` → BY_SHORT[65]). */
const BY_SHORT: readonly (BaseOption | undefined)[] = (() => {
  const a: (BaseOption | undefined)[] = new Array(128).fill(undefined);
  for (const o of BASE_OPTIONS) if (o.short) a[o.short.charCodeAt(0)] = o;
  return a;
})();


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
  /** Column of the `-m NAME` / `-j NAME` value word. */
  readonly column: number;
  readonly ext?: MatchExtension<{ module: string }> | TargetExtension<{ name: string }>;
  /** Replaced by a one-longer copy for each use (most modules get one or two; `push` would reserve 16). */
  uses: readonly OptionUse[];
  /** For unknown modules: the raw words after `-m NAME` / `-j NAME`. */
  readonly raw?: string[];
}

/** What an option word resolved to (the reader keeps one and overwrites it). */
interface Resolved {
  base?: BaseOption;
  owner?: Loaded;
  spec?: OptionSpec;
}

/** Base options by their full word (`--append`), the first of a name winning as in the table. */
const BASE_BY_WORD: ReadonlyMap<string, BaseOption> = (() => {
  const m = new Map<string, BaseOption>();
  for (const b of BASE_OPTIONS) if (!m.has(`--${b.name}`)) m.set(`--${b.name}`, b);
  return m;
})();

const optionMaps = new WeakMap<readonly OptionSpec[], Map<string, OptionSpec>>();

/** A module's options by their full word (`--dport`; the first of a name wins), built once per module. */
function optionsByWord(ext: { readonly options: readonly OptionSpec[] }): Map<string, OptionSpec> {
  let m = optionMaps.get(ext.options);
  if (!m) {
    m = new Map();
    for (const spec of ext.options) if (!m.has(`--${spec.name}`)) m.set(`--${spec.name}`, spec);
    optionMaps.set(ext.options, m);
  }
  return m;
}

/**
 * getopt_long's lookup of `--name` (given as the whole word `dashed`): an exact name, the base
 * options first and then the modules newest first; else a unique prefix. Fills `out`.
 */
function resolveLong(dashed: string, loaded: readonly Loaded[], out: Resolved): "ok" | "ambiguous" | undefined {
  const base = BASE_BY_WORD.get(dashed);
  if (base) {
    out.base = base;
    out.owner = undefined;
    out.spec = undefined;
    return "ok";
  }
  for (let k = loaded.length - 1; k >= 0; k--) {
    const l = loaded[k];
    if (!l.ext) continue;
    const spec = optionsByWord(l.ext).get(dashed);
    if (spec) {
      out.base = undefined;
      out.owner = l;
      out.spec = spec;
      return "ok";
    }
  }
  return resolvePrefix(dashed.slice(2), loaded, out);
}

/** No exact name: a unique prefix (getopt_long's abbreviations), over the whole option table. */
function resolvePrefix(name: string, loaded: readonly Loaded[], out: Resolved): "ok" | "ambiguous" | undefined {
  const table: Resolved[] = BASE_OPTIONS.map((b) => ({ base: b }));
  for (let k = loaded.length - 1; k >= 0; k--) {
    const l = loaded[k];
    if (l.ext) for (const spec of l.ext.options) table.push({ owner: l, spec });
  }
  const nameOf = (r: Resolved) => (r.base ? r.base.name : (r.spec as OptionSpec).name);
  let found = table.find((r) => nameOf(r) === name);
  if (!found) {
    const prefixed = table.filter((r) => nameOf(r).startsWith(name));
    if (prefixed.length === 0) return undefined;
    const first = prefixed[0];
    // getopt_long: several prefix matches are ambiguous unless they are the same option
    if (prefixed.some((r) => r.base !== first.base || r.spec !== first.spec)) return "ambiguous";
    found = first;
  }
  out.base = found.base;
  out.owner = found.owner;
  out.spec = found.spec;
  return "ok";
}

const NO_USES: readonly OptionUse[] = [];
const NO_VALUES: readonly string[] = [];
const NO_COLUMNS: readonly number[] = [];

/** `uses` and then `use`, as a new array of exactly that length. */
function withUse(uses: readonly OptionUse[], use: OptionUse): OptionUse[] {
  const n = uses.length;
  const out = new Array<OptionUse>(n + 1);
  for (let k = 0; k < n; k++) out[k] = uses[k];
  out[n] = use;
  return out;
}

/** An empty match list, shared by every rule without `-m`. */
const NO_MATCHES: readonly Match[] = [];

/** The builder context of the reader: one object, its fields set per line and per module. */
interface MutableContext {
  family: Family;
  table: TableName;
  chain: string;
  protocol: number | undefined;
  where: { line: number; column: number };
  error: BuildContext["error"];
  warn: BuildContext["warn"];
}

/** A value word of an option: its text and column (an `--opt=value` value is part of the option word). */
const valueText: string[] = ["", ""];
const valueColumn: number[] = [0, 0];

/**
 * The state of reading one line. One reader serves every line in turn (reset by `read`), so that
 * its fields, not closures or objects per line, carry the line's state.
 */
class LineReader {
  private w!: LineWords;
  private scope!: RuleScope;
  private report!: Reporter;
  private failed = false;
  private readonly resolved: Resolved = {};
  /** The line's built matches, copied into the rule at the end. */
  private readonly matches: Match[] = [];
  /** The modules the line loads, in order. */
  private readonly loaded: Loaded[] = [];
  private readonly ctx: MutableContext;

  constructor() {
    const self = this;
    this.ctx = {
      family: 4,
      table: "filter",
      chain: "",
      protocol: undefined,
      where: { line: 0, column: 0 },
      error(code, message, at, valueIndex) {
        const col = valueIndex !== undefined && "valueColumns" in at ? (at.valueColumns[valueIndex] ?? at.column) : at.column;
        self.err(code, message, at.line, col);
        return undefined;
      },
      warn(code, message, at, valueIndex) {
        const col = valueIndex !== undefined && "valueColumns" in at ? (at.valueColumns[valueIndex] ?? at.column) : at.column;
        self.report.warn(code, message, at.line, col);
      },
    };
  }

  private err(code: IssueCode, message: string, line: number, column: number): void {
    this.failed = true;
    this.report.error(code, message, line, column);
  }

  /** After an unknown option, its value words are skipped rather than reported again. */
  private skipValues(from: number): number {
    const text = this.w.text;
    let k = from;
    while (k < this.w.n && !text[k].startsWith("-") && text[k] !== "!") k++;
    return k;
  }

  read(w: LineWords, scope: RuleScope, report: Reporter): RuleCommand | undefined {
    try {
      return this.readLine(w, scope, report);
    } finally {
      // hold nothing of this line (or of its table) once it is read
      this.w = this.scope = this.report = undefined as never;
      // pop, not `length = 0` (a runtime call): the lists hold a few entries
      for (let k = this.matches.length; k > 0; k--) this.matches.pop();
      for (let k = this.loaded.length; k > 0; k--) this.loaded.pop();
    }
  }

  private readLine(w: LineWords, scope: RuleScope, report: Reporter): RuleCommand | undefined {
    this.w = w;
    this.scope = scope;
    this.report = report;
    this.failed = false;
    const n = w.n;
    const text = w.text;
    const column = w.column;
    const line = w.line;
    const family = scope.family;

    let op: CommandOp | undefined;
    let chain: string | undefined;
    let chainColumn = 0;
    let ruleNum: number | undefined;
    let arg: string | undefined;
    let argColumn = 0;
    let onlyFamily: Family | undefined;
    let hasSpec = false;
    let sources: readonly IpNet[] | undefined;
    let sourceInvert = false;
    let dests: readonly IpNet[] | undefined;
    let destInvert = false;
    let inIface: Negatable<string> | undefined;
    let outIface: Negatable<string> | undefined;
    let protocol: Negatable<number> | undefined;
    let fragment: Negatable<true> | undefined;
    let counters: Counters | undefined;
    let goto = false;
    let targetColumn = 0;
    let chainTarget: string | undefined;
    /** The declared chain `-j` names, looked up once. */
    let jumpTo: ScopeChain | undefined;
    const loaded = this.loaded;
    let target: Loaded | undefined;
    /** Base options seen on this line (their `once` bits), each allowed once. */
    let seenBase = 0;

    if (w.unterminated > 0) {
      this.err("unterminated-quote", `the quote opened at column ${w.unterminated} is not closed before the end of the line; expected a closing "`, line, w.unterminated);
      return undefined;
    }
    const resolved = this.resolved;
    /** Column of a `!` waiting for its option, 0 when none. */
    let pendingNot = 0;
    let i = 0;
    while (i < n) {
      const word = text[i];
      const col = column[i];
      if (word === "!" && !w.quoted[i]) {
        if (pendingNot) this.err("syntax", `"!" twice in a row; expected an option after "!"`, line, col);
        pendingNot = col;
        i++;
        continue;
      }
      const dash = word.charCodeAt(0) === 45;
      const isLong = dash && word.length > 2 && word.charCodeAt(1) === 45;
      const isShort = dash && !isLong && word.length >= 2 && word !== "--";
      if (!isLong && !isShort) {
        // a word that belongs to an unknown module's options (we cannot know their arity)
        const open = loaded[loaded.length - 1];
        if (open && !open.ext && open.raw && (open.raw.length > 0 || open.kind === "target")) {
          open.raw.push(word);
          i++;
          continue;
        }
        this.err("syntax", `unexpected word "${word}"; expected an option such as -A, -s, -m or -j`, line, col);
        i++;
        continue;
      }

      // find the option
      let attached: string | undefined;
      if (isLong) {
        let dashed = word;
        const eq = word.indexOf("=");
        if (eq >= 0) {
          attached = word.slice(eq + 1);
          dashed = word.slice(0, eq);
        }
        let r = resolveLong(dashed, loaded, resolved);
        if (r === undefined && protocol && !protocol.invert) {
          // iptables: an unknown option with -p set loads the protocol's match and tries again
          const pm = PROTO_MATCH.get(protocol.value);
          const ext = pm ? findMatch(pm, family) : undefined;
          if (ext && !loaded.some((l) => l.kind === "match" && l.ext === ext)) {
            loaded.push({ kind: "match", name: ext.name, column: col, ext, uses: NO_USES });
            r = resolveLong(dashed, loaded, resolved);
          }
        }
        if (r === "ambiguous") {
          this.err("ambiguous-option", `option "${dashed}" is ambiguous: it abbreviates more than one option of this rule`, line, col);
          i++;
          continue;
        }
        if (r === undefined) {
          const open = loaded[loaded.length - 1];
          if (open && !open.ext && open.raw) {
            if (pendingNot) open.raw.push("!");
            pendingNot = 0;
            open.raw.push(word);
            i++;
            continue;
          }
          const known = loaded.filter((l) => l.ext).map((l) => (l.kind === "match" ? `-m ${l.name}` : `-j ${l.name}`));
          this.err("unknown-option", `unknown option "${dashed}"${known.length ? ` for ${known.join(", ")}` : ""}; expected an option of a loaded module (add -m MODULE before it)`, line, col);
          pendingNot = 0;
          i = this.skipValues(i + 1);
          continue;
        }
      } else {
        const base = BY_SHORT[word.charCodeAt(1)];
        if (!base) {
          const open = loaded[loaded.length - 1];
          if (open && !open.ext && open.raw) {
            if (pendingNot) open.raw.push("!");
            pendingNot = 0;
            open.raw.push(word);
            i++;
            continue;
          }
          this.err("unknown-option", `unknown option "${word}"; expected one of -A -I -D -R -N -X -F -P -Z -E -s -d -i -o -p -f -m -j -g -c`, line, col);
          i = this.skipValues(i + 1);
          continue;
        }
        if (word.length > 2) attached = word.slice(2);
        resolved.base = base;
        resolved.owner = undefined;
        resolved.spec = undefined;
      }

      const owner = resolved.owner;
      const spec = resolved.base ?? (resolved.spec as OptionSpec);
      let invert = false;
      if (pendingNot) {
        if (!spec.invertible) this.err("syntax", `"!" cannot stand before ${isLong ? "--" : "-"}${isLong ? spec.name : word.slice(1, 2)}; that option cannot be negated`, line, pendingNot);
        invert = true;
        pendingNot = 0;
      }
      // take the option's values
      let nv = 0;
      let j = i + 1;
      if (attached !== undefined) {
        valueText[0] = attached;
        valueColumn[0] = col + word.length - attached.length;
        nv = 1;
      }
      const need = spec.args;
      const optional = spec.optionalArg === true;
      while (nv < need && j < n) {
        const next = text[j];
        if (optional && (next.startsWith("-") || next === "!")) break;
        // legacy (iptables ≤ 1.4.3): `--opt ! value`
        if (next === "!" && !w.quoted[j] && spec.invertible && nv === 0 && !invert) {
          invert = true;
          j++;
          continue;
        }
        valueText[nv] = next;
        valueColumn[nv] = column[j];
        nv++;
        j++;
      }
      if (nv < need && !optional) {
        const shown = isLong ? word : `-${word[1]}`;
        this.err("missing-value", `option ${shown} needs ${need === 1 ? "a value" : `${need} values`}; found the end of the line`, line, col + word.length);
        break;
      }
      i = j;

      if (owner) {
        hasSpec = true;
        const s = spec as OptionSpec;
        if (!s.repeatable && usedBefore(owner.uses, s.name)) {
          this.err("duplicate-option", `--${s.name} is given twice for ${owner.kind === "match" ? "-m" : "-j"} ${owner.name}; the kernel tools allow it once`, line, col);
        }
        owner.uses = withUse(owner.uses, {
          name: s.name,
          invert,
          values: nv === 0 ? NO_VALUES : nv === 1 ? [valueText[0]] : [valueText[0], valueText[1]],
          line,
          column: col,
          valueColumns: nv === 0 ? NO_COLUMNS : nv === 1 ? [valueColumn[0]] : [valueColumn[0], valueColumn[1]],
        });
        continue;
      }

      const base = resolved.base as BaseOption;
      const v0 = nv > 0 ? valueText[0] : "";
      const v0Column = valueColumn[0];
      const once = base.once;
      if (once !== undefined) {
        if (seenBase & once) this.err("duplicate-option", `${word} is given twice; iptables allows it once per rule`, line, col);
        seenBase |= once;
      }
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
            this.err("bad-command", `a second command ${word} on one line; expected one of -A, -I, -D, -R, -N, -X, -F, -P, -Z, -E per line`, line, col);
            break;
          }
          op = base.name;
          if (nv > 0) {
            chain = v0;
            chainColumn = v0Column;
          }
          if (nv > 1) {
            arg = valueText[1];
            argColumn = valueColumn[1];
          }
          if (op === "replace") {
            const num = nv > 1 && isDigits(valueText[1]) ? Number(valueText[1]) : undefined;
            if (!num) this.err("bad-value", `-R needs CHAIN RULENUM; found "${nv > 1 ? valueText[1] : ""}"`, line, nv > 1 ? valueColumn[1] : col);
            ruleNum = num;
            arg = undefined;
            argColumn = 0;
          }
          if ((op === "insert" || op === "delete") && i < n && isDigits(text[i])) {
            ruleNum = Number(text[i]);
            if (ruleNum < 1) this.err("bad-value", `rule numbers start at 1; found ${ruleNum}`, line, column[i]);
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
          const nets = this.readNets(v0, v0Column, isSrc, invert);
          if (!nets) break;
          if (nets.length > 0) {
            if (isSrc) {
              if (!sources) (sources = nets), (sourceInvert = invert);
            } else if (!dests) (dests = nets), (destInvert = invert);
          }
          break;
        }
        case "in-interface":
        case "out-interface": {
          hasSpec = true;
          const name = v0;
          // kernel: IFNAMSIZ is 16 including the NUL
          if (name.length === 0 || name.length > 15 || /[\s/]/.test(name)) {
            this.err("bad-interface", `${base.name === "in-interface" ? "-i" : "-o"} expects an interface name of 1 to 15 characters (a trailing + is a wildcard); found "${name}"`, line, v0Column);
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
          const p = protocolNumber(v0);
          if (p === undefined) {
            this.err("bad-protocol", `-p expects a protocol name (tcp, udp, icmp, …) or a number from 0 to 255; found "${v0}"`, line, v0Column);
            break;
          }
          if (p === 0) {
            if (invert) this.err("bad-protocol", `"! -p all" matches nothing; the kernel tools refuse it`, line, v0Column);
            break;
          }
          protocol = invert ? { value: p, invert } : (PROTOCOLS[p] ??= { value: p, invert: false });
          break;
        }
        case "fragment":
          hasSpec = true;
          if (family === 6) this.err("family-mismatch", `-f exists only for IPv4; use -m frag for IPv6`, line, col);
          fragment = { value: true, invert };
          break;
        case "match": {
          hasSpec = true;
          const ext = findMatch(v0, family);
          if (ext) loaded.push({ kind: "match", name: ext.name, column: v0Column, ext, uses: NO_USES });
          else {
            const other = findMatch(v0, family === 4 ? 6 : 4);
            if (other) this.err("family-mismatch", `-m ${v0} exists only for IPv${family === 4 ? 6 : 4}`, line, v0Column);
            else {
              report.warn("unknown-match", `match module "${v0}" is not known to iptrace; kept as written and not evaluated`, line, v0Column);
              loaded.push({ kind: "match", name: v0, column: v0Column, uses: NO_USES, raw: [] });
            }
          }
          break;
        }
        case "jump":
        case "goto": {
          hasSpec = true;
          if (target || chainTarget !== undefined) {
            this.err("duplicate-option", `a second ${word}; a rule has at most one target`, line, col);
            break;
          }
          const name = v0;
          targetColumn = v0Column;
          if (base.name === "goto") {
            goto = true;
            chainTarget = name;
            break;
          }
          const declared = scope.chains.get(name);
          jumpTo = declared;
          const ext = declared ? undefined : findTarget(name, family);
          if (ext) {
            target = { kind: "target", name: ext.name, column: v0Column, ext, uses: NO_USES };
            loaded.push(target);
          } else if (UNTYPED_KERNEL_TARGETS.has(name) || (!declared && findTarget(name, family === 4 ? 6 : 4))) {
            if (findTarget(name, family === 4 ? 6 : 4)) this.err("family-mismatch", `target ${name} exists only for IPv${family === 4 ? 6 : 4}`, line, v0Column);
            else report.warn("unknown-target", `target "${name}" is not modelled by iptrace; kept as written`, line, v0Column);
            target = { kind: "target", name, column: v0Column, uses: NO_USES, raw: [] };
            loaded.push(target);
          } else {
            chainTarget = name;
          }
          break;
        }
        case "set-counters": {
          const p = isDigits(v0) ? Number(v0) : NaN;
          const b = nv > 1 && isDigits(valueText[1]) ? Number(valueText[1]) : NaN;
          if (Number.isNaN(p) || Number.isNaN(b)) this.err("bad-counters", `-c expects two numbers, PACKETS BYTES`, line, v0Column);
          else counters = { packets: p, bytes: b };
          break;
        }
        case "ipv4":
        case "ipv6":
          onlyFamily = base.name === "ipv4" ? 4 : 6;
          break;
        case "table":
          this.err("bad-command", `-t is not allowed in iptables-restore input; start the table with a "*${v0}" line`, line, col);
          break;
        case "wait":
        case "verbose":
          break;
      }
    }
    if (pendingNot) this.err("syntax", `"!" at the end of the line; expected an option after it`, line, pendingNot);

    if (!op) {
      if (n > 0) this.err("bad-command", `a rule line must start with a command such as -A CHAIN; found "${text[0]}"`, line, column[0]);
      return undefined;
    }
    if (chain === undefined && (op === "append" || op === "insert" || op === "delete" || op === "replace" || op === "new-chain" || op === "policy" || op === "rename-chain")) {
      return undefined;
    }
    if (this.failed) return undefined;

    // build the typed matches and target; `where` moves to each module as it is built
    const matches = this.matches;
    let builtTarget: Target | undefined;
    if (loaded.length > 0) {
      const ctx = this.ctx;
      ctx.family = family;
      ctx.table = scope.table;
      ctx.chain = chain ?? "";
      ctx.protocol = protocol && !protocol.invert ? protocol.value : undefined;
      for (const l of loaded) {
        if (!l.ext) {
          if (l.kind === "match") matches.push({ module: "unknown", name: l.name, words: l.raw ?? [] });
          else builtTarget = { name: "unknown", target: l.name, words: l.raw ?? [] };
          continue;
        }
        ctx.where.line = line;
        ctx.where.column = l.column;
        const built = l.ext.build(l.uses, ctx);
        if (!built) {
          this.failed = true;
          continue;
        }
        if (l.kind === "match") matches.push(built as Match);
        else builtTarget = built as Target;
      }
      if (matches.length > 1) mergeProtocolMatches(matches);
    }
    if (chainTarget !== undefined) {
      const declared = goto ? scope.chains.get(chainTarget) : jumpTo;
      builtTarget = declared ? (declared.jump ??= { name: "chain", chain: declared.name }) : { name: "chain", chain: chainTarget };
    }
    if (this.failed) return undefined;
    // an array grown by push keeps spare room: the model keeps an exact-size copy
    const ruleMatches: readonly Match[] = matches.length > 0 ? matches.slice() : NO_MATCHES;

    // -s/-d with lists expand into one rule per pair, as iptables does
    const ns = sources ? sources.length : 1;
    const nd = dests ? dests.length : 1;
    const rules = new Array<Rule>(ns * nd);
    let made = 0;
    for (let a = 0; a < ns; a++) {
      const s = sources ? { value: sources[a], invert: sourceInvert } : undefined;
      for (let b = 0; b < nd; b++) {
        const d = dests ? { value: dests[b], invert: destInvert } : undefined;
        // every rule has the same fields (absent ones undefined): one object shape keeps the
        // property loads of the validator, the printer and the compiler monomorphic
        rules[made++] = {
          line,
          counters,
          source: s,
          destination: d,
          inInterface: inIface,
          outInterface: outIface,
          protocol,
          fragment,
          matches: ruleMatches,
          target: builtTarget,
          goto,
        };
      }
    }
    return { op, line, chain, chainColumn: chainColumn || column[0], ruleNum, arg, argColumn, onlyFamily, hasSpec, rules, targetColumn };
  }

  /** `-s`/`-d`: one address or a comma-separated list; undefined (reported) when it cannot be used. */
  private readNets(v0: string, v0Column: number, isSrc: boolean, invert: boolean): readonly IpNet[] | undefined {
    const family = this.scope.family;
    if (v0.indexOf(",") < 0 && !v0.startsWith("localhost")) {
      // one address, the common case: no list to split and filter
      const net = parseNet(v0, family);
      if (typeof net !== "string") {
        const all = net.family === 4 ? net.mask === 0 : net.mask === 0n;
        if (!all) return [net];
        if (!invert) return NO_NETS;
      }
    }
    const line = this.w.line;
    const nets: IpNet[] = [];
    let from = 0;
    for (;;) {
      const comma = v0.indexOf(",", from);
      const raw = comma < 0 ? (from === 0 ? v0 : v0.slice(from)) : v0.slice(from, comma);
      // iptables resolves host names; iptrace knows only localhost (DNS answers vary by machine)
      const part = raw.startsWith("localhost") ? raw.replace(/^localhost(?=\/|$)/, family === 4 ? "127.0.0.1" : "::1") : raw;
      const net = parseNet(part, family);
      if (typeof net === "string") {
        if (/^[A-Za-z][A-Za-z0-9.-]*$/.test(part.split("/")[0]) && !part.includes(":")) {
          this.err("bad-address", `${isSrc ? "-s" : "-d"} "${part}": host names other than localhost are not resolved by iptrace; write the address`, line, v0Column);
        } else this.err("bad-address", `${isSrc ? "-s" : "-d"} expects an IPv${family} address or network; ${net}`, line, v0Column);
        break;
      }
      nets.push(net);
      if (comma < 0) break;
      from = comma + 1;
    }
    if (invert && nets.some((x) => (x.family === 4 ? x.mask === 0 : x.mask === 0n))) {
      // the kernel refuses it: RULE_APPEND failed (Invalid argument), seen with iptables-nft 1.8.9
      this.err("bad-address", `"! ${isSrc ? "-s" : "-d"} ${v0}" negates a network that holds every address; the kernel refuses it`, line, v0Column);
      return undefined;
    }
    // kernel: an all-zero mask matches everything and is not stored, so iptables-save omits it
    const kept = invert ? nets : nets.filter((x) => (x.family === 4 ? x.mask !== 0 : x.mask !== 0n));
    if (invert && nets.length > 1) this.err("bad-address", `"!" cannot be used with a list of addresses`, line, v0Column);
    return kept;
  }
}

const NO_NETS: readonly IpNet[] = [];

/** `-p N` without `!`, shared by every rule that names protocol N. */
const PROTOCOLS: Negatable<number>[] = [];

function usedBefore(uses: readonly OptionUse[], name: string): boolean {
  for (let k = 0; k < uses.length; k++) if (uses[k].name === name) return true;
  return false;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const reader = new LineReader();

/** Reads one rule line. Returns undefined when the line is too broken to use; problems go to `report`. */
export function readRuleLine(words: LineWords, scope: RuleScope, report: Reporter): RuleCommand | undefined {
  return reader.read(words, scope, report);
}

const PROTOCOL_MATCHES = ["tcp", "udp"] as const;

/**
 * iptables-nft turns `-m tcp`/`-m udp` options into native payload tests, and iptables-nft-save
 * prints them back as one match: `-m tcp --dport 8080 -m tcp --sport 1234` is saved as
 * `-m tcp --sport 1234 --dport 8080` (seen with 1.8.9). Merges later matches of the same module
 * into the first when their options do not overlap.
 */
function mergeProtocolMatches(matches: Match[]): void {
  let tcp = 0;
  let udp = 0;
  for (let k = 0; k < matches.length; k++) {
    const m = matches[k].module;
    if (m === "tcp") tcp++;
    else if (m === "udp") udp++;
  }
  if (tcp < 2 && udp < 2) return;
  for (const module of PROTOCOL_MATCHES) {
    let first = -1;
    for (let k = 0; k < matches.length; k++) {
      if (matches[k].module !== module) continue;
      if (first < 0) {
        first = k;
        continue;
      }
      const a = matches[first] as unknown as Record<string, unknown>;
      const b = matches[k] as unknown as Record<string, unknown>;
      const keys = Object.keys(b).filter((key) => key !== "module" && b[key] !== undefined);
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
export function lineFamily(words: LineWords): Family | undefined {
  for (let k = 0; k < words.n; k++) {
    if (words.quoted[k]) continue;
    const t = words.text[k];
    if (t === "-4" || t === "--ipv4") return 4;
    if (t === "-6" || t === "--ipv6") return 6;
  }
  return undefined;
}
