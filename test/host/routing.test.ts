import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeNet, netContains, type Family, type IpValue } from "../../src/net/ip.js";
import { compileHost, hostFromIpJson, hostFromJsonOrThrow, XT_ADDRTYPE as T, type Host, type Route } from "../../src/host/index.js";
import { fixture, ip, ok } from "./helpers.js";

// The recorded namespace (see fixtures/host/README.md), forwarding on as when it was recorded.
const host = ok(
  hostFromIpJson(fixture("fixtures/host/ip-addr.json"), fixture("fixtures/host/ip-route.json"), fixture("fixtures/host/ip-6-route.json"), {
    forwarding: true,
    bridgeNetfilter: true,
  }),
);
const c = compileHost(host);

interface Recorded {
  dst: string;
  result?: { type?: string; dev: string; gateway?: string; prefsrc?: string }[];
  error?: string;
}

describe("routeLookup agrees with the kernel's `ip route get` in the recorded namespace", () => {
  const recorded = JSON.parse(fixture("fixtures/host/ip-route-get.json")) as Recorded[];
  const errorType: Record<string, string> = {
    "RTNETLINK answers: Invalid argument": "blackhole",
    "RTNETLINK answers: No route to host": "unreachable",
    "RTNETLINK answers: Permission denied": "prohibit",
  };
  for (const rec of recorded) {
    it(rec.dst, () => {
      const family: Family = rec.dst.includes(":") ? 6 : 4;
      const dst = ip(rec.dst);
      const r = c.routeLookup(family, dst);
      expect(r).toBeDefined();
      if (rec.error !== undefined) {
        expect(r!.type).toBe(errorType[rec.error]);
        return;
      }
      const k = rec.result![0];
      expect(r!.type).toBe(k.type ?? "unicast");
      // kernel: local (and anycast) destinations leave through lo; our route names the address's own interface
      if (r!.type !== "local" && r!.type !== "anycast") expect(r!.dev).toBe(k.dev);
      expect(r!.via).toBe(k.gateway === undefined ? undefined : ip(k.gateway));
      expect(c.preferredSource(family, r!, dst)).toBe(ip(k.prefsrc!));
    });
  }
});

describe("routeLookup order", () => {
  const h = hostFromJsonOrThrow({
    interfaces: [
      { name: "eth0", addresses: ["198.51.100.1/24"] },
      { name: "eth1", addresses: ["203.0.113.1/24"] },
      { name: "eth2", up: false, addresses: ["192.168.50.1/24"] },
    ],
    routes: [
      { dst: "default", via: "198.51.100.254", dev: "eth0", metric: 100 },
      { dst: "default", via: "203.0.113.254", dev: "eth1", metric: 50 },
      { dst: "10.0.0.0/8", via: "198.51.100.254", dev: "eth0" },
      { dst: "10.1.0.0/16", via: "203.0.113.254", dev: "eth1" },
      { dst: "10.1.2.0/24", type: "throw" },
      { dst: "192.168.60.0/24", via: "192.168.50.254", dev: "eth2" },
      { dst: "198.51.100.1/32", via: "203.0.113.254", dev: "eth1" },
    ],
    forwarding: true,
    bridgeNetfilter: false,
  });
  const k = compileHost(h);
  it("takes the longest prefix, then the lowest metric", () => {
    expect(k.routeLookup(4, ip("10.1.9.9"))?.dev).toBe("eth1");
    expect(k.routeLookup(4, ip("10.2.9.9"))?.dev).toBe("eth0");
    expect(k.routeLookup(4, ip("192.0.2.1"))?.via).toBe(ip("203.0.113.254"));
  });
  it("looks in the local table first: own addresses, 127.0.0.0/8, ::1, subnet broadcasts", () => {
    expect(k.routeLookup(4, ip("198.51.100.1"))?.type).toBe("local");
    expect(k.routeLookup(4, ip("127.200.0.1"))?.type).toBe("local");
    expect(k.routeLookup(4, ip("203.0.113.255"))?.type).toBe("broadcast");
    expect(k.routeLookup(6, ip("::1"))?.type).toBe("local");
  });
  it("ends a table's lookup at a throw route", () => {
    expect(k.routeLookup(4, ip("10.1.2.3"))).toBeUndefined();
  });
  it("ignores routes through a down interface, but keeps its local address", () => {
    expect(k.routeLookup(4, ip("192.168.60.1"))?.dev).toBe("eth1");
    expect(k.isLocal(4, ip("192.168.50.1"))).toBe(true);
    expect(k.routeLookup(4, ip("192.168.50.9"))?.dev).toBe("eth1");
  });
});

