/**
 * The trace's first line is the packet as it arrived (the library's Trace.arrived), not the packet
 * as the rules left it: MARK, CONNMARK, DSCP, TTL and NAT change the packet in place, a locally
 * generated packet to this host comes back in on lo, and conntrack's state is the one it finds
 * on arrival, whatever raw's NOTRACK does after.
 */
import { describe, expect, it } from "vitest";
import type { Trace } from "../../src/sim/index.js";
import { iptrace } from "./helpers.js";

const RULES = "fixtures/cli/packet-changes.rules";
/** From outside to this host's eth0 address (the host inferred from the rules). */
const inbound = (...packet: string[]) => ["-f", RULES, "--in", "eth0", "--src", "203.0.113.7", "--dst", "198.51.100.1", ...packet];
const header = (stdout: string) => stdout.split("\n")[0];
const json = (args: string[]) => JSON.parse(iptrace([...args, "--json"]).stdout) as Trace;

describe("the header shows the packet as it arrived", () => {
  it("MARK: no mark given, none shown, though a rule set one", () => {
    const args = inbound("-p", "tcp", "--dport", "22");
    expect(header(iptrace(args).stdout)).toBe("Packet  tcp 203.0.113.7:40000 → 198.51.100.1:22 [SYN]  state NEW, in eth0");
    expect(json(args).packet.mark).toBe("0x1");
  });

  it("CONNMARK --set-xmark then --restore-mark: the mark copied from the connection is not shown", () => {
    const args = inbound("-p", "tcp", "--dport", "23");
    expect(header(iptrace(args).stdout)).toBe("Packet  tcp 203.0.113.7:40000 → 198.51.100.1:23 [SYN]  state NEW, in eth0");
    expect(json(args).packet.mark).toBe("0x9");
  });

  it("CONNMARK --restore-mark: the mark given is shown, though the connection's (0) replaced it", () => {
    const args = inbound("-p", "tcp", "--dport", "24", "--mark", "0x5");
    expect(header(iptrace(args).stdout)).toBe("Packet  tcp 203.0.113.7:40000 → 198.51.100.1:24 [SYN]  state NEW, in eth0, mark 0x5");
    expect(json(args).packet.mark).toBe("0x0");
  });

  it("DNAT and MARK: the destination and the mark as they came; the last line shows the packet as it left", () => {
    const r = iptrace(inbound("-p", "tcp", "--dport", "8080"));
    expect(header(r.stdout)).toBe("Packet  tcp 203.0.113.7:40000 → 198.51.100.1:8080 [SYN]  state NEW, in eth0");
    expect(r.stdout).toContain("ACCEPT  delivered to this host (arrived on eth0)  as tcp 203.0.113.7:40000 → 198.51.100.1:80 [SYN]\n");
  });

  it("a locally generated packet to this host: generated here, not arrived on lo where it loops back", () => {
    const r = iptrace(["-f", RULES, "--local", "--dst", "127.0.0.1", "-p", "tcp", "--dport", "22"]);
    // OUTPUT marks it 0x7, PREROUTING (on its way back in on lo) 0x1
    expect(r.stdout).toContain("-A OUTPUT -j MARK --set-xmark 0x7/0xffffffff  → CONTINUE");
    expect(r.stdout).toContain("-A PREROUTING -p tcp -m tcp --dport 22 -j MARK --set-xmark 0x1/0xffffffff  → CONTINUE");
    expect(header(r.stdout)).toBe("Packet  tcp 127.0.0.1:40000 → 127.0.0.1:22 [SYN]  state NEW, generated on this host");
  });

  it("the state conntrack finds: a TCP RST of no connection is INVALID, as the rules see it, not NEW", () => {
    const args = inbound("-p", "tcp", "--dport", "22", "--tcp-flags", "RST");
    expect(header(iptrace(args).stdout)).toBe("Packet  tcp 203.0.113.7:40000 → 198.51.100.1:22 [RST]  state INVALID, in eth0");
    expect(json(args).packet.state).toBe("INVALID");
  });

  it("the state given, and the state before raw's NOTRACK", () => {
    expect(header(iptrace(inbound("-p", "tcp", "--dport", "25", "--state", "established,dnat")).stdout)).toBe(
      "Packet  tcp 203.0.113.7:40000 → 198.51.100.1:25 [ACK]  state ESTABLISHED,DNAT, in eth0",
    );
    const args = inbound("-p", "udp", "--dport", "53");
    expect(header(iptrace(args).stdout)).toBe("Packet  udp 203.0.113.7:40000 → 198.51.100.1:53  state NEW, in eth0");
    expect(json(args).packet.state).toBe("UNTRACKED");
  });

  it("--json gives the packet as it arrived beside the packet as it left: before DSCP, TTL and MARK", () => {
    const t = json(inbound("-p", "tcp", "--dport", "22"));
    expect(t.arrived).toEqual({ src: "203.0.113.7", dst: "198.51.100.1", proto: "tcp", sport: 40000, dport: 22, tcpFlags: "SYN", in: "eth0", state: "NEW", mark: "0x0", length: 40, ttl: 64, tos: 0 });
    // DSCP 0x0a is the TOS byte's upper six bits; TTL --ttl-dec 1
    expect([t.packet.mark, t.packet.tos, t.packet.ttl]).toEqual(["0x1", 0x28, 63]);
  });

  it("--batch lines show each packet as it arrived", () => {
    const line = JSON.stringify({ src: "203.0.113.7", dst: "198.51.100.1", proto: "tcp", dport: 8080, in: "eth0" });
    const r = iptrace(["-f", RULES, "--batch", "-"], { stdin: `${line}\n` });
    expect(r.stdout).toBe("1: tcp 203.0.113.7:40000 → 198.51.100.1:8080 [SYN]  ACCEPT  delivered to this host (arrived on eth0)\n");
  });
});
