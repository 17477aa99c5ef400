/**
 * The walk: hooks and tables in the kernel's order, conntrack and NAT, the routing decisions, and
 * inside each table the chain traversal of ipt_do_table / nft_do_chain (jump, goto, RETURN,
 * falling off a user chain, policies). One Walker walks one packet along one script of random
 * choices; `enumerate` re-walks with every script to list the outcomes of random matches (and of
 * `statistic --mode nth` counters whose position is not known).
 */
import type { Hook, TableName } from "../model/chain.js";
import { XT_ADDRTYPE, type CompiledHost } from "../host/routing.js";
import type { Route } from "../host/host.js";
import { formatIp, makeNet, type IpValue } from "../net/ip.js";
import type { TargetVerdict } from "../ext/types.js";
import type { NatRequest, WalkContext } from "./env.js";
import { CtState, CtStatus, Proto, type PacketState } from "./packet.js";
import type { CompiledChain, CompiledRule, CompiledTables, LimitBucket, NthCounter, RecentList, StatefulCheck } from "./compile.js";
import { nextCandidate } from "./index-runs.js";
import { ConntrackTable, invert, tcpOpeningState, tcpTransition, TcpState, tupleOf, type Connection } from "./conntrack.js";
import { arrival, newPacketState, UNKNOWN_PORT, type ParsedPacket } from "./packet-input.js";
import type { Fork, NatRecord, Step, StepVerdict, TracePath, TraceVerdict, Unsupported } from "./trace.js";

/** iptables-nft's jump stack (NFT_JUMP_STACK_SIZE): deeper rulesets are refused at load time. */
export const MAX_JUMP_DEPTH = 16;
/** The return points of the chain being walked (one walk at a time: walks are synchronous and never nest). */
const STACK_CHAINS: CompiledChain[] = new Array<CompiledChain>(MAX_JUMP_DEPTH);
const STACK_POS = new Int32Array(MAX_JUMP_DEPTH);
/** Loop guard for goto cycles (refused at load time by the kernel, so never met in a loaded ruleset). */
const MAX_CHAIN_ENTRIES = 100_000;

/** What one walk of one packet gives. */
export interface WalkResult {
  verdict: TraceVerdict;
  unsupported?: Unsupported;
  /** Why the walk ended where no rule decided (no route, forwarding off, …). */
  reason?: string;
  path: TracePath;
  in?: string;
  out?: string;
  /** The packet as it entered the first hook, before any rule changed it (see Trace.arrived). */
  arrived: PacketState;
  packet: PacketState;
  nat: NatRecord[];
  steps: Step[];
  assumptions: string[];
}

/** The state of the random choices shared by the walks of one script. */
export interface Script {
  /** The choice at each random match met (true: matched); extended with `true` past its end. */
  readonly choices: boolean[];
  /** Where the walks made each choice they consumed: `forks[i]` made `choices[i]`. */
  readonly forks: Fork[];
  /** How many choices the walks consumed. */
  used: number;
  /** Probability of this script so far. */
  probability: number;
  /** The nth counters met by the walks of this script (made on first use). */
  nth?: Map<NthCounter, NthState>;
  /** The tokens the walks of this script took from each limit bucket (made on first use). */
  limits?: Map<LimitBucket, number>;
  /** The recent lists as the walks of this script left them: per list name, per address, its hits (made on first use). */
  recent?: Map<string, Map<string, number>>;
}

/** Where one nth counter stands in a script. */
export interface NthState {
  /** How many packets have reached the match so far. */
  seen: number;
  /** The (0-based) packet of the cycle that is the pick, when known; -1 while not known. */
  pick: number;
}

type TableEnd = "ACCEPT" | "DROP" | "REJECT" | "QUEUE" | "STOP";

/** skb->pkt_type as -m pkttype compares it (PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST). */
const PKT_HOST = 0;
const PKT_BROADCAST = 1;
const PKT_MULTICAST = 2;

/** 255.255.255.255. */
const LIMITED_BROADCAST = 0xffffffff;

const DST_HOOKS: Readonly<Record<Hook, boolean>> = { PREROUTING: true, OUTPUT: true, INPUT: false, POSTROUTING: false, FORWARD: false };

const NO_CT = CtState.INVALID | CtState.UNTRACKED;

/** The tables of the OUTPUT hook in the kernel's order, with the conntrack lookup after raw. */
const OUTPUT_TABLES = ["raw", "conntrack", "mangle", "nat", "filter", "security"] as const;

/** tcp_valid_flags: the flag combinations (of FIN, SYN, RST, PSH, ACK, URG) conntrack accepts at all. */
const TCP_VALID = new Set([0x02, 0x22, 0x12, 0x04, 0x14, 0x1c, 0x11, 0x31, 0x10, 0x30, 0x18, 0x38, 0x19, 0x39]);
/** The name of a TcpState, for the trace. */
function tcpStateName(state: number | undefined): string {
  return (Object.keys(TcpState) as (keyof typeof TcpState)[]).find((k) => TcpState[k] === state) ?? "unknown";
}

/** ICMP types that may open a connection (icmp_new: the queries). */
const ICMP4_NEW = new Set([8, 13, 15, 17]);
/** ICMPv6 types that may open a connection (icmpv6_new: echo request, node information query). */
const ICMP6_NEW = new Set([128, 139]);
/** ICMPv6 types conntrack leaves untracked (icmpv6_error's noct_valid_new: MLD and neighbour discovery). */
const ICMP6_NOCT = new Set([130, 131, 132, 133, 134, 135, 136, 143]);

/**
 * The state conntrack gives a packet that belongs to no connection: NEW when its protocol lets it
 * open one, else INVALID (or UNTRACKED for ICMPv6 neighbour discovery and MLD).
 */
export function firstPacketState(p: PacketState): number {
  switch (p.proto) {
    case Proto.TCP: {
      // nf_conntrack_proto_tcp: tcp_error refuses bad flag sets; tcp_new opens only on SYN
      // (without ACK) or, with nf_conntrack_tcp_loose=1 (the default), on a bare ACK
      const f = p.tcpFlags & 0x3f;
      if (!TCP_VALID.has(f)) return CtState.INVALID;
      if (f & 0x04) return CtState.INVALID; // RST
      if (f & 0x02) return f & 0x10 ? CtState.INVALID : CtState.NEW; // SYN,ACK cannot open
      if (f & 0x01) return CtState.INVALID; // FIN
      return CtState.NEW; // ACK: picked up mid-stream
    }
    case Proto.ICMP:
      // errors would be RELATED to the connection they quote; iptrace knows of none here
      return ICMP4_NEW.has(p.icmpType) ? CtState.NEW : CtState.INVALID;
    case Proto.ICMPV6:
      if (ICMP6_NOCT.has(p.icmpType)) return CtState.UNTRACKED;
      return ICMP6_NEW.has(p.icmpType) ? CtState.NEW : CtState.INVALID;
    default:
      return CtState.NEW;
  }
}

