import { describe, expect, it } from "vitest";
import { formatIp } from "../../src/net/ip.js";
import { formatRoute, hostFromIpJson, type Host } from "../../src/host/index.js";
import { err, fixture, ip, ok } from "./helpers.js";

// Recorded by test/host/record-ip-fixtures.sh in a namespace: eth0 198.51.100.1/24 (+ .7 secondary),
// docker0 172.17.0.1/16 with port vethc1, an empty bridge br-0a1b2c3d4e5f 172.18.0.1/16.
const addr = fixture("fixtures/host/ip-addr.json");

function addrs(h: Host, name: string): string[] {
  const i = h.interfaces.find((x) => x.name === name);
  return (i?.addresses ?? []).map((a) => `${formatIp(a.addr, a.family)}/${a.prefix}${a.secondary ? " secondary" : ""}`);
}

describe("hostFromIpJson on recorded `ip -j` output", () => {
  it("reads interfaces, kinds, ports and addresses in the kernel's order", () => {
    const h = ok(hostFromIpJson(addr, fixture("fixtures/host/ip-route.json"), fixture("fixtures/host/ip-6-route.json")));
    expect(h.interfaces.map((i) => [i.name, i.kind, i.index, i.up])).toEqual([
      ["lo", "loopback", 1, true],
      ["eth0", "ether", 2, true],
      ["docker0", "bridge", 3, true],
      ["vethc1", "veth", 4, true],
      ["br-0a1b2c3d4e5f", "bridge", 5, true],
    ]);
    expect(h.interfaces.find((i) => i.name === "vethc1")?.master).toBe("docker0");
    expect(addrs(h, "eth0").slice(0, 3)).toEqual(["198.51.100.1/24", "198.51.100.7/24 secondary", "fd00:5100::1/64"]);
    expect(addrs(h, "docker0")[0]).toBe("172.17.0.1/16");
    const d0 = h.interfaces.find((i) => i.name === "docker0")!.addresses[0];
    expect(d0.broadcast).toBe(ip("172.17.255.255"));
    expect(h.interfaces.find((i) => i.name === "lo")!.addresses[0].scope).toBe("host");
  });

  it("reads main-table routes of both families with types, gateways and metrics", () => {
    const h = ok(hostFromIpJson(addr, fixture("fixtures/host/ip-route.json"), fixture("fixtures/host/ip-6-route.json")));
    const text = h.routes.map(formatRoute);
    expect(text).toContain("default via 198.51.100.254 dev eth0");
    expect(text).toContain("prohibit 10.97.0.0/16 metric 5");
    expect(text).toContain("blackhole 10.99.0.0/16");
    expect(text).toContain("203.0.113.0/24 via 198.51.100.254 dev eth0 metric 50");
    expect(text).toContain("203.0.113.128/25 via 198.51.100.254 dev eth0 src 198.51.100.7");
    expect(text).toContain("default via fd00:5100::fe dev eth0 metric 1024");
    expect(text).toContain("blackhole fd00:dead::/32 dev lo metric 1024");
    // nothing was missing, so nothing but the sysctls was assumed
    expect(h.assumptions.every((a) => /forwarding|bridgeNetfilter/.test(a))).toBe(true);
    expect(h.bridgeNetfilter).toBe(true);
  });

  it("accepts `ip -j route show table all` with local, broadcast, anycast and multicast routes", () => {
    const h = ok(hostFromIpJson(addr, fixture("fixtures/host/ip-route-all.json"), fixture("fixtures/host/ip-6-route-all.json")));
    const local = h.routes.filter((r) => r.table === "local").map(formatRoute);
    expect(local).toContain("local 198.51.100.7 dev eth0 src 198.51.100.1 table local");
    expect(local).toContain("broadcast 172.17.255.255 dev docker0 src 172.17.0.1 table local");
    expect(local).toContain("local 127.0.0.0/8 dev lo src 127.0.0.1 table local");
    expect(local).toContain("anycast fd00:17:: dev docker0 table local");
    expect(local.some((t) => t.startsWith("multicast ff00::/8 dev docker0"))).toBe(true);
    // the IPv6 routes appear in both files; each is kept once
    expect(h.routes.filter((r) => formatRoute(r) === "default via fd00:5100::fe dev eth0 metric 1024")).toHaveLength(1);
  });

  it("takes the sysctls from the options when given", () => {
    const h = ok(hostFromIpJson(addr, "[]", undefined, { forwarding: { ipv4: true, ipv6: false }, bridgeNetfilter: false }));
    expect(h.forwarding).toEqual({ ipv4: true, ipv6: false });
    expect(h.bridgeNetfilter).toBe(false);
    expect(h.assumptions.some((a) => /forwarding|bridgeNetfilter/.test(a))).toBe(false);
  });

  it("returns errors naming the input and JSON path instead of throwing", () => {
    expect(err(hostFromIpJson("{not json", "[]"))).toMatchObject({ code: "bad-json", path: "$" });
    expect(err(hostFromIpJson("{}", "[]"))).toMatchObject({ code: "bad-type", path: "$" });
    const badAddr = [{ ifname: "eth0", flags: ["UP"], addr_info: [{ family: "inet", local: "198.51.100.300", prefixlen: 24 }] }];
    expect(err(hostFromIpJson(badAddr, "[]"))).toMatchObject({ code: "bad-address", path: "$[0].addr_info[0].local" });
    const badRoute = [{ dst: "default" }, { dst: "10.0.0.0/33", dev: "eth0" }];
    const e = err(hostFromIpJson("[]", badRoute));
    expect(e).toMatchObject({ code: "bad-address", path: "$[1].dst" });
    expect(e.message).toMatch(/^ip -j route: \$\[1\]\.dst: /);
    expect(err(hostFromIpJson([{ ifname: "a" }, { ifname: "a" }], "[]"))).toMatchObject({ code: "duplicate", path: "$[1].ifname" });
    expect(err(hostFromIpJson([null], "[]"))).toMatchObject({ path: "$[0]" });
    expect(err(hostFromIpJson("[]", [{ dst: "default", gateway: 7 }]))).toMatchObject({ code: "bad-type", path: "$[0].gateway" });
  });
});