describe("addressType / addrtypeMatches (xt_addrtype)", () => {
  it("IPv4: the local table's type, zeronet and 255.255.255.255 broadcast, class D multicast", () => {
    expect(c.addressType(4, ip("198.51.100.1"))).toBe(T.LOCAL);
    expect(c.addressType(4, ip("198.51.100.7"))).toBe(T.LOCAL);
    expect(c.addressType(4, ip("127.0.0.1"))).toBe(T.LOCAL);
    expect(c.addressType(4, ip("127.9.9.9"))).toBe(T.LOCAL);
    expect(c.addressType(4, ip("0.0.0.0"))).toBe(T.BROADCAST);
    expect(c.addressType(4, ip("0.1.2.3"))).toBe(T.BROADCAST);
    expect(c.addressType(4, ip("255.255.255.255"))).toBe(T.BROADCAST);
    expect(c.addressType(4, ip("172.17.255.255"))).toBe(T.BROADCAST);
    expect(c.addressType(4, ip("198.51.100.255"))).toBe(T.BROADCAST);
    // no broadcast route for the network address on current kernels (see ip-route-all.json)
    expect(c.addressType(4, ip("172.17.0.0"))).toBe(T.UNICAST);
    expect(c.addressType(4, ip("224.0.0.1"))).toBe(T.MULTICAST);
    expect(c.addressType(4, ip("239.255.255.250"))).toBe(T.MULTICAST);
    expect(c.addressType(4, ip("192.0.2.1"))).toBe(T.UNICAST);
    expect(c.addressType(4, ip("172.17.0.2"))).toBe(T.UNICAST);
    // IPv4 addrtype reads only the local table: a blackhole route in main is still UNICAST
    expect(c.addressType(4, ip("10.99.1.1"))).toBe(T.UNICAST);
  });

  it("IPv4 --limit-iface-in/out: the local route must be on that interface, else UNICAST", () => {
    expect(c.addressType(4, ip("198.51.100.1"), "eth0")).toBe(T.LOCAL);
    expect(c.addressType(4, ip("198.51.100.1"), "docker0")).toBe(T.UNICAST);
    expect(c.addressType(4, ip("172.17.255.255"), "docker0")).toBe(T.BROADCAST);
    expect(c.addressType(4, ip("172.17.255.255"), "eth0")).toBe(T.UNICAST);
    expect(c.addressType(4, ip("127.0.0.1"), "lo")).toBe(T.LOCAL);
    expect(c.addrtypeMatches(4, ip("198.51.100.1"), T.LOCAL, "docker0")).toBe(false);
  });

  it("IPv4: a mask matches when any of its types is the address's type", () => {
    expect(c.addrtypeMatches(4, ip("192.0.2.1"), T.UNICAST | T.LOCAL)).toBe(true);
    expect(c.addrtypeMatches(4, ip("198.51.100.1"), T.UNICAST | T.LOCAL)).toBe(true);
    expect(c.addrtypeMatches(4, ip("192.0.2.1"), T.LOCAL)).toBe(false);
  });

  it("IPv6: local, multicast, unspec, anycast, unreachable", () => {
    expect(c.addressType(6, ip("fd00:5100::1"))).toBe(T.UNICAST | T.LOCAL);
    expect(c.addressType(6, ip("::1"))).toBe(T.UNICAST | T.LOCAL);
    expect(c.addressType(6, ip("ff02::1"))).toBe(T.MULTICAST);
    expect(c.addressType(6, ip("fd00:beef::1"))).toBe(T.UNICAST);
    expect(c.addressType(6, ip("fd00:dead::1"))).toBe(T.UNICAST | T.UNREACHABLE);
    expect(c.addressType(6, ip("fd00:17::"))).toBe(T.UNICAST | T.ANYCAST);
    expect(c.addressType(6, ip("::")) & T.UNSPEC).toBe(T.UNSPEC);
    expect(c.addressType(6, ip("::ffff:198.51.100.1")) & T.UNICAST).toBe(0);
    expect(c.addrtypeMatches(6, ip("fd00:5100::1"), T.LOCAL)).toBe(true);
    expect(c.addrtypeMatches(6, ip("fd00:5100::1"), T.LOCAL, "eth0")).toBe(true);
    expect(c.addrtypeMatches(6, ip("fd00:5100::1"), T.LOCAL, "docker0")).toBe(false);
    expect(c.addrtypeMatches(6, ip("fd00:17::"), T.ANYCAST)).toBe(true);
    expect(c.addrtypeMatches(6, ip("fd00:dead::1"), T.UNREACHABLE)).toBe(true);
    expect(c.addrtypeMatches(6, ip("ff02::1"), T.MULTICAST)).toBe(true);
  });

  it("IPv6: UNICAST, MULTICAST and UNSPEC in a mask are each required (unlike IPv4)", () => {
    expect(c.addrtypeMatches(6, ip("fd00:beef::1"), T.UNICAST)).toBe(true);
    expect(c.addrtypeMatches(6, ip("fd00:beef::1"), T.UNICAST | T.LOCAL)).toBe(false);
    expect(c.addrtypeMatches(6, ip("fd00:5100::1"), T.UNICAST | T.LOCAL)).toBe(true);
    expect(c.addrtypeMatches(6, ip("ff02::1"), T.MULTICAST | T.LOCAL)).toBe(false);
  });
});

