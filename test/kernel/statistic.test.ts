/**
 * kube-proxy's load balancing against the kernel: a service of two endpoints picks one by
 * `-m statistic --mode random --probability 0.5`. A golden trace cannot hold a random pick, so
 * this test sends the packet (a new connection each time) again and again and requires that every
 * path the kernel took is one of the outcomes iptrace lists for that packet, step for step, that
 * iptrace gives both a probability of one half, and that the kernel took both (16 tries: the
 * chance of seeing only one is 2 in 65,536). Fails (never skips) when namespaces or tools are
 * missing.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tracePacket } from "../../src/sim/index.js";
import { inputsOf, normaliseIptrace, normaliseKernel, type KernelCase } from "../sim/kernel-fixtures.ts";
import { REPO_ROOT, SEED_TOPOLOGY, type DockerRuleset } from "./docker-cases.ts";
import { assertKernelUsable, createNetwork, deleteNetwork } from "./netns.ts";
import { recordCase } from "./record-traces.ts";

const RULESET: DockerRuleset = {
  name: "kube-proxy-sampler",
  file: "fixtures/kernel-trace/_rulesets/kube-proxy-sampler.rules",
  family: 4,
  topology: SEED_TOPOLOGY,
};

/** ns1/two:http, 10.96.0.40:80, endpoints 172.17.0.3:8080 and 192.160.0.2:8080, added to the sampler's nat table. */
const TWO_ENDPOINTS = `:KUBE-SVC-TWO - [0:0]
:KUBE-SEP-TWOA - [0:0]
:KUBE-SEP-TWOB - [0:0]
-A KUBE-SERVICES -d 10.96.0.40/32 -p tcp -m comment --comment "ns1/two:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-TWO
-A KUBE-SVC-TWO ! -s 172.17.0.0/16 -d 10.96.0.40/32 -p tcp -m comment --comment "ns1/two:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-TWO -m comment --comment "ns1/two:http -> 172.17.0.3:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-TWOA
-A KUBE-SVC-TWO -m comment --comment "ns1/two:http -> 192.160.0.2:8080" -j KUBE-SEP-TWOB
-A KUBE-SEP-TWOA -s 172.17.0.3/32 -m comment --comment "ns1/two:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-TWOA -p tcp -m comment --comment "ns1/two:http" -m tcp -j DNAT --to-destination 172.17.0.3:8080
-A KUBE-SEP-TWOB -s 192.160.0.2/32 -m comment --comment "ns1/two:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-TWOB -p tcp -m comment --comment "ns1/two:http" -m tcp -j DNAT --to-destination 192.160.0.2:8080
`;

const TRIES = 16;

describe("kube-proxy load balancing (statistic random) against the kernel", () => {
  beforeAll(async () => {
    await assertKernelUsable();
    await createNetwork(RULESET.topology);
  });
  afterAll(async () => {
    await deleteNetwork(RULESET.topology);
  });

  it(`every path the kernel takes in ${TRIES} connections is an outcome iptrace lists, and both are taken`, async () => {
    const base = await readFile(path.join(REPO_ROOT, RULESET.file), "utf8");
    // the extra chains go into the nat table, before its COMMIT
    const natCommit = base.lastIndexOf("COMMIT");
    const rulesText = `${base.slice(0, natCommit)}${TWO_ENDPOINTS}${base.slice(natCommit)}`;
    const seen = new Set<string>();
    for (let k = 0; k < TRIES; k++) {
      const packet = { family: 4 as const, origin: { kind: "container" as const, namespace: "ipt-c1" }, src: "172.17.0.2", dst: "10.96.0.40", proto: "tcp" as const, sport: 40200 + k, dport: 80, tcpFlags: ["SYN"] };
      const fixture = await recordCase(RULESET, rulesText, { name: `two-endpoints-${k}`, packet });
      const kernelCase = { ...fixture, file: `statistic/${k}` } as unknown as KernelCase;
      const kernel = normaliseKernel(kernelCase.steps);
      const { ruleset, host, packet: p } = inputsOf(kernelCase);
      const trace = tracePacket(ruleset, p, { host });
      const outcomes = trace.outcomes ?? [];
      expect(outcomes.map((o) => o.probability)).toEqual([0.5, 0.5]);
      const match = outcomes.find((o) => JSON.stringify(normaliseIptrace(o.steps)) === JSON.stringify(kernel));
      expect(match, `connection ${k}: the kernel's path is none of iptrace's outcomes:\n${JSON.stringify(kernel, null, 1)}`).toBeDefined();
      const endpoint = kernel.find((s) => s.chain.startsWith("KUBE-SEP-TWO"))?.chain;
      expect(endpoint).toBeDefined();
      seen.add(endpoint as string);
    }
    expect([...seen].sort()).toEqual(["KUBE-SEP-TWOA", "KUBE-SEP-TWOB"]);
  });
});
