/**
 * Differential cases written by hand, beside the generated ones: each pins a kernel behaviour
 * that fuzzing once found iptrace missing, in the smallest ruleset that shows it. They run
 * through the same network as the generated cases (DIFF_TOPOLOGY), are recorded with them into
 * fixtures/kernel-diff/<name>.json (`npm run kernel:record`), which `npm test` compares iptrace
 * with, and are traced afresh by `npm run test:kernel`.
 */
import type { DiffCase } from "./differential.ts";

/** A mangle table that marks each packet in PREROUTING and FORWARD by how its frame was addressed. */
const PKTTYPE_MARKS = [
  "*mangle",
  ":PREROUTING ACCEPT [0:0]",
  ":INPUT ACCEPT [0:0]",
  ":FORWARD ACCEPT [0:0]",
  ":OUTPUT ACCEPT [0:0]",
  ":POSTROUTING ACCEPT [0:0]",
  ":U - [0:0]",
  "-A PREROUTING -j U",
  "-A FORWARD -j U",
  "-A U -m pkttype --pkt-type unicast -j MARK --set-xmark 0x1/0x0",
  "-A U -m pkttype --pkt-type broadcast -j MARK --set-xmark 0x2/0x0",
  "-A U -m pkttype --pkt-type multicast -j MARK --set-xmark 0x3/0x0",
  "COMMIT",
].join("\n");

const dnat = (from: string, to: string) =>
  ["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", `-A PREROUTING -d ${from} -j DNAT --to-destination ${to}`, "COMMIT"].join("\n");

/**
 * A link-layer broadcast that DNAT sends elsewhere (kernel:fuzz-flows seed 269923909). From a
 * bridge port, br_netfilter re-addresses the frame to the bridge and it is forwarded as unicast
 * (a multicast frame too); from a plain interface ip_forward drops it after PREROUTING; a
 * unicast one, for comparison, is forwarded.
 */
export const HAND_CASES: readonly DiffCase[] = [
  {
    name: "dnat-broadcast-bridge",
    input: `${PKTTYPE_MARKS}\n${dnat("192.168.0.255/32", "172.17.0.2")}\n`,
    packet: { family: 4, origin: { kind: "container", namespace: "ipt-d1" }, src: "192.168.0.2", dst: "192.168.0.255", proto: "udp", sport: 40000, dport: 53 },
  },
  {
    name: "dnat-multicast-bridge",
    input: `${PKTTYPE_MARKS}\n${dnat("239.1.2.3/32", "172.17.0.2")}\n`,
    packet: { family: 4, origin: { kind: "container", namespace: "ipt-d1" }, src: "192.168.0.2", dst: "239.1.2.3", proto: "udp", sport: 40003, dport: 53 },
  },
  {
    name: "dnat-broadcast-uplink",
    input: `${PKTTYPE_MARKS}\n${dnat("198.51.100.255/32", "192.168.0.2")}\n`,
    packet: { family: 4, origin: { kind: "internet" }, src: "198.51.100.2", dst: "198.51.100.255", proto: "udp", sport: 40001, dport: 53 },
  },
  {
    name: "dnat-unicast-uplink",
    input: `${PKTTYPE_MARKS}\n${dnat("198.51.100.1/32", "192.168.0.2")}\n`,
    packet: { family: 4, origin: { kind: "internet" }, src: "198.51.100.2", dst: "198.51.100.1", proto: "udp", sport: 40002, dport: 53 },
  },
];