describe("address choices", () => {
  it("preferredSource: the route's src, else the device's primary in the subnet (never a secondary)", () => {
    const r = c.routeLookup(4, ip("203.0.113.200"))!;
    expect(c.preferredSource(4, r, ip("203.0.113.200"))).toBe(ip("198.51.100.7"));
    const d = c.routeLookup(4, ip("192.0.2.1"))!;
    expect(c.preferredSource(4, d, ip("192.0.2.1"))).toBe(ip("198.51.100.1"));
    const v6 = c.routeLookup(6, ip("fd00:beef::1"))!;
    expect(c.preferredSource(6, v6, ip("fd00:beef::1"))).toBe(ip("fd00:5100::1"));
  });

  it("masqueradeAddress: the out interface's primary for the next hop, ignoring the route's src", () => {
    // the route to 203.0.113.128/25 has src 198.51.100.7, MASQUERADE still picks the primary
    expect(c.masqueradeAddress(4, "eth0", ip("198.51.100.254"))).toBe(ip("198.51.100.1"));
    expect(c.masqueradeAddress(4, "docker0", ip("172.17.0.2"))).toBe(ip("172.17.0.1"));
    // an interface without IPv4 address: the first global primary of any interface (not 127.0.0.1)
    expect(c.masqueradeAddress(4, "vethc1", ip("172.17.0.2"))).toBe(ip("198.51.100.1"));
    expect(c.masqueradeAddress(6, "eth0", ip("fd00:beef::1"))).toBe(ip("fd00:5100::1"));
    expect(c.masqueradeAddress(6, "docker0", ip("fd00:17::2"))).toBe(ip("fd00:17::1"));
    // a link-local destination is answered with the link-local address of that link
    const ll = host.interfaces.find((i) => i.name === "eth0")!.addresses.find((a) => a.scope === "link")!.addr;
    expect(c.masqueradeAddress(6, "eth0", ip("fe80::1"))).toBe(ll);
  });

  it("masqueradeAddress picks the address in the next hop's subnet when an interface has several", () => {
    const h = hostFromJsonOrThrow({
      interfaces: [{ name: "eth0", addresses: ["198.51.100.1/24", "203.0.113.1/24"] }],
      forwarding: true,
      bridgeNetfilter: false,
    });
    const k = compileHost(h);
    expect(k.masqueradeAddress(4, "eth0", ip("203.0.113.254"))).toBe(ip("203.0.113.1"));
    expect(k.masqueradeAddress(4, "eth0", ip("192.0.2.1"))).toBe(ip("198.51.100.1"));
  });

  it("masqueradeAddress given the destination uses the route's gateway, as rt_nexthop does", () => {
    const h = hostFromJsonOrThrow({
      interfaces: [{ name: "eth0", addresses: ["198.51.100.1/24", "203.0.113.1/24"] }],
      routes: [{ dst: "default", via: "203.0.113.254", dev: "eth0" }],
      forwarding: true,
      bridgeNetfilter: false,
    });
    const k = compileHost(h);
    expect(k.masqueradeAddress(4, "eth0", ip("192.0.2.1"))).toBe(ip("203.0.113.1"));
    expect(k.masqueradeAddress(4, "eth0", ip("203.0.113.254"))).toBe(ip("203.0.113.1"));
    expect(k.masqueradeAddress(4, "eth0", ip("198.51.100.9"))).toBe(ip("198.51.100.1"));
  });

  it("redirectAddress: loopback for local packets, else the in interface's first address", () => {
    expect(c.redirectAddress(4)).toBe(ip("127.0.0.1"));
    expect(c.redirectAddress(6)).toBe(ip("::1"));
    expect(c.redirectAddress(4, "docker0")).toBe(ip("172.17.0.1"));
    expect(c.redirectAddress(4, "eth0")).toBe(ip("198.51.100.1"));
    expect(c.redirectAddress(6, "eth0")).toBe(ip("fd00:5100::1"));
    expect(c.redirectAddress(4, "vethc1")).toBeUndefined(); // kernel: NF_DROP
  });

  it("arrivalInterface: the route back to the source; behind a bridge, the bridge", () => {
    expect(c.arrivalInterface(4, ip("172.17.0.2"))).toMatchObject({ iface: "docker0" });
    expect(c.arrivalInterface(4, ip("172.17.0.2"))?.port).toBeUndefined();
    expect(c.arrivalInterface(4, ip("172.17.0.2"), "vethc1")?.port).toBe("vethc1");
    expect(c.arrivalInterface(4, ip("172.17.0.2"), "eth0")?.port).toBeUndefined();
    expect(c.arrivalInterface(4, ip("192.0.2.1"))?.iface).toBe("eth0");
    expect(c.arrivalInterface(6, ip("fd00:17::5"))?.iface).toBe("docker0");
    expect(c.arrivalInterface(4, ip("10.99.0.1"))).toBeUndefined(); // blackhole: no way back
  });

  it("bridges, ports and forwarding", () => {
    expect(c.isBridge("docker0")).toBe(true);
    expect(c.isBridge("eth0")).toBe(false);
    expect(c.bridgeOf("vethc1")).toBe("docker0");
    expect(c.bridgeOf("eth0")).toBeUndefined();
    expect(c.forwarding(4)).toBe(true);
    expect(c.iface("br-0a1b2c3d4e5f")?.kind).toBe("bridge");
  });
});

