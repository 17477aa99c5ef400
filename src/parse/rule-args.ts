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
import { forgetMatches, MATCHES } from "../ext/match/index.js";
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
  /**
   * When the rules jump or go to a chain the scope knew: that chain's `declared` number; -1 when
   * they have no chain target, or one the scope did not know (yet).
   */
  readonly jumpDeclared: number;
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
  /**
   * The chains this table has declared so far, each with the one `{ name: "chain", chain }`
   * target that every jump to it shares (for telling a chain jump from a target), and the number
   * the table gave it when it was declared (-1 when it keeps none).
   */
  readonly chains: { get(name: string): { readonly jump: Target; readonly declared: number } | undefined };
}

/**
 * What a base option does, as a small number: the reader switches on it for every option word,
 * and a switch over numbers is one jump where a switch over the names compared strings one case
 * after another (19 comparisons for `-m`).
 */
const Kind = {
  command: 0,
  source: 1,
  destination: 2,
  inInterface: 3,
  outInterface: 4,
  protocol: 5,
  fragment: 6,
  match: 7,
  jump: 8,
  goto: 9,
  counters: 10,
  ipv4: 11,
  ipv6: 12,
  table: 13,
  ignored: 14,
} as const;

interface BaseOption {
  readonly name: string;
  readonly kind: (typeof Kind)[keyof typeof Kind];
  readonly short: string | undefined;
  readonly args: 0 | 1 | 2;
  readonly invertible: boolean;
  /** -I/-D/-X/-F/-Z: a further optional word. */
  readonly optionalArg: boolean;
  /** For options a rule may give once: their bit (`-s` and `--src` share one); 0 for the others. */
  readonly once: number;
  /** Always false (a field of OptionSpec, present so that both have one shape). */
  readonly repeatable: boolean;
}

/**
 * A base option with every field present, in one order: the reader reads these fields for every
 * option word, and objects of one shape keep those reads monomorphic.
 */
function base(
  name: string,
  kind: BaseOption["kind"],
  short: string | undefined,
  args: 0 | 1 | 2,
  more: { invertible?: boolean; optionalArg?: boolean; once?: number } = {},
): BaseOption {
  return { name, kind, short, args, invertible: more.invertible ?? false, optionalArg: more.optionalArg ?? false, once: more.once ?? 0, repeatable: false };
}

const BASE_OPTIONS: readonly BaseOption[] = [
  base("append", Kind.command, "A", 1),
  base("insert", Kind.command, "I", 1),
  base("delete", Kind.command, "D", 1),
  base("replace", Kind.command, "R", 2),
  base("new-chain", Kind.command, "N", 1),
  base("delete-chain", Kind.command, "X", 1, { optionalArg: true }),
  base("flush", Kind.command, "F", 1, { optionalArg: true }),
  base("policy", Kind.command, "P", 2),
  base("zero", Kind.command, "Z", 1, { optionalArg: true }),
  base("rename-chain", Kind.command, "E", 2),
  base("source", Kind.source, "s", 1, { invertible: true, once: 1 }),
  base("src", Kind.source, undefined, 1, { invertible: true, once: 1 }),
  base("destination", Kind.destination, "d", 1, { invertible: true, once: 2 }),
  base("dst", Kind.destination, undefined, 1, { invertible: true, once: 2 }),
  base("in-interface", Kind.inInterface, "i", 1, { invertible: true, once: 4 }),
  base("out-interface", Kind.outInterface, "o", 1, { invertible: true, once: 8 }),
  base("protocol", Kind.protocol, "p", 1, { invertible: true, once: 16 }),
  base("fragment", Kind.fragment, "f", 0, { invertible: true }),
  base("match", Kind.match, "m", 1),
  base("jump", Kind.jump, "j", 1),
  base("goto", Kind.goto, "g", 1),
  base("set-counters", Kind.counters, "c", 2),
  base("ipv4", Kind.ipv4, "4", 0),
  base("ipv6", Kind.ipv6, "6", 0),
  base("table", Kind.table, "t", 1),
  base("wait", Kind.ignored, "w", 1, { optionalArg: true }),
  base("verbose", Kind.ignored, "v", 0),
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
    found = searchRegistry(list, name, family);
    cache.set(name, found);
  }
  return found ?? undefined;
}

