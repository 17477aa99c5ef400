/**
 * A verdict-only trace (`detail: "verdict"`) answers exactly what the full trace answers — verdict,
 * path, interfaces, the packet as it leaves, NAT, assumptions, outcomes and their probabilities —
 * and only leaves the steps out.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/parse/index.js";
import { compileRuleset, tracePacket, type Packet, type Trace } from "../../src/sim/index.js";
import { clusterIp, kubeRuleset } from "./kube-gen.js";

const withoutSteps = (t: Trace) => ({
  ...t,
  steps: [],
  ...(t.outcomes ? { outcomes: t.outcomes.map((o) => ({ ...o, steps: [] })) } : {}),
});

describe("verdict-only traces", () => {
  it("agree with full traces on the Docker seed ruleset", () => {
    const text = readFileSync(join(import.meta.dirname, "../../fixtures/corpus/seed/docker-default-2020.rules"), "utf8");
    const compiled = compileRuleset(parseRuleset(text).ruleset);
    const packets: Packet[] = [
      { src: "172.17.0.2", dst: "203.0.113.10", proto: "tcp", dport: 443 },
      { src: "172.17.0.2", dst: "172.17.0.3", proto: "udp", dport: 53 },
      { src: "203.0.113.10", dst: "172.17.0.2", proto: "tcp", dport: 80, in: "eth0" },
      { src: "172.17.0.1", dst: "172.17.0.2", proto: "icmp", local: true },
    ];
    for (const p of packets) {
      const full = tracePacket(compiled, p);
      const fast = tracePacket(compiled, p, { detail: "verdict" });
      expect(full.steps.length).toBeGreaterThan(0);
      expect(fast.steps).toEqual([]);
      expect(fast).toEqual(withoutSteps(full));
    }
  });

  it("agree with full traces on kube-proxy services with random endpoints", () => {
    const compiled = compileRuleset(parseRuleset(kubeRuleset(20)).ruleset);
    for (let i = 0; i < 20; i += 3) {
      const p: Packet = { src: "192.0.2.7", dst: clusterIp(i), proto: "tcp", dport: 80, in: "eth0" };
      const full = tracePacket(compiled, p);
      const fast = tracePacket(compiled, p, { detail: "verdict" });
      expect(full.outcomes?.length).toBe(3);
      expect(fast).toEqual(withoutSteps(full));
    }
  });
});
