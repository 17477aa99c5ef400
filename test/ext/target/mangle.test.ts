/** TPROXY, CHECKSUM, TCPMSS, DSCP, TOS, TTL, HL, CLASSIFY, SECMARK, CONNSECMARK: forms, restrictions, semantics. */
import { describe, expect, it } from "vitest";
import { dscp, type DscpTarget } from "../../../src/ext/target/dscp.js";
import { tos, type TosTarget } from "../../../src/ext/target/tos.js";
import { ttl, type TtlTarget } from "../../../src/ext/target/ttl.js";
import { hl, type HlTarget } from "../../../src/ext/target/hl.js";
import { tproxy, type TproxyTarget } from "../../../src/ext/target/tproxy.js";
import { tcpmss, type TcpmssTarget } from "../../../src/ext/target/tcpmss.js";
import type { TableName } from "../../../src/model/chain.js";
import type { CompiledTarget } from "../../../src/ext/types.js";
import type { PacketState } from "../../../src/sim/packet.js";
import { makeEnv, makePacket } from "../packet.js";
import { firstRuleLine, parseRules, RecordingWalk } from "./helpers.js";

// Checked against iptables-nft-save 1.8.9 in a namespace: [family, table, rule given, rule saved].
const KERNEL_FORMS: readonly [4 | 6, TableName, string, string][] = [
  [4, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0"],
  [4, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 1.2.3.4 --tproxy-mark 0x1/0x1", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 1.2.3.4 --tproxy-mark 0x1/0x1"],
  [4, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --tproxy-mark 0x1", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 0.0.0.0 --tproxy-mark 0x1/0xffffffff"],
  [4, "mangle", "-A USR -p tcp -j TPROXY --on-port 8080", "-A USR -p tcp -j TPROXY --on-port 8080 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0"],
  [6, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 2001:db8::1 --tproxy-mark 1", "-A PREROUTING -p tcp -j TPROXY --on-port 8080 --on-ip 2001:db8::1 --tproxy-mark 0x1/0xffffffff"],
  [6, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-port 80", "-A PREROUTING -p tcp -j TPROXY --on-port 80 --on-ip :: --tproxy-mark 0x0/0x0"],
  [4, "mangle", "-A POSTROUTING -j CHECKSUM --checksum-fill", "-A POSTROUTING -j CHECKSUM --checksum-fill"],
  [4, "mangle", "-A POSTROUTING -p udp -j CHECKSUM --checksum-fill", "-A POSTROUTING -p udp -j CHECKSUM --checksum-fill"],
  [4, "mangle", "-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"],
  [4, "mangle", "-A FORWARD -p tcp -j TCPMSS --clamp-mss-to-pmtu", "-A FORWARD -p tcp -j TCPMSS --clamp-mss-to-pmtu"],
  [4, "mangle", "-A OUTPUT -p tcp -j TCPMSS --clamp-mss-to-pmtu", "-A OUTPUT -p tcp -j TCPMSS --clamp-mss-to-pmtu"],
  [4, "mangle", "-A PREROUTING -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400", "-A PREROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400"],
  [4, "filter", "-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400", "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400"],
  [4, "mangle", "-A FORWARD -p tcp -j TCPMSS --set-mss 0", "-A FORWARD -p tcp -j TCPMSS --set-mss 0"],
  [6, "mangle", "-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu", "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu"],
  [4, "mangle", "-A PREROUTING -j DSCP --set-dscp 10", "-A PREROUTING -j DSCP --set-dscp 0x0a"],
  [4, "mangle", "-A PREROUTING -j DSCP --set-dscp 0x2e", "-A PREROUTING -j DSCP --set-dscp 0x2e"],
  [4, "mangle", "-A PREROUTING -j DSCP --set-dscp-class EF", "-A PREROUTING -j DSCP --set-dscp 0x2e"],
  [4, "mangle", "-A PREROUTING -j DSCP --set-dscp-class af41", "-A PREROUTING -j DSCP --set-dscp 0x22"],
  [4, "mangle", "-A PREROUTING -j TOS --set-tos 0x10", "-A PREROUTING -j TOS --set-tos 0x10/0xff"],
  [4, "mangle", "-A PREROUTING -j TOS --set-tos 0x10/0x3f", "-A PREROUTING -j TOS --set-tos 0x10/0x3f"],
  [4, "mangle", "-A PREROUTING -j TOS --set-tos Minimize-Delay", "-A PREROUTING -j TOS --set-tos 0x10/0x3f"],
  [4, "mangle", "-A PREROUTING -j TOS --set-tos Normal-Service", "-A PREROUTING -j TOS --set-tos 0x00/0x3f"],
  [4, "mangle", "-A PREROUTING -j TOS --and-tos 0x3", "-A PREROUTING -j TOS --set-tos 0x00/0xfc"],
  [4, "mangle", "-A PREROUTING -j TOS --or-tos 0x3", "-A PREROUTING -j TOS --set-tos 0x03/0x03"],
  [4, "mangle", "-A PREROUTING -j TOS --xor-tos 0x3", "-A PREROUTING -j TOS --set-tos 0x03/0x00"],
  [6, "mangle", "-A PREROUTING -j TOS --set-tos 0x10", "-A PREROUTING -j TOS --set-tos 0x10/0xff"],
  [4, "mangle", "-A PREROUTING -j TTL --ttl-set 64", "-A PREROUTING -j TTL --ttl-set 64"],
  [4, "mangle", "-A PREROUTING -j TTL --ttl-dec 1", "-A PREROUTING -j TTL --ttl-dec 1"],
  [4, "mangle", "-A PREROUTING -j TTL --ttl-inc 2", "-A PREROUTING -j TTL --ttl-inc 2"],
  [6, "mangle", "-A PREROUTING -j HL --hl-set 64", "-A PREROUTING -j HL --hl-set 64"],
  [6, "mangle", "-A PREROUTING -j HL --hl-dec 1", "-A PREROUTING -j HL --hl-dec 1"],
  [6, "mangle", "-A PREROUTING -j HL --hl-inc 2", "-A PREROUTING -j HL --hl-inc 2"],
  [4, "mangle", "-A POSTROUTING -j CLASSIFY --set-class 1:10", "-A POSTROUTING -j CLASSIFY --set-class 0001:0010"],
  [4, "mangle", "-A POSTROUTING -j CLASSIFY --set-class 0x10:0xa", "-A POSTROUTING -j CLASSIFY --set-class 0010:000a"],
  [4, "mangle", "-A POSTROUTING -j CLASSIFY --set-class 10000:1", "-A POSTROUTING -j CLASSIFY --set-class 0000:0001"],
  [4, "mangle", "-A FORWARD -j CLASSIFY --set-class 1:2", "-A FORWARD -j CLASSIFY --set-class 0001:0002"],
  [4, "filter", "-A OUTPUT -j CLASSIFY --set-class 1:2", "-A OUTPUT -j CLASSIFY --set-class 0001:0002"],
  [4, "mangle", "-A INPUT -j CONNSECMARK --save", "-A INPUT -j CONNSECMARK --save"],
  [4, "security", "-A INPUT -j CONNSECMARK --restore", "-A INPUT -j CONNSECMARK --restore"],
  // SECMARK needs SELinux, absent here (ENOENT): the form follows libxt_SECMARK's save
  [4, "security", "-A INPUT -j SECMARK --selctx system_u:object_r:http_packet_t:s0", "-A INPUT -j SECMARK --selctx system_u:object_r:http_packet_t:s0"],
];

describe("mangle-type targets: canonical print (checked against iptables-nft-save 1.8.9)", () => {
  it.each(KERNEL_FORMS)("IPv%s %s %s", (family, table, input, saved) => {
    const r = parseRules(table, [input], family);
    expect(r.errors).toEqual([]);
    expect(r.printed).toEqual([saved]);
  });
  it("typed forms keep numbers", () => {
    expect(parseRules("mangle", ["-A PREROUTING -j DSCP --set-dscp-class EF"]).targets[0]).toEqual({ name: "DSCP", dscp: 0x2e } satisfies DscpTarget);
    expect(parseRules("mangle", ["-A PREROUTING -j TOS --and-tos 0x3"]).targets[0]).toEqual({ name: "TOS", value: 0, mask: 0xfc } satisfies TosTarget);
    expect(parseRules("mangle", ["-A PREROUTING -j TTL --ttl-dec 3"]).targets[0]).toEqual({ name: "TTL", mode: "dec", value: 3 } satisfies TtlTarget);
    expect(parseRules("mangle", ["-A PREROUTING -p udp -j TPROXY --on-port 53 --on-ip 1.2.3.4"]).targets[0]).toEqual({ name: "TPROXY", port: 53, ip: 0x01020304, markValue: 0, markMask: 0 } satisfies TproxyTarget);
  });
});

describe("mangle-type targets: refused where the kernel refuses them", () => {
  it.each([
    ["filter", "-A OUTPUT -j CHECKSUM --checksum-fill"],
    ["filter", "-A INPUT -j DSCP --set-dscp 10"],
    ["filter", "-A INPUT -j TOS --set-tos 0x10"],
    ["filter", "-A INPUT -j TTL --ttl-set 64"],
    ["mangle", "-A INPUT -p tcp -j TPROXY --on-port 8080"],
    ["nat", "-A PREROUTING -p tcp -j TPROXY --on-port 8080"],
    ["mangle", "-A PREROUTING -j CLASSIFY --set-class 1:2"],
    ["filter", "-A INPUT -j CONNSECMARK --save"],
    ["filter", "-A INPUT -j SECMARK --selctx x"],
  ] as const)("%s: %s", (table, input) => {
    expect(parseRules(table, [input]).errors.map((i) => [i.code, i.line])).toEqual([["target-not-allowed", firstRuleLine(table)]]);
  });
  it("HL is refused in filter for IPv6", () => {
    expect(parseRules("filter", ["-A INPUT -j HL --hl-set 64"], 6).errors.map((i) => i.code)).toEqual(["target-not-allowed"]);
  });
  it.each([
    [4, "mangle", "-A PREROUTING -p tcp -j TCPMSS --clamp-mss-to-pmtu", "target-not-allowed", "--clamp-mss-to-pmtu"],
    [4, "mangle", "-A INPUT -p tcp -j TCPMSS --clamp-mss-to-pmtu", "target-not-allowed", "--clamp-mss-to-pmtu"],
    [4, "mangle", "-A FORWARD -j TCPMSS --set-mss 1400", "bad-value", "TCPMSS"],
    [4, "mangle", "-A FORWARD ! -p tcp -j TCPMSS --set-mss 1400", "bad-value", "TCPMSS"],
    [4, "mangle", "-A FORWARD -p tcp -j TCPMSS", "missing-value", "TCPMSS"],
    [4, "mangle", "-A PREROUTING -j TPROXY --on-port 8080", "bad-value", "TPROXY"],
    [4, "mangle", "-A PREROUTING -p tcp -j TPROXY --on-ip 1.2.3.4", "missing-value", "TPROXY"],
    [4, "mangle", "-A POSTROUTING -j CHECKSUM", "missing-value", "CHECKSUM"],
    [4, "mangle", "-A PREROUTING -j DSCP --set-dscp 64", "bad-value", "64"],
    [4, "mangle", "-A PREROUTING -j DSCP --set-dscp-class cs9", "bad-value", "cs9"],
    [4, "mangle", "-A PREROUTING -j TOS --set-tos 0x100", "bad-value", "0x100"],
    [4, "mangle", "-A PREROUTING -j TOS --set-tos 0x10/0x100", "bad-value", "0x10/0x100"],
    [4, "mangle", "-A PREROUTING -j TOS --and-tos 0x100", "bad-value", "0x100"],
    [4, "mangle", "-A PREROUTING -j TTL --ttl-dec 0", "bad-value", "0"],
    [4, "mangle", "-A PREROUTING -j TTL --ttl-set 256", "bad-value", "256"],
    [6, "mangle", "-A PREROUTING -j TTL --ttl-set 64", "family-mismatch", "TTL"],
    [4, "mangle", "-A PREROUTING -j HL --hl-set 64", "family-mismatch", "HL"],
    [4, "mangle", "-A POSTROUTING -j CLASSIFY --set-class 10", "bad-value", "10"],
    [4, "filter", "-A INPUT -j AUDIT --type x", "bad-value", "x"],
  ] as const)("IPv%s %s %s → %s", (family, table, input, code, word) => {
    const r = parseRules(table, [input], family);
    expect(r.errors.map((i) => [i.code, i.line, i.column])).toEqual([[code, firstRuleLine(table), input.indexOf(word) + 1]]);
  });
});

function apply(c: CompiledTarget, p: PacketState, w = new RecordingWalk()): string {
  if (c.kind !== "effect") throw new Error(c.kind);
  return c.apply(p, w);
}

describe("mangle-type targets: semantics", () => {
  const env = makeEnv();
  const tgt = <T>(rule: string, family: 4 | 6 = 4): T => parseRules("mangle", [rule], family).targets[0] as T;
  it("DSCP keeps the ECN bits", () => {
    const p = makePacket({ tos: 0x03 });
    expect(apply(dscp.compile(tgt<DscpTarget>("-A PREROUTING -j DSCP --set-dscp-class EF"), env), p)).toBe("CONTINUE");
    expect(p.tos).toBe(0xbb);
  });
  it("TOS: tos = (tos & ~mask) ^ value", () => {
    const p = makePacket({ tos: 0xff });
    apply(tos.compile(tgt<TosTarget>("-A PREROUTING -j TOS --set-tos Minimize-Delay"), env), p);
    expect(p.tos).toBe(0xd0);
    apply(tos.compile(tgt<TosTarget>("-A PREROUTING -j TOS --xor-tos 0x1"), env), p);
    expect(p.tos).toBe(0xd1);
  });
  it("TTL and HL set, decrement and increment within 0..255", () => {
    const p = makePacket({ ttl: 2 });
    apply(ttl.compile(tgt<TtlTarget>("-A PREROUTING -j TTL --ttl-dec 5"), env), p);
    expect(p.ttl).toBe(0);
    apply(ttl.compile(tgt<TtlTarget>("-A PREROUTING -j TTL --ttl-inc 255"), env), p);
    expect(p.ttl).toBe(255);
    const q = makePacket({ family: 6, ttl: 64 });
    apply(hl.compile(tgt<HlTarget>("-A PREROUTING -j HL --hl-set 9", 6), env), q);
    expect(q.ttl).toBe(9);
  });
  it("TPROXY is unsupported and says why", () => {
    const c = tproxy.compile(tgt<TproxyTarget>("-A PREROUTING -p tcp -j TPROXY --on-port 8080"), env);
    expect(c).toMatchObject({ kind: "unsupported" });
    if (c.kind === "unsupported") expect(c.reason).toMatch(/TPROXY.*8080.*socket/);
  });
  it("TCPMSS continues and notes the MSS on SYN packets", () => {
    const w = new RecordingWalk();
    const c = tcpmss.compile(tgt<TcpmssTarget>("-A FORWARD -p tcp -j TCPMSS --set-mss 1400"), env);
    expect(apply(c, makePacket({ tcpFlags: 0x02 }), w)).toBe("CONTINUE");
    expect(w.notes[0]).toMatch(/1400/);
  });
});
