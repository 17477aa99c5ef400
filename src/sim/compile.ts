/**
 * The ruleset compiled for the walk: every rule's base matches (-s, -d, -i, -o, -p, -f) as closures
 * over numbers, its extension matches and target through their `compile`, and the hash indexes
 * over keyed runs. A chain is compiled when a walk first enters it, and a rule's iptables-save
 * text is printed when a trace first shows it: a packet through a 110,000-rule kube-proxy dump
 * meets a few hundred rules, and compiling all of them up front took longer than the parse.
 * Compiled once, walked many times.
 */
import type { Chain, Hook, TableName } from "../model/chain.js";
import type { Rule } from "../model/rule.js";
import type { Ruleset } from "../model/ruleset.js";
import type { Family } from "../net/ip.js";
import { MATCHES } from "../ext/match/index.js";
import { TARGETS } from "../ext/target/index.js";
import type { CompiledMatch, CompiledTarget, MatchExtension, TargetExtension, TargetVerdict } from "../ext/types.js";
import { printRule } from "../print/print.js";
import { limit } from "../ext/match/limit.js";
import { recent, type RecentMatch } from "../ext/match/recent.js";
import { statistic } from "../ext/match/statistic.js";
import type { PacketState } from "./packet.js";
import type { SimEnv, WalkContext } from "./env.js";
import { buildRuns, MIN_RUN, type IndexRun } from "./index-runs.js";

/** A deterministic test of one rule, with what it assumed (time, history) when it decided. */
export interface RuleTest {
  readonly test: (p: PacketState) => boolean;
  readonly assumption?: string;
}

/**
 * A `-m statistic --mode nth` match whose answer depends on its counter. xt_statistic keeps one
 * counter per rule, shared by every packet that reaches the match; the walk keeps it as state of
 * the script (see Walker.nthHit), so the packets of one flow see it advance.
 */
export interface NthCounter {
  readonly kind: "nth";
  /** Match one packet in `every` (at least 2: `--every 1` matches every packet and is a test). */
  readonly every: number;
  /** Which one: after a load, the packet-th (0-based) packet to reach the match, then every `every`th. */
  readonly packet: number;
  readonly invert: boolean;
  /** The match as iptables-save prints it, for the trace's assumptions. */
  readonly text: string;
}

/**
 * A `-m limit` match's token bucket, one per rule in the kernel (nft_limit, xt_limit): full, it
 * lets `burst` packets through at once, and each evaluation that matches takes a token. The walk
 * keeps what the script's packets took (see Walker.limitHit), so a packet that reaches the rule
 * more often than the burst (a chain entered twice) finds it empty, as the kernel does.
 */
export interface LimitBucket {
  readonly kind: "limit";
  /** Packets a full bucket lets through at once (iptables-nft stores a burst of 0 as nft's default 5). */
  readonly burst: number;
  /** The match as iptables-save prints it, for the trace's assumptions. */
  readonly text: string;
}

/**
 * A `-m recent` match: its list (one per name in the kernel, shared by every rule that names it)
 * is walk state, so that the traced packets see what earlier ones added (see Walker.recentHit).
 */
export interface RecentList {
  readonly kind: "recent";
  readonly match: RecentMatch;
  /** The match as iptables-save prints it, for the trace's assumptions. */
  readonly text: string;
}

/** Where a match with kernel state sits among the rule's matches: the kernel reaches it only when all before it matched. */
export interface StatefulCheck {
  readonly counter: NthCounter | LimitBucket | RecentList;
  /** How many of the rule's `tests` come before it. */
  readonly testsBefore: number;
  /** How many of the rule's `randoms` come before it. */
  readonly randomsBefore: number;
  /** 1-based position of the match among the rule's matches (for the trace's forks). */
  readonly match: number;
}

/** What a matched rule does. */
export type RuleAction =
  | { readonly kind: "none" }
  | { readonly kind: "jump"; readonly chain: CompiledChain; readonly goto: boolean }
  | { readonly kind: "verdict"; readonly verdict: TargetVerdict }
  | { readonly kind: "effect"; readonly name: string; apply(p: PacketState, w: WalkContext): TargetVerdict }
  | { readonly kind: "unsupported"; readonly reason: string };

