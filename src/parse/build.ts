/**
 * Builds the model from the parsed lines: tables, chain declarations, and the restore commands
 * (-A, -I, -D, -R, -N, -X, -F, -P, -Z, -E) applied in order, as iptables-restore applies them.
 */
import type { Family } from "../net/ip.js";
import { isTableName, TABLE_HOOKS, type Chain, type ChainPolicy, type CommentLine, type Table, type TableBlock, type TableName } from "../model/chain.js";
import type { Issue, IssueCode } from "../model/issue.js";
import type { Counters, Rule } from "../model/rule.js";
import type { Ruleset } from "../model/ruleset.js";
import type { Target } from "../model/target.js";
import { printRule } from "../print/print.js";
import { forEachLine } from "./lexer.js";
import { forgetInput, readRuleLine, type Reporter, type RuleCommand, type RuleScope } from "./rule-args.js";
import { IntList } from "./int-list.js";
import { limitedTarget, validateTables, type ChainIndexEntry, type KnownRules, type Numbers, type TableFacts, type TargetPosition } from "./validate.js";

/** Options for parsing. */
export interface ParseOptions {
  /** 4 or 6; guessed from the addresses in the text when not given. */
  readonly family?: Family;
  /** The input's name (file path), put in every issue. */
  readonly source?: string;
}

/**
 * A chain while its table is read. It is the model's Chain object itself (the same fields in the
 * same order), finished in place when the table closes, so no copy of 40,000 chains is made.
 */
interface ChainState {
  name: string;
  builtin: boolean;
  policy?: ChainPolicy;
  counters: Counters;
  line: number;
  /** The settled rules: exact-size, or the frozen NO_RULES (see TableState.tail). */
  rules: Rule[];
}

/** A declared chain with what the reader and the validator need of it, one object per chain. */
interface ChainSlot extends ChainIndexEntry {
  readonly chain: ChainState;
  /** The `{ name: "chain", chain }` target that every jump to this chain shares. */
  readonly jump: Target;
  /** The chain's place in TableState.order. */
  readonly declared: number;
}

interface TableState {
  name: TableName;
  line: number;
  column: number;
  /** The declared chains by name; the rule reader looks up jump targets here, the validator chain indexes. */
  chains: Map<string, ChainSlot>;
  /**
   * Rules appended to `open`, not yet in its `rules`: a dump's rules for one chain come together,
   * so they gather here (a buffer reused chain after chain) and go to the chain as one exact-size
   * array when another chain is named. A chain's own array grown by push would keep spare room
   * (16 slots for a chain of one rule), 7 MB of garbage for 40,000 chains.
   */
  open?: ChainState;
  tail: Rule[];
  tailLength: number;
  /** Chains whose rules an insert, replace, delete or slow append changed in place (they may have spare room). */
  loose?: Set<ChainState>;
  /**
   * For each chain name, the first chain (in table order, itself not counted) with a rule that
   * jumps or goes to it: made by the first `-X NAME` and kept while no rule changes, so that
   * kube-proxy's thousands of `-X` lines do not each read every rule of the table.
   */
  jumpedFrom?: Map<string, ChainState>;
  /** Whether any chain line or command touched the table; iptables-nft-restore creates no table for an empty block. */
  touched: boolean;
  /** What the rule reader needs to know of this table, made once. */
  scope?: RuleScope;
  /** The chain the last command named (see findChain). */
  lastChain?: ChainState;
  /**
   * The chains in the order they were declared or created, and the place in it of `lastChain`:
   * iptables-save prints the rules chain by chain in the order it declares the chains, so the
   * chain a rule line names is almost always one of the next few (see findChain). Dropped for
   * the rest of the table once a chain is deleted.
   */
  order?: ChainState[];
  cursor: number;
  /** What the validator needs of the rules, gathered as they are appended (see RuleLog); dropped when it cannot be kept. */
  log?: RuleLog;
}

