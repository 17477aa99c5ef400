/**
 * What a walk reports: the verdict, the path, the packet as it leaves, the translations, the
 * assumptions made, the probabilistic outcomes, and one step per event in the kernel's own terms.
 * Plain JSON-ready data (no bigints): the CLI prints it unchanged.
 */
import type { Hook, TableName } from "../model/chain.js";

/** The word the kernel's trace (`xtables-monitor --trace`) prints for one step. */
export type StepVerdict = "CONTINUE" | "JUMP" | "GOTO" | "RETURN" | "ACCEPT" | "DROP" | "QUEUE";

/** One event of the walk: a rule that matched, a builtin policy applied, or a user chain run off its end. */
export interface Step {
  /** The hook of the base chain this step was reached from (user chains inherit it). */
  readonly hook: Hook;
  /** The table the chain belongs to. */
  readonly table: TableName;
  /** The chain the event happened in. */
  readonly chain: string;
  /** `rule`: a rule matched; `policy`: a builtin chain's policy applied; `return`: a user chain ran off its end (the kernel prints nothing for this). */
  readonly kind: "rule" | "policy" | "return";
  /** 1-based position of the rule in its chain (rules only). */
  readonly rule?: number;
  /** 1-based line of the rule in the input (rules only). */
  readonly line?: number;
  /** The rule as iptables-save prints it, starting with `-A CHAIN` (rules only). */
  readonly text?: string;
  /** The chain jumped or gone to (JUMP and GOTO only). */
  readonly target?: string;
  /** What the kernel's trace prints for this step. */
  readonly verdict: StepVerdict;
  /** What the target did beyond its verdict (REJECT's reply, LOG's prefix, the NAT applied, …). */
  readonly note?: string;
}

/** The verdict for the packet as a whole. */
export type TraceVerdict = "ACCEPT" | "DROP" | "REJECT" | "QUEUE" | "UNSUPPORTED";

/**
 * Which way the packet went through the host: `input` to it, `forward` through it, `output` from
 * it, `loopback` from it to itself (a locally generated packet whose route is local: OUTPUT and
 * POSTROUTING, then back in on lo through PREROUTING and INPUT to a local socket).
 */
export type TracePath = "input" | "forward" | "output" | "loopback";

/** The packet in the same plain field names as the input (see `Packet`). */
export interface TracePacket {
  /** Source address. */
  readonly src: string;
  /** Destination address. */
  readonly dst: string;
  /** Protocol name (tcp, udp, icmp, icmpv6, sctp) or number. */
  readonly proto: string | number;
  /** Source port (TCP, UDP, SCTP). */
  readonly sport?: number;
  /** Destination port (TCP, UDP, SCTP). */
  readonly dport?: number;
  /** TCP flags, comma-separated. */
  readonly tcpFlags?: string;
  /** ICMP type (and `/code`), as numbers. */
  readonly icmpType?: string;
  /** Arrival interface. */
  readonly in?: string;
  /** Outgoing interface. */
  readonly out?: string;
  /** Locally generated. */
  readonly local?: boolean;
  /** Conntrack state, comma-separated (`NEW`, `ESTABLISHED,DNAT`, …). */
  readonly state: string;
  /** Packet mark, hex. */
  readonly mark: string;
  /** Total length of the IP packet. */
  readonly length: number;
  /** TTL or hop limit. */
  readonly ttl: number;
  /** TOS byte or traffic class. */
  readonly tos: number;
}

/** One address translation applied to the packet. */
export interface NatRecord {
  /** The kind of translation; a reply or later packet of a translated connection shows the stored one. */
  readonly kind: "DNAT" | "SNAT" | "MASQUERADE" | "REDIRECT" | "NETMAP";
  /** The hook where it happened. */
  readonly hook: Hook;
  /** Which side of the packet changed. */
  readonly field: "source" | "destination";
  /** Address (and port) before, `addr` or `addr:port` (`[v6]:port`). */
  readonly from: string;
  /** Address (and port) after. */
  readonly to: string;
  /** `rule`: chosen by a nat rule now; `conntrack`: the connection's stored translation; `reverse`: the stored one undone for a reply. */
  readonly by: "rule" | "conntrack" | "reverse";
}

/** What ended a walk that iptrace cannot finish. */
export interface Unsupported {
  /** What cannot be modelled, in words (names the match or target). */
  readonly reason: string;
  /** Where the walk stopped. */
  readonly hook: Hook;
  readonly table: TableName;
  readonly chain: string;
  /** 1-based rule position and input line, when a rule stopped it. */
  readonly rule?: number;
  readonly line?: number;
}

