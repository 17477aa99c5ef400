/**
 * policy, esp, ah, mh, frag, rt, ipv6header, string, u32, bpf: typed forms, errors and semantics
 * (mostly "unsupported": the packet's extension headers and payload are not modelled). Saved forms
 * were checked against iptables-nft-save / ip6tables-nft-save 1.8.9 (batch-b-forms.test.ts,
 * fixtures/kernel-save/misc-matches).
 */
import { describe, expect, it } from "vitest";
import { makeEnv, makePacket } from "../packet.js";
import { col, compiled, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const p = makePacket();
const M6 = { table: "mangle", family: 6 } as const;

describe("policy", () => {
  it("types elements separated by --next", () => {
    expect(typed("-A INPUT -m policy --dir in --pol ipsec --strict --proto esp --next ! --proto 51 --mode tunnel --tunnel-src 10.0.0.0/8", "policy")).toEqual({
      module: "policy",
      dir: "in",
      pol: "ipsec",
      strict: true,
      elements: [
        { proto: { value: 50, invert: false } },
        { proto: { value: 51, invert: true }, mode: { value: "tunnel", invert: false }, tunnelSrc: { value: { family: 4, addr: 0x0a000000, mask: 0xff000000 }, invert: false } },
      ],
    });
  });
  it("prints in the kernel's order (tunnel-dst before tunnel-src, spi in hex)", () => {
    expect(savedForm("-A INPUT -m policy --dir in --pol ipsec --reqid 0x10 --spi 10")).toBe("-A INPUT -m policy --dir in --pol ipsec --reqid 16 --spi 0xa");
    expect(savedForm("-A INPUT -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 2001:db8::/64 --tunnel-dst 2001:db8::1", { family: 6 })).toBe(
      "-A INPUT -m policy --dir in --pol ipsec --mode tunnel --tunnel-dst 2001:db8::1 --tunnel-src 2001:db8::/64",
    );
  });
  it("refuses what the kernel refuses", () => {
    const out = "-A INPUT -m policy --dir out --pol none";
    expect(errorsOf(out)[0]).toMatchObject({ code: "match-not-allowed", line: firstRuleLine(), column: col(out, "policy") });
    const mode = "-A INPUT -m policy --dir in --pol ipsec --tunnel-src 1.2.3.4";
    expect(errorsOf(mode)[0]?.message).toMatch(/--mode tunnel/);
    const dir = "-A INPUT -m policy --dir sideways --pol none";
    expect(errorsOf(dir)[0]).toMatchObject({ code: "bad-value", column: col(dir, "sideways") });
    expect(errorsOf("-A INPUT -m policy --dir in --pol ipsec --proto esp --next --proto ah")[0]?.message).toMatch(/--strict/);
    expect(errorsOf("-A INPUT -m policy --dir in --pol none --strict")).toHaveLength(1);
  });
  it("packets carry no IPsec policy: --pol none matches, --pol ipsec does not", () => {
    const none = testOf("-A INPUT -m policy --dir in --pol none", "policy");
    expect(none.test(p)).toBe(true);
    expect(none.assumption).toMatch(/no IPsec policy/);
    expect(testOf("-A INPUT -m policy --dir in --pol ipsec", "policy").test(p)).toBe(false);
  });
});

describe("esp and ah", () => {
  it("types SPI ranges and leaves out the full range", () => {
    expect(typed("-A INPUT -p esp -m esp ! --espspi 100:200", "esp")).toEqual({ module: "esp", spi: { value: { min: 100, max: 200 }, invert: true } });
    expect(savedForm("-A INPUT -p esp -m esp --espspi 0:4294967295")).toBe("-A INPUT -p esp -m esp");
    expect(savedForm("-A INPUT -p ah -m ah --ahspi 7:")).toBe("-A INPUT -p ah -m ah --ahspi 7:4294967295");
    expect(typed("-A INPUT -p ah -m ah --ahspi 1 ! --ahlen 8 --ahres", "ah", { family: 6 })).toEqual({
      module: "ah", spi: { value: { min: 1, max: 1 }, invert: false }, len: { value: 8, invert: true }, res: true,
    });
  });
  it("needs -p esp / -p ah, and --ahlen only for IPv6", () => {
    const r = "-A INPUT -m esp --espspi 1";
    expect(errorsOf(r)[0]).toMatchObject({ code: "match-not-allowed", column: col(r, "esp") });
    const l = "-A INPUT -p ah -m ah --ahlen 8";
    expect(errorsOf(l)[0]).toMatchObject({ column: col(l, "--ahlen") });
    const bad = "-A INPUT -p esp -m esp --espspi 5:1";
    expect(errorsOf(bad)[0]).toMatchObject({ code: "bad-value", column: col(bad, "5:1") });
  });
  it("matches the protocol alone; SPI tests are unsupported", () => {
    expect(testOf("-A INPUT -p esp -m esp", "esp").test(makePacket({ proto: 50 }))).toBe(true);
    expect(compiled("-A INPUT -p esp -m esp --espspi 5", "esp")).toMatchObject({ kind: "unsupported", reason: expect.stringMatching(/SPI/) });
    expect(compiled("-A INPUT -p ah -m ah --ahspi 5", "ah").kind).toBe("unsupported");
  });
});

describe("mh, frag, rt, ipv6header (IPv6)", () => {
  it("mh: names become numbers", () => {
    expect(typed("-A PREROUTING -p mh -m mh --mh-type binding-update:binding-error", "mh", M6)).toEqual({ module: "mh", type: { value: { min: 5, max: 7 }, invert: false } });
    expect(savedForm("-A PREROUTING -p mh -m mh ! --mh-type hot", M6)).toBe("-A PREROUTING -p mobility-header -m mh ! --mh-type 3");
    const r = "-A PREROUTING -p mh -m mh --mh-type nope";
    expect(errorsOf(r, M6)[0]).toMatchObject({ column: col(r, "nope") });
    expect(errorsOf("-A PREROUTING -m mh --mh-type 1", M6)[0]?.code).toBe("match-not-allowed");
  });
  it("frag: flags and ranges", () => {
    expect(typed("-A PREROUTING -m frag ! --fragid 5 --fragmore", "frag", M6)).toEqual({
      module: "frag", id: { value: { min: 5, max: 5 }, invert: true }, res: false, first: false, more: true, last: false,
    });
    expect(savedForm("-A PREROUTING -m frag --fragid :7", M6)).toBe("-A PREROUTING -m frag --fragid 0:7");
    expect(errorsOf("-A PREROUTING -m frag --fragmore --fraglast", M6)).toHaveLength(1);
    expect(compiled("-A PREROUTING -m frag --fraglast", "frag", M6).kind).toBe("unsupported");
  });
  it("rt: type-0 options need --rt-type 0", () => {
    expect(savedForm("-A PREROUTING -m rt --rt-type 0 --rt-0-res --rt-0-addrs ::1,::2 --rt-0-not-strict", M6)).toBe(
      "-A PREROUTING -m rt --rt-type 0 --rt-0-res --rt-0-addrs ::1,::2 --rt-0-not-strict",
    );
    expect(errorsOf("-A PREROUTING -m rt --rt-0-res", M6)).toHaveLength(1);
    const a = "-A PREROUTING -m rt --rt-type 0 --rt-0-addrs ::1,zz";
    expect(errorsOf(a, M6)[0]).toMatchObject({ code: "bad-address", column: col(a, "::1,zz") });
    expect(compiled("-A PREROUTING -m rt --rt-type 0", "rt", M6).kind).toBe("unsupported");
  });
  it("ipv6header: names, aliases and numbers, printed in header order", () => {
    expect(typed("-A PREROUTING -m ipv6header --header 44,hop --soft", "ipv6header", M6)).toEqual({ module: "ipv6header", headers: ["hop-by-hop", "ipv6-frag"], invert: false, soft: true });
    expect(savedForm("-A PREROUTING -m ipv6header --header prot,dst,esp,ah,none,auth", M6)).toBe("-A PREROUTING -m ipv6header --header ipv6-opts,ah,esp,ipv6-nonxt,protocol");
    const r = "-A PREROUTING -m ipv6header --header fragment";
    expect(errorsOf(r, M6)[0]).toMatchObject({ code: "bad-value", column: col(r, "fragment") });
    expect(compiled("-A PREROUTING -m ipv6header --header frag", "ipv6header", M6).kind).toBe("unsupported");
  });
});

describe("string", () => {
  it("stores the pattern as bytes", () => {
    expect(typed('-A INPUT -m string --algo bm --hex-string "|0d0a|Host: |00|" --from 40 --icase', "string")).toEqual({
      module: "string",
      pattern: [0x0d, 0x0a, ...[..."Host: "].map((c) => c.charCodeAt(0)), 0],
      invert: false,
      algo: "bm",
      from: 40,
      to: 65535,
      icase: true,
    });
  });
  it("prints printable patterns as --string and others as --hex-string, as string_save does", () => {
    expect(savedForm("-A INPUT -m string --algo bm --hex-string |41|")).toBe('-A INPUT -m string --string "A" --algo bm');
    expect(savedForm('-A INPUT -m string --algo kmp --string "a\\"b"')).toBe('-A INPUT -m string --string "a\\"b" --algo kmp');
    expect(savedForm('-A INPUT -m string --algo bm ! --hex-string "|00 01 02|"')).toBe('-A INPUT -m string ! --hex-string "|000102|" --algo bm');
    expect(savedForm('-A INPUT -m string --algo bm --hex-string "x|5c|"')).toBe('-A INPUT -m string --hex-string "|785c|" --algo bm');
  });
  it("refuses a missing --algo, bad hex and --from beyond --to", () => {
    const r = "-A INPUT -m string --string x -j DROP";
    expect(errorsOf(r)[0]).toMatchObject({ code: "missing-value", line: firstRuleLine(), column: col(r, "string") });
    const h = '-A INPUT -m string --algo bm --hex-string "|0g|"';
    expect(errorsOf(h)[0]).toMatchObject({ code: "bad-value", column: col(h, '"|0g|"') });
    expect(errorsOf("-A INPUT -m string --algo bm --string x --from 10 --to 5")).toHaveLength(1);
    expect(errorsOf("-A INPUT -m string --algo fsm --string x")).toHaveLength(1);
  });
  it("is unsupported: payload bytes are not modelled", () => {
    expect(compiled("-A INPUT -m string --algo bm --string x", "string")).toMatchObject({ kind: "unsupported", reason: expect.stringMatching(/payload/) });
  });
});

describe("u32 and bpf", () => {
  it("u32: parses the tests and prints every number in hex", () => {
    expect(typed('-A INPUT -m u32 --u32 "6 & 0xFF = 1:2,3"', "u32")).toEqual({
      module: "u32",
      invert: false,
      tests: [{ start: 6, steps: [{ op: "&", number: 0xff }], values: [{ min: 1, max: 2 }, { min: 3, max: 3 }] }],
    });
    expect(savedForm('-A INPUT -m u32 ! --u32 "0>>22&0x3C@12>>26&0x3F=0x10&&4&1=2"')).toBe('-A INPUT -m u32 ! --u32 "0x0>>0x16&0x3c@0xc>>0x1a&0x3f=0x10&&0x4&0x1=0x2"');
    const r = '-A INPUT -m u32 --u32 "6&0xFF"';
    expect(errorsOf(r)[0]).toMatchObject({ code: "bad-value", column: col(r, '"6&0xFF"') });
    expect(compiled('-A INPUT -m u32 --u32 "6&0xFF=1"', "u32").kind).toBe("unsupported");
  });
  it("bpf: bytecode is checked and printed back; not negatable", () => {
    expect(typed('-A INPUT -m bpf --bytecode "2,48 0 0 9,6 0 0 1"', "bpf")).toEqual({ module: "bpf", program: [[48, 0, 0, 9], [6, 0, 0, 1]] });
    expect(savedForm('-A INPUT -m bpf --bytecode "1,6 0 0 0"')).toBe('-A INPUT -m bpf --bytecode "1,6 0 0 0"');
    const r = '-A INPUT -m bpf --bytecode "2,6 0 0 0"';
    expect(errorsOf(r)[0]).toMatchObject({ code: "bad-value", column: col(r, '"2,6') });
    const n = '-A INPUT -m bpf ! --bytecode "1,6 0 0 0"';
    expect(errorsOf(n)[0]).toMatchObject({ code: "syntax", column: col(n, "!") });
    expect(compiled('-A INPUT -m bpf --bytecode "1,6 0 0 0"', "bpf").kind).toBe("unsupported");
  });
});

describe("host-dependent matches", () => {
  it("rpfilter: flags in kernel order, only raw/mangle PREROUTING, unsupported without routes", () => {
    expect(typed("-A PREROUTING -m rpfilter --invert --loose", "rpfilter", { table: "raw" })).toEqual({ module: "rpfilter", loose: true, validmark: false, acceptLocal: false, invert: true });
    expect(savedForm("-A PREROUTING -m rpfilter --invert --loose", { table: "raw" })).toBe("-A PREROUTING -m rpfilter --loose --invert");
    const f = "-A INPUT -m rpfilter";
    expect(errorsOf(f)[0]).toMatchObject({ code: "match-not-allowed", column: col(f, "rpfilter") });
    expect(errorsOf("-A OUTPUT -m rpfilter", { table: "raw" })).toHaveLength(1);
    expect(compiled("-A PREROUTING -m rpfilter", "rpfilter", { table: "raw" })).toMatchObject({ kind: "unsupported", reason: expect.stringMatching(/route/) });
  });
  it("devgroup: hex values, the name default, hooks, and group 0 assumed", () => {
    expect(savedForm("-A FORWARD -m devgroup --src-group 0 ! --dst-group 0x2/0xf")).toBe("-A FORWARD -m devgroup --src-group default ! --dst-group 0x2/0xf");
    expect(savedForm("-A FORWARD -m devgroup --dst-group 5")).toBe("-A FORWARD -m devgroup --dst-group 0x5");
    expect(errorsOf("-A INPUT -m devgroup --dst-group 1")[0]?.code).toBe("match-not-allowed");
    expect(errorsOf("-A OUTPUT -m devgroup --src-group 1")[0]?.code).toBe("match-not-allowed");
    const d = testOf("-A INPUT -m devgroup --src-group default", "devgroup");
    expect(d.test(p)).toBe(true);
    expect(d.assumption).toMatch(/group 0/);
    expect(testOf("-A INPUT -m devgroup --src-group 1", "devgroup").test(p)).toBe(false);
  });
  it("cgroup and socket: typed and printed, unsupported", () => {
    expect(savedForm("-A OUTPUT -m cgroup --cgroup 0x100001")).toBe("-A OUTPUT -m cgroup --cgroup 1048577");
    expect(savedForm("-A OUTPUT -m cgroup ! --path /")).toBe('-A OUTPUT -m cgroup ! --path "/"');
    expect(errorsOf("-A FORWARD -m cgroup --path /")[0]?.code).toBe("match-not-allowed");
    expect(compiled("-A OUTPUT -m cgroup --cgroup 1", "cgroup").kind).toBe("unsupported");
    expect(typed("-A PREROUTING -p tcp -m socket --nowildcard --transparent", "socket", { table: "mangle" })).toEqual({ module: "socket", transparent: true, nowildcard: true, restoreSkmark: false });
    expect(compiled("-A PREROUTING -m socket", "socket", { table: "mangle" }).kind).toBe("unsupported");
  });
  it("helper: the master connection's helper, for RELATED connections", () => {
    expect(savedForm('-A INPUT -m helper --helper "ftp-21"')).toBe("-A INPUT -m helper --helper ftp-21");
    expect(savedForm('-A INPUT -m helper --helper ""')).toBe('-A INPUT -m helper --helper ""');
    const ftp = testOf("-A INPUT -m helper --helper ftp", "helper").test;
    expect(ftp(makePacket({ ctState: 4, ctHelper: "ftp" }))).toBe(true);
    expect(ftp(makePacket({ ctState: 4, ctHelper: "sip" }))).toBe(false);
    expect(ftp(makePacket({ ctState: 2, ctHelper: "ftp" }))).toBe(false);
    expect(testOf("-A INPUT -m helper ! --helper ftp", "helper").test(makePacket({ ctState: 2 }))).toBe(true);
    expect(testOf('-A INPUT -m helper --helper ""', "helper").test(makePacket({ ctState: 4, ctHelper: "sip" }))).toBe(true);
  });
  it("nfacct: always matches; saved with two spaces as iptables-nft-save 1.8.9 does", () => {
    expect(savedForm("-A INPUT -m nfacct --nfacct-name http")).toBe("-A INPUT -m nfacct --nfacct-name  http");
    const r = "-A INPUT -m nfacct --nfacct-name " + "x".repeat(32);
    expect(errorsOf(r)[0]).toMatchObject({ code: "bad-value", column: col(r, "xxx") });
    expect(testOf("-A INPUT -m nfacct --nfacct-name http", "nfacct", {}, makeEnv()).test(p)).toBe(true);
  });
});