/** Walks one packet. */
export class Walker implements WalkContext {
  readonly steps: Step[] = [];
  readonly nats: NatRecord[] = [];
  readonly assumptions: string[] = [];
  private readonly assumed = new Set<string>();
  private readonly p: PacketState;
  private hook: Hook = "PREROUTING";
  private table: TableName = "raw";
  private chainName = "";
  private notes: string[] = [];
  private stopped: Unsupported | undefined;
  private currentRule: CompiledRule | undefined;
  private conn: Connection | undefined;
  private connIsNew = false;
  private reply = false;
  private untracked = false;
  private reason: string | undefined;
  /** A copy of the packet as it entered the first hook (see enter()). */
  private arrived: PacketState | undefined;
  /** What happened to the other copies of a broadcast (flooded by a bridge, looped back). */
  private readonly copies: string[] = [];

  constructor(
    private readonly ct: CompiledTables,
    private readonly host: CompiledHost,
    private readonly pp: ParsedPacket,
    private readonly script: Script,
    private readonly flow: ConntrackTable | undefined,
    /** False for a verdict-only trace: no step objects are built. */
    private readonly recordSteps = true,
    /** The packet's 0-based index in its flow, for the forks it meets. */
    private readonly flowIndex = 0,
  ) {
    this.p = newPacketState(pp);
  }

  // --- WalkContext ---------------------------------------------------------------------------

  nat(req: NatRequest): void {
    const p = this.p;
    const dstManip = req.kind === "DNAT" || req.kind === "REDIRECT" || (req.kind === "NETMAP" && DST_HOOKS[this.hook]);
    const before = dstManip ? this.endpoint(p.dst, p.dport) : this.endpoint(p.src, p.sport);
    const ports = p.sport >= 0 && p.proto !== Proto.ICMP && p.proto !== Proto.ICMPV6;
    if (dstManip) {
      if (req.addr !== undefined) p.dst = req.addr;
      if (req.port !== undefined && ports) p.dport = req.port;
    } else {
      if (req.addr !== undefined) p.src = req.addr;
      if (req.port !== undefined && ports) p.sport = req.port;
    }
    const after = dstManip ? this.endpoint(p.dst, p.dport) : this.endpoint(p.src, p.sport);
    const c = this.conn;
    if (c !== undefined) {
      const old = { ...c.reply };
      if (dstManip) {
        c.reply.src = p.dst;
        if (ports) c.reply.sport = p.dport;
        if (before !== after) {
          c.dnat = true;
          c.dnatKind = req.kind as "DNAT" | "REDIRECT" | "NETMAP";
        }
      } else {
        c.reply.dst = p.src;
        if (ports) c.reply.dport = p.sport;
        if (before !== after) {
          c.snat = true;
          c.snatKind = req.kind as "SNAT" | "MASQUERADE" | "NETMAP";
        }
      }
      if (this.flow !== undefined && !this.connIsNew) this.flow.rekey(c, old);
      this.syncCt();
    }
    this.nats.push({ kind: req.kind, hook: this.hook, field: dstManip ? "destination" : "source", from: before, to: after, by: "rule" });
  }

  note(text: string): void {
    this.notes.push(text);
  }

  untrack(): void {
    // kernel (xt_CT's notrack_tg, xt_ct_target): a packet that already has a conntrack entry is
    // left alone; only a packet looped back to this host meets raw with one (see hasConnection)
    if (this.conn !== undefined) return;
    this.untracked = true;
    this.p.ctState = CtState.UNTRACKED;
  }

  hasConnection(): boolean {
    // kernel: loopback_xmit keeps skb->_nfct, so a packet sent to this host comes back into
    // PREROUTING with the connection conntrack gave it in OUTPUT (nf_conntrack_in then skips it)
    return this.conn !== undefined;
  }

  unsupported(reason: string): void {
    if (this.stopped === undefined) this.stopped = this.where(reason, this.currentRule);
  }

  // --- helpers -------------------------------------------------------------------------------

  private endpoint(addr: IpValue, port: number): string {
    const a = formatIp(addr, this.p.family);
    if (port < 0 || this.p.proto === Proto.ICMP || this.p.proto === Proto.ICMPV6) return a;
    return this.p.family === 6 ? `[${a}]:${port}` : `${a}:${port}`;
  }

  private where(reason: string, rule?: CompiledRule): Unsupported {
    return {
      reason,
      hook: this.hook,
      table: this.table,
      chain: this.chainName,
      ...(rule !== undefined ? { rule: rule.index + 1, line: rule.line } : {}),
    };
  }

  private assume(text: string): void {
    if (!this.assumed.has(text)) {
      this.assumed.add(text);
      this.assumptions.push(text);
    }
  }

  /**
   * Takes the script's next choice, true with probability `pr`, at the statistic match in
   * position `match` of `rule`, and records where it was made.
   */
  private choose(pr: number, kind: Fork["kind"], rule: CompiledRule, match: number): boolean {
    const s = this.script;
    const i = s.used++;
    if (i >= s.choices.length) s.choices.push(true);
    const c = s.choices[i];
    s.probability *= c ? pr : 1 - pr;
    s.forks.push({ kind, packet: this.flowIndex, hook: this.hook, table: this.table, chain: this.chainName, rule: rule.index + 1, line: rule.line, match, probability: pr });
    return c;
  }

