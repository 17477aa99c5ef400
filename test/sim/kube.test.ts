/**
 * kube-proxy cases: the corpus ruleset (kubernetes' TestOverallIPTablesRules) with the builtin
 * chain jumps kube-proxy adds, on a node host; and generated rulesets for the probabilities.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset } from "../../src/parse/index.js";
import { hostFromJsonOrThrow } from "../../src/host/json.js";
import { compileRuleset, tracePacket, traceFlow } from "../../src/sim/index.js";
import { clusterIp, endpointIp, kubeRuleset, nodePort } from "./kube-gen.js";

const dir = path.resolve(import.meta.dirname, "../../fixtures/walk/kubernetes");
const parsed = parseRuleset(readFileSync(path.join(dir, "k8s-proxier-test-overall.full.rules"), "utf8"));
const host = hostFromJsonOrThrow(readFileSync(path.join(dir, "host.json"), "utf8"));
const kube = compileRuleset(parsed.ruleset, { host });
const texts = (t: { steps: readonly { text?: string }[] }) => t.steps.map((s) => s.text).filter((x) => x !== undefined);

describe("kube-proxy (corpus ruleset)", () => {
  it("parses without errors", () => {
    expect(parsed.issues.filter((i) => i.severity === "error")).toEqual([]);
  });

  it("ClusterIP with two endpoints: two outcomes of 1/2, each DNATed to its endpoint", () => {
    const t = tracePacket(kube, { src: "10.180.0.7", dst: "172.30.0.44", proto: "tcp", dport: 80, in: "cni0" }, { host });
    expect(t.outcomes?.map((o) => [o.probability, o.verdict, o.packet.dst, o.packet.dport])).toEqual([
      [0.5, "ACCEPT", "10.180.0.4", 80],
      [0.5, "ACCEPT", "10.180.0.5", 80],
    ]);
    // the pod is inside 10.0.0.0/8: no masquerade mark, no MASQUERADE
    for (const o of t.outcomes!) expect(o.nat.map((n) => n.kind)).toEqual(["DNAT"]);
    expect(texts(t)).toContain('-A KUBE-SVC-4SW47YFZTEDKD3PK -m comment --comment "ns4/svc4:p80 -> 10.180.0.4:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-UKSFD7AGPMPPLUHC');
  });

  it("NodePort from outside: KUBE-MARK-MASQ sets 0x4000, KUBE-FORWARD accepts it, KUBE-POSTROUTING turns it into MASQUERADE", () => {
    const t = tracePacket(kube, { src: "203.0.113.7", dst: "192.168.99.10", proto: "tcp", dport: 3003 }, { host });
    expect(t.verdict).toBe("ACCEPT");
    expect(t.path).toBe("forward");
    expect(t.nat.map((n) => [n.kind, n.hook, n.from, n.to])).toEqual([
      ["DNAT", "PREROUTING", "192.168.99.10:3003", "10.180.0.3:80"],
      ["MASQUERADE", "POSTROUTING", "203.0.113.7:40000", "10.180.0.254:40000"],
    ]);
    expect(texts(t)).toEqual(expect.arrayContaining([
      "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE',
    ]));
    // the xor clears the mark again before the packet leaves
    expect(t.packet.mark).toBe("0x0");
  });

  it("a service without endpoints is rejected in filter KUBE-SERVICES (the step shows DROP)", () => {
    const t = tracePacket(kube, { src: "10.180.0.7", dst: "172.30.0.46", proto: "tcp", dport: 80, in: "cni0" }, { host });
    expect(t.verdict).toBe("REJECT");
    const last = t.steps[t.steps.length - 1];
    expect([last.table, last.chain, last.verdict]).toEqual(["filter", "KUBE-SERVICES", "DROP"]);
  });

  it("the reply from the endpoint is ESTABLISHED, skips nat and gets its source translated back", () => {
    const [first, reply] = traceFlow(kube, [
      { src: "10.180.0.7", sport: 41000, dst: "172.30.0.41", proto: "tcp", dport: 80, in: "cni0" },
      { src: "10.180.0.1", sport: 80, dst: "10.180.0.7", dport: 41000, proto: "tcp", tcpFlags: "SYN,ACK", in: "cni0" },
    ], { host });
    expect(first.nat.map((n) => n.to)).toEqual(["10.180.0.1:80"]);
    expect(reply.packet.state).toBe("ESTABLISHED,DNAT");
    expect(reply.steps.some((s) => s.table === "nat")).toBe(false);
    expect(reply.nat.map((n) => [n.by, n.field, n.from, n.to])).toEqual([["reverse", "source", "10.180.0.1:80", "172.30.0.41:80"]]);
  });
});

describe("kube-proxy (generated)", () => {
  const generated = compileRuleset(parseRuleset(kubeRuleset(20, 3)).ruleset);

  it("a ClusterIP with three endpoints gives three outcomes of 1/3 each, summing to 1", () => {
    const t = tracePacket(generated, { src: "10.0.1.5", dst: clusterIp(7), proto: "tcp", dport: 80 });
    const outcomes = t.outcomes!;
    expect(outcomes.map((o) => o.packet.dst)).toEqual([endpointIp(7, 0), endpointIp(7, 1), endpointIp(7, 2)]);
    for (const o of outcomes) expect(o.probability).toBeCloseTo(1 / 3, 8);
    expect(outcomes.reduce((a, o) => a + o.probability, 0)).toBeCloseTo(1, 12);
    expect(outcomes.map((o) => o.choices)).toEqual([[true], [false, true], [false, false]]);
  });

  it("a NodePort from outside is DNATed and masqueraded, in every outcome", () => {
    const t = tracePacket(generated, { src: "203.0.113.7", dst: "198.51.100.1", proto: "tcp", dport: nodePort(3) });
    expect(t.outcomes).toHaveLength(3);
    for (const o of t.outcomes!) expect(o.nat.map((n) => n.kind)).toEqual(["DNAT", "MASQUERADE"]);
  });

  it("an unknown service port walks past KUBE-SERVICES' indexed run to the NODEPORTS rule only", () => {
    const t = tracePacket(generated, { src: "10.0.1.5", dst: clusterIp(7), proto: "tcp", dport: 81 });
    expect(t.outcomes).toBeUndefined();
    expect(t.nat).toEqual([]);
  });
});
