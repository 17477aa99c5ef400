/** Builds a PacketState for matcher tests: a plain IPv4 (or IPv6) TCP packet, fields overridable. */
import type { PacketState } from "../../src/sim/packet.js";
import type { SimEnv, Assumptions } from "../../src/sim/env.js";

/** A default packet: 10.0.0.1:12345 → 10.0.0.2:80 TCP SYN, TTL 64, in the filter INPUT chain. */
export function makePacket(over: Partial<PacketState> = {}): PacketState {
  const family = over.family ?? 4;
  const v6 = family === 6;
  return {
    family,
    src: v6 ? 0x20010db8000000000000000000000001n : 0x0a000001,
    dst: v6 ? 0x20010db8000000000000000000000002n : 0x0a000002,
    proto: 6,
    sport: 12345,
    dport: 80,
    tcpFlags: 0x02,
    icmpType: -1,
    icmpCode: -1,
    inIface: "eth0",
    outIface: "",
    physIn: "",
    physOut: "",
    bridged: false,
    srcMac: "",
    mark: 0,
    ctmark: 0,
    ctState: 8,
    ctStatus: 0,
    ctReply: false,
    ctOrigSrc: v6 ? 0x20010db8000000000000000000000001n : 0x0a000001,
    ctOrigDst: v6 ? 0x20010db8000000000000000000000002n : 0x0a000002,
    ctOrigSport: 12345,
    ctOrigDport: 80,
    ctReplSrc: v6 ? 0x20010db8000000000000000000000002n : 0x0a000002,
    ctReplDst: v6 ? 0x20010db8000000000000000000000001n : 0x0a000001,
    ctReplSport: 80,
    ctReplDport: 12345,
    ctZone: 0,
    ctHelper: "",
    length: 60,
    ttl: 64,
    tos: 0,
    fragment: false,
    local: false,
    uid: -1,
    gid: -1,
    pktType: 0,
    hook: "INPUT",
    table: "filter",
    ...over,
  };
}

/** A SimEnv with no host knowledge (every address foreign), no ipsets, and the given assumptions. */
export function makeEnv(assume: Assumptions = {}, family: 4 | 6 = 4): SimEnv {
  return {
    family,
    host: {
      isLocal: () => false,
      addressType: () => 0,
      masqueradeAddress: () => undefined,
      redirectAddress: () => undefined,
      addrtypeMatches: () => false,
      routeLookup: () => undefined,
    },
    ipsets: new Map(),
    assume,
  };
}