  /** 0: no match, 1: match, 2: the walk stops (unsupported match). */
  private matches(rule: CompiledRule): 0 | 1 | 2 {
    const p = this.p;
    const tests = rule.tests;
    const r = rule.randoms;
    let ti = 0;
    let ri = 0;
    if (rule.stateful !== undefined) {
      // kernel: matches run in rule order and stop at the first that fails, so an nth counter
      // advances (a limit bucket loses a token) exactly when every match before it matched,
      // whatever the matches after it say
      for (const check of rule.stateful) {
        for (; ti < check.testsBefore; ti++) {
          const t = tests[ti];
          if (t.assumption !== undefined) this.assume(t.assumption);
          if (!t.test(p)) return 0;
        }
        for (; ri < check.randomsBefore; ri++) if (!this.choose(r[ri], "random", rule, rule.randomAt[ri])) return 0;
        const c = check.counter;
        if (!(c.kind === "nth" ? this.nthHit(c, check, rule) : c.kind === "limit" ? this.limitHit(c, rule) : this.recentHit(c, rule))) return 0;
      }
    }
    for (; ti < tests.length; ti++) {
      const t = tests[ti];
      if (t.assumption !== undefined) this.assume(t.assumption);
      if (!t.test(p)) return 0;
    }
    if (rule.unsupported !== undefined) {
      this.stopped = this.where(rule.unsupported, rule);
      return 2;
    }
    for (; ri < r.length; ri++) if (!this.choose(r[ri], "random", rule, rule.randomAt[ri])) return 0;
    return 1;
  }

  /**
   * Advances an nth counter for this packet and says whether the match matches (xt_statistic:
   * the counter counts every packet that reaches the match; one in `every` is the pick). With the
   * counter's position unknown, the packet is the pick with probability 1/every, or 1/(every-j)
   * once j earlier packets of the flow were not: a fork, as for a random match.
   */
  private nthHit(c: NthCounter, check: StatefulCheck, rule: CompiledRule): boolean {
    const counters = (this.script.nth ??= new Map());
    const loaded = this.ct.env.assume.nthCounters === "loaded";
    let s = counters.get(c);
    // kernel: libxt_statistic stores every-1 and starts the counter at every-1-packet;
    // statistic_mt moves it on for each packet and matches when it wraps to 0, so packet number
    // `packet` (0-based) after a load is the first pick
    if (s === undefined) counters.set(c, (s = { seen: 0, pick: loaded ? c.packet : -1 }));
    const j = s.seen++;
    const where = this.placeOf(rule);
    let hit: boolean;
    if (s.pick >= 0) hit = j >= s.pick && (j - s.pick) % c.every === 0;
    else {
      const left = c.every - j; // positions not yet ruled out; the last one is certain
      hit = left <= 1 || this.choose(1 / left, "nth", rule, check.match);
      if (hit) s.pick = j;
    }
    if (loaded) {
      this.assume(`${c.text} (${where}): its counter assumed as just loaded; this packet is number ${j + 1} to reach the match, which picks number ${c.packet + 1}, then one in every ${c.every}`);
    } else {
      this.assume(
        `${c.text} (${where}): its counter's position is not known (the kernel keeps one per rule, counting every packet that reaches the match since it was loaded); the walk follows each place it may stand, one packet in ${c.every} being the pick, and later packets of a flow follow from the place the earlier ones fixed (assume.nthCounters "loaded" counts from a fresh load)`,
      );
    }
    return hit !== c.invert;
  }

  /** Where a rule stands, for the trace's words: table, chain, rule number and line. */
  private placeOf(rule: CompiledRule): string {
    return `${this.table} ${this.chainName} rule ${rule.index + 1}, line ${rule.line}`;
  }

  /**
   * Takes a token from a limit bucket and says whether the match matches (nft_limit, xt_limit: a
   * full bucket lets `burst` packets through at once; a packet that finds it empty does not match
   * and takes nothing). The bucket is assumed full when the first packet arrives and, the traced
   * packets coming at once, not refilled while they pass.
   */
  private limitHit(b: LimitBucket, rule: CompiledRule): boolean {
    const taken = (this.script.limits ??= new Map());
    const used = taken.get(b) ?? 0;
    const hit = used < b.burst;
    if (hit) taken.set(b, used + 1);
    if (used === 0) {
      this.assume("the packet is assumed within the rate limit");
      return hit;
    }
    const where = this.placeOf(rule);
    this.assume(
      hit
        ? `${b.text} (${where}): reached ${used + 1} times by the traced packets; its bucket, assumed full at first and not refilled meanwhile, lets ${b.burst} through`
        : `${b.text} (${where}): reached ${used + 1} times by the traced packets; its bucket, assumed full at first and not refilled meanwhile, lets only ${b.burst} through, so this time it does not match`,
    );
    return hit;
  }

  /**
   * A `-m recent` match against its list as the traced packets left it (recent_mt). Lists start
   * empty, or, for a list named in assume.recentLists, holding every address with enough hits.
   * The traced packets come at once, so every hit lies within any --seconds; --rttl is not
   * compared.
   */
  private recentHit(l: RecentList, rule: CompiledRule): boolean {
    const m = l.match;
    const p = this.p;
    const lists = (this.script.recent ??= new Map());
    let list = lists.get(m.name);
    if (list === undefined) lists.set(m.name, (list = new Map()));
    const raw = m.side === "source" ? p.src : p.dst;
    const addr = p.family === 4 ? ((raw as number) & (m.mask as number)) >>> 0 : (raw as bigint) & (m.mask as bigint);
    const key = `${p.family}|${addr}`;
    const assumedListed = (this.ct.env.assume.recentLists ?? []).includes(m.name);
    const hits = list.get(key) ?? (assumedListed ? Number.POSITIVE_INFINITY : 0);
    const where = this.placeOf(rule);
    const who = `${m.side === "source" ? "source" : "destination"} ${formatIp(addr, p.family)}`;
    const before = hits === Number.POSITIVE_INFINITY ? "assumed listed (assume.recentLists)" : hits === 0 ? "not listed" : `listed with ${hits} hit${hits === 1 ? "" : "s"} from the traced packets`;
    let hit: boolean;
    switch (m.command) {
      case "set":
        hit = true;
        list.set(key, hits + 1);
        break;
      case "remove":
        hit = hits > 0;
        list.delete(key);
        if (assumedListed) list.set(key, 0);
        break;
      default:
        // rcheck, update: a hit count of 0 asks for one hit; the packets come at once, within any --seconds
        hit = hits > 0 && hits >= Math.max(1, m.hitcount);
        if (m.command === "update" && hit) list.set(key, hits + 1);
    }
    this.assume(`${l.text} (${where}): the ${who} was ${before} in recent list "${m.name}"${m.rttl ? " (--rttl not compared)" : ""}; lists start empty unless named in assume.recentLists, and the traced packets come at once`);
    return hit !== m.invert;
  }

