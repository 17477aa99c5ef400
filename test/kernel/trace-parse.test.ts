/**
 * The normalisation of kernel traces, checked without the kernel: the monitors' line formats,
 * verdict names, hook assignment, and that every recorded IPv4 fixture's raw lines normalise to
 * its stored steps (so a change to the parser cannot silently disagree with the goldens).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TRACE_FIXTURES } from "./docker-cases.ts";
import type { TraceFixture } from "./record-traces.ts";
import {
  indexRuleTexts,
  normaliseVerdict,
  parseMonitorOutput,
  parseNftMonitorOutput,
  parsePacketFields,
  stripRulePrefix,
  tracerMatch,
} from "./trace.ts";

const XTABLES_SAMPLE = `PACKET: 1 5cc4c4e6 IN=docker0 NFPROTO=2 MACSRC=2:0:0:0:20:2 MACDST=2:0:0:0:10:1 MACPROTO=0800 SRC=172.17.0.2 DST=203.0.113.10 LEN=40 TOS=0x0 TTL=64 ID=4242 SPORT=40001 DPORT=443 SYN 
 TRACE: 1 5cc4c4e6 ipt_trace:pre:rule:0x3:CONTINUE  
 TRACE: 1 5cc4c4e6 ipt_trace:pre:policy:ACCEPT 
PACKET: 2 5cc4c4e6 IN=docker0 MACSRC=2:0:0:0:20:2 MACDST=2:0:0:0:10:1 MACPROTO=0800 SRC=172.17.0.2 DST=203.0.113.10 LEN=40 TOS=0x0 TTL=64 ID=4242 SPORT=40001 DPORT=443 SYN 
 TRACE: 2 5cc4c4e6 nat:PREROUTING:policy:ACCEPT 
PACKET: 2 9612b435 IN=docker0 OUT=eth0 MACSRC=2:0:0:0:20:2 MACDST=2:0:0:0:10:1 MACPROTO=0800 SRC=172.17.0.2 DST=203.0.113.10 LEN=40 TOS=0x0 TTL=63 ID=4242 SPORT=40001 DPORT=443 SYN 
 TRACE: 2 9612b435 filter:FORWARD:rule:0x8:JUMP:DOCKER-USER  -4 -t filter -A FORWARD -j DOCKER-USER
 TRACE: 2 9612b435 filter:DOCKER-USER:rule:0x12:0xfffffffb  -4 -t filter -A DOCKER-USER -j RETURN
 TRACE: 2 9612b435 filter:U1:rule:0x13:GOTO:U2  -4 -t filter -A U1 -p udp -g U2
 TRACE: 2 9612b435 filter:FORWARD:rule:0xc:ACCEPT  -4 -t filter -A FORWARD -i docker0 ! -o docker0 -j ACCEPT
PACKET: 2 9612b435 IN=docker0 OUT=eth0 MACSRC=2:0:0:0:20:2 MACDST=2:0:0:0:10:1 MACPROTO=0800 SRC=172.17.0.2 DST=203.0.113.10 LEN=40 TOS=0x0 TTL=63 ID=4242 SPORT=40001 DPORT=443 SYN 
 TRACE: 2 9612b435 nat:POSTROUTING:rule:0x8:ACCEPT  -4 -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
`;

describe("xtables-monitor trace normalisation", () => {
  const trace = parseMonitorOutput(XTABLES_SAMPLE);

  it("drops the tracer table and gives every step its hook", () => {
    expect(trace.steps.map((s) => [s.hook, s.table, s.chain, s.kind, s.verdict, s.target ?? null])).toEqual([
      ["PREROUTING", "nat", "PREROUTING", "policy", "ACCEPT", null],
      ["FORWARD", "filter", "FORWARD", "rule", "JUMP", "DOCKER-USER"],
      ["FORWARD", "filter", "DOCKER-USER", "rule", "RETURN", null],
      ["FORWARD", "filter", "U1", "rule", "GOTO", "U2"],
      ["FORWARD", "filter", "FORWARD", "rule", "ACCEPT", null],
      ["POSTROUTING", "nat", "POSTROUTING", "rule", "ACCEPT", null],
    ]);
  });

  it("keeps the rule text from -A on", () => {
    expect(trace.steps[5].text).toBe("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE");
    expect(trace.steps[0].text).toBeUndefined();
  });

  it("records one packet line per base chain, with interfaces and addresses", () => {
    expect(trace.packetLines.map((p) => [p.hook, p.table, p.in ?? null, p.out ?? null, p.dst])).toEqual([
      ["PREROUTING", "nat", "docker0", null, "203.0.113.10"],
      ["FORWARD", "filter", "docker0", "eth0", "203.0.113.10"],
      ["POSTROUTING", "nat", "docker0", "eth0", "203.0.113.10"],
    ]);
    expect(trace.steps.map((s) => s.packet)).toEqual([0, 1, 1, 1, 1, 2]);
  });

  it("names verdicts, RETURN included", () => {
    expect(normaliseVerdict("0xfffffffb")).toEqual({ verdict: "RETURN" });
    expect(normaliseVerdict("JUMP:DOCKER")).toEqual({ verdict: "JUMP", target: "DOCKER" });
    expect(normaliseVerdict("GOTO:A:B")).toEqual({ verdict: "GOTO", target: "A:B" });
    expect(() => normaliseVerdict("0x1234")).toThrow();
    expect(stripRulePrefix("-6 -t nat -A DOCKER -j RETURN")).toBe("-A DOCKER -j RETURN");
  });

  it("splits the link-layer dump and a flag glued to the IP id", () => {
    const p = parsePacketFields("PACKET: 2 0 OUT=br-dummy LL=0x0 0200000021020200000020020800 SRC=1.2.3.4 ID=7DF SPORT=1 DPORT=2 SYN ACK");
    expect(p.fields).toMatchObject({ OUT: "br-dummy", LL: "0x0", LLHDR: "0200000021020200000020020800", ID: "7" });
    expect(p.flags).toEqual(["DF", "SYN", "ACK"]);
  });
});

describe("nft monitor trace normalisation (IPv6)", () => {
  const save = [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":DOCKER - [0:0]",
    "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER",
    "-A DOCKER ! -i br-dummy -p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd49:efd7:54aa::1]:80",
    "COMMIT",
  ].join("\n");
  const listing = [
    "table ip6 nat { # handle 3",
    "\tchain PREROUTING { # handle 1",
    "\t\ttype nat hook prerouting priority dstnat; policy accept;",
    "\t\tfib daddr type local counter packets 0 bytes 0 jump DOCKER # handle 6",
    "\t}",
    "\tchain DOCKER { # handle 5",
    '\t\tiifname != "br-dummy" tcp dport 8080 counter packets 0 bytes 0 dnat to [fd49:efd7:54aa::1]:80 # handle 9',
    "\t}",
    "}",
  ].join("\n");
  const output = [
    'trace id 246f90a3 inet ipt_trace pre packet: iif "eth0" ip6 saddr 2001:db8:203::10 ip6 daddr 2001:db8:100::1 tcp sport 40005 tcp dport 8080 tcp flags == syn',
    "trace id 246f90a3 inet ipt_trace pre rule ip6 saddr 2001:db8:203::10 meta nftrace set 1 # handle 2 (verdict continue)",
    'trace id 246f90a3 ip6 nat PREROUTING packet: iif "eth0" ip6 saddr 2001:db8:203::10 ip6 daddr 2001:db8:100::1 ip6 hoplimit 64 tcp sport 40005 tcp dport 8080 tcp flags == syn',
    "trace id 246f90a3 ip6 nat PREROUTING rule fib daddr type local counter packets 2 bytes 120 jump DOCKER # handle 6 (verdict jump DOCKER)",
    'trace id 246f90a3 ip6 nat DOCKER rule iifname != "br-dummy" tcp dport 8080 counter packets 2 bytes 120 dnat to [fd49:efd7:54aa::1]:80 # handle 9 (verdict accept)',
    "trace id 246f90a3 ip6 nat POSTROUTING packet: iif \"eth0\" oif \"br-dummy\" ip6 saddr 2001:db8:203::10 ip6 daddr fd49:efd7:54aa::1",
    "trace id 246f90a3 ip6 nat POSTROUTING policy accept ",
  ].join("\n");

  it("maps rule handles to the iptables text by position", () => {
    const texts = indexRuleTexts({ nat: listing }, save);
    expect(texts.get("nat/DOCKER/9")).toMatch(/^-A DOCKER ! -i br-dummy/);
    const trace = parseNftMonitorOutput(output, texts);
    expect(trace.steps).toEqual([
      { hook: "PREROUTING", table: "nat", chain: "PREROUTING", kind: "rule", text: "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER", verdict: "JUMP", target: "DOCKER", packet: 0 },
      { hook: "PREROUTING", table: "nat", chain: "DOCKER", kind: "rule", text: save.split("\n")[4], verdict: "ACCEPT", packet: 0 },
      { hook: "POSTROUTING", table: "nat", chain: "POSTROUTING", kind: "policy", verdict: "ACCEPT", packet: 1 },
    ]);
    expect(trace.packetLines[0]).toMatchObject({ in: "eth0", src: "2001:db8:203::10", sport: 40005, dport: 8080, flags: ["SYN"] });
    expect(trace.packetLines[1]).toMatchObject({ in: "eth0", out: "br-dummy", dst: "fd49:efd7:54aa::1" });
  });
});

describe("tracer match", () => {
  it("selects only the test packet", () => {
    expect(
      tracerMatch({ family: 4, origin: { kind: "internet" }, src: "203.0.113.10", dst: "198.51.100.1", proto: "tcp", sport: 1, dport: 2, tcpFlags: ["SYN"] }),
    ).toBe("ip saddr 203.0.113.10 ip daddr 198.51.100.1 tcp sport 1 tcp dport 2 tcp flags & (fin | syn | rst | psh | ack | urg) == syn");
    expect(tracerMatch({ family: 6, origin: { kind: "router" }, src: "fd00::1", dst: "fd00::2", proto: "icmp" })).toBe(
      "ip6 saddr fd00::1 ip6 daddr fd00::2 icmpv6 type 128",
    );
  });
});

describe("recorded IPv4 traces normalise from their raw lines", async () => {
  const dirs = (await readdir(TRACE_FIXTURES, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith("_"));
  for (const { name: dir } of dirs) {
    for (const file of (await readdir(path.join(TRACE_FIXTURES, dir))).filter((f) => f.endsWith(".json"))) {
      const fixture = JSON.parse(await readFile(path.join(TRACE_FIXTURES, dir, file), "utf8")) as TraceFixture;
      if (fixture.monitor !== "xtables-monitor") continue;
      it(`${dir}/${file}`, () => {
        const again = parseMonitorOutput(fixture.raw.join("\n"));
        expect(again.steps).toEqual(fixture.steps);
        expect(again.packetLines.length).toBe(fixture.packetLines.length);
      });
    }
  }
});