// ---- property: the compiled lookup equals a linear scan ----

function prefixLen(r: Route): number {
  const m = r.dst.mask;
  let p = 0;
  if (r.family === 4) for (let b = 31; b >= 0 && (((m as number) >>> b) & 1) === 1; b--) p++;
  else for (let b = 127n; b >= 0n && (((m as bigint) >> b) & 1n) === 1n; b--) p++;
  return p;
}

/** What the kernel does, written the slow obvious way: tables in rule order, every route scanned. */
function naiveLookup(h: Host, family: Family, dst: IpValue): Route | undefined {
  for (const table of ["local", "main"]) {
    let best: Route | undefined;
    for (const r of h.routes) {
      if (r.family !== family || (r.table ?? "main") !== table || !netContains(r.dst, dst)) continue;
      if (best === undefined || prefixLen(r) > prefixLen(best) || (prefixLen(r) === prefixLen(best) && r.metric < best.metric)) best = r;
    }
    if (best !== undefined && best.type !== "throw") return best;
  }
  return undefined;
}

const TYPES = ["unicast", "unicast", "unicast", "blackhole", "unreachable", "prohibit", "throw", "local"] as const;

function arbRoute(family: Family): fc.Arbitrary<Route> {
  const bits = family === 4 ? 32 : 128;
  // addresses from a small space so that routes overlap often
  const addr = family === 4 ? fc.integer({ min: 0, max: 0xffff }).map((x) => (0x0a000000 + x * 0x100 * (x % 3 === 0 ? 1 : 0) + x) >>> 0) : fc.bigInt({ min: 0n, max: 0xffffn }).map((x) => (0xfd00n << 112n) | (x << 96n) | x);
  return fc
    .record({
      addr,
      prefix: fc.oneof(fc.integer({ min: 0, max: bits }), fc.constantFrom(0, 8, 16, 24, bits)),
      metric: fc.integer({ min: 0, max: 3 }),
      type: fc.constantFrom(...TYPES),
      table: fc.constantFrom("main", "main", "local"),
      dev: fc.constantFrom("eth0", "eth1", "br0"),
    })
    .map(({ addr, prefix, metric, type, table, dev }) => ({
      family,
      dst: makeNet(family, addr as IpValue, Math.min(prefix, bits)),
      dev,
      metric,
      type,
      table,
    }));
}