  private step(kind: Step["kind"], verdict: StepVerdict, rule?: CompiledRule, target?: string): void {
    if (!this.recordSteps) {
      if (this.notes.length) this.notes = [];
      return;
    }
    let note: string | undefined;
    if (this.notes.length) {
      note = this.notes.join("; ");
      this.notes = [];
    }
    // one object shape for every step; absent fields stay undefined (JSON leaves them out)
    this.steps.push({
      hook: this.hook,
      table: this.table,
      chain: this.chainName,
      kind,
      rule: rule === undefined ? undefined : rule.index + 1,
      line: rule?.line,
      text: rule?.text,
      target,
      verdict,
      note,
    });
  }

  /** The builtin chain's policy ends the table. */
  private policy(base: CompiledChain): TableEnd {
    this.chainName = base.name;
    const v = base.policy ?? "ACCEPT";
    this.step("policy", v);
    return v;
  }

  /** Walks one builtin chain of one table (ipt_do_table): what the table decided. */
  private walkTable(hook: Hook, tableName: TableName): TableEnd {
    const table = this.ct.tables[tableName];
    const base = table?.hooks[hook];
    if (base === undefined) return "ACCEPT"; // no such chain: nothing registered at this hook
    const p = this.p;
    this.hook = hook;
    this.table = tableName;
    p.hook = hook;
    p.table = tableName;
    // return points in preallocated arrays (walks never nest): no allocation per jump
    let sp = 0;
    let chain = base;
    let pos = 0;
    let entries = 0;
    this.chainName = chain.name;
    for (;;) {
      // next rule that could match: linear, or through the run's index
      const rules = chain.rules;
      if (pos < rules.length) {
        const run = chain.runOf[pos];
        if (run >= 0) {
          pos = nextCandidate(chain.runs[run], p, pos);
          if (pos >= rules.length) continue;
        }
      }
      if (pos >= rules.length) {
        if (chain.builtin) return this.policy(base);
        // kernel: falling off a user chain prints nothing; iptrace keeps the event as a `return` step
        this.step("return", "RETURN");
        if (sp === 0) return this.policy(base); // reached by -g from the builtin chain
        sp--;
        chain = STACK_CHAINS[sp];
        pos = STACK_POS[sp];
        this.chainName = chain.name;
        continue;
      }
      const rule = rules[pos];
      this.currentRule = rule;
      const m = this.matches(rule);
      if (m === 2) return "STOP";
      if (m === 0) {
        pos++;
        continue;
      }
      const a = rule.action;
      let v: TargetVerdict;
      switch (a.kind) {
        case "none":
          this.step("rule", "CONTINUE", rule);
          pos++;
          continue;
        case "jump": {
          this.step("rule", a.goto ? "GOTO" : "JUMP", rule, a.chain.name);
          if (++entries > MAX_CHAIN_ENTRIES) {
            this.stopped = this.where(`more than ${MAX_CHAIN_ENTRIES} chain entries: the ruleset loops (the kernel refuses to load such a ruleset)`, rule);
            return "STOP";
          }
          if (!a.goto) {
            if (sp >= MAX_JUMP_DEPTH - 1) {
              this.stopped = this.where(`jump to ${a.chain.name} goes deeper than ${MAX_JUMP_DEPTH} chains (iptables-nft refuses to load such a ruleset)`, rule);
              return "STOP";
            }
            STACK_CHAINS[sp] = chain;
            STACK_POS[sp] = pos + 1;
            sp++;
          }
          chain = a.chain;
          pos = 0;
          this.chainName = chain.name;
          continue;
        }
        case "unsupported":
          this.stopped = this.where(a.reason, rule);
          return "STOP";
        case "verdict":
          v = a.verdict;
          break;
        case "effect":
          v = a.apply(p, this);
          if (this.stopped !== undefined) return "STOP";
          break;
      }
      switch (v) {
        case "CONTINUE":
          this.step("rule", "CONTINUE", rule);
          pos++;
          continue;
        case "RETURN": {
          this.step("rule", "RETURN", rule);
          if (sp === 0) return this.policy(base); // RETURN in (or gone to from) a builtin chain: its policy
          sp--;
          chain = STACK_CHAINS[sp];
          pos = STACK_POS[sp];
          this.chainName = chain.name;
          continue;
        }
        case "ACCEPT":
          this.step("rule", "ACCEPT", rule);
          return "ACCEPT";
        case "DROP":
          this.step("rule", "DROP", rule);
          return "DROP";
        case "REJECT":
          // kernel: REJECT sends its reply and returns NF_DROP; the trace prints DROP
          this.step("rule", "DROP", rule);
          return "REJECT";
        case "QUEUE":
          this.step("rule", "QUEUE", rule);
          return "QUEUE";
      }
    }
  }

  /** Copies the connection's view into the packet state (conntrack match fields). */
  private syncCt(): void {
    const p = this.p;
    const c = this.conn;
    if (c === undefined) return;
    let st = p.ctState & (CtState.NEW | CtState.ESTABLISHED | CtState.RELATED);
    if (c.snat) st |= CtState.SNAT;
    if (c.dnat) st |= CtState.DNAT;
    p.ctState = st;
    p.ctReply = this.reply;
    p.ctOrigSrc = c.orig.src;
    p.ctOrigDst = c.orig.dst;
    p.ctReplSrc = c.reply.src;
    p.ctReplDst = c.reply.dst;
    if (p.sport >= 0) {
      p.ctOrigSport = c.orig.sport;
      p.ctOrigDport = c.orig.dport;
      p.ctReplSport = c.reply.sport;
      p.ctReplDport = c.reply.dport;
    }
    p.ctStatus = (c.seenReply ? CtStatus.SEEN_REPLY : 0) | (this.connIsNew ? 0 : CtStatus.CONFIRMED);
  }

