/**
 * Hash indexes over runs of consecutive rules that can only match one destination address,
 * protocol and destination port each (kube-proxy's KUBE-SERVICES: `-d 172.30.0.41/32 -p tcp -m
 * tcp --dport 80 -j KUBE-SVC-…`). A packet then meets only the rules of its own key, so a chain
 * of 10,000 services costs one Map lookup instead of 10,000 rule tests. The walk stays identical
 * to the linear one: candidates are tried in ascending rule order and every other rule of the run
 * could not have matched.
 */
import type { Rule } from "../model/rule.js";
import type { Family, IpValue } from "../net/ip.js";
import { Proto, type PacketState } from "./packet.js";

/** Runs shorter than this are walked linearly; the index would not pay for itself. */
export const MIN_RUN = 4;

/** One indexed run: rules [start, end) of a chain, by key. */
export interface IndexRun {
  readonly start: number;
  /** One past the last rule of the run. */
  readonly end: number;
  /** dst → (proto << 16 | dport) → ascending rule indices. */
  readonly byDst: Map<IpValue, Map<number, Int32Array>>;
}

/** The key of a rule that can only match one (dst, proto, dport), or undefined. */
export function ruleKey(rule: Rule, family: Family): { dst: IpValue; sub: number } | undefined {
  const d = rule.destination;
  if (d === undefined || d.invert) return undefined;
  if (family === 4 ? d.value.mask !== 0xffffffff : d.value.mask !== (1n << 128n) - 1n) return undefined;
  const pr = rule.protocol;
  if (pr === undefined || pr.invert) return undefined;
  const proto = pr.value;
  if (proto !== Proto.TCP && proto !== Proto.UDP && proto !== Proto.SCTP) return undefined;
  for (const m of rule.matches) {
    // kernel: an nth counter before the port match advances even for packets to other ports;
    // the index would skip the rule for them, so such a rule is walked, not indexed
    if (m.module === "statistic" && m.mode === "nth") return undefined;
    // the same for a limit bucket or a recent list, which every packet that reaches them changes
    if (m.module === "limit" || m.module === "recent") return undefined;
    if (m.module !== "tcp" && m.module !== "udp" && (m.module as string) !== "sctp") continue;
    const dport = (m as { dport?: { value: { min: number; max: number }; invert: boolean } }).dport;
    if (dport && !dport.invert && dport.value.min === dport.value.max) return { dst: d.value.addr, sub: (proto << 16) | dport.value.min };
  }
  return undefined;
}

/** Finds the runs of keyed rules in a chain and indexes each. */
export function buildRuns(rules: readonly Rule[], family: Family, minRun = MIN_RUN): IndexRun[] {
  const runs: IndexRun[] = [];
  let i = 0;
  while (i < rules.length) {
    if (ruleKey(rules[i], family) === undefined) { i++; continue; }
    let j = i;
    while (j < rules.length && ruleKey(rules[j], family) !== undefined) j++;
    if (j - i >= minRun) {
      const lists = new Map<IpValue, Map<number, number[]>>();
      for (let k = i; k < j; k++) {
        const key = ruleKey(rules[k], family)!;
        let sub = lists.get(key.dst);
        if (sub === undefined) lists.set(key.dst, (sub = new Map()));
        const l = sub.get(key.sub);
        if (l === undefined) sub.set(key.sub, [k]);
        else l.push(k);
      }
      const byDst = new Map<IpValue, Map<number, Int32Array>>();
      for (const [dst, sub] of lists) {
        const m = new Map<number, Int32Array>();
        for (const [s, l] of sub) m.set(s, Int32Array.from(l));
        byDst.set(dst, m);
      }
      runs.push({ start: i, end: j, byDst });
    }
    i = j;
  }
  return runs;
}

/**
 * The next rule index ≥ `from` inside the run that could match `p`, or `run.end` when none can
 * (the walk then goes on after the run). No allocation: two Map lookups and a binary search.
 */
export function nextCandidate(run: IndexRun, p: PacketState, from: number): number {
  if (p.dport < 0) return run.end;
  const sub = run.byDst.get(p.dst);
  if (sub === undefined) return run.end;
  const list = sub.get((p.proto << 16) | p.dport);
  if (list === undefined) return run.end;
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < list.length ? list[lo] : run.end;
}