/**
 * The slow half of findIn, apart: a function whose arguments a closure captures gets a context
 * object on every call, and findIn runs for every `-m` and `-j` of a dump.
 */
function searchRegistry<E extends { readonly name: string; readonly aliases?: readonly string[]; readonly family?: Family }>(list: readonly E[], name: string, family: Family): E | null {
  return list.find((e) => (e.name === name || e.aliases?.includes(name)) && (e.family === undefined || e.family === family)) ?? null;
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
  readonly ext: MatchExtension<{ module: string }> | TargetExtension<{ name: string }> | undefined;
  /** Replaced by a one-longer copy for each use (most modules get one or two; `push` would reserve 16). */
  uses: readonly OptionUse[];
  /** For unknown modules: the raw words after `-m NAME` / `-j NAME`. */
  readonly raw: string[] | undefined;
  /** The module's options by their full word (optionsByWord), for the known modules. */
  readonly byWord: Map<string, OptionSpec> | undefined;
}

/** A module of this line that iptrace knows. */
function known(kind: "match" | "target", ext: MatchExtension<{ module: string }> | TargetExtension<{ name: string }>, column: number): Loaded {
  return { kind, name: ext.name, column, ext, uses: NO_USES, raw: undefined, byWord: optionsByWord(ext) };
}

/** A module of this line that iptrace does not know: its words are kept as they come. */
function unknown(kind: "match" | "target", name: string, column: number): Loaded {
  return { kind, name, column, ext: undefined, uses: NO_USES, raw: [], byWord: undefined };
}