  /** nf_conntrack_in: after raw, find or create the connection. */
  private conntrack(): void {
    const p = this.p;
    if (this.untracked) {
      p.ctState = CtState.UNTRACKED;
      return;
    }
    if (!this.ct.conntrack) {
      // no rule enabled conntrack: the packet has no connection (xt_conntrack would see INVALID)
      p.ctState = CtState.INVALID;
      this.assume("conntrack: not enabled, since no rule needs it (no conntrack/state/connmark match, no NAT or CONNMARK target); the nat chains are not traversed");
      return;
    }
    const given = this.pp.state;
    const tuple = tupleOf(p.proto, p.src, p.dst, p.sport, p.dport, p.icmpType);
    const mk = (): Connection => ({
      family: p.family,
      proto: p.proto,
      orig: tuple,
      reply: invert(p.proto, tuple),
      seenReply: false,
      dstManipDone: false,
      srcManipDone: false,
      dnat: false,
      snat: false,
      mark: 0,
    });
    if (given !== undefined) {
      if (given & NO_CT) {
        p.ctState = given & CtState.UNTRACKED ? CtState.UNTRACKED : CtState.INVALID;
        if (given & CtState.UNTRACKED) this.untracked = true;
        return;
      }
      const c = mk();
      const established = (given & CtState.ESTABLISHED) !== 0;
      // an ESTABLISHED packet's connection has its NAT set up already (with no translation iptrace knows of)
      c.dstManipDone = c.srcManipDone = established;
      c.seenReply = established;
      c.dnat = (given & CtState.DNAT) !== 0;
      c.snat = (given & CtState.SNAT) !== 0;
      this.conn = c;
      this.connIsNew = false;
      p.ctState = given & (CtState.NEW | CtState.ESTABLISHED | CtState.RELATED);
      this.syncCt();
      p.ctmark = c.mark;
      return;
    }
    let hit = this.flow?.lookup(p.family, p.proto, tuple);
    if (hit !== undefined && p.proto === Proto.TCP) {
      // nf_conntrack_proto_tcp: bad flag sets are INVALID before any look-up (tcp_error); then
      // the connection's state machine judges the packet (tcp_packet)
      const change = TCP_VALID.has(p.tcpFlags & 0x3f) ? tcpTransition(hit.conn, hit.reply, p.tcpFlags) : "invalid";
      if (change === "invalid") {
        p.ctState = CtState.INVALID;
        this.assume(`conntrack: this packet's TCP flags are invalid for its connection's state (${tcpStateName(hit.conn.tcpState)}); it loses the connection, as the kernel's state table says (sequence numbers are not checked)`);
        return;
      }
      // a SYN to a closed connection: the kernel drops the old one and opens a new one
      if (change === "reopen") hit = undefined;
    }
    if (hit !== undefined) {
      this.conn = hit.conn;
      this.reply = hit.reply;
      this.connIsNew = false;
      if (hit.reply) hit.conn.seenReply = true;
      p.ctState = hit.reply || hit.conn.seenReply ? CtState.ESTABLISHED : CtState.NEW;
    } else {
      const first = firstPacketState(p);
      if (first !== CtState.NEW) {
        p.ctState = first;
        if (first === CtState.UNTRACKED) this.untracked = true;
        return;
      }
      this.conn = mk();
      if (p.proto === Proto.TCP) this.conn.tcpState = tcpOpeningState(p.tcpFlags);
      this.connIsNew = true;
      p.ctState = CtState.NEW;
    }
    this.syncCt();
    // the packet carries ct->mark from here on (CONNMARK changes it, -m connmark reads it); the
    // walk writes it back to the connection when it ends
    p.ctmark = this.conn.mark;
  }

  /** The nat table at a hook: the chains for a connection's first packet, else the stored translation. */
  private natAt(hook: Hook): TableEnd {
    const c = this.conn;
    if (this.untracked || c === undefined) return "ACCEPT"; // kernel: no conntrack, no NAT
    const dst = DST_HOOKS[hook];
    const done = dst ? c.dstManipDone : c.srcManipDone;
    if (!done) {
      // kernel (nf_nat_inet_fn): the chains run only while this manip is not set up yet
      if (dst) c.dstManipDone = true;
      else c.srcManipDone = true;
      if ((this.p.ctState & (CtState.NEW | CtState.RELATED)) === 0) return "ACCEPT";
      return this.walkTable(hook, "nat");
    }
    this.applyStored(hook, dst);
    return "ACCEPT";
  }

  /** nf_nat_packet: a later packet gets the connection's translation (undone for replies). */
  private applyStored(hook: Hook, dstManip: boolean): void {
    const c = this.conn!;
    const p = this.p;
    const ports = p.sport >= 0 && p.proto !== Proto.ICMP && p.proto !== Proto.ICMPV6;
    const rec = (field: "source" | "destination", kind: NatRecord["kind"] | undefined, addr: IpValue, port: number, by: "conntrack" | "reverse") => {
      const from = field === "destination" ? this.endpoint(p.dst, p.dport) : this.endpoint(p.src, p.sport);
      if (field === "destination") {
        p.dst = addr;
        if (ports) p.dport = port;
      } else {
        p.src = addr;
        if (ports) p.sport = port;
      }
      const to = field === "destination" ? this.endpoint(p.dst, p.dport) : this.endpoint(p.src, p.sport);
      if (from !== to) this.nats.push({ kind: kind ?? "DNAT", hook, field, from, to, by });
    };
    if (dstManip) {
      if (!this.reply && c.dnat) rec("destination", c.dnatKind, c.reply.src, c.reply.sport, "conntrack");
      else if (this.reply && c.snat) rec("destination", c.snatKind, c.orig.src, c.orig.sport, "reverse");
    } else {
      if (!this.reply && c.snat) rec("source", c.snatKind, c.reply.dst, c.reply.dport, "conntrack");
      else if (this.reply && c.dnat) rec("source", c.dnatKind, c.orig.dst, c.orig.dport, "reverse");
    }
  }

  /** Runs the tables of one hook in order; the conntrack lookup sits after raw. */
  private runHook(hook: Hook, tables: readonly (TableName | "conntrack")[]): TableEnd {
    for (const t of tables) {
      let r: TableEnd;
      if (t === "conntrack") {
        this.conntrack();
        continue;
      }
      if (t === "raw") {
        // kernel: raw runs before conntrack; a packet has no connection yet and looks INVALID
        if (!this.untracked && this.conn === undefined) this.p.ctState = CtState.INVALID;
      }
      r = t === "nat" ? this.natAt(hook) : this.walkTable(hook, t);
      if (r !== "ACCEPT") return r;
    }
    return "ACCEPT";
  }

