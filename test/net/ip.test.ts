/** Address parsing and printing: the fast IPv4 parser agrees with ip-num; formats follow inet_ntop. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatIpv4, formatIpv6, formatNet, parseIpv4, parseIpv4Reference, parseIpv6, parseIpv6Reference, parseNet } from "../../src/net/ip.js";

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

describe("IPv6 parsing", () => {
  it("agrees with the ip-num reference on random text", () => {
    const group = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }).map((v) => v.toString(16)),
      fc.integer({ min: 0, max: 0xffff }).map((v) => v.toString(16).toUpperCase().padStart(4, "0")),
      fc.constantFrom("", "0", "00000", "fffff", "g", "1.2.3.4", "255.255.255.255", "01.2.3.4", "1.2.3", "%eth0", " ", "::"),
    );
    const sep = fc.constantFrom(":", ":", ":", ":", "::", ":::", ".", "");
    const address = fc.array(fc.tuple(group, sep), { minLength: 0, maxLength: 10 }).map((parts) => parts.map(([g, s]) => g + s).join(""));
    // well-formed shapes with any number of groups, "::" anywhere and an optional IPv4 tail:
    // valid when the counts add up, and near misses when they do not
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
    const shaped = fc.record({ groups: fc.array(group.filter((g) => /^[0-9a-fA-F]{1,4}$/.test(g)), { maxLength: 8 }), gap: fc.integer({ min: -1, max: 8 }), tail: fc.option(v4) }).map(({ groups, gap, tail }) => {
      const end = tail === null ? "" : `${groups.length > 0 || gap >= 0 ? ":" : ""}${tail}`;
      if (gap < 0 || gap > groups.length) return groups.join(":") + end;
      const after = groups.slice(gap).join(":");
      return `${groups.slice(0, gap).join(":")}::${after}${after === "" && tail !== null ? tail : end}`;
    });
    const text = fc.oneof(
      shaped,
      shaped,
      address,
      address.map((a) => a.replace(/:+$/, "")),
      fc.tuple(fc.constantFrom("::", "", ":"), address).map(([p, a]) => p + a),
      fc.string({ maxLength: 46 }),
    );
    fc.assert(fc.property(text, (t) => {
      expect(parseIpv6(t)).toBe(parseIpv6Reference(t));
    }), { numRuns: 20000 });
  });

  it("agrees with the reference on the forms dumps hold", () => {
    for (const t of ["::", "::1", "1::", "fe80::1", "2001:db8::/64", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::ffff:1.2.3.4", "64:ff9b::192.0.2.33", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "1:", "fe80::1%eth0", "FD00:ABCD::1"]) {
      expect(parseIpv6(t), t).toBe(parseIpv6Reference(t));
    }
  });

  it("round-trips every 128-bit value through text", () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (v) => {
      expect(parseIpv6(formatIpv6(v))).toBe(v);
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
