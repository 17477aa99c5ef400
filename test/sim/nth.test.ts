/**
 * `-m statistic --mode nth`: the kernel keeps one counter per rule (xt_statistic), advanced by
 * every packet that reaches the match. For one packet its position is unknown, so the walk forks
 * one in N; along a flow the later packets follow the position the earlier ones fixed; with
 * `assume.nthCounters: "loaded"` the counters start where a fresh load puts them.
 */
import { describe, expect, it } from "vitest";
import { traceFlow, tracePacket, type Packet, type Trace } from "../../src/sim/index.js";
import { BRIDGE_HOST as host, compileText, filterTable } from "./compile-text.js";

/** A service of three endpoints balanced round robin, as kube-proxy's userspace-era rules did. */
const ROUND_ROBIN = compileText(`*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:SVC - [0:0]
:SEP-A - [0:0]
:SEP-B - [0:0]
:SEP-C - [0:0]
-A PREROUTING -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j SVC
-A SVC -m statistic --mode nth --every 3 --packet 0 -j SEP-A
-A SVC -m statistic --mode nth --every 2 --packet 0 -j SEP-B
-A SVC -j SEP-C
-A SEP-A -p tcp -j DNAT --to-destination 172.17.0.3:8080
-A SEP-B -p tcp -j DNAT --to-destination 172.17.0.4:8080
-A SEP-C -p tcp -j DNAT --to-destination 172.17.0.5:8080
COMMIT
`);

const conn = (k: number): Packet => ({ src: "172.17.0.2", dst: "10.96.0.50", proto: "tcp", sport: 40000 + k, dport: 80, tcpFlags: "SYN" });
const endpointOf = (steps: Trace["steps"]) => steps.find((s) => s.chain.startsWith("SEP-"))?.chain;

describe("statistic --mode nth", () => {
  it("one packet, counters unknown: every endpoint is an outcome, each one in three, and the trace says why", () => {
    const t = tracePacket(ROUND_ROBIN, conn(0), { host });
    const outcomes = t.outcomes ?? [];
    expect(outcomes.map((o) => endpointOf(o.steps))).toEqual(["SEP-A", "SEP-B", "SEP-C"]);
    for (const o of outcomes) expect(o.probability).toBeCloseTo(1 / 3, 12);
    expect(t.assumptions.join("\n")).toMatch(/-m statistic --mode nth --every 3 --packet 0 \(nat SVC rule 1, line \d+\): its counter's position is not known/);
  });

  it("a flow of new connections, counters unknown: each branch is a round robin from some start", () => {
    const traces = traceFlow(ROUND_ROBIN, [0, 1, 2, 3, 4, 5].map(conn), { host });
    const branches = traces[0].outcomes!.map((_, i) => traces.map((t) => endpointOf(t.outcomes![i].steps)).join(" "));
    // rule 1's counter in one of 3 places, rule 2's (which sees the rest) in one of 2
    expect(branches.sort()).toEqual([
      "SEP-A SEP-B SEP-C SEP-A SEP-B SEP-C",
      "SEP-A SEP-C SEP-B SEP-A SEP-C SEP-B",
      "SEP-B SEP-A SEP-C SEP-B SEP-A SEP-C",
      "SEP-B SEP-C SEP-A SEP-B SEP-C SEP-A",
      "SEP-C SEP-A SEP-B SEP-C SEP-A SEP-B",
      "SEP-C SEP-B SEP-A SEP-C SEP-B SEP-A",
    ]);
    for (const o of traces[0].outcomes!) expect(o.probability).toBeCloseTo(1 / 6, 12);
  });

  it('counters as loaded: the k-th connection takes exactly one path, the round robin from the first endpoint', () => {
    const assume = { nthCounters: "loaded" } as const;
    const traces = traceFlow(ROUND_ROBIN, [0, 1, 2, 3, 4, 5, 6].map(conn), { host, assume });
    expect(traces.map((t) => t.outcomes)).toEqual(traces.map(() => undefined));
    expect(traces.map((t) => endpointOf(t.steps))).toEqual(["SEP-A", "SEP-B", "SEP-C", "SEP-A", "SEP-B", "SEP-C", "SEP-A"]);
    expect(traces[1].assumptions.join("\n")).toMatch(/--every 3 --packet 0 \(nat SVC rule 1, line \d+\): its counter assumed as just loaded; this packet is number 2 to reach the match/);
    // one packet through a freshly loaded ruleset is the first pick of every counter
    expect(endpointOf(tracePacket(ROUND_ROBIN, conn(0), { host, assume }).steps)).toBe("SEP-A");
  });

  it("--packet P makes the (P+1)-th packet the first pick, and ! inverts", () => {
    const c = compileText(
      filterTable(`-A FORWARD -m statistic --mode nth --every 3 --packet 2 -j DROP
-A FORWARD -m statistic --mode nth ! --every 2 --packet 1 -j REJECT`),
    );
    const ps = [0, 1, 2, 3, 4, 5].map((k): Packet => ({ src: "172.17.0.2", dst: "203.0.113.5", proto: "udp", sport: 40000 + k, dport: 53 }));
    const verdicts = traceFlow(c, ps, { host, assume: { nthCounters: "loaded" } }).map((t) => t.verdict);
    // rule 1 picks packets 3 and 6; rule 2 sees 1, 2, 4, 5 and (inverted) matches all but its 2nd and 4th
    expect(verdicts).toEqual(["REJECT", "ACCEPT", "DROP", "REJECT", "ACCEPT", "DROP"]);
  });

  it("the counter advances only for packets that reach it: a failing match before it leaves it alone, one after it does not", () => {
    const c = compileText(
      filterTable(`-A FORWARD -p udp -m statistic --mode nth --every 2 --packet 0 -m udp --dport 53 -j DROP`),
    );
    const udp = (k: number, dport: number): Packet => ({ src: "172.17.0.2", dst: "203.0.113.5", proto: "udp", sport: 40000 + k, dport });
    const tcp: Packet = { src: "172.17.0.2", dst: "203.0.113.5", proto: "tcp", sport: 41000, dport: 53 };
    // the TCP packet fails -p udp before the counter; the UDP packet to 123 reaches the counter (its pick) and fails --dport after it
    const verdicts = traceFlow(c, [tcp, udp(1, 123), udp(2, 53), udp(3, 53)], { host, assume: { nthCounters: "loaded" } }).map((t) => t.verdict);
    expect(verdicts).toEqual(["ACCEPT", "ACCEPT", "ACCEPT", "DROP"]);
  });

  it("assume.nthHit still gives one fixed answer for every nth match", () => {
    const hit = tracePacket(ROUND_ROBIN, conn(0), { host, assume: { nthHit: true } });
    const miss = tracePacket(ROUND_ROBIN, conn(0), { host, assume: { nthHit: false } });
    expect([hit.outcomes, miss.outcomes]).toEqual([undefined, undefined]);
    expect([endpointOf(hit.steps), endpointOf(miss.steps)]).toEqual(["SEP-A", "SEP-C"]);
  });

  it("--every 1 matches every packet without a fork", () => {
    const c = compileText(
      filterTable(`-A FORWARD -m statistic --mode nth --every 1 --packet 0 -j DROP`),
    );
    const t = tracePacket(c, { src: "172.17.0.2", dst: "203.0.113.5", proto: "udp", dport: 53 }, { host });
    expect([t.verdict, t.outcomes]).toEqual(["DROP", undefined]);
  });
});
