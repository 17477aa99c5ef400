import { describe, expect, it } from "vitest";
import { formatIp } from "../../src/net/ip.js";
import { compileHost, formatRoute, hostFromIpJson, hostFromIpText, type Host } from "../../src/host/index.js";
import { err, fixture, ip, ok } from "./helpers.js";

function summary(h: Host): string[] {
  return h.interfaces.map(
    (i) =>
      `${i.name} ${i.kind} ${i.up ? "up" : "down"}${i.master ? ` master ${i.master}` : ""}: ` +
      i.addresses.map((a) => `${formatIp(a.addr, a.family)}/${a.prefix}${a.secondary ? "s" : ""}`).join(" "),
  );
}

describe("hostFromIpText on the seed (partial output from the project brief)", () => {
  const h = ok(hostFromIpText(fixture("fixtures/seed/ip-addr.txt"), fixture("fixtures/seed/ip-route.txt")));

  it("reads docker0 and its ports, stripping @ifN", () => {
    expect(summary(h)).toContain("docker0 bridge up: 172.17.0.1/16");
    expect(summary(h)).toContain("vethc00ed59 veth up master docker0: ");
    expect(summary(h)).toContain("vetheab08d9 veth up master docker0: ");
    expect(h.interfaces.find((i) => i.name === "vethc00ed59")?.mac).toBe("6a:c7:f9:9b:4a:80");
  });

  it("infers the enp0s8 uplink from the default route and says so", () => {
    expect(summary(h)).toContain("enp0s8 ether up: 10.0.3.2/24");
    expect(h.routes.map(formatRoute)).toContain("10.0.3.0/24 dev enp0s8 src 10.0.3.2");
    expect(h.assumptions.some((a) => a.startsWith("enp0s8: address not given; assumed 10.0.3.2/24"))).toBe(true);
  });

  it("infers the user bridge's address from its route's src", () => {
    expect(summary(h)).toContain("br-504fe4ba30e7 bridge up: 192.160.0.1/24");
    expect(h.assumptions.some((a) => a.startsWith("br-504fe4ba30e7: address not given; assumed 192.160.0.1/24"))).toBe(true);
  });

  it("adds loopback, and the sysctls, as assumptions", () => {
    expect(h.interfaces[0].name).toBe("lo");
    expect(h.assumptions).toContain("lo: not given; assumed up with 127.0.0.1/8 and ::1/128.");
    expect(h.forwarding).toEqual({ ipv4: true, ipv6: true });
    expect(h.bridgeNetfilter).toBe(true);
  });

  it("gives a host the walk can use: MASQUERADE out of enp0s8 picks the inferred address", () => {
    const c = compileHost(h);
    const r = c.routeLookup(4, ip("192.0.2.1"))!;
    expect(r.dev).toBe("enp0s8");
    expect(c.masqueradeAddress(4, "enp0s8", r.via!)).toBe(ip("10.0.3.2"));
    expect(c.arrivalInterface(4, ip("172.17.0.2"))?.iface).toBe("docker0");
    expect(c.isLocal(4, ip("192.160.0.1"))).toBe(true);
  });
});

describe("hostFromIpText on recorded plain output", () => {
  it("agrees with hostFromIpJson on the same namespace", () => {
    const t = ok(hostFromIpText(fixture("fixtures/host/ip-addr.txt"), fixture("fixtures/host/ip-route.txt"), fixture("fixtures/host/ip-6-route.txt")));
    const j = ok(hostFromIpJson(fixture("fixtures/host/ip-addr.json"), fixture("fixtures/host/ip-route.json"), fixture("fixtures/host/ip-6-route.json")));
    expect(summary(t)).toEqual(summary(j));
    expect(t.routes.map(formatRoute).sort()).toEqual(j.routes.map(formatRoute).sort());
    expect(t.interfaces.find((i) => i.name === "docker0")?.addresses[0].broadcast).toBe(ip("172.17.255.255"));
  });

  it("reads `ip -br addr`", () => {
    const b = ok(hostFromIpText(fixture("fixtures/host/ip-br-addr.txt"), fixture("fixtures/host/ip-route.txt")));
    expect(summary(b).find((l) => l.startsWith("eth0 "))).toMatch(/^eth0 ether up: 198\.51\.100\.1\/24 198\.51\.100\.7\/24 fd00:5100::1\/64 fe80::[0-9a-f:]+\/64$/);
    expect(summary(b)).toContain("lo loopback up: 127.0.0.1/8 ::1/128");
    expect(b.interfaces.find((i) => i.name === "vethc1")?.kind).toBe("veth");
  });

  it("reads multipath routes, route types and unknown words without failing", () => {
    const routes = [
      "default proto static metric 100",
      "\tnexthop via 198.51.100.254 dev eth0 weight 1",
      "\tnexthop via 198.51.100.253 dev eth0 weight 1",
      "unreachable 10.1.0.0/16 metric 7",
      "10.2.0.0/16 via 198.51.100.9 dev eth0 mtu lock 1400 frobnicate",
      "local 10.3.0.0/16 dev lo table local",
    ].join("\n");
    const h = ok(hostFromIpText("", routes, "default via fd00::1 dev eth0 metric 1024 pref medium\n"));
    const text = h.routes.map(formatRoute);
    expect(text).toContain("default via 198.51.100.254 dev eth0 metric 100");
    expect(text).toContain("unreachable 10.1.0.0/16 metric 7");
    expect(text).toContain("10.2.0.0/16 via 198.51.100.9 dev eth0");
    expect(text).toContain("local 10.3.0.0/16 dev lo table local");
    expect(text).toContain("default via fd00::1 dev eth0 metric 1024");
    expect(h.assumptions.some((a) => /line 5, column \d+: ignored the unknown route word "frobnicate"/.test(a))).toBe(true);
  });

  it("reads CRLF text", () => {
    const h = ok(hostFromIpText(fixture("fixtures/seed/ip-addr.txt").replace(/\n/g, "\r\n"), fixture("fixtures/seed/ip-route.txt").replace(/\n/g, "\r\n")));
    expect(summary(h)).toContain("docker0 bridge up: 172.17.0.1/16");
  });
});