/** One compiled rule. */
export interface CompiledRule {
  /** 0-based position in its chain. */
  readonly index: number;
  readonly line: number;
  /** The rule as iptables-save prints it, starting with `-A CHAIN` (printed on first use). */
  readonly text: string;
  /** Deterministic tests in rule order (base matches first, as the kernel checks them). */
  readonly tests: readonly RuleTest[];
  /** Probabilities of matching of the random matches (`statistic --mode random`), in order. */
  readonly randoms: readonly number[];
  /** 1-based position among the rule's matches of each of `randoms` (for the trace's forks). */
  readonly randomAt: readonly number[];
  /** The matches with per-rule kernel state (`statistic --mode nth` counters, `limit` buckets), in order; absent when the rule has none. */
  readonly stateful?: readonly StatefulCheck[];
  /** The first match that cannot be modelled, when there is one. */
  readonly unsupported?: string;
  action: RuleAction;
}

/** One compiled chain; its rules, runs and runOf are compiled on first use. */
export interface CompiledChain {
  readonly name: string;
  readonly builtin: boolean;
  readonly policy?: "ACCEPT" | "DROP";
  readonly rules: readonly CompiledRule[];
  /** Indexed runs, and for each rule the run it starts or lies in (-1 for none). */
  readonly runs: readonly IndexRun[];
  readonly runOf: Int32Array;
}

/** One compiled table. */
export interface CompiledTable {
  readonly name: TableName;
  readonly chains: ReadonlyMap<string, CompiledChain>;
  /** The builtin chain of each hook this table has. */
  readonly hooks: Partial<Record<Hook, CompiledChain>>;
}

/** Tables of a ruleset compiled against one environment (host, ipsets, assumptions). */
export interface CompiledTables {
  readonly family: Family;
  readonly tables: Partial<Record<TableName, CompiledTable>>;
  readonly env: SimEnv;
  /**
   * Whether connection tracking runs at all. The kernel enables it per network namespace and
   * family only when a rule needs it (nf_ct_netns_get in the checkentry of conntrack, state,
   * connmark, the NAT targets, …); the nat table alone does not, and without a connection
   * nf_nat_inet_fn never runs the nat chains.
   */
  readonly conntrack: boolean;
  /** Whether some rule has `-m pkttype`: only then does the walk work out how an arriving frame was addressed. */
  readonly pkttype: boolean;
}

/** Match modules whose kernel checkentry enables conntrack (nf_ct_netns_get). */
const CT_MATCHES = new Set(["conntrack", "state", "connmark", "connlimit", "connbytes", "helper", "connlabel", "cluster"]);
/** Targets whose kernel checkentry enables conntrack; CT enables it unless it is --notrack. */
const CT_TARGETS = new Set(["DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP", "CONNMARK", "CONNSECMARK"]);

/** Whether any rule of the ruleset makes the kernel enable connection tracking. */
export function needsConntrack(ruleset: Ruleset): boolean {
  for (const t of ruleset.tables) {
    for (const c of t.chains) {
      for (const r of c.rules) {
        for (const m of r.matches) if (CT_MATCHES.has(m.module === "unknown" ? m.name : m.module)) return true;
        const tg = r.target;
        if (tg === undefined || tg.name === "chain") continue;
        const name = tg.name === "unknown" ? tg.target : tg.name;
        if (CT_TARGETS.has(name)) return true;
        if (name === "CT" && !(tg as { notrack?: boolean }).notrack) return true;
      }
    }
  }
  return false;
}

/** Whether any rule of the ruleset has the match module `name`. */
function usesMatch(ruleset: Ruleset, name: string): boolean {
  return ruleset.tables.some((t) => t.chains.some((c) => c.rules.some((r) => r.matches.some((m) => m.module === name))));
}

