/**
 * CONNMARK writes the connection's mark (ct->mark), not a copy: the rest of the packet's walk and
 * every later packet of the connection, replies included, see it. Kernel-checked by
 * test/kernel/flows.test.ts (CONNMARK --save-mark on the first packet, --restore-mark on the reply).
 */
import { describe, expect, it } from "vitest";
import { tracePacket, traceFlow, type Packet, type Trace } from "../../src/sim/index.js";
import { BRIDGE_HOST as host, compileText } from "./compile-text.js";

const rules = `*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -m conntrack --ctstate NEW -j CONNMARK --set-xmark 0x5/0xffffffff
-A PREROUTING -m conntrack --ctstate ESTABLISHED -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff
-A FORWARD -m connmark --mark 0x5 -j LOG --log-prefix "connmark-5 "
-A FORWARD -m mark --mark 0x5 -j LOG --log-prefix "mark-5 "
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 198.51.100.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 172.17.0.2:53
COMMIT
`;

const logged = (t: Trace) => t.steps.filter((s) => s.chain === "FORWARD" && s.kind === "rule").map((s) => /--log-prefix "([^ ]+) "/.exec(s.text ?? "")?.[1]);
const request: Packet = { src: "203.0.113.7", dst: "198.51.100.1", proto: "udp", sport: 40000, dport: 5353, in: "eth0" };
const reply: Packet = { src: "172.17.0.2", dst: "203.0.113.7", proto: "udp", sport: 53, dport: 40000, in: "docker0" };

describe("CONNMARK: the connection's mark", () => {
  const c = compileText(rules);

  it("set in PREROUTING, it is still there in FORWARD after nat PREROUTING translated the packet", () => {
    expect(logged(tracePacket(c, request, { host }))).toEqual(["connmark-5"]);
  });

  it("later packets of the connection see it, and a reply can copy it to its own mark", () => {
    const [first, back] = traceFlow(c, [request, reply], { host });
    expect(first.packet.state).toBe("NEW,DNAT");
    expect(back.packet.state).toBe("ESTABLISHED,DNAT");
    expect(logged(back)).toEqual(["connmark-5", "mark-5"]);
    expect(back.packet.mark).toBe("0x5");
  });

  it("a packet of an existing connection traced alone finds a connection mark of 0", () => {
    expect(logged(tracePacket(c, { ...reply, state: "ESTABLISHED" }, { host }))).toEqual([]);
  });
});