/**
 * The jumps and the rules with limited targets (DNAT, MASQUERADE, …) of a table, noted as each
 * rule is appended to the end of its chain: chains by their number in TableState.order, rules by
 * their index in their chain. The validator then needs neither to read every rule again nor to
 * look each jump's chain up by name a second time (40,000 look-ups of cold names in a big
 * kube-proxy dump). Kept only while every rule got where it is by such an append and every
 * chain jump was to a chain declared before it: any other command that changes rules or chains
 * (-I, -D, -R, -F, -X, -E, -Z) or an undeclared jump drops it, and the validator reads the rules.
 */
interface RuleLog {
  readonly jumpFrom: IntList;
  readonly jumpRule: IntList;
  readonly jumpTo: IntList;
  readonly limitedFrom: IntList;
  readonly limitedRule: IntList;
  readonly limitedTarget: IntList;
}

/** How far past the last named chain findChain looks in declaration order before asking the map. */
const LOOK_AHEAD = 8;

const ZERO: Counters = { packets: 0, bytes: 0 };
/** The rules of every chain that has none; frozen, so that a missed copy-on-write fails loudly. */
const NO_RULES = Object.freeze([]) as unknown as Rule[];
/** kernel: XT_EXTENSION_MAXNAMELEN is 29 including the NUL */
const MAX_CHAIN_NAME = 28;

/**
 * The first thing in a dump that tells the family: an address after -s, -d, --to-destination,
 * --to-source or --to (its group 1), or an ICMPv6 protocol or match (no group).
 */