/** Options of the compiler (internal: the property tests compare indexed and linear walks). */
export interface CompileTuning {
  /** Build hash indexes over keyed runs (default true). */
  readonly index?: boolean;
  /** Shortest run that gets an index (default MIN_RUN). */
  readonly minRun?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
let matchByName: Map<string, MatchExtension<any>> | undefined;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let targetByName: Map<string, TargetExtension<any>> | undefined;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function matchExt(name: string): MatchExtension<any> | undefined {
  if (matchByName === undefined) {
    matchByName = new Map();
    for (const e of MATCHES) {
      matchByName.set(e.name, e);
      for (const a of e.aliases ?? []) if (!matchByName.has(a)) matchByName.set(a, e);
    }
  }
  return matchByName.get(name);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function targetExt(name: string): TargetExtension<any> | undefined {
  if (targetByName === undefined) {
    targetByName = new Map();
    for (const e of TARGETS) {
      targetByName.set(e.name, e);
      for (const a of e.aliases ?? []) if (!targetByName.has(a)) targetByName.set(a, e);
    }
  }
  return targetByName.get(name);
}

/** The base matches of a rule as closures over numbers; an empty list when the rule has none. */
export function baseTests(rule: Rule, family: Family): RuleTest[] {
  const tests: RuleTest[] = [];
  const addr = (which: "src" | "dst", n: Rule["source"]) => {
    if (n === undefined) return;
    const inv = n.invert;
    const net = n.value;
    if (net.family === 4) {
      const a = net.addr as number;
      const m = net.mask as number;
      if (m === 0) {
        if (inv) tests.push({ test: () => false });
        return;
      }
      tests.push({ test: which === "src" ? (p) => ((((p.src as number) & m) >>> 0) === a) !== inv : (p) => ((((p.dst as number) & m) >>> 0) === a) !== inv });
    } else {
      const a = net.addr as bigint;
      const m = net.mask as bigint;
      if (m === 0n) {
        if (inv) tests.push({ test: () => false });
        return;
      }
      tests.push({ test: which === "src" ? (p) => (((p.src as bigint) & m) === a) !== inv : (p) => (((p.dst as bigint) & m) === a) !== inv });
    }
  };
  const iface = (which: "in" | "out", n: Rule["inInterface"]) => {
    if (n === undefined) return;
    const inv = n.invert;
    const name = n.value;
    // kernel (ifname_compare_aligned): `+` ends a prefix wildcard; `+` alone matches any (even none)
    if (name.endsWith("+")) {
      const prefix = name.slice(0, -1);
      tests.push({ test: which === "in" ? (p) => p.inIface.startsWith(prefix) !== inv : (p) => p.outIface.startsWith(prefix) !== inv });
    } else {
      tests.push({ test: which === "in" ? (p) => (p.inIface === name) !== inv : (p) => (p.outIface === name) !== inv });
    }
  };
  addr("src", rule.source);
  addr("dst", rule.destination);
  iface("in", rule.inInterface);
  iface("out", rule.outInterface);
  if (rule.protocol) {
    const v = rule.protocol.value;
    const inv = rule.protocol.invert;
    tests.push({ test: (p) => (p.proto === v) !== inv });
  }
  if (rule.fragment) {
    const inv = rule.fragment.invert;
    tests.push({ test: (p) => p.fragment !== inv });
  }
  void family;
  return tests;
}

/** Shared by the rules without random matches (most of them): one array fewer per compiled rule. */
const NO_POSITIONS: readonly number[] = [];

function compileMatches(rule: Rule, env: SimEnv): { tests: RuleTest[]; randoms: number[]; randomAt: readonly number[]; stateful?: StatefulCheck[]; unsupported?: string } {
  const tests = baseTests(rule, env.family);
  const randoms: number[] = [];
  const randomAt: number[] = [];
  let stateful: StatefulCheck[] | undefined;
  let unsupported: string | undefined;
  for (let k = 0; k < rule.matches.length; k++) {
    const m = rule.matches[k];
    let c: CompiledMatch;
    if (m.module === "statistic" && m.mode === "nth" && env.assume.nthHit === undefined) {
      // kernel (statistic_mt): the counter is shared by every packet that reaches the match, so
      // it is walk state, not something the extension can answer per packet; with assume.nthHit
      // the extension gives one fixed answer instead
      if (m.every === 1) tests.push({ test: m.invert ? () => false : () => true });
      else {
        const counter: NthCounter = { kind: "nth", every: m.every, packet: m.packet, invert: m.invert, text: `-m statistic ${statistic.print(m, env.family)}` };
        (stateful ??= []).push({ counter, testsBefore: tests.length, randomsBefore: randoms.length, match: k + 1 });
      }
      continue;
    }
    if (m.module === "recent") {
      // kernel (recent_mt): the list is shared by the rules that name it and changes as packets
      // pass; walk state, like a limit bucket
      const list: RecentList = { kind: "recent", match: m, text: `-m recent ${recent.print(m, env.family)}` };
      (stateful ??= []).push({ counter: list, testsBefore: tests.length, randomsBefore: randoms.length, match: k + 1 });
      continue;
    }
    if (m.module === "limit" && (env.assume.withinLimit ?? true)) {
      // kernel: the bucket is per rule and each match takes a token, so within one walk it is
      // walk state too; with assume.withinLimit false the extension answers "over" throughout
      const bucket: LimitBucket = { kind: "limit", burst: m.burst === 0 ? 5 : m.burst, text: `-m limit ${limit.print(m, env.family)}` };
      (stateful ??= []).push({ counter: bucket, testsBefore: tests.length, randomsBefore: randoms.length, match: k + 1 });
      continue;
    }
    if (m.module === "unknown") {
      c = { kind: "unsupported", reason: `match -m ${m.name} is not known to iptrace` };
    } else {
      const ext = matchExt(m.module);
      if (ext === undefined) c = { kind: "unsupported", reason: `match -m ${m.module} has no semantics in iptrace` };
      else {
        try {
          c = ext.compile(m, env);
        } catch (e) {
          c = { kind: "unsupported", reason: `match -m ${m.module} failed to compile: ${(e as Error).message}` };
        }
      }
    }
    if (c.kind === "test") tests.push(c.assumption !== undefined ? { test: c.test, assumption: c.assumption } : { test: c.test });
    else if (c.kind === "random") {
      const pr = c.invert ? 1 - c.probability : c.probability;
      // certain outcomes do not branch
      if (pr <= 0) tests.push({ test: () => false });
      else if (pr < 1) {
        randoms.push(pr);
        randomAt.push(k + 1);
      }
    } else if (unsupported === undefined) unsupported = c.reason;
  }
  return { tests, randoms, randomAt: randomAt.length > 0 ? randomAt : NO_POSITIONS, ...(stateful !== undefined ? { stateful } : {}), ...(unsupported !== undefined ? { unsupported } : {}) };
}

function compileAction(rule: Rule, env: SimEnv): RuleAction | { kind: "chain"; name: string; goto: boolean } {
  const t = rule.target;
  if (t === undefined) return { kind: "none" };
  if (t.name === "chain") return { kind: "chain", name: t.chain, goto: rule.goto };
  if (t.name === "unknown") return { kind: "unsupported", reason: `target -j ${t.target} is not known to iptrace` };
  const ext = targetExt(t.name);
  if (ext === undefined) return { kind: "unsupported", reason: `target -j ${t.name} has no semantics in iptrace` };
  let c: CompiledTarget;
  try {
    c = ext.compile(t, env);
  } catch (e) {
    return { kind: "unsupported", reason: `target -j ${t.name} failed to compile: ${(e as Error).message}` };
  }
  if (c.kind === "verdict") return { kind: "verdict", verdict: c.verdict };
  if (c.kind === "effect") return { kind: "effect", name: t.name, apply: c.apply };
  return { kind: "unsupported", reason: c.reason };
}

/** A compiled rule; its text is printed when first asked for. */
class RuleOf implements CompiledRule {
  private printed: string | undefined;
  readonly stateful?: readonly StatefulCheck[];
  readonly unsupported?: string;

  constructor(
    readonly index: number,
    readonly line: number,
    readonly tests: readonly RuleTest[],
    readonly randoms: readonly number[],
    readonly randomAt: readonly number[],
    stateful: readonly StatefulCheck[] | undefined,
    unsupported: string | undefined,
    public action: RuleAction,
    private readonly rule: Rule,
    private readonly chain: LazyChain,
  ) {
    if (stateful !== undefined) this.stateful = stateful;
    if (unsupported !== undefined) this.unsupported = unsupported;
  }

  get text(): string {
    return (this.printed ??= printRule(this.chain.name, this.rule, this.chain.scope.env.family));
  }
}

/** What the chains of one table share while they are compiled: the environment and each other. */
interface TableScope {
  readonly name: TableName;
  readonly env: SimEnv;
  readonly tuning: CompileTuning;
  readonly chains: ReadonlyMap<string, LazyChain>;
}

const NO_COMPILED_RULES: readonly CompiledRule[] = [];

/** A chain of the ruleset, compiled the first time its rules, runs or runOf are read. */
class LazyChain implements CompiledChain {
  private compiledRules: readonly CompiledRule[] | undefined;
  private compiledRuns: readonly IndexRun[] = [];
  private compiledRunOf: Int32Array = new Int32Array(0);
  readonly policy?: "ACCEPT" | "DROP";

  constructor(
    private readonly source: Chain,
    readonly scope: TableScope,
  ) {
    if (source.builtin) this.policy = source.policy ?? "ACCEPT";
  }

  get name(): string {
    return this.source.name;
  }

  get builtin(): boolean {
    return this.source.builtin;
  }

  get rules(): readonly CompiledRule[] {
    return this.compiledRules ?? this.compile();
  }

  get runs(): readonly IndexRun[] {
    if (this.compiledRules === undefined) this.compile();
    return this.compiledRuns;
  }

  get runOf(): Int32Array {
    if (this.compiledRules === undefined) this.compile();
    return this.compiledRunOf;
  }

  private compile(): readonly CompiledRule[] {
    const { env, tuning, chains, name: table } = this.scope;
    const source = this.source.rules;
    const rules = source.length === 0 ? NO_COMPILED_RULES : new Array<CompiledRule>(source.length);
    for (let index = 0; index < source.length; index++) {
      const r = source[index];
      const { tests, randoms, randomAt, stateful, unsupported } = compileMatches(r, env);
      const a = compileAction(r, env);
      let action: RuleAction;
      if (a.kind === "chain") {
        const target = chains.get(a.name);
        action = target === undefined || target.builtin
          ? { kind: "unsupported", reason: `${a.goto ? "-g" : "-j"} ${a.name}: no user chain of that name in table ${table}` }
          : { kind: "jump", chain: target, goto: a.goto };
      } else action = a;
      (rules as CompiledRule[])[index] = new RuleOf(index, r.line, tests, randoms, randomAt, stateful, unsupported, action, r, this);
    }
    const runs = tuning.index === false ? [] : buildRuns(source, env.family, tuning.minRun ?? MIN_RUN);
    const runOf = new Int32Array(rules.length).fill(-1);
    runs.forEach((run, k) => runOf.fill(k, run.start, run.end));
    this.compiledRuns = runs;
    this.compiledRunOf = runOf;
    this.compiledRules = rules;
    return rules;
  }
}

/**
 * Compiles every table of a ruleset against one environment: the chains are made now and each
 * compiles its rules the first time a walk reads them.
 */
export function compileTables(ruleset: Ruleset, env: SimEnv, tuning: CompileTuning = {}): CompiledTables {
  const family = ruleset.family;
  const tables: Partial<Record<TableName, CompiledTable>> = {};
  for (const table of ruleset.tables) {
    const chains = new Map<string, LazyChain>();
    const scope: TableScope = { name: table.name, env, tuning, chains };
    const hooks: Partial<Record<Hook, CompiledChain>> = {};
    for (const chain of table.chains) {
      const c = new LazyChain(chain, scope);
      chains.set(chain.name, c);
      if (chain.builtin) hooks[chain.name as Hook] = c;
    }
    tables[table.name] = { name: table.name, chains, hooks };
  }
  return { family, tables, env, conntrack: needsConntrack(ruleset), pkttype: usesMatch(ruleset, "pkttype") };
}
