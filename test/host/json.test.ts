import { describe, expect, it } from "vitest";
import { formatIp } from "../../src/net/ip.js";
import { formatRoute, HostParseError, hostFromJson, hostFromJsonOrThrow } from "../../src/host/index.js";
import { err, ip, ok } from "./helpers.js";

const example = {
  interfaces: [
    { name: "eth0", addresses: ["198.51.100.1/24"] },
    { name: "docker0", kind: "bridge", addresses: [{ address: "172.17.0.1/16", broadcast: "172.17.255.255" }] },
    { name: "veth1", master: "docker0" },
  ],
  routes: [{ dst: "default", via: "198.51.100.254", dev: "eth0" }],
  forwarding: true,
  bridgeNetfilter: true,
};

describe("hostFromJson (docs/host-format.md)", () => {
  it("reads the documented example, as an object or as text", () => {
    for (const input of [example, JSON.stringify(example)]) {
      const h = ok(hostFromJson(input));
      expect(h.interfaces.map((i) => i.name)).toEqual(["lo", "eth0", "docker0", "veth1"]);
      expect(h.interfaces.find((i) => i.name === "veth1")).toMatchObject({ kind: "veth", master: "docker0", up: true, addresses: [] });
      expect(h.interfaces.find((i) => i.name === "docker0")!.addresses[0].broadcast).toBe(ip("172.17.255.255"));
      expect(h.routes.map(formatRoute)).toEqual([
        "default via 198.51.100.254 dev eth0",
        "198.51.100.0/24 dev eth0 src 198.51.100.1",
        "172.17.0.0/16 dev docker0 src 172.17.0.1",
      ]);
      expect(h.forwarding).toEqual({ ipv4: true, ipv6: true });
      expect(h.bridgeNetfilter).toBe(true);
      // lo and the connected routes were not given: they are stated
      expect(h.assumptions).toHaveLength(3);
    }
  });

  it("reads IPv6 routes and per-family forwarding; defaults IPv6 metrics to 1024", () => {
    const h = ok(
      hostFromJson({
        interfaces: [{ name: "eth0", addresses: ["fd00:5100::1/64", "fe80::1/64"] }],
        routes: [{ dst: "default", via: "fd00:5100::fe", dev: "eth0" }, { dst: "fd00:dead::/32", type: "blackhole" }],
        forwarding: { ipv4: false, ipv6: true },
      }),
    );
    expect(h.routes[0]).toMatchObject({ family: 6, metric: 1024, via: ip("fd00:5100::fe") });
    expect(h.routes[1]).toMatchObject({ family: 6, type: "blackhole" });
    expect(h.forwarding).toEqual({ ipv4: false, ipv6: true });
    expect(h.interfaces[1].addresses.map((a) => a.scope)).toEqual(["global", "link"]);
    expect(h.assumptions.some((a) => a.startsWith("bridgeNetfilter not given; assumed off"))).toBe(true);
  });

  it("with complete: false adds nothing", () => {
    const h = ok(hostFromJson(example, { complete: false }));
    expect(h.interfaces.map((i) => i.name)).toEqual(["eth0", "docker0", "veth1"]);
    expect(h.routes).toHaveLength(1);
    expect(h.assumptions).toEqual([]);
  });

  it("names the JSON path of a bad field", () => {
    const cases: [unknown, string, string][] = [
      ["{", "bad-json", "$"],
      [[], "bad-type", "$"],
      [{ interfaces: {} }, "bad-type", "$.interfaces"],
      [{ interfaces: [{ addresses: [] }] }, "missing-field", "$.interfaces[0].name"],
      [{ interfaces: [{ name: "eth0", addresses: ["198.51.100.1/24", "198.51.100.300/24"] }] }, "bad-address", "$.interfaces[0].addresses[1]"],
      [{ interfaces: [{ name: "eth0", addresses: [{ address: "10.0.0.1/33" }] }] }, "bad-address", "$.interfaces[0].addresses[0].address"],
      [{ interfaces: [{ name: "eth0", addresses: [{ address: "10.0.0.1/8", scope: "planet" }] }] }, "bad-value", "$.interfaces[0].addresses[0].scope"],
      [{ interfaces: [{ name: "eth0", up: "yes" }] }, "bad-type", "$.interfaces[0].up"],
      [{ interfaces: [{ name: "eth0", kind: "wifi" }] }, "bad-value", "$.interfaces[0].kind"],
      [{ interfaces: [{ name: "eth0" }, { name: "eth0" }] }, "duplicate", "$.interfaces[1].name"],
      [{ interfaces: [{ name: "eth0", adresses: [] }] }, "unknown-field", "$.interfaces[0].adresses"],
      [{ routes: [{ via: "198.51.100.254" }] }, "missing-field", "$.routes[0].dst"],
      [{ routes: [{ dst: "default", via: "fd00::1", dev: "eth0", family: 4 }] }, "bad-address", "$.routes[0].via"],
      [{ routes: [{ dst: "10.0.0.0/8", dev: "eth0", metric: -1 }] }, "bad-value", "$.routes[0].metric"],
      [{ routes: [{ dst: "10.0.0.0/8" }] }, "missing-field", "$.routes[0]"],
      [{ routes: [{ dst: "10.0.0.0/8", dev: "eth0", type: "teleport" }] }, "bad-value", "$.routes[0].type"],
      [{ forwarding: "on" }, "bad-type", "$.forwarding"],
      [{ forwarding: { ipv5: true } }, "unknown-field", "$.forwarding.ipv5"],
      [{ bridgeNetfilter: 1 }, "bad-type", "$.bridgeNetfilter"],
      [{ colour: "blue" }, "unknown-field", "$.colour"],
    ];
    for (const [input, code, path] of cases) {
      const e = err(hostFromJson(input));
      expect({ code: e.code, path: e.path }).toEqual({ code, path });
      expect(e.message.startsWith(`${path}: `) || e.message.startsWith("$: ")).toBe(true);
    }
  });

  it("has a throwing variant that carries the error", () => {
    expect(() => hostFromJsonOrThrow({ routes: 3 })).toThrow(HostParseError);
    try {
      hostFromJsonOrThrow({ routes: 3 });
    } catch (e) {
      expect((e as HostParseError).error.path).toBe("$.routes");
    }
    expect(formatIp(hostFromJsonOrThrow(example).interfaces[1].addresses[0].addr, 4)).toBe("198.51.100.1");
  });

  it("never throws on odd values", () => {
    for (const v of [null, undefined, 0, "", "null", "[]", "{}", { interfaces: [null] }, { routes: [[]] }, { interfaces: [{ name: 5 }] }]) {
      expect(() => hostFromJson(v)).not.toThrow();
    }
  });
});

describe("docs/host-format.md", () => {
  it("its JSON example is a valid host", async () => {
    const { fixture } = await import("./helpers.js");
    const doc = fixture("docs/host-format.md");
    const block = /```json\n([\s\S]*?)```/.exec(doc);
    expect(block).not.toBeNull();
    const h = ok(hostFromJson(block![1]));
    expect(h.interfaces.map((i) => i.name)).toEqual(["lo", "eth0", "docker0", "veth1"]);
    expect(h.routes.filter((r) => r.type === "blackhole")).toHaveLength(1);
  });
});