/**
 * One place where the walk forked: a choice that the packet and the ruleset do not decide, so the
 * walk follows both answers. Its place is the rule's, as in a `Step`.
 */
export interface Fork {
  /**
   * `random`: a `-m statistic --mode random` match whose probability lies strictly between 0 and 1.
   * `nth`: a `-m statistic --mode nth` match whose counter's position is not known
   * (`Assumptions.nthCounters` "unknown", the default), so the packet may or may not be its pick.
   */
  readonly kind: "random" | "nth";
  /** Which packet met it: 0-based index into the packets given to `traceFlow` (always 0 for `tracePacket`). */
  readonly packet: number;
  /** The hook of the base chain the rule was reached from. */
  readonly hook: Hook;
  readonly table: TableName;
  readonly chain: string;
  /** 1-based position of the rule in its chain. */
  readonly rule: number;
  /** 1-based line of the rule in the input. */
  readonly line: number;
  /** 1-based position of the statistic match among the rule's matches (`-m …`, in the order iptables-save prints them): a rule may hold more than one. */
  readonly match: number;
  /**
   * The probability that the choice made here is `true`: for `random`, that the match matches
   * (its `--probability`, or 1 minus it when negated); for `nth`, that the counter picks this
   * packet: 1 in `--every`, or 1 in fewer once earlier packets of a flow were passed over (a `!`
   * before the match negates the match, not the pick).
   */
  readonly probability: number;
}

/** One possible ending of a walk that met random matches (or nth counters of unknown position), with its probability. */
export interface Outcome {
  /** Probability of this outcome; all outcomes sum to 1. */
  readonly probability: number;
  /**
   * The choice made at each fork met, in order: for a random match, whether it matched; for an
   * nth counter, whether it picked the packet. In a flow (`traceFlow`), the choices of all its
   * packets.
   */
  readonly choices: readonly boolean[];
  /** Where each choice was made and with what probability: `forks[i]` made `choices[i]`. */
  readonly forks: readonly Fork[];
  readonly verdict: TraceVerdict;
  readonly unsupported?: Unsupported;
  readonly path: TracePath;
  readonly in?: string;
  readonly out?: string;
  readonly packet: TracePacket;
  readonly nat: readonly NatRecord[];
  readonly steps: readonly Step[];
}

/** The full answer for one packet. */
export interface Trace {
  /** What happens to the packet (for the most probable outcome when there are several). */
  readonly verdict: TraceVerdict;
  /** Set when the verdict is UNSUPPORTED: what iptrace could not model, and where. */
  readonly unsupported?: Unsupported;
  /** Why the walk ended where no rule decided it (no route, forwarding off, bridged without bridge netfilter). */
  readonly reason?: string;
  /** input (to this host), forward (through it), output (from it) or loopback (from it to itself). */
  readonly path: TracePath;
  /** Arrival interface: when the packet arrived from outside, or `lo` when a loopback packet came back in. */
  readonly in?: string;
  /** Outgoing interface, when the packet leaves (`lo` for a loopback packet that passed OUTPUT). */
  readonly out?: string;
  /**
   * The packet as it entered the first hook (PREROUTING, or OUTPUT for a locally generated one),
   * before any rule, conntrack or NAT changed it: the fields as given, with the defaults filled in
   * (source port, TCP flags, the source address a local packet takes from its route, the arrival
   * interface, the outgoing one of a local packet's first route). Its `state` is the one given, or
   * the one conntrack finds: a first packet's (NEW, or INVALID for a TCP RST, …) or, in a flow, that
   * of the connection an earlier packet opened. It is taken before raw's NOTRACK can make the packet
   * UNTRACKED, and also when no rule makes the kernel run conntrack at all. In a flow whose
   * branches differ (see `outcomes`), it is that of the top level's walk.
   */
  readonly arrived: TracePacket;
  /** The packet as it leaves (after NAT, marks, TOS/DSCP and TTL/HL changes), with conntrack's state. */
  readonly packet: TracePacket;
  /** The translations applied, in order. */
  readonly nat: readonly NatRecord[];
  /** Every fact assumed rather than given: inferred host facts, time/history assumptions, defaults. */
  readonly assumptions: readonly string[];
  /**
   * Every possible outcome, when a random match (`statistic --mode random`) or an nth counter
   * whose position is not known (`statistic --mode nth`, see Assumptions.nthCounters) branched the
   * walk. Each outcome's `forks` say which matches branched it.
   */
  readonly outcomes?: readonly Outcome[];
  /** Set when more outcomes existed than iptrace follows; their total probability. */
  readonly unexplored?: number;
  /** The events of the walk, in order. */
  readonly steps: readonly Step[];
}