  /** The port a bridged frame leaves by: the bridge's only other port when there is one, else unknown. */
  private bridgePortTo(bridge: string, inPort: string): string {
    const ports = this.host.host.interfaces.filter((i) => i.master === bridge && i.name !== inPort).map((i) => i.name);
    if (ports.length === 1) return ports[0];
    this.assume(`out: the port of ${bridge} that leads to ${formatIp(this.p.dst, this.p.family)} is not known (--physdev-out matches no name; --physdev-is-bridged matches)`);
    return UNKNOWN_PORT;
  }

  /**
   * Why the kernel refuses to route an IPv4 packet with a 127.0.0.0/8 source by `route`, or
   * undefined: (__mkroute_output) such a source may only leave through a loopback device, unless
   * route_localnet is on for the outgoing device (not modelled: assumed off, its default). IPv6
   * has no such check on output (a ::1 source leaves; seen on 6.18).
   */
  private loopbackSourceRefused(route: Route): string | undefined {
    const p = this.p;
    if (p.family !== 4 || ((p.src as number) >>> 24) !== 127 || route.type === "local") return undefined;
    const dev = route.dev;
    if (dev === "lo" || (dev !== undefined && this.host.iface(dev)?.kind === "loopback")) return undefined;
    this.assume(`net.ipv4.conf.${dev ?? "all"}.route_localnet: assumed 0 (the default), so a 127.0.0.0/8 source may not leave through ${dev ?? "a non-loopback device"}`);
    return `the source ${formatIp(p.src, 4)} is a loopback address and the route to ${formatIp(p.dst, 4)} leaves through ${dev ?? "a non-loopback device"} (the kernel refuses it: EINVAL)`;
  }

  private routeOf(dst: IpValue): Route | undefined {
    return this.host.routeLookup(this.p.family, dst, this.p.mark);
  }

  /**
   * The packet enters its first hook: keeps a copy of it as it is now, for Trace.arrived, since
   * the walk changes the packet in place from here on (MARK, CONNMARK, TOS, DSCP, TTL, HL, NAT,
   * conntrack's state, the interfaces of a looped-back packet).
   */
  private enter(): void {
    this.arrived = { ...this.p, ctState: this.arrivalState() };
  }

  /**
   * The state conntrack finds for the packet as it arrives (what conntrack() gives it, without
   * raw's NOTRACK and whether conntrack runs): the one given, the connection's when the flow has
   * one for it, else a first packet's.
   */
  private arrivalState(): number {
    const p = this.p;
    if (this.pp.state !== undefined) return this.pp.state;
    const hit = this.flow?.lookup(p.family, p.proto, tupleOf(p.proto, p.src, p.dst, p.sport, p.dport, p.icmpType));
    if (hit === undefined) return firstPacketState(p);
    return (hit.reply || hit.conn.seenReply ? CtState.ESTABLISHED : CtState.NEW) | (hit.conn.snat ? CtState.SNAT : 0) | (hit.conn.dnat ? CtState.DNAT : 0);
  }