const FAMILY_HINT =
  /(?:^|\s)(?:(?:-s|-d|--source|--destination|--src|--dst|--to-destination|--to-source|--to)\s+(?:!\s*)?(\[?[0-9A-Fa-f]*[.:][0-9A-Fa-f.:]*)|-p\s+(?:ipv6-icmp|icmpv6)(?=\s|$)|-m\s+icmp6(?=\s|$))/m;

/**
 * Guesses the family from the first address or ICMPv6 match in the text: IPv6 when the address
 * has two colons or a bracket (`[fd00::1]:80`), IPv4 otherwise and when there is none. The whole
 * text is searched: a 10,000-service ip6tables dump declares 40,000 chains (1.2 MB) before its
 * first address.
 */
export function guessFamily(text: string): Family {
  const m = FAMILY_HINT.exec(text);
  if (m === null) return 4;
  const addr = m[1];
  if (addr === undefined) return 6;
  return addr.startsWith("[") || addr.indexOf(":") !== addr.lastIndexOf(":") ? 6 : 4;
}

/** Parses text into the model, collecting issues; never throws on bad input. */
export function buildRuleset(text: string, options: ParseOptions = {}): { ruleset: Ruleset; issues: Issue[] } {
  const family = options.family ?? guessFamily(text);
  const source = options.source;
  const issues: Issue[] = [];
  const push = (severity: "error" | "warning", code: IssueCode | string, message: string, line: number, column: number) => {
    issues.push({ severity, code, message, line, column, ...(source !== undefined ? { source } : {}) });
  };
  const report: Reporter = {
    error: (code, message, line, column) => push("error", code, message, line, column),
    warn: (code, message, line, column) => push("warning", code, message, line, column),
  };

  const document: (CommentLine | TableBlock)[] = [];
  const facts = new Map<Table, TableFacts>();
  let current: TableState | undefined;
  /** A table whose header was bad: its lines are skipped without further noise. */
  let skipping = false;

  const close = (committed: boolean) => {
    if (!current) return;
    // kernel: `*mangle` followed only by COMMIT creates nothing (seen with iptables-nft-restore 1.8.9)
    if (!current.touched) {
      current = undefined;
      return;
    }
    const table = freezeTable(current);
    // the validator finds chains by name in the map the table was read with (each slot knows its index)
    facts.set(table, { index: current.chains, known: knownRules(current) });
    document.push({ kind: "table", table, committed });
    current = undefined;
  };

  forEachLine(text, {
    other(l) {
      if (!l.ok) {
        push("error", "syntax", l.message, l.line, l.column);
        return;
      }
      const s = l.syntax;
      switch (s.kind) {
        case "comment":
          document.push({ kind: "comment", text: s.text, line: l.line });
          return;
        case "table": {
          const name = s.name;
          if (current) {
            push("error", "missing-commit", `table "${current.name}" (line ${current.line}) is not closed by COMMIT before the next table starts`, l.line, 1);
            close(false);
          }
          if (!isTableName(name)) {
            push("error", "unknown-table", `unknown table "${name}"; expected one of raw, mangle, nat, filter, security`, l.line, 2);
            skipping = true;
            return;
          }
          skipping = false;
          current = {
            name,
            line: l.line,
            column: 1,
            chains: new Map(),
            touched: false,
            tail: [],
            tailLength: 0,
            order: [],
            cursor: -1,
            log: ruleLog(),
          };
          for (const hook of TABLE_HOOKS[name]) {
            addChain(current, { name: hook, builtin: true, policy: "ACCEPT", counters: ZERO, line: l.line, rules: NO_RULES });
          }
          return;
        }
        case "commit":
          if (!current) {
            if (!skipping) push("error", "syntax", `COMMIT outside a table; expected a "*table" line before it`, l.line, 1);
            skipping = false;
            return;
          }
          close(true);
          return;
        case "chain": {
          if (!current) {
            if (!skipping) push("error", "rule-outside-table", `chain declaration outside a table; expected a "*table" line before it`, l.line, 1);
            return;
          }
          current.touched = true;
          const name = s.token.image.slice(1);
          declareChain(current, name, s.policy?.image, s.policy?.startColumn ?? name.length + 2, s.counters?.image, l.line, push);
          return;
        }
      }
    },
    chain(c, line) {
      if (!current) {
        if (!skipping) push("error", "rule-outside-table", `chain declaration outside a table; expected a "*table" line before it`, line, 1);
        return;
      }
      current.touched = true;
      declareChain(current, c.name, c.policy, c.policyColumn, c.counters, line, push);
    },
    rule(words) {
      if (words.n === 0) {
        if (words.countersColumn > 0) push("error", "syntax", `counters with no rule after them`, words.line, words.countersColumn);
        return;
      }
      if (!current) {
        if (!skipping) push("error", "rule-outside-table", `a rule outside a table; expected a "*table" line (e.g. *filter) before it`, words.line, words.column[0]);
        return;
      }
      const only = words.family;
      if (only !== 0 && only !== family) return; // ip(6)tables-restore skips lines for the other family
      current.touched = true;
      const cmd = readRuleLine(words, (current.scope ??= { family, table: current.name, chains: current.chains }), report);
      if (!cmd) return;
      if (cmd.onlyFamily !== undefined && cmd.onlyFamily !== family) return; // ip(6)tables-restore skips lines for the other family
      applyCommand(current, cmd, cmd.rules, family, push);
    },
  });
  if (current) {
    const open: TableState = current;
    push("error", "missing-commit", `table "${open.name}" (line ${open.line}) ends without COMMIT; iptables-restore refuses it`, open.line, 1);
    close(false);
  }

  // a later block of a table replaces an earlier one, as iptables-restore flushes it
  const effective = new Map<TableName, Table>();
  for (const item of document) if (item.kind === "table") effective.set(item.table.name, item.table);
  const order: TableName[] = [];
  for (const item of document) if (item.kind === "table" && !order.includes(item.table.name)) order.push(item.table.name);
  const tables = order.map((n) => effective.get(n) as Table);
  validateTables(tables, (t) => facts.get(t) as TableFacts, targetPositions(text, family), report);

  const lineEnding = /\r\n/.test(text.slice(0, 4096)) ? "\r\n" : "\n";
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  forgetInput();
  return { ruleset: { family, ...(source !== undefined ? { source } : {}), tables, document, lineEnding }, issues };
}

type Push = (severity: "error" | "warning", code: IssueCode | string, message: string, line: number, column: number) => void;

function declareChain(t: TableState, name: string, policy: string | undefined, policyCol: number, image: string | undefined, line: number, push: Push) {
  if (name.length === 0 || name.length > MAX_CHAIN_NAME) {
    push("error", "bad-value", `chain name "${name}" must have 1 to ${MAX_CHAIN_NAME} characters`, line, 2);
    return;
  }
  if (policy === undefined) {
    push("error", "bad-policy", `expected a policy after ":${name}" (ACCEPT or DROP for a builtin chain, - for a user chain)`, line, name.length + 2);
    return;
  }
  const m = image === undefined || image === "[0:0]" ? null : /^\[([0-9]+):([0-9]+)\]$/.exec(image);
  const counters: Counters = m ? { packets: Number(m[1]), bytes: Number(m[2]) } : ZERO;
  const isBuiltin = (TABLE_HOOKS[t.name] as readonly string[]).includes(name);
  const existing = t.chains.get(name)?.chain;
  if (isBuiltin) {
    if (policy !== "ACCEPT" && policy !== "DROP" && policy !== "-") {
      push("error", "bad-policy", `policy of builtin chain ${name} must be ACCEPT or DROP; found "${policy}"`, line, policyCol);
      return;
    }
    const ch = existing as ChainState;
    if (policy !== "-") ch.policy = policy;
    ch.counters = counters;
    ch.line = line;
    return;
  }
  if (policy !== "-") {
    const otherTable = Object.values(TABLE_HOOKS).some((hooks) => (hooks as readonly string[]).includes(name));
    push(
      "error",
      otherTable ? "unknown-builtin-chain" : "bad-policy",
      otherTable
        ? `table ${t.name} has no builtin chain ${name}; its builtin chains are ${TABLE_HOOKS[t.name].join(", ")}`
        : `a user chain has no policy: expected ":${name} - [0:0]", found policy "${policy}"`,
      line,
      otherTable ? 2 : policyCol,
    );
    return;
  }
  if (existing) {
    push("error", "duplicate-chain", `chain ${name} is declared twice in table ${t.name} (first at line ${existing.line})`, line, 2);
    return;
  }
  addChain(t, { name, builtin: false, counters, line, rules: NO_RULES });
}

function addChain(t: TableState, c: ChainState): void {
  const order = t.order;
  t.chains.set(c.name, { chain: c, jump: { name: "chain", chain: c.name }, index: -1, declared: order !== undefined ? order.length : -1 });
  order?.push(c);
}

/** Forgets `c` (deleted or renamed) wherever a look-up could still find it by its old name. */
function dropChain(t: TableState, c: ChainState): void {
  t.chains.delete(c.name);
  t.lastChain = undefined;
  t.order = undefined;
}

/** For each chain name, the first of `chains` with a rule that jumps or goes to it (a chain's jumps to itself not counted). */
function jumpsByTarget(chains: readonly ChainState[]): Map<string, ChainState> {
  const from = new Map<string, ChainState>();
  for (const c of chains) {
    for (const r of c.rules) {
      const tg = r.target;
      if (tg !== undefined && tg.name === "chain" && tg.chain !== c.name && !from.has(tg.chain)) from.set(tg.chain, c);
    }
  }
  return from;
}

function allChains(t: TableState): ChainState[] {
  const all: ChainState[] = [];
  for (const slot of t.chains.values()) all.push(slot.chain);
  return all;
}

/**
 * Notes `rules`, about to be appended to the open chain from index `first` on, in the table's log.
 * The open chain is `order[cursor]`: findChain has just found it, and the log is kept only while
 * the order is (no chain deleted).
 */
function logRules(t: TableState, log: RuleLog, rules: readonly Rule[], first: number, jumpDeclared: number): void {
  const from = t.cursor;
  for (let k = 0; k < rules.length; k++) {
    const tg = rules[k].target;
    if (tg === undefined) continue;
    if (tg.name === "chain") {
      if (jumpDeclared < 0) {
        t.log = undefined; // a chain the reader did not know: the validator reads the rules
        return;
      }
      log.jumpFrom.push(from);
      log.jumpRule.push(first + k);
      log.jumpTo.push(jumpDeclared);
    } else if (tg.name !== "unknown") {
      const limited = limitedTarget(tg.name);
      if (limited < 0) continue;
      log.limitedFrom.push(from);
      log.limitedRule.push(first + k);
      log.limitedTarget.push(limited);
    }
  }
}

function ruleLog(): RuleLog {
  return { jumpFrom: new IntList(), jumpRule: new IntList(), jumpTo: new IntList(), limitedFrom: new IntList(), limitedRule: new IntList(), limitedTarget: new IntList() };
}

/** The log in the terms of the finished table (each slot has its index in `chains` by now), or undefined when none was kept. */
function knownRules(t: TableState): KnownRules | undefined {
  const log = t.log;
  const order = t.order;
  if (log === undefined || order === undefined) return undefined;
  const indexOf = new Int32Array(order.length);
  for (const slot of t.chains.values()) indexOf[slot.declared] = slot.index;
  // chains by their index in the table, read through the declaration numbers the log holds
  const chainIndexes = (declared: IntList): Numbers => ({ length: declared.length, at: (k) => indexOf[declared.at(k)] });
  return {
    jumpChain: chainIndexes(log.jumpFrom),
    jumpRule: log.jumpRule,
    jumpTo: chainIndexes(log.jumpTo),
    limitedChain: chainIndexes(log.limitedFrom),
    limitedRule: log.limitedRule,
    limitedTarget: log.limitedTarget,
  };
}

/** Moves the gathered rules of the open chain into it (see TableState.tail). */
function settle(t: TableState): void {
  const c = t.open;
  if (c === undefined) return;
  t.open = undefined;
  const n = t.tailLength;
  if (n === 0) return;
  t.tailLength = 0;
  const gathered = t.tail.slice(0, n);
  c.rules = c.rules.length === 0 ? gathered : c.rules.concat(gathered);
}

/** The chain's rules, to be changed in place: settled, and a copy of its own when it had the shared empty list. */
function writable(t: TableState, c: ChainState): Rule[] {
  settle(t);
  if (c.rules === NO_RULES) c.rules = [];
  (t.loose ??= new Set()).add(c);
  return c.rules;
}

/**
 * The chain named `name`. A dump's rules for one chain come together, and its chains come in the
 * order they were declared, so the last chain found is tried first, then the next few in
 * declaration order (names read one after another, not scattered over the table), then the map.
 */
function findChain(t: TableState, name: string): ChainState | undefined {
  const last = t.lastChain;
  if (last !== undefined && last.name === name) return last;
  const order = t.order;
  if (order !== undefined) {
    const from = t.cursor + 1;
    const to = Math.min(order.length, from + LOOK_AHEAD);
    for (let k = from; k < to; k++) {
      const c = order[k];
      if (c.name === name) {
        t.cursor = k;
        t.lastChain = c;
        return c;
      }
    }
  }
  const slot = t.chains.get(name);
  if (slot !== undefined) t.cursor = slot.declared;
  t.lastChain = slot?.chain;
  return slot?.chain;
}

function applyCommand(t: TableState, cmd: RuleCommand, rules: readonly Rule[], family: Family, push: Push): void {
  const chain = cmd.chain !== undefined ? findChain(t, cmd.chain) : undefined;
  if (cmd.op === "append" && chain) {
    // most lines of a dump: the rule goes to the end of a chain that exists
    t.jumpedFrom = undefined;
    if (t.open !== chain) {
      settle(t);
      t.open = chain;
    }
    if (t.log !== undefined) logRules(t, t.log, rules, chain.rules.length + t.tailLength, cmd.jumpDeclared);
    const tail = t.tail;
    for (let k = 0; k < rules.length; k++) tail[t.tailLength++] = rules[k];
    return;
  }
  if (cmd.op !== "new-chain" && cmd.op !== "policy") t.log = undefined;
  settle(t);
  if (cmd.op !== "delete-chain" && cmd.op !== "new-chain" && cmd.op !== "policy") t.jumpedFrom = undefined;
  const at = { line: cmd.line, column: cmd.chainColumn };
  const needChain = (): ChainState | undefined => {
    if (!chain) push("error", "unknown-chain", `chain "${cmd.chain}" does not exist in table ${t.name}; declare it first with ":${cmd.chain} - [0:0]" or "-N ${cmd.chain}"`, at.line, at.column);
    return chain;
  };
  switch (cmd.op) {
    case "append": {
      const c = needChain();
      if (!c) return;
      const list = writable(t, c);
      // one by one, not push(...): `-s` and `-d` lists multiply into more rules than a call takes arguments
      for (const r of rules) list.push(r);
      return;
    }
    case "insert": {
      const c = needChain();
      if (!c) return;
      const n = cmd.ruleNum ?? 1;
      if (n > c.rules.length + 1) {
        push("error", "no-such-rule", `cannot insert at position ${n}: chain ${c.name} has ${c.rules.length} rules`, at.line, at.column);
        return;
      }
      const list = writable(t, c);
      c.rules = list.slice(0, n - 1).concat(rules, list.slice(n - 1));
      t.loose?.delete(c); // a fresh exact-size array
      return;
    }
    case "replace": {
      const c = needChain();
      if (!c || cmd.ruleNum === undefined) return;
      if (cmd.ruleNum > c.rules.length) {
        push("error", "no-such-rule", `cannot replace rule ${cmd.ruleNum}: chain ${c.name} has ${c.rules.length} rules`, at.line, at.column);
        return;
      }
      writable(t, c).splice(cmd.ruleNum - 1, 1, ...rules.slice(0, 1));
      return;
    }
    case "delete": {
      const c = needChain();
      if (!c) return;
      if (cmd.ruleNum !== undefined) {
        if (cmd.ruleNum > c.rules.length) {
          push("error", "no-such-rule", `cannot delete rule ${cmd.ruleNum}: chain ${c.name} has ${c.rules.length} rules`, at.line, at.column);
          return;
        }
        writable(t, c).splice(cmd.ruleNum - 1, 1);
        return;
      }
      for (const spec of rules) {
        const want = printRule(c.name, spec, family);
        const idx = c.rules.findIndex((r) => printRule(c.name, r, family) === want);
        if (idx < 0) {
          push("error", "no-such-rule", `no rule in chain ${c.name} matches "${want}" (iptables-restore: "Bad rule (does a matching rule exist in that chain?)")`, at.line, at.column);
          return;
        }
        writable(t, c).splice(idx, 1);
      }
      return;
    }
    case "new-chain": {
      const name = cmd.chain as string;
      if (t.chains.has(name)) {
        push("error", "duplicate-chain", `chain ${name} already exists in table ${t.name}`, at.line, at.column);
        return;
      }
      if (name.length > MAX_CHAIN_NAME || name.startsWith("-") || name === "!") {
        push("error", "bad-value", `"${name}" is not a valid chain name (1 to ${MAX_CHAIN_NAME} characters, not starting with "-")`, at.line, at.column);
        return;
      }
      addChain(t, { name, builtin: false, counters: ZERO, line: at.line, rules: NO_RULES });
      return;
    }
    case "flush": {
      if (cmd.chain === undefined) {
        for (const slot of t.chains.values()) slot.chain.rules = NO_RULES;
        return;
      }
      const c = needChain();
      if (c) c.rules = NO_RULES;
      return;
    }
    case "zero": {
      const targets = cmd.chain === undefined ? allChains(t) : [needChain()].filter((c): c is ChainState => !!c);
      for (const c of targets) {
        c.counters = ZERO;
        c.rules = c.rules.map((r) => (r.counters ? { ...r, counters: ZERO } : r));
      }
      return;
    }
    case "delete-chain": {
      t.lastChain = undefined;
      const all = cmd.chain === undefined;
      const victims = all ? allChains(t).filter((c) => !c.builtin) : [needChain()].filter((c): c is ChainState => !!c);
      // who jumps to a victim: for -X NAME any other chain; for -X (every user chain) a builtin one
      const jumpedFrom = all ? jumpsByTarget(allChains(t).filter((c) => c.builtin)) : (t.jumpedFrom ??= jumpsByTarget(allChains(t)));
      if (all) t.jumpedFrom = undefined;
      for (const v of victims) {
        if (v.builtin) {
          push("error", "bad-command", `cannot delete builtin chain ${v.name}`, at.line, at.column);
          continue;
        }
        const user = jumpedFrom.get(v.name);
        if (user) {
          push("error", "chain-in-use", `cannot delete chain ${v.name}: chain ${user.name} still jumps to it`, at.line, at.column);
          continue;
        }
        if (v.rules.length > 0 && cmd.chain !== undefined) {
          push("error", "chain-in-use", `cannot delete chain ${v.name}: it still has ${v.rules.length} rules (flush it with -F first)`, at.line, at.column);
          continue;
        }
        dropChain(t, v);
        t.loose?.delete(v);
      }
      return;
    }
    case "policy": {
      const c = needChain();
      if (!c) return;
      const p = cmd.arg;
      if (!c.builtin) {
        push("error", "bad-policy", `cannot set a policy on user chain ${c.name}; only builtin chains have one`, at.line, at.column);
        return;
      }
      if (p !== "ACCEPT" && p !== "DROP") {
        push("error", "bad-policy", `policy must be ACCEPT or DROP; found "${p ?? ""}"`, at.line, cmd.arg !== undefined ? cmd.argColumn : at.column);
        return;
      }
      c.policy = p;
      return;
    }
    case "rename-chain": {
      const c = needChain();
      t.lastChain = undefined;
      const to = cmd.arg;
      if (!c || !to) return;
      if (c.builtin) {
        push("error", "bad-command", `cannot rename builtin chain ${c.name}`, at.line, at.column);
        return;
      }
      if (t.chains.has(to)) {
        push("error", "duplicate-chain", `cannot rename ${c.name} to ${to}: that chain exists`, at.line, at.column);
        return;
      }
      dropChain(t, c);
      const old = c.name;
      c.name = to;
      addChain(t, c);
      const jump = (t.chains.get(to) as ChainSlot).jump;
      // jumps refer to the chain itself, so they follow the new name
      for (const other of allChains(t)) {
        if (other.rules.some((r) => r.target?.name === "chain" && r.target.chain === old)) {
          other.rules = other.rules.map((r) => (r.target?.name === "chain" && r.target.chain === old ? { ...r, target: jump } : r));
          t.loose?.delete(other); // a fresh exact-size array
        }
      }
      return;
    }
  }
}

/**
 * Where each rule's `-j`/`-g` word stands, for the validator's rare reports: found again by reading
 * the rule's line once more, so that the model and the hot path keep no position per rule.
 */
function targetPositions(text: string, family: Family): TargetPosition {
  let lineStarts: number[] | undefined;
  const known = new Map<number, number>();
  return (rule, table) => {
    let column = known.get(rule.line);
    if (column === undefined) {
      if (!lineStarts) {
        lineStarts = [0, 0];
        for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) lineStarts.push(at + 1);
      }
      const start = lineStarts[rule.line] ?? text.length;
      const end = text.indexOf("\n", start);
      column = 1;
      // the line with its line end, so that a CRLF line reads as it did
      const quiet: Reporter = { error() {}, warn() {} };
      forEachLine(text.slice(start, end < 0 ? text.length : end + 1), {
        other() {},
        chain() {},
        rule(words) {
          const cmd = readRuleLine(words, { family, table, chains: { get: () => undefined } }, quiet);
          if (cmd && cmd.targetColumn > 0) column = cmd.targetColumn;
        },
      });
      known.set(rule.line, column);
    }
    return { line: rule.line, column };
  };
}