/** The line's last module when iptrace does not know it: the words after it are its own (see option()). */
function openUnknown(loaded: readonly Loaded[]): (Loaded & { readonly raw: string[] }) | undefined {
  const open = loaded[loaded.length - 1];
  return open !== undefined && open.ext === undefined && open.raw !== undefined ? (open as Loaded & { readonly raw: string[] }) : undefined;
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

/**
 * A module's option in the shape of a base option (every field present, in one order): the
 * reader reads `args`, `optionalArg` and `invertible` of whichever it found, and one shape for
 * both keeps those reads monomorphic where each module's literals would make them megamorphic.
 */
function sameShape(spec: OptionSpec): OptionSpec {
  return {
    name: spec.name,
    kind: Kind.ignored,
    short: undefined,
    args: spec.args,
    invertible: spec.invertible ?? false,
    optionalArg: spec.optionalArg ?? false,
    once: 0,
    repeatable: spec.repeatable ?? false,
  } as OptionSpec;
}

const optionMaps = new WeakMap<readonly OptionSpec[], Map<string, OptionSpec>>();

/** A module's options by their full word (`--dport`; the first of a name wins), built once per module. */
function optionsByWord(ext: { readonly options: readonly OptionSpec[] }): Map<string, OptionSpec> {
  let m = optionMaps.get(ext.options);
  if (!m) {
    m = new Map();
    for (const spec of ext.options) if (!m.has(`--${spec.name}`)) m.set(`--${spec.name}`, sameShape(spec));
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
    if (l.byWord === undefined) continue;
    const spec = l.byWord.get(dashed);
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
 * its fields, not closures or objects per line, carry the line's state. The work is cut into
 * small methods: V8 compiles each hot one quickly and, when a new kind of line turns up late in a
 * dump, throws away and recompiles only the one that meets it.
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

  // what the line says so far (set by resetLine, which the constructor calls too)
  private op!: CommandOp | undefined;
  private chain!: string | undefined;
  private chainColumn!: number;
  private ruleNum!: number | undefined;
  private arg!: string | undefined;
  private argColumn!: number;
  private onlyFamily!: Family | undefined;
  private hasSpec!: boolean;
  private sources!: readonly IpNet[] | undefined;
  private sourceInvert!: boolean;
  private dests!: readonly IpNet[] | undefined;
  private destInvert!: boolean;
  private inIface!: Negatable<string> | undefined;
  private outIface!: Negatable<string> | undefined;
  private protocol!: Negatable<number> | undefined;
  private fragment!: Negatable<true> | undefined;
  private counters!: Counters | undefined;
  private goto!: boolean;
  private targetColumn!: number;
  private chainTarget!: string | undefined;
  /** The declared chain `-j` names (its shared jump target and number), looked up once. */
  private jumpEntry!: { readonly jump: Target; readonly declared: number } | undefined;
  private target!: Loaded | undefined;
  /** Base options seen on this line (their `once` bits), each allowed once. */
  private seenBase!: number;
  /** Column of a `!` waiting for its option, 0 when none. */
  private pendingNot!: number;
  /** How many values the current option took (in valueText/valueColumn). */
  private nv = 0;

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
    this.resetLine();
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
      this.start(w, scope, report);
      return this.readLine();
    } finally {
      this.clear();
    }
  }

  private start(w: LineWords, scope: RuleScope, report: Reporter): void {
    this.w = w;
    this.scope = scope;
    this.report = report;
    this.resetLine();
  }

  /** Holds nothing of the line (or of its table) once it is read. */
  private clear(): void {
    this.w = this.scope = this.report = undefined as never;
    this.resetLine();
    // pop, not `length = 0` (a runtime call): the lists hold a few entries
    for (let k = this.matches.length; k > 0; k--) this.matches.pop();
    for (let k = this.loaded.length; k > 0; k--) this.loaded.pop();
  }

  /** Holds nothing of the last line's table either (see forgetInput). */
  forget(): void {
    this.ctx.chain = "";
  }

  /** What a line says, back to nothing said. */
  private resetLine(): void {
    this.failed = false;
    this.op = undefined;
    this.chain = undefined;
    this.chainColumn = 0;
    this.ruleNum = undefined;
    this.arg = undefined;
    this.argColumn = 0;
    this.onlyFamily = undefined;
    this.hasSpec = false;
    this.sources = undefined;
    this.sourceInvert = false;
    this.dests = undefined;
    this.destInvert = false;
    this.inIface = undefined;
    this.outIface = undefined;
    this.protocol = undefined;
    this.fragment = undefined;
    this.counters = undefined;
    this.goto = false;
    this.targetColumn = 0;
    this.chainTarget = undefined;
    this.jumpEntry = undefined;
    this.target = undefined;
    this.seenBase = 0;
    this.pendingNot = 0;
  }

  private readLine(): RuleCommand | undefined {
    const w = this.w;
    const n = w.n;
    if (w.unterminated > 0) {
      this.err("unterminated-quote", `the quote opened at column ${w.unterminated} is not closed before the end of the line; expected a closing "`, w.line, w.unterminated);
      return undefined;
    }
    let i = 0;
    while (i < n) {
      i = this.option(i);
      if (i < 0) break;
    }
    if (this.pendingNot) this.err("syntax", `"!" at the end of the line; expected an option after it`, w.line, this.pendingNot);
    const op = this.op;
    if (!op) {
      if (n > 0) this.err("bad-command", `a rule line must start with a command such as -A CHAIN; found "${w.text[0]}"`, w.line, w.column[0]);
      return undefined;
    }
    if (this.chain === undefined && (op === "append" || op === "insert" || op === "delete" || op === "replace" || op === "new-chain" || op === "policy" || op === "rename-chain")) {
      return undefined;
    }
    if (this.failed) return undefined;
    return this.finish(op);
  }

  /**
   * Reads the word at `i` (an option with its values, a `!`, or a stray word) and returns the
   * index of the next word to read; -1 stops the line (an option missing its value).
   */
  private option(i: number): number {
    const w = this.w;
    const word = w.text[i];
    const col = w.column[i];
    const line = w.line;
    const loaded = this.loaded;
    if (word === "!" && !w.quoted[i]) {
      if (this.pendingNot) this.err("syntax", `"!" twice in a row; expected an option after "!"`, line, col);
      this.pendingNot = col;
      return i + 1;
    }
    const dash = word.charCodeAt(0) === 45;
    const isLong = dash && word.length > 2 && word.charCodeAt(1) === 45;
    const isShort = dash && !isLong && word.length >= 2 && word !== "--";
    if (!isLong && !isShort) {
      // a word that belongs to an unknown module's options (we cannot know their arity)
      const open = openUnknown(loaded);
      if (open && (open.raw.length > 0 || open.kind === "target")) {
        open.raw.push(word);
        return i + 1;
      }
      this.err("syntax", `unexpected word "${word}"; expected an option such as -A, -s, -m or -j`, line, col);
      return i + 1;
    }

    // find the option
    const resolved = this.resolved;
    let attached: string | undefined;
    if (isLong) {
      let dashed = word;
      const eq = word.indexOf("=");
      if (eq >= 0) {
        attached = word.slice(eq + 1);
        dashed = word.slice(0, eq);
      }
      const r = this.resolveLong(dashed, col);
      if (r === "ambiguous") {
        this.err("ambiguous-option", `option "${dashed}" is ambiguous: it abbreviates more than one option of this rule`, line, col);
        return i + 1;
      }
      if (r === undefined) {
        const open = openUnknown(loaded);
        if (open) {
          if (this.pendingNot) open.raw.push("!");
          this.pendingNot = 0;
          open.raw.push(word);
          return i + 1;
        }
        const known = loaded.filter((l) => l.ext).map((l) => (l.kind === "match" ? `-m ${l.name}` : `-j ${l.name}`));
        this.err("unknown-option", `unknown option "${dashed}"${known.length ? ` for ${known.join(", ")}` : ""}; expected an option of a loaded module (add -m MODULE before it)`, line, col);
        this.pendingNot = 0;
        return this.skipValues(i + 1);
      }
    } else {
      const base = BY_SHORT[word.charCodeAt(1)];
      if (!base) {
        const open = openUnknown(loaded);
        if (open) {
          if (this.pendingNot) open.raw.push("!");
          this.pendingNot = 0;
          open.raw.push(word);
          return i + 1;
        }
        this.err("unknown-option", `unknown option "${word}"; expected one of -A -I -D -R -N -X -F -P -Z -E -s -d -i -o -p -f -m -j -g -c`, line, col);
        return this.skipValues(i + 1);
      }
      if (word.length > 2) attached = word.slice(2);
      resolved.base = base;
      resolved.owner = undefined;
      resolved.spec = undefined;
    }

    const owner = resolved.owner;
    const spec = resolved.base ?? (resolved.spec as OptionSpec);
    let invert = false;
    if (this.pendingNot) {
      if (!spec.invertible) this.err("syntax", `"!" cannot stand before ${isLong ? "--" : "-"}${isLong ? spec.name : word.slice(1, 2)}; that option cannot be negated`, line, this.pendingNot);
      invert = true;
      this.pendingNot = 0;
    }
    // take the option's values
    const next = this.takeValues(i, spec, attached, invert);
    if (next < 0) {
      const shown = isLong ? word : `-${word[1]}`;
      const need = spec.args;
      this.err("missing-value", `option ${shown} needs ${need === 1 ? "a value" : `${need} values`}; found the end of the line`, line, col + word.length);
      return -1;
    }
    if (this.legacyNot) invert = true;

    if (owner) {
      this.hasSpec = true;
      const s = spec as OptionSpec;
      if (!s.repeatable && usedBefore(owner.uses, s.name)) {
        this.err("duplicate-option", `--${s.name} is given twice for ${owner.kind === "match" ? "-m" : "-j"} ${owner.name}; the kernel tools allow it once`, line, col);
      }
      const nv = this.nv;
      owner.uses = withUse(owner.uses, {
        name: s.name,
        invert,
        values: nv === 0 ? NO_VALUES : nv === 1 ? [valueText[0]] : [valueText[0], valueText[1]],
        line,
        column: col,
        valueColumns: nv === 0 ? NO_COLUMNS : nv === 1 ? [valueColumn[0]] : [valueColumn[0], valueColumn[1]],
      });
      return next;
    }
    return this.baseOption(resolved.base as BaseOption, word, col, invert, next);
  }

  /** Set by takeValues when the legacy `--opt ! value` negated the option. */
  private legacyNot = false;

  /**
   * Takes the values of the option at `i` into valueText/valueColumn (`this.nv` of them) and
   * returns the index after them, or -1 when the line ends before a required value.
   */
  private takeValues(i: number, spec: BaseOption | OptionSpec, attached: string | undefined, invert: boolean): number {
    const w = this.w;
    const n = w.n;
    const text = w.text;
    let nv = 0;
    let j = i + 1;
    this.legacyNot = false;
    if (attached !== undefined) {
      valueText[0] = attached;
      valueColumn[0] = w.column[i] + text[i].length - attached.length;
      nv = 1;
    }
    const need = spec.args;
    const optional = spec.optionalArg === true;
    while (nv < need && j < n) {
      const next = text[j];
      if (optional && (next.startsWith("-") || next === "!")) break;
      // legacy (iptables ≤ 1.4.3): `--opt ! value`
      if (next === "!" && !w.quoted[j] && spec.invertible && nv === 0 && !invert && !this.legacyNot) {
        this.legacyNot = true;
        j++;
        continue;
      }
      valueText[nv] = next;
      valueColumn[nv] = w.column[j];
      nv++;
      j++;
    }
    this.nv = nv;
    if (nv < need && !optional) return -1;
    return j;
  }

  /** getopt_long's look-up of a long option; may load the `-p` protocol's match first (as iptables does). */
  private resolveLong(dashed: string, col: number): "ok" | "ambiguous" | undefined {
    const loaded = this.loaded;
    let r = resolveLong(dashed, loaded, this.resolved);
    const protocol = this.protocol;
    // After a module iptrace does not know, an unresolved option is that module's (see option()),
    // whether `-p` came before the module or after it: iptables-save prints `-p` first, so a rule
    // must read the same either way.
    if (r === undefined && protocol && !protocol.invert && !openUnknown(loaded)) {
      // iptables: an unknown option with -p set loads the protocol's match and tries again
      const pm = PROTO_MATCH.get(protocol.value);
      const ext = pm ? findMatch(pm, this.scope.family) : undefined;
      if (ext && !loaded.some((l) => l.kind === "match" && l.ext === ext)) {
        loaded.push(known("match", ext, col));
        r = resolveLong(dashed, loaded, this.resolved);
      }
    }
    return r;
  }

  /** A base option (-A, -s, -p, -m, -j, …) with its values taken; returns the next word's index. */
  private baseOption(base: BaseOption, word: string, col: number, invert: boolean, i: number): number {
    const w = this.w;
    const line = w.line;
    const nv = this.nv;
    const v0 = nv > 0 ? valueText[0] : "";
    const v0Column = valueColumn[0];
    const family = this.scope.family;
    const once = base.once;
    if (once !== 0) {
      if (this.seenBase & once) this.err("duplicate-option", `${word} is given twice; iptables allows it once per rule`, line, col);
      this.seenBase |= once;
    }
    switch (base.kind) {
      case Kind.command: {
        if (this.op) {
          this.err("bad-command", `a second command ${word} on one line; expected one of -A, -I, -D, -R, -N, -X, -F, -P, -Z, -E per line`, line, col);
          break;
        }
        const op = base.name as CommandOp;
        this.op = op;
        if (nv > 0) {
          this.chain = v0;
          this.chainColumn = v0Column;
        }
        if (nv > 1) {
          this.arg = valueText[1];
          this.argColumn = valueColumn[1];
        }
        if (op === "replace") {
          const num = nv > 1 && isDigits(valueText[1]) ? Number(valueText[1]) : undefined;
          if (!num) this.err("bad-value", `-R needs CHAIN RULENUM; found "${nv > 1 ? valueText[1] : ""}"`, line, nv > 1 ? valueColumn[1] : col);
          this.ruleNum = num;
          this.arg = undefined;
          this.argColumn = 0;
        }
        if ((op === "insert" || op === "delete") && i < w.n && isDigits(w.text[i])) {
          const num = Number(w.text[i]);
          this.ruleNum = num;
          if (num < 1) this.err("bad-value", `rule numbers start at 1; found ${num}`, line, w.column[i]);
          i++;
        }
        break;
      }
      case Kind.source:
      case Kind.destination: {
        this.hasSpec = true;
        const isSrc = base.kind === Kind.source;
        const last = isSrc ? LAST_SOURCE : LAST_DESTINATION;
        let nets: readonly IpNet[] | undefined;
        if (v0 === last.text && invert === last.invert && family === last.family) nets = last.nets;
        else {
          nets = this.readNets(v0, v0Column, isSrc, invert);
          if (nets !== undefined && nets.length === 1) {
            last.text = v0;
            last.invert = invert;
            last.family = family;
            last.nets = nets;
            last.negatable = { value: nets[0], invert };
          }
        }
        if (!nets) break;
        if (nets.length > 0) {
          if (isSrc) {
            if (!this.sources) (this.sources = nets), (this.sourceInvert = invert);
          } else if (!this.dests) (this.dests = nets), (this.destInvert = invert);
        }
        break;
      }
      case Kind.inInterface:
      case Kind.outInterface: {
        this.hasSpec = true;
        const name = v0;
        // kernel: IFNAMSIZ is 16 including the NUL
        if (name.length === 0 || name.length > 15 || /[\s/]/.test(name)) {
          this.err("bad-interface", `${base.kind === Kind.inInterface ? "-i" : "-o"} expects an interface name of 1 to 15 characters (a trailing + is a wildcard); found "${name}"`, line, v0Column);
          break;
        }
        // `-i +` matches every interface: the kernel keeps no interface test and iptables-save prints none
        if (name === "+" && !invert) break;
        const value = { value: name, invert };
        if (base.kind === Kind.inInterface) this.inIface = value;
        else this.outIface = value;
        break;
      }
      case Kind.protocol: {
        this.hasSpec = true;
        const p = protocolNumber(v0);
        if (p === undefined) {
          this.err("bad-protocol", `-p expects a protocol name (tcp, udp, icmp, …) or a number from 0 to 255; found "${v0}"`, line, v0Column);
          break;
        }
        if (p === 0) {
          if (invert) this.err("bad-protocol", `"! -p all" matches nothing; the kernel tools refuse it`, line, v0Column);
          break;
        }
        this.protocol = invert ? { value: p, invert } : (PROTOCOLS[p] ??= { value: p, invert: false });
        break;
      }
      case Kind.fragment:
        this.hasSpec = true;
        if (family === 6) this.err("family-mismatch", `-f exists only for IPv4; use -m frag for IPv6`, line, col);
        this.fragment = { value: true, invert };
        break;
      case Kind.match:
        this.hasSpec = true;
        this.loadMatch(v0, v0Column);
        break;
      case Kind.jump:
      case Kind.goto:
        this.hasSpec = true;
        if (this.target || this.chainTarget !== undefined) {
          this.err("duplicate-option", `a second ${word}; a rule has at most one target`, line, col);
          break;
        }
        this.targetColumn = v0Column;
        if (base.kind === Kind.goto) {
          this.goto = true;
          this.chainTarget = v0;
        } else this.loadTarget(v0, v0Column);
        break;
      case Kind.counters: {
        const p = isDigits(v0) ? Number(v0) : NaN;
        const b = nv > 1 && isDigits(valueText[1]) ? Number(valueText[1]) : NaN;
        if (Number.isNaN(p) || Number.isNaN(b)) this.err("bad-counters", `-c expects two numbers, PACKETS BYTES`, line, v0Column);
        else this.counters = { packets: p, bytes: b };
        break;
      }
      case Kind.ipv4:
      case Kind.ipv6:
        this.onlyFamily = base.kind === Kind.ipv4 ? 4 : 6;
        break;
      case Kind.table:
        this.err("bad-command", `-t is not allowed in iptables-restore input; start the table with a "*${v0}" line`, line, col);
        break;
      case Kind.ignored:
        break;
    }
    return i;
  }

  /** `-m NAME`. */
  private loadMatch(name: string, column: number): void {
    const family = this.scope.family;
    const ext = findMatch(name, family);
    if (ext) {
      this.loaded.push(known("match", ext, column));
      return;
    }
    const other = findMatch(name, family === 4 ? 6 : 4);
    if (other) this.err("family-mismatch", `-m ${name} exists only for IPv${family === 4 ? 6 : 4}`, this.w.line, column);
    else {
      this.report.warn("unknown-match", `match module "${name}" is not known to iptrace; kept as written and not evaluated`, this.w.line, column);
      this.loaded.push(unknown("match", name, column));
    }
  }

  /** `-j NAME`: a declared chain, a target module, a target iptrace does not type, or an undeclared chain. */
  private loadTarget(name: string, column: number): void {
    const family = this.scope.family;
    const entry = this.scope.chains.get(name);
    this.jumpEntry = entry;
    const declared = entry?.jump;
    const ext = declared ? undefined : findTarget(name, family);
    if (ext) {
      this.target = known("target", ext, column);
      this.loaded.push(this.target);
    } else if (UNTYPED_KERNEL_TARGETS.has(name) || (!declared && findTarget(name, family === 4 ? 6 : 4))) {
      if (findTarget(name, family === 4 ? 6 : 4)) this.err("family-mismatch", `target ${name} exists only for IPv${family === 4 ? 6 : 4}`, this.w.line, column);
      else this.report.warn("unknown-target", `target "${name}" is not modelled by iptrace; kept as written`, this.w.line, column);
      this.target = unknown("target", name, column);
      this.loaded.push(this.target);
    } else {
      this.chainTarget = name;
    }
  }

  /** Builds the typed matches and target, and the rules of the line. */
  private finish(op: CommandOp): RuleCommand | undefined {
    const w = this.w;
    const line = w.line;
    const scope = this.scope;
    const protocol = this.protocol;
    const matches = this.matches;
    const loaded = this.loaded;
    let builtTarget: Target | undefined;
    if (loaded.length > 0) {
      // `where` moves to each module as it is built
      const ctx = this.ctx;
      ctx.family = scope.family;
      ctx.table = scope.table;
      ctx.chain = this.chain ?? "";
      ctx.protocol = protocol && !protocol.invert ? protocol.value : undefined;
      for (let k = 0; k < loaded.length; k++) {
        const l = loaded[k];
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
    const chainTarget = this.chainTarget;
    let jumpDeclared = -1;
    if (chainTarget !== undefined) {
      const entry = this.goto ? scope.chains.get(chainTarget) : this.jumpEntry;
      if (entry !== undefined) {
        builtTarget = entry.jump;
        jumpDeclared = entry.declared;
      } else builtTarget = { name: "chain", chain: chainTarget };
    }
    if (this.failed) return undefined;
    // an array grown by push keeps spare room: the model keeps an exact-size copy
    const ruleMatches = exactCopy(matches);

    // -s/-d with lists expand into one rule per pair, as iptables does
    const sources = this.sources;
    const dests = this.dests;
    const ns = sources ? sources.length : 1;
    const nd = dests ? dests.length : 1;
    const rules = new Array<Rule>(ns * nd);
    // `[packets:bytes]` before the rule, or `-c`; the prefix wins, as iptables-restore lets it
    const counters = w.packets >= 0 ? { packets: w.packets, bytes: w.bytes } : this.counters;
    const inIface = this.inIface;
    const outIface = this.outIface;
    const fragment = this.fragment;
    // Two object shapes: most rules of a big dump have no counters, interfaces or -f, and leave
    // those fields out (32 bytes less a rule); the others have every field. Two shapes keep the
    // property loads of the validator, the printer and the compiler fast (an absent field reads
    // as undefined either way).
    const lean = counters === undefined && inIface === undefined && outIface === undefined && fragment === undefined;
    let made = 0;
    for (let a = 0; a < ns; a++) {
      const s = sources ? (sources === LAST_SOURCE.nets ? LAST_SOURCE.negatable : { value: sources[a], invert: this.sourceInvert }) : undefined;
      for (let b = 0; b < nd; b++) {
        const d = dests ? (dests === LAST_DESTINATION.nets ? LAST_DESTINATION.negatable : { value: dests[b], invert: this.destInvert }) : undefined;
        rules[made++] = lean
          ? { line, source: s, destination: d, protocol, matches: ruleMatches, target: builtTarget, goto: this.goto }
          : {
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
              goto: this.goto,
            };
      }
    }
    return {
      op,
      line,
      chain: this.chain,
      chainColumn: this.chainColumn || w.column[0],
      ruleNum: this.ruleNum,
      arg: this.arg,
      argColumn: this.argColumn,
      onlyFamily: this.onlyFamily,
      hasSpec: this.hasSpec,
      rules,
      targetColumn: this.targetColumn,
      jumpDeclared,
    };
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

/**
 * An exact-size copy of a line's matches. Up to three (nearly every rule) it is an array literal:
 * V8 tracks where literals are made, and when what one makes outlives young-generation
 * collections it allocates its arrays in the old generation from then on, where `slice()`'s
 * copies are made young and copied by two scavenges each.
 */
function exactCopy(matches: readonly Match[]): readonly Match[] {
  switch (matches.length) {
    case 0:
      return NO_MATCHES;
    case 1:
      return [matches[0]];
    case 2:
      return [matches[0], matches[1]];
    case 3:
      return [matches[0], matches[1], matches[2]];
    default:
      return matches.slice();
  }
}

/**
 * The last single `-s` (or `-d`) a line gave, as read: a line that gives the same text again
 * shares its objects. kube-proxy writes `! -s CLUSTER_CIDR` in the first rule of every service
 * chain, and those rules come one after another in a dump: 10,000 of them in a 10,000-service
 * dump share one address, one list and one negatable value.
 */
interface LastNet {
  text: string | undefined;
  invert: boolean;
  family: Family;
  nets: readonly IpNet[] | undefined;
  negatable: Negatable<IpNet> | undefined;
}

const LAST_SOURCE: LastNet = { text: undefined, invert: false, family: 4, nets: undefined, negatable: undefined };
const LAST_DESTINATION: LastNet = { text: undefined, invert: false, family: 4, nets: undefined, negatable: undefined };

const EMPTY_MATCH = /(?:)/;

/**
 * Lets go of the input: the reader's last values and addresses, and what the match modules keep,
 * are slices of it, and any one of them keeps all of it alive after the parse returns.
 */
export function forgetInput(): void {
  for (const last of [LAST_SOURCE, LAST_DESTINATION]) {
    last.text = undefined;
    last.nets = undefined;
    last.negatable = undefined;
  }
  valueText[0] = valueText[1] = "";
  reader.forget();
  forgetMatches();
  // RegExp's legacy statics (RegExp.input, RegExp.lastMatch) keep the subject of the last
  // successful match, a slice of the input when a module read a value with a regular expression
  EMPTY_MATCH.exec("");
}

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
