/**
 * Outcome.forks: where each choice of a forked walk was made (a random match, or an nth counter
 * whose position is not known), as data: kind, packet of the flow, hook, table, chain, rule, line,
 * the match's place in its rule, and the probability of the choice being true.
 */
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/parse/index.js";
import { hostFromJsonOrThrow } from "../../src/host/json.js";
import { compileRuleset, traceFlow, tracePacket, type Fork, type Packet } from "../../src/sim/index.js";

const host = hostFromJsonOrThrow(
  JSON.stringify({
    interfaces: [
      { name: "eth0", addresses: ["198.51.100.1/24"] },
      { name: "docker0", kind: "bridge", addresses: ["172.17.0.1/16"] },
    ],
    routes: [{ dst: "default", via: "198.51.100.254", dev: "eth0" }],
    forwarding: true,
    bridgeNetfilter: true,
  }),
);

// line numbers matter: the forks name them
const RULES = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:SVC-RR - [0:0]
:SVC-MIXED - [0:0]
:SVC-NOT - [0:0]
:SEP-A - [0:0]
:SEP-B - [0:0]
:SEP-C - [0:0]
-A PREROUTING -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j SVC-RR
-A PREROUTING -d 10.96.0.60/32 -p tcp -m tcp --dport 80 -j SVC-MIXED
-A PREROUTING -d 10.96.0.70/32 -p tcp -m tcp --dport 80 -j SVC-NOT
-A SVC-RR -m statistic --mode nth --every 3 --packet 0 -j SEP-A
-A SVC-RR -m statistic --mode nth --every 2 --packet 0 -j SEP-B
-A SVC-RR -j SEP-C
-A SVC-MIXED -p tcp -m tcp --sport 1024:65535 -m statistic --mode random --probability 0.25000000000 -m statistic --mode nth --every 2 --packet 1 -j SEP-A
-A SVC-MIXED -m statistic --mode random --probability 1.00000000000 -j SEP-B
-A SVC-NOT -m statistic --mode random ! --probability 0.25000000000 -j SEP-A
-A SVC-NOT -j SEP-B
-A SEP-A -p tcp -j DNAT --to-destination 172.17.0.3:8080
-A SEP-B -p tcp -j DNAT --to-destination 172.17.0.4:8080
-A SEP-C -p tcp -j DNAT --to-destination 172.17.0.5:8080
COMMIT
`;

const { ruleset, issues } = parseRuleset(RULES);
const compiled = compileRuleset(ruleset, { host });
const conn = (dst: string, k = 0): Packet => ({ src: "203.0.113.7", dst, proto: "tcp", sport: 40000 + k, dport: 80, in: "eth0" });
/** The fork without the fields every fork here shares (nat PREROUTING, packet 0 unless said). */
const where = (f: Fork) => ({ kind: f.kind, packet: f.packet, chain: f.chain, rule: f.rule, line: f.line, match: f.match, probability: f.probability });
const nat = { hook: "PREROUTING", table: "nat" };

describe("Outcome.forks", () => {
  it("parses", () => {
    expect(issues.filter((i) => i.severity === "error")).toEqual([]);
  });

  it("nth counters of unknown position: one fork per choice, in the order of the choices", () => {
    const t = tracePacket(compiled, conn("10.96.0.50"), { host });
    const outcomes = t.outcomes ?? [];
    expect(outcomes.map((o) => o.choices)).toEqual([[true], [false, true], [false, false]]);
    const r1 = { kind: "nth", packet: 0, chain: "SVC-RR", rule: 1, line: 15, match: 1, probability: 1 / 3 };
    const r2 = { kind: "nth", packet: 0, chain: "SVC-RR", rule: 2, line: 16, match: 1, probability: 1 / 2 };
    expect(outcomes.map((o) => o.forks.map(where))).toEqual([[r1], [r1, r2], [r1, r2]]);
    for (const o of outcomes) for (const f of o.forks) expect(f).toMatchObject(nat);
  });

  it("a random match and an nth counter in one rule: each is its own fork, named by its place among the rule's matches", () => {
    const t = tracePacket(compiled, conn("10.96.0.60"), { host });
    const outcomes = t.outcomes ?? [];
    // -p tcp's -m tcp is match 1, the random match 2, the nth match 3; the nth counter is reached
    // only when the random match matched. SVC-MIXED rule 2's probability of 1 never forks.
    const random = { kind: "random", packet: 0, chain: "SVC-MIXED", rule: 1, line: 18, match: 2, probability: 0.25 };
    const nth = { kind: "nth", packet: 0, chain: "SVC-MIXED", rule: 1, line: 18, match: 3, probability: 0.5 };
    expect(outcomes.map((o) => [o.choices, o.forks.map(where), o.probability])).toEqual([
      [[true, true], [random, nth], 0.125],
      [[true, false], [random, nth], 0.125],
      [[false], [random], 0.75],
    ]);
  });

  it("a negated random match: the probability is that of the match matching", () => {
    const t = tracePacket(compiled, conn("10.96.0.70"), { host });
    expect(t.outcomes?.map((o) => o.forks.map(where))).toEqual([
      [{ kind: "random", packet: 0, chain: "SVC-NOT", rule: 1, line: 20, match: 1, probability: 0.75 }],
      [{ kind: "random", packet: 0, chain: "SVC-NOT", rule: 1, line: 20, match: 1, probability: 0.75 }],
    ]);
    expect(t.outcomes?.map((o) => [o.choices, o.probability])).toEqual([[[true], 0.75], [[false], 0.25]]);
  });

  it("counters as loaded do not fork; the random match still does", () => {
    const assume = { nthCounters: "loaded" } as const;
    expect(tracePacket(compiled, conn("10.96.0.50"), { host, assume }).outcomes).toBeUndefined();
    const mixed = tracePacket(compiled, conn("10.96.0.60"), { host, assume });
    expect(mixed.outcomes?.map((o) => o.forks.map((f) => f.kind))).toEqual([["random"], ["random"]]);
  });

  it("in a flow, the forks of all its packets, each naming the packet that met it", () => {
    const traces = traceFlow(compiled, [conn("10.96.0.50", 0), conn("10.96.0.50", 1)], { host });
    const [first, second] = traces.map((t) => t.outcomes ?? []);
    // packet 0 is rule 1's pick: packet 1 then is not (its counter is fixed), and meets rule 2's counter
    expect(first[0].forks.map(where)).toEqual([
      { kind: "nth", packet: 0, chain: "SVC-RR", rule: 1, line: 15, match: 1, probability: 1 / 3 },
      { kind: "nth", packet: 1, chain: "SVC-RR", rule: 2, line: 16, match: 1, probability: 1 / 2 },
    ]);
    // both packets' outcomes describe the same branches of the flow
    expect(second.map((o) => o.forks)).toEqual(first.map((o) => o.forks));
    for (const o of first) expect(o.forks).toHaveLength(o.choices.length);
  });

  it("a verdict-only trace has the same forks", () => {
    const full = tracePacket(compiled, conn("10.96.0.60"), { host });
    const quick = tracePacket(compiled, conn("10.96.0.60"), { host, detail: "verdict" });
    expect(quick.outcomes?.map((o) => o.forks)).toEqual(full.outcomes?.map((o) => o.forks));
  });

  it("survives JSON as it is (plain data)", () => {
    const t = tracePacket(compiled, conn("10.96.0.60"), { host });
    expect(JSON.parse(JSON.stringify(t.outcomes))).toEqual(t.outcomes);
  });
});