function sortedByName(slots: readonly ChainSlot[]): boolean {
  for (let k = 1; k < slots.length; k++) if (slots[k - 1].chain.name > slots[k].chain.name) return false;
  return true;
}

/**
 * Builtin chains in hook order, then user chains by name (strcmp), as iptables-save lists them.
 * The chain objects become the model's as they are: rules settled into exact-size arrays.
 */
function freezeTable(t: TableState): Table {
  settle(t);
  if (t.loose) for (const c of t.loose) c.rules = c.rules.length === 0 ? NO_RULES : c.rules.slice();
  const builtins: ChainSlot[] = [];
  for (const hook of TABLE_HOOKS[t.name] as readonly string[]) {
    const slot = t.chains.get(hook);
    if (slot !== undefined && slot.chain.builtin) builtins.push(slot);
  }
  const users: ChainSlot[] = [];
  for (const slot of t.chains.values()) if (!slot.chain.builtin) users.push(slot);
  // an iptables-save dump declares its chains in this order already: sort only when needed
  if (!sortedByName(users)) users.sort((a, b) => (a.chain.name < b.chain.name ? -1 : a.chain.name > b.chain.name ? 1 : 0));
  const slots = builtins.concat(users);
  for (let i = 0; i < slots.length; i++) slots[i].index = i;
  const chains: Chain[] = slots.map((slot) => slot.chain);
  return { name: t.name, line: t.line, chains };
}