  /** Walks the packet through the host. */
  run(): WalkResult {
    const p = this.p;
    const pp = this.pp;
    let path: TracePath;
    let end: TableEnd;
    let inIface: string | undefined;
    let outIface: string | undefined;
    const finish = (e: TableEnd): WalkResult => {
      const verdict: TraceVerdict = e === "STOP" ? "UNSUPPORTED" : e;
      // kernel: CONNMARK writes ct->mark itself, so later packets of the connection see it
      // (a new connection is kept only when its first packet is accepted)
      if (this.conn !== undefined && !this.untracked) this.conn.mark = p.ctmark;
      if (verdict === "ACCEPT" && this.conn !== undefined && this.connIsNew && this.flow !== undefined) this.flow.add(this.conn);
      return {
        verdict,
        ...(this.stopped !== undefined && e === "STOP" ? { unsupported: this.stopped } : {}),
        ...(this.reason !== undefined || this.copies.length
          ? { reason: [...(this.reason !== undefined ? [this.reason] : []), ...(this.copies.length ? [`broadcast: the verdict is this packet's; ${this.copies.join("; ")}`] : [])].join("; ") }
          : {}),
        path,
        ...(inIface ? { in: inIface } : {}),
        ...(outIface ? { out: outIface } : {}),
        // a walk that ended before any hook (no route, bridged past iptables) left the packet as it came
        arrived: this.arrived ?? { ...p, ctState: this.arrivalState() },
        packet: p,
        nat: this.nats,
        steps: this.steps,
        assumptions: this.assumptions,
      };
    };
    const fam = p.family;
    if (pp.local) {
      // a route to this host: the local table's local routes, and IPv6's subnet-router anycast
      // addresses of this host (looped back like a local address; seen on 6.18)
      const toHost = (r: Route) => r.type === "local" || (fam === 6 && r.type === "anycast");
      const usable = (r: Route) => r.type === "unicast" || r.type === "broadcast" || r.type === "multicast" || toHost(r);
      let route = this.routeOf(p.dst);
      path = route !== undefined && toHost(route) ? "loopback" : "output";
      if (route === undefined || !usable(route)) {
        this.reason = route === undefined ? `no route to ${formatIp(p.dst, fam)}: the socket call fails before any hook` : `the route to ${formatIp(p.dst, fam)} is ${route.type}: the socket call fails before any hook`;
        return finish("DROP");
      }
      if (pp.src === undefined) {
        const s = this.host.preferredSource(fam, route, p.dst);
        if (s === undefined) {
          this.reason = `no source address for ${formatIp(p.dst, fam)}: the host has none to pick`;
          return finish("DROP");
        }
        p.src = s;
        this.assume(`src: ${formatIp(s, fam)} (the source the route to ${formatIp(p.dst, fam)} picks)`);
      }
      const refused = this.loopbackSourceRefused(route);
      if (refused !== undefined) {
        this.reason = `${refused}: the socket call fails before any hook`;
        return finish("DROP");
      }
      // the outgoing device every OUTPUT table sees (-o): the kernel fixes it when the hook
      // starts (nf_hook_state.out), even when a table of the hook routes the packet anew
      p.outIface = toHost(route) ? "lo" : (route.dev ?? "");
      let routedDst = p.dst;
      let routedMark = p.mark;
      this.enter();
      for (const t of OUTPUT_TABLES) {
        end = this.runHook("OUTPUT", [t]);
        if (end !== "ACCEPT") return finish(end);
        if ((t !== "mangle" && t !== "nat") || (p.dst === routedDst && p.mark === routedMark)) continue;
        // kernel (ip_route_me_harder): right after its chain, mangle OUTPUT (nf_route_table_hook4,
        // when the mark, addresses or TOS changed) and nat OUTPUT (nf_nat_ipv4_local_fn, when
        // DNAT changed the destination) route the packet again; a failure drops it there
        const r2 = this.routeOf(p.dst);
        const why =
          r2 === undefined
            ? `no route to ${formatIp(p.dst, fam)}`
            : usable(r2)
              ? this.loopbackSourceRefused(r2)
              : `the route to ${formatIp(p.dst, fam)} is ${r2.type}`;
        if (why !== undefined || r2 === undefined) {
          this.reason = `${why}: ${t} OUTPUT changed the packet and routing it again fails, so the kernel drops it there (ip_route_me_harder)`;
          return finish("DROP");
        }
        route = r2;
        routedDst = p.dst;
        routedMark = p.mark;
        path = toHost(route) ? "loopback" : "output";
      }
      p.outIface = toHost(route) ? "lo" : (route.dev ?? "");
      outIface = p.outIface;
      if (route.type === "broadcast" || route.type === "multicast") {
        // ip_mc_output: a clone is looped back to this host first (POSTROUTING, then in again on
        // the same device through PREROUTING and INPUT), then the original goes out
        const saved = { ...p };
        // skb_clone leaves the copy without the socket: -m owner sees none in its POSTROUTING
        p.uid = -1;
        p.gid = -1;
        const clone = this.runHook("POSTROUTING", ["mangle", "nat"]);
        if (clone === "STOP") return finish(clone);
        if (clone === "ACCEPT") {
          p.inIface = p.outIface;
          p.outIface = "";
          p.local = false;
          // dev_loopback_xmit marks the clone PACKET_LOOPBACK, which -m pkttype reads as
          // multicast for an IPv4 multicast or any IPv6 destination, else as broadcast
          p.pktType = fam === 6 || route.type === "multicast" ? PKT_MULTICAST : PKT_BROADCAST;
          let back = this.runHook("PREROUTING", ["raw", "mangle", "nat"]);
          if (back === "ACCEPT") back = this.runHook("INPUT", ["mangle", "filter", "security", "nat"]);
          if (back === "STOP") return finish(back);
          this.copies.push(`the copy looped back to this host (in ${saved.outIface}): ${back}`);
        } else this.copies.push(`the copy looped back to this host: ${clone} in POSTROUTING`);
        Object.assign(p, saved);
      }
      end = this.runHook("POSTROUTING", ["mangle", "nat"]);
      if (end !== "ACCEPT") return finish(end);
      if (!toHost(route)) return finish("ACCEPT");
      // loopback (loopback_xmit → netif_rx): the packet comes back in on lo with its connection,
      // and so its NAT, attached: conntrack skips it, the nat chains of PREROUTING and INPUT are
      // not traversed (both manips were set up in OUTPUT and POSTROUTING), and the route it was
      // sent by is kept, so there is no new routing decision
      p.inIface = "lo";
      inIface = "lo";
      p.outIface = "";
      p.local = false;
      end = this.runHook("PREROUTING", ["raw", "mangle", "nat"]);
      if (end !== "ACCEPT") return finish(end);
      end = this.runHook("INPUT", ["mangle", "filter", "security", "nat"]);
      return finish(end);
    }

    // arriving from outside
    const a = arrival(pp, this.host);
    if (a.note) this.assume(a.note);
    p.inIface = a.inIface;
    p.physIn = a.physIn;
    inIface = a.inIface;
    if (this.ct.pkttype) p.pktType = this.linkType(p.dst, a.inIface);
    const fromBridge = this.host.isBridge(a.inIface);
    const sameBridge = (dst: IpValue) => {
      if (!fromBridge || this.host.isLocal(fam, dst)) return false;
      const r = this.routeOf(dst);
      return r !== undefined && r.type === "unicast" && r.dev === a.inIface && r.via === undefined;
    };
    let bridged = sameBridge(p.dst);
    if (bridged && !this.host.host.bridgeNetfilter) {
      path = "forward";
      outIface = a.inIface;
      this.reason = `bridged on ${a.inIface} without bridge netfilter (net.bridge.bridge-nf-call-iptables=0): iptables never sees it`;
      return finish("ACCEPT");
    }
    // br_netfilter keeps the bridge ports (nf_bridge_info) of every packet that came in through a
    // bridge port, routed or bridged: -m physdev sees it; --physdev-out only for bridged ones
    p.bridged = fromBridge && this.host.host.bridgeNetfilter;
    if (!p.bridged) p.physIn = "";
    path = "forward";
    const dst0 = p.dst;
    this.enter();
    end = this.runHook("PREROUTING", ["raw", "conntrack", "mangle", "nat"]);
    if (end !== "ACCEPT") return finish(end);
    // Whether the frame now counts as addressed to this host, as ip_forward asks: br_netfilter
    // re-addresses a frame whose destination DNAT changed, and that the new route takes out of
    // another device, to the bridge's own MAC (PACKET_HOST), so a broadcast DNATed elsewhere is
    // forwarded; without bridge netfilter it keeps its broadcast or multicast type
    let readdressed = false;
    // routing decision (after DNAT). br_netfilter (br_nf_pre_routing_finish): when DNAT changed
    // the destination of a packet that came in through a bridge port, the new route decides; if
    // it leads back out of the same bridge, the frame is bridged to the new destination
    if (fromBridge && p.dst !== dst0) {
      bridged = sameBridge(p.dst);
      if (!bridged && p.bridged) {
        readdressed = true;
        p.pktType = PKT_HOST;
      }
      if (bridged && p.dst === p.src) {
        // the bridge never sends a frame back out of the port it came in on (hairpin mode off)
        this.assume(`bridge ports of ${a.inIface}: hairpin mode assumed off (Docker turns it on only with --userland-proxy=false)`);
        this.reason = `DNAT sent the packet back to its sender ${formatIp(p.dst, fam)} on ${a.inIface}; the bridge does not send a frame out of the port it came in on`;
        return finish("DROP");
      }
    }
    if (bridged) {
      p.outIface = a.inIface;
      p.physOut = this.bridgePortTo(a.inIface, p.physIn);
      outIface = p.outIface;
    } else {
      // ip_route_input: the limited broadcast 255.255.255.255 is delivered here as a broadcast
      // (no table holds a route for it)
      const route = fam === 4 && p.dst === LIMITED_BROADCAST ? { family: fam, dst: makeNet(4, LIMITED_BROADCAST, 32), dev: a.inIface, metric: 0, type: "broadcast" as const, table: "local" } : this.routeOf(p.dst);
      if (route === undefined) {
        this.reason = `no route to ${formatIp(p.dst, fam)}: dropped at the routing decision`;
        return finish("DROP");
      }
      if (route.type === "local" || route.type === "broadcast" || route.type === "multicast" || (fam === 6 && route.type === "anycast")) {
        path = "input";
        if ((route.type === "broadcast" || route.type === "multicast") && p.bridged) {
          // the bridge floods a link-layer broadcast to its other ports (bridged: FORWARD and
          // POSTROUTING with -i br -o br) before passing it up to this host
          const saved = { ...p };
          const ports = this.host.host.interfaces.filter((i) => i.master === a.inIface && i.name !== p.physIn).map((i) => i.name);
          const n = p.physIn === UNKNOWN_PORT ? ports.length - 1 : ports.length;
          for (let k = 0; k < n; k++) {
            Object.assign(p, saved);
            p.outIface = a.inIface;
            p.physOut = p.physIn === UNKNOWN_PORT ? UNKNOWN_PORT : ports[k];
            let copy = this.runHook("FORWARD", ["mangle", "filter", "security"]);
            if (copy === "ACCEPT") copy = this.bridgedPostrouting();
            if (copy === "STOP") return finish(copy);
            this.copies.push(`the copy flooded to bridge port ${p.physOut}: ${copy}`);
          }
          Object.assign(p, saved);
        }
        p.outIface = "";
        end = this.runHook("INPUT", ["mangle", "filter", "security", "nat"]);
        return finish(end);
      }
      if (route.type !== "unicast") {
        this.reason = `the route to ${formatIp(p.dst, fam)} is ${route.type}: dropped at the routing decision`;
        return finish("DROP");
      }
      if (!this.host.forwarding(fam)) {
        this.reason = `the host does not forward IPv${fam} (${fam === 4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding"}=0): dropped at the routing decision`;
        return finish("DROP");
      }
      if (p.dst !== dst0 && !readdressed) {
        // ip_forward, ip6_forward: only a frame sent to this host's MAC is forwarded; a link-layer
        // broadcast or multicast that DNAT sent elsewhere is dropped before FORWARD
        const frame = this.linkType(dst0, a.inIface);
        if (frame !== PKT_HOST) {
          this.reason = `the packet came in a link-layer ${frame === PKT_BROADCAST ? "broadcast" : "multicast"} frame (to ${formatIp(dst0, fam)} before DNAT): the kernel forwards only frames addressed to this host, and drops it before FORWARD`;
          return finish("DROP");
        }
      }
      p.outIface = route.dev ?? "";
      outIface = p.outIface;
      // ip_forward, ip6_forward: a packet with no hop left is dropped (the sender gets ICMP time
      // exceeded); the others lose one before FORWARD. A bridged frame is not routed and keeps it.
      if (p.ttl <= 1) {
        this.reason = `the ${fam === 4 ? "TTL" : "hop limit"} is ${p.ttl}: the kernel does not forward it (ICMP time exceeded to the sender) and drops it before FORWARD`;
        return finish("DROP");
      }
      p.ttl--;
    }
    end = this.runHook("FORWARD", ["mangle", "filter", "security"]);
    if (end !== "ACCEPT") return finish(end);
    end = bridged ? this.bridgedPostrouting() : this.runHook("POSTROUTING", ["mangle", "nat"]);
    return finish(end);
  }