describe("compiled routeLookup equals a linear scan (fast-check)", () => {
  for (const family of [4, 6] as const) {
    it(`IPv${family}`, () => {
      fc.assert(
        fc.property(
          fc.array(arbRoute(family), { maxLength: 30 }),
          fc.array(arbRoute(family).map((r) => r.dst.addr), { minLength: 1, maxLength: 20 }),
          (routes, dsts) => {
            const h: Host = { interfaces: [], routes, forwarding: { ipv4: true, ipv6: true }, bridgeNetfilter: false, assumptions: [] };
            const k = compileHost(h);
            for (const d of dsts) {
              const probe = [d, family === 4 ? ((d as number) + 1) >>> 0 : (d as bigint) + 1n];
              for (const p of probe) expect(k.routeLookup(family, p)).toBe(naiveLookup(h, family, p));
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});

describe("addrtypeMatches agrees with the kernel's -m addrtype in the recorded namespace", () => {
  // test/host/record-ip-fixtures.sh: counter-only OUTPUT rules, one UDP datagram per destination
  const recorded = JSON.parse(fixture("fixtures/host/addrtype-output.json")) as {
    family: Family;
    dst: string;
    types: string[];
    limitOut: string[];
  }[];
  const rules: Record<Family, string[]> = {
    4: ["UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE", "UNICAST,LOCAL"],
    6: ["UNSPEC", "UNICAST", "LOCAL", "ANYCAST", "MULTICAST", "UNREACHABLE", "UNICAST,LOCAL", "MULTICAST,LOCAL"],
  };
  const mask = (list: string) => list.split(",").reduce((m, t) => m | T[t as keyof typeof T], 0);
  for (const rec of recorded) {
    it(`${rec.dst}`, () => {
      const dst = ip(rec.dst);
      const route = c.routeLookup(rec.family, dst)!;
      // the OUTPUT hook's out device: lo for local delivery, else the route's device
      const out = route.type === "local" || route.type === "anycast" ? "lo" : route.dev!;
      for (const r of rules[rec.family]) {
        expect([r, c.addrtypeMatches(rec.family, dst, mask(r))]).toEqual([r, rec.types.includes(r)]);
        expect([r, out, c.addrtypeMatches(rec.family, dst, mask(r), out)]).toEqual([r, out, rec.limitOut.includes(r)]);
      }
    });
  }
});
