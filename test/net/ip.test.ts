/** Address parsing and printing: the fast IPv4 parser agrees with ip-num; formats follow inet_ntop. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4, formatIpv6, formatNet, parseIpv4, parseIpv4Reference, parseNet } from "../../src/net/ip.js";

describe("IPv4 parsing", () => {
  it("agrees with the ip-num reference on random text", () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("00", "01", "256", "", "a", "-1", "1 "));
    const sep = fc.constantFrom(".", ".", ".", "..", ",", "");
    const text = fc.oneof(
      fc.tuple(octet, sep, octet, sep, octet, sep, octet).map((p) => p.join("")),
      fc.string({ maxLength: 16 }),
      fc.tuple(octet, octet, octet, octet, octet).map((p) => p.join(".")),
    );
    fc.assert(fc.property(text, (t) => {
      expect(parseIpv4(t)).toBe(parseIpv4Reference(t));
    }), { numRuns: 5000 });
  });

  it("round-trips every uint32 through text", () => {
    fc.assert(fc.property(fc.nat({ max: 0xffffffff }), (v) => {
      expect(parseIpv4(formatIpv4(v))).toBe(v);
    }));
  });
});

describe("networks", () => {
  it("masks the address and prints prefix or mask as iptables-save does", () => {
    expect(formatNet(parseNet("10.1.2.3/8", 4) as never)).toBe("10.0.0.0/8");
    expect(formatNet(parseNet("1.2.3.4/255.0.255.0", 4) as never)).toBe("1.0.3.0/255.0.255.0");
    expect(formatNet(parseNet("fd49:efd7:54aa::1", 6) as never)).toBe("fd49:efd7:54aa::1/128");
    expect(formatIpv6(0n)).toBe("::");
    expect(formatIpv6((0xffffn << 32n) | 0x01020304n)).toBe("::ffff:1.2.3.4");
    expect(typeof parseNet("1.2.3.4/33", 4)).toBe("string");
    expect(typeof parseNet("01.2.3.4", 4)).toBe("string");
  });
});