  /**
   * How the frame that brought the packet was addressed, for -m pkttype: its sender maps a
   * multicast destination to a multicast MAC, and the broadcast address of the link's subnet
   * (or 255.255.255.255) to the broadcast MAC; anything else came to a MAC of this host, or, on
   * a bridge, to another host's, which br_netfilter shows to iptables as PACKET_HOST too.
   */
  private linkType(dst: IpValue, inIface: string): number {
    const type = this.host.addressType(this.p.family, dst, inIface);
    if (type & XT_ADDRTYPE.MULTICAST) return PKT_MULTICAST;
    if (type & XT_ADDRTYPE.BROADCAST) return PKT_BROADCAST;
    return PKT_HOST;
  }

  /**
   * POSTROUTING for a frame the bridge forwards: br_netfilter (br_nf_post_routing) calls the hook
   * with no input device, so `-i NAME` matches nothing there and `! -i NAME` everything (seen on
   * 6.18, IPv4 and IPv6). A routed packet's POSTROUTING (ip_output, ip6_output) keeps its input
   * device. --physdev-in still sees the bridge port, from the frame's bridge information. The
   * packet keeps its input interface afterwards, for the trace's view of it.
   */
  private bridgedPostrouting(): TableEnd {
    const p = this.p;
    const inIface = p.inIface;
    p.inIface = "";
    const end = this.runHook("POSTROUTING", ["mangle", "nat"]);
    p.inIface = inIface;
    return end;
  }
}

/** Most outcomes iptrace follows for one packet (or one flow); the rest is reported as unexplored. */
export const MAX_OUTCOMES = 256;

/**
 * Runs `walkOnce` once per script of random choices, depth first: the first run takes every random
 * match as matched; each later run flips one choice. Returns every outcome with its probability.
 */
export function enumerate<R>(walkOnce: (script: Script) => R, max = MAX_OUTCOMES): { results: { result: R; script: Script }[]; unexplored: number } {
  const results: { result: R; script: Script }[] = [];
  const todo: boolean[][] = [[]];
  let total = 0;
  while (todo.length > 0) {
    if (results.length >= max) break;
    const prefix = todo.pop()!;
    const script: Script = { choices: [...prefix], forks: [], used: 0, probability: 1 };
    const result = walkOnce(script);
    results.push({ result, script });
    total += script.probability;
    script.choices.length = script.used;
    for (let i = prefix.length; i < script.used; i++) {
      if (script.choices[i]) todo.push([...script.choices.slice(0, i), false]);
    }
  }
  const unexplored = todo.length > 0 ? Math.max(0, 1 - total) : 0;
  return { results, unexplored };
}
