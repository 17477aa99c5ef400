import { describe, expect, it } from "vitest";
import { formatIp } from "../../src/net/ip.js";
import { compileHost, formatRoute, inferHost, type Host } from "../../src/host/index.js";
import { ip, net } from "./helpers.js";

function summary(h: Host): string[] {
  return h.interfaces.map((i) => `${i.name} ${i.kind}: ${i.addresses.map((a) => `${formatIp(a.addr, a.family)}/${a.prefix}`).join(" ")}`);
}

describe("inferHost", () => {
  it("Docker's default ruleset: docker0 gets 172.17.0.1/16, eth0 the documentation uplink", () => {
    // from docker-default-2020.rules: -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE, -i/-o docker0, ! -i docker0
    const h = inferHost({
      family: 4,
      interfaces: ["docker0", "!docker0", "docker0"],
      subnets: [{ subnet: net("172.17.0.0/16"), iface: "docker0" }],
    });
    expect(summary(h)).toEqual(["lo loopback: 127.0.0.1/8 ::1/128", "eth0 ether: 198.51.100.1/24", "docker0 bridge: 172.17.0.1/16"]);
    expect(h.routes.map(formatRoute)).toEqual([
      "default via 198.51.100.254 dev eth0",
      "198.51.100.0/24 dev eth0 src 198.51.100.1",
      "172.17.0.0/16 dev docker0 src 172.17.0.1",
    ]);
    expect(h.forwarding).toEqual({ ipv4: true, ipv6: true });
    expect(h.bridgeNetfilter).toBe(true);
    expect(h.assumptions.some((a) => a.startsWith("docker0: bridge address not given; assumed 172.17.0.1/16"))).toBe(true);
    expect(h.assumptions.some((a) => a.startsWith("eth0: no uplink named by the rules"))).toBe(true);
    const c = compileHost(h);
    expect(c.masqueradeAddress(4, "eth0", ip("198.51.100.254"))).toBe(ip("198.51.100.1"));
    expect(c.arrivalInterface(4, ip("172.17.0.2"))?.iface).toBe("docker0");
  });

  it("Docker 28/29 br-dummy: the container address from -d X/32 -o br-dummy is not the gateway", () => {
    const h = inferHost({
      family: 4,
      interfaces: ["br-dummy", "veth+"],
      subnets: [
        { subnet: net("192.168.0.0/24"), iface: "br-dummy" },
        { subnet: net("192.168.0.2/32"), iface: "br-dummy" },
      ],
      endpoints: [{ addr: ip("192.168.0.2") }],
    });
    expect(summary(h)).toContain("br-dummy bridge: 192.168.0.1/24");
    expect(h.interfaces.some((i) => i.name.startsWith("veth"))).toBe(false);
  });

  it("Docker 29 IPv6: the rules DNAT to fd49:efd7:54aa::1, so that is a container and the bridge takes ::2", () => {
    const h = inferHost({
      family: 6,
      interfaces: ["br-dummy", "!br-dummy"],
      subnets: [
        { subnet: net("fd49:efd7:54aa::/64"), iface: "br-dummy" },
        { subnet: net("fd49:efd7:54aa::1/128"), iface: "br-dummy" },
      ],
      endpoints: [{ addr: ip("fd49:efd7:54aa::1") }],
    });
    expect(summary(h)).toContain("br-dummy bridge: fd49:efd7:54aa::2/64");
    expect(summary(h)).toContain("eth0 ether: 2001:db8::1/64");
    const c = compileHost(h);
    expect(c.isLocal(6, ip("fd49:efd7:54aa::1"))).toBe(false);
    expect(c.routeLookup(6, ip("fd49:efd7:54aa::1"))?.dev).toBe("br-dummy");
    expect(h.assumptions.some((a) => a.includes("treat fd49:efd7:54aa::1 as a container"))).toBe(true);
  });

  it("an uplink named by the rules is used instead of eth0", () => {
    const h = inferHost({ family: 4, interfaces: ["enp0s8", "docker0", "wg0"], subnets: [{ subnet: net("172.17.0.0/16"), iface: "docker0" }] });
    expect(summary(h)).toEqual([
      "lo loopback: 127.0.0.1/8 ::1/128",
      "enp0s8 ether: 198.51.100.1/24",
      "docker0 bridge: 172.17.0.1/16",
      "wg0 other: 203.0.113.1/24",
    ]);
    expect(h.routes.map(formatRoute)[0]).toBe("default via 198.51.100.254 dev enp0s8");
  });

  it("states every inferred fact", () => {
    const h = inferHost({ family: 4, interfaces: ["vethabc"], subnets: [] });
    expect(summary(h)).toContain("vethabc veth: ");
    expect(h.assumptions.some((a) => a.startsWith("vethabc: named by the rules"))).toBe(true);
    expect(h.assumptions.length).toBeGreaterThanOrEqual(5);
  });
});
