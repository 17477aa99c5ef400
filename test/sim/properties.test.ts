/**
 * Properties of the walk on random rulesets: every walk ends in a verdict or an explicit
 * unsupported outcome; outcome probabilities sum to 1; a ruleset with every policy ACCEPT and no
 * rules accepts every packet; the hash-indexed walk gives exactly the linear walk's trace.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/parse/index.js";
import { compileRuleset, tracePacket, traceFlow, type Packet } from "../../src/sim/index.js";

const DSTS = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "198.51.100.1", "203.0.113.9"];
const SRCS = ["192.0.2.1", "192.0.2.2", "10.0.0.7"];
const PORTS = [22, 80, 443];

/** One random rule body (everything after `-A CHAIN`), biased toward keyed rules (-d /32 -p P --dport N). */
const ruleBody = (laterChains: readonly string[]) =>
  fc
    .record({
      keyed: fc.boolean(),
      dst: fc.constantFrom(...DSTS),
      src: fc.option(fc.constantFrom("192.0.2.1/32", "192.0.2.0/24", "10.0.0.0/8"), { nil: undefined }),
      srcInv: fc.boolean(),
      proto: fc.constantFrom("tcp", "udp"),
      port: fc.constantFrom(...PORTS),
      iface: fc.option(fc.constantFrom("-i eth0", "! -i eth0", "-o eth0", "-i eth+"), { nil: undefined }),
      random: fc.option(fc.constantFrom("0.5", "0.25", "0.75"), { nil: undefined }),
      target: fc.constantFrom("ACCEPT", "DROP", "RETURN", "REJECT", "MARK", "NONE", "JUMP", "GOTO"),
      chain: fc.nat(),
    })
    .map((r) => {
      const parts: string[] = [];
      if (r.src) parts.push(`${r.srcInv ? "! " : ""}-s ${r.src}`);
      if (r.keyed) parts.push(`-d ${r.dst}/32`);
      if (r.iface) parts.push(r.iface);
      if (r.keyed) parts.push(`-p ${r.proto} -m ${r.proto} --dport ${r.port}`);
      if (r.random) parts.push(`-m statistic --mode random --probability ${r.random}`);
      const jumpable = laterChains.length > 0;
      const t = (r.target === "JUMP" || r.target === "GOTO") && !jumpable ? "ACCEPT" : r.target;
      switch (t) {
        case "NONE":
          break;
        case "MARK":
          parts.push("-j MARK --set-xmark 0x1/0xffffffff");
          break;
        case "REJECT":
          parts.push("-j REJECT --reject-with icmp-port-unreachable");
          break;
        case "JUMP":
          parts.push(`-j ${laterChains[r.chain % laterChains.length]}`);
          break;
        case "GOTO":
          parts.push(`-g ${laterChains[r.chain % laterChains.length]}`);
          break;
        default:
          parts.push(`-j ${t}`);
      }
      return parts.join(" ");
    });

/** A random filter table: FORWARD and INPUT plus up to three user chains (jumps only go forward, so no loops). */
const rulesetText = fc
  .record({
    policy: fc.constantFrom("ACCEPT", "DROP"),
    users: fc.integer({ min: 0, max: 3 }),
  })
  .chain(({ policy, users }) => {
    const names = Array.from({ length: users }, (_, k) => `U${k}`);
    const chains = ["FORWARD", "INPUT", ...names];
    return fc
      .tuple(...chains.map((c, k) => fc.array(ruleBody(k < 2 ? names : names.slice(k - 1)), { maxLength: 12 })))
      .map((bodies) => {
        const lines = ["*filter", `:INPUT ${policy} [0:0]`, `:FORWARD ${policy} [0:0]`, ":OUTPUT ACCEPT [0:0]", ...names.map((n) => `:${n} - [0:0]`)];
        chains.forEach((c, k) => bodies[k].forEach((b) => lines.push(`-A ${c} ${b}`)));
        lines.push("COMMIT");
        return lines.join("\n") + "\n";
      });
  });

const packet: fc.Arbitrary<Packet> = fc.record({
  src: fc.constantFrom(...SRCS),
  dst: fc.constantFrom(...DSTS),
  proto: fc.constantFrom("tcp", "udp"),
  dport: fc.constantFrom(...PORTS),
  in: fc.constantFrom("eth0", "eth1"),
});

describe("walk properties", () => {
  it("every walk ends in a verdict or an explicit unsupported outcome, and outcome probabilities sum to 1", () => {
    fc.assert(
      fc.property(rulesetText, fc.array(packet, { minLength: 1, maxLength: 4 }), (text, packets) => {
        const { ruleset, issues } = parseRuleset(text);
        expect(issues.filter((i) => i.severity === "error")).toEqual([]);
        const c = compileRuleset(ruleset);
        for (const p of packets) {
          const t = tracePacket(c, p);
          expect(["ACCEPT", "DROP", "REJECT", "QUEUE", "UNSUPPORTED"]).toContain(t.verdict);
          if (t.verdict === "UNSUPPORTED") expect(t.unsupported?.reason).toBeTruthy();
          const outcomes = t.outcomes ?? [{ probability: 1, verdict: t.verdict }];
          const sum = outcomes.reduce((a, o) => a + o.probability, 0) + (t.unexplored ?? 0);
          expect(sum).toBeCloseTo(1, 9);
          for (const o of outcomes) expect(["ACCEPT", "DROP", "REJECT", "QUEUE", "UNSUPPORTED"]).toContain(o.verdict);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a ruleset with every policy ACCEPT and no rules accepts every packet", () => {
    const text = [
      "*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "COMMIT",
      "*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", "COMMIT",
      "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", "COMMIT",
      "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "COMMIT",
      "*security", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", "COMMIT",
    ].join("\n") + "\n";
    const c = compileRuleset(parseRuleset(text).ruleset);
    const anyPacket = fc.record({
      src: fc.ipV4(),
      dst: fc.ipV4(),
      proto: fc.constantFrom("tcp", "udp", "icmp"),
      port: fc.integer({ min: 1, max: 65535 }),
      local: fc.boolean(),
    });
    fc.assert(
      fc.property(anyPacket, ({ src, dst, proto, port, local }) => {
        const p: Packet = { dst, proto, ...(proto === "icmp" ? {} : { dport: port }), ...(local ? { local: true } : { src }) };
        const t = tracePacket(c, p);
        // a packet the host cannot route is dropped before any policy: the routing decision, not a rule
        if (t.reason !== undefined && t.steps.length === 0) return;
        if (t.reason?.startsWith("no route")) return;
        expect(t.verdict).toBe("ACCEPT");
        expect(t.steps.every((s) => s.kind === "policy" && s.verdict === "ACCEPT")).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("the hash-indexed walk gives the same trace as the linear walk", () => {
    fc.assert(
      fc.property(rulesetText, fc.array(packet, { minLength: 1, maxLength: 6 }), (text, packets) => {
        const { ruleset } = parseRuleset(text);
        const indexed = compileRuleset(ruleset, {}, { index: true, minRun: 1 });
        const linear = compileRuleset(ruleset, {}, { index: false });
        for (const p of packets) {
          expect(tracePacket(indexed, p)).toEqual(tracePacket(linear, p));
        }
        // and through a flow (conntrack state carried between packets)
        expect(traceFlow(indexed, packets)).toEqual(traceFlow(linear, packets));
      }),
      { numRuns: 300 },
    );
  });
});
