#!/usr/bin/env python3
"""Sends ONE IPv6 test packet (TCP with chosen flags, UDP, or ICMPv6 echo request) from a raw socket.

hping3 speaks IPv4 only, so the kernel tests use this for IPv6. Standard library only. The kernel
builds the IPv6 header (source = --src, which must be an address of this namespace) and, through
IPV6_CHECKSUM, the TCP/UDP checksum; ICMPv6 raw sockets always get their checksum from the kernel.

usage: send-packet.py --src ADDR --dst ADDR --proto tcp|udp|icmp [--sport N] [--dport N]
                      [--flags SYN,ACK,...] [--icmp-type 128]
"""
import argparse
import socket
import struct

IPV6_CHECKSUM = 7  # linux/in6.h; not exported by Python's socket module
TCP_FLAG_BITS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10, "URG": 0x20, "ECE": 0x40, "CWR": 0x80}


def tcp_segment(sport: int, dport: int, flags: str) -> bytes:
    bits = 0
    for name in filter(None, flags.upper().split(",")):
        bits |= TCP_FLAG_BITS[name]
    seq = 0x1000
    ack = 0x2000 if bits & TCP_FLAG_BITS["ACK"] else 0
    offset = 5 << 4  # 20-byte header, no options
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, offset, bits, 64240, 0, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", required=True)
    parser.add_argument("--dst", required=True)
    parser.add_argument("--proto", required=True, choices=["tcp", "udp", "icmp"])
    parser.add_argument("--sport", type=int, default=40000)
    parser.add_argument("--dport", type=int, default=80)
    parser.add_argument("--flags", default="SYN")
    parser.add_argument("--icmp-type", type=int, default=128)
    args = parser.parse_args()

    if args.proto == "tcp":
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_TCP)
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_CHECKSUM, 16)  # checksum field offset in TCP
        payload = tcp_segment(args.sport, args.dport, args.flags)
    elif args.proto == "udp":
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_CHECKSUM, 6)  # checksum field offset in UDP
        payload = struct.pack("!HHHH", args.sport, args.dport, 8 + 4, 0) + b"ipt\n"
    else:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        payload = struct.pack("!BBHHH", args.icmp_type, 0, 0, 0x1234, 1) + b"ipt\n"
    sock.bind((args.src, 0))
    sock.sendto(payload, (args.dst, 0))
    sock.close()


if __name__ == "__main__":
    main()
