#!/usr/bin/env python3
"""Sends test packets on request, one namespace per process, for the differential kernel tests.

Started once per namespace (`ip netns exec NS python3 packet-server.py`), it reads one JSON object
per line on stdin and answers `ok` (or `error: …`) on stdout after the packet has left, so a test
does not pay for a process start (and hping3's one-second wait for a reply) per case.

Request: {"family": 4|6, "src": ADDR, "dst": ADDR, "proto": "tcp"|"udp"|"icmp",
          "sport": N, "dport": N, "flags": "SYN,ACK", "icmpType": N}
Packets carry no payload: TCP 20 bytes of header, UDP 8, ICMP/ICMPv6 echo 8, so the IP total
length is 20 (IPv4) or 40 (IPv6) more. IPv4 headers are built here (IP_HDRINCL; the kernel fills in
the header checksum), with TTL 64, id 4242 and no DF, like hping3; TCP/UDP checksums are computed
here for IPv4 and by the kernel (IPV6_CHECKSUM) for IPv6. Standard library only.
"""
import json
import socket
import struct
import sys

IPV6_CHECKSUM = 7  # linux/in6.h
TCP_FLAG_BITS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10, "URG": 0x20, "ECE": 0x40, "CWR": 0x80}
PROTO_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1}


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def l4_segment(req: dict, family: int) -> bytes:
    proto = req["proto"]
    if proto == "tcp":
        bits = 0
        for name in filter(None, str(req.get("flags", "SYN")).upper().split(",")):
            bits |= TCP_FLAG_BITS[name]
        ack = 0x2000 if bits & TCP_FLAG_BITS["ACK"] else 0
        return struct.pack("!HHIIBBHHH", req.get("sport", 40000), req.get("dport", 80), 0x1000, ack, 5 << 4, bits, 64240, 0, 0)
    if proto == "udp":
        return struct.pack("!HHHH", req.get("sport", 40000), req.get("dport", 80), 8, 0)
    icmp_type = req.get("icmpType", 8 if family == 4 else 128)
    return struct.pack("!BBHHH", icmp_type, 0, 0, 0x1234, 1)


def send_v4(req: dict) -> None:
    proto = req["proto"]
    number = PROTO_NUMBERS[proto]
    src = socket.inet_aton(req["src"])
    dst = socket.inet_aton(req["dst"])
    seg = bytearray(l4_segment(req, 4))
    if proto == "icmp":
        struct.pack_into("!H", seg, 2, checksum(bytes(seg)))
    else:
        pseudo = src + dst + struct.pack("!BBH", 0, number, len(seg))
        offset = 16 if proto == "tcp" else 6
        struct.pack_into("!H", seg, offset, checksum(pseudo + bytes(seg)))
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 4242, 0, 64, number, 0, src, dst)
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.sendto(header + bytes(seg), (req["dst"], 0))
    finally:
        sock.close()


def send_v6(req: dict) -> None:
    proto = req["proto"]
    if proto == "tcp":
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_TCP)
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_CHECKSUM, 16)
    elif proto == "udp":
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_CHECKSUM, 6)
    else:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    try:
        sock.bind((req["src"], 0))
        sock.sendto(l4_segment(req, 6), (req["dst"], 0))
    finally:
        sock.close()


def main() -> None:
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            try:
                (send_v4 if req["family"] == 4 else send_v6)(req)
            except PermissionError:
                pass  # EPERM: netfilter dropped the packet on its way out (OUTPUT/POSTROUTING)
            sys.stdout.write("ok\n")
        except Exception as error:  # answer every request, whatever went wrong
            sys.stdout.write(f"error: {error}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