describe("hostFromIpText errors name line and column", () => {
  it("a bad route gateway", () => {
    const e = err(hostFromIpText("", "172.17.0.0/16 dev docker0\ndefault via 10.0.3.x dev enp0s8\n"));
    expect(e).toMatchObject({ code: "bad-address", line: 2, column: 13 });
    expect(e.message).toContain("ip route, line 2, column 13: \"10.0.3.x\" is not an IPv4 address");
    expect(e.message).toContain("\n  default via 10.0.3.x dev enp0s8\n              ^");
  });

  it("a bad destination and a bad metric", () => {
    expect(err(hostFromIpText("", "10.0.0.0/40 dev eth0"))).toMatchObject({ line: 1, column: 1 });
    expect(err(hostFromIpText("", "blackhole   nonsense"))).toMatchObject({ line: 1, column: 13 });
    expect(err(hostFromIpText("", "10.0.0.0/8 dev eth0 metric -1"))).toMatchObject({ code: "bad-value", line: 1, column: 28 });
    expect(err(hostFromIpText("", "10.0.0.0/8 dev"))).toMatchObject({ line: 1, column: 12 });
  });

  it("a bad interface address, header or stray line", () => {
    const addr = "5: docker0: <UP> mtu 1500\n    inet 172.17.0.1/99 scope global docker0\n";
    expect(err(hostFromIpText(addr, ""))).toMatchObject({ code: "bad-address", line: 2, column: 10 });
    expect(err(hostFromIpText("5: docker0: <UP>\n    inet6 172.17.0.1/16\n", ""))).toMatchObject({ line: 2, column: 11 });
    expect(err(hostFromIpText("    inet 172.17.0.1/16\n", ""))).toMatchObject({ line: 1 });
    expect(err(hostFromIpText("1: lo: <LOOPBACK>\nnot a header\n", ""))).toMatchObject({ line: 2, column: 1 });
    expect(err(hostFromIpText("eth0 UP 198.51.100.1/24 300.1.1.1/8\n", ""))).toMatchObject({ line: 1, column: 25 });
    expect(err(hostFromIpText("eth0 SIDEWAYS 198.51.100.1/24\n", ""))).toMatchObject({ line: 1, column: 6 });
  });

  it("never throws, whatever the text", () => {
    const junk = ["\u0000", "::::", "1: : <>", "default via", "nexthop", "\tnexthop via x", "a b c d e f", "1: x: <UP>\n    inet", "local"];
    for (const a of junk) for (const r of junk) expect(() => hostFromIpText(a, r, r)).not.toThrow();
  });
});

describe("hostFromIpText inference limits", () => {
  it("does not invent an address from a link-local prefix route", () => {
    const h = ok(hostFromIpText("3: docker0: <UP>\n", "", "fe80::/64 dev docker0 proto kernel metric 256 pref medium\n"));
    expect(h.interfaces.find((i) => i.name === "docker0")?.addresses).toEqual([]);
  });

  it("takes the lowest host address of a connected route without src", () => {
    const h = ok(hostFromIpText("", "10.20.0.0/24 dev eth1 proto kernel scope link\n"));
    expect(summary(h)).toContain("eth1 ether up: 10.20.0.1/24");
  });
});
