#!/bin/sh
# Records `ip -j` and plain `ip` output of a small Docker-like host into fixtures/host/.
# Everything happens in namespaces named ipt-host-rec-*, deleted on exit (also on failure);
# the root namespace is never touched. Addresses: 198.51.100.0/24, private ranges, fd00::/8.
# Usage (root): sh test/host/record-ip-fixtures.sh [outdir]
set -eu
OUT=${1:-fixtures/host}
H=ipt-host-rec-h     # the host under test
R=ipt-host-rec-r     # its upstream router
C=ipt-host-rec-c     # a container behind the bridge
cleanup() { for n in $H $R $C; do ip netns del "$n" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
cleanup
for n in $H $R $C; do ip netns add "$n"; ip -n "$n" link set lo up; done
x() { ip -n $H "$@"; }

# uplink eth0 <-> router
x link add eth0 type veth peer name upl0 netns $R
x addr add 198.51.100.1/24 dev eth0
x addr add 198.51.100.7/24 dev eth0              # a secondary address
x -6 addr add fd00:5100::1/64 dev eth0 nodad
x link set eth0 up
ip -n $R addr add 198.51.100.254/24 dev upl0
ip -n $R -6 addr add fd00:5100::fe/64 dev upl0 nodad
ip -n $R link set upl0 up

# docker0-like bridge with one port whose peer is in the container namespace
x link add docker0 type bridge
x addr add 172.17.0.1/16 brd + dev docker0
x -6 addr add fd00:17::1/64 dev docker0 nodad
x link add vethc1 type veth peer name eth0 netns $C
x link set vethc1 master docker0
x link set vethc1 up
x link set docker0 up
ip -n $C addr add 172.17.0.2/16 dev eth0
ip -n $C link set eth0 up

# a user bridge with no ports (NO-CARRIER, linkdown routes)
x link add br-0a1b2c3d4e5f type bridge
x addr add 172.18.0.1/16 brd + dev br-0a1b2c3d4e5f
x link set br-0a1b2c3d4e5f up

# routes: default, a more specific one with a metric, and special types
x route add default via 198.51.100.254 dev eth0
x route add 203.0.113.0/24 via 198.51.100.254 dev eth0 metric 50
x route add 203.0.113.128/25 via 198.51.100.254 dev eth0 src 198.51.100.7
x route add blackhole 10.99.0.0/16
x route add unreachable 10.98.0.0/16
x route add prohibit 10.97.0.0/16 metric 5
x -6 route add default via fd00:5100::fe dev eth0 metric 1024
x -6 route add blackhole fd00:dead::/32

# forwarding on, as on a Docker host (inside our namespace only); IPv6 then adds anycast routes
ip netns exec $H sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

sleep 1   # let kernel-generated IPv6 link-local addresses settle
mkdir -p "$OUT"
x -j addr show          > "$OUT/ip-addr.json"
x -j route show         > "$OUT/ip-route.json"
x -j -6 route show      > "$OUT/ip-6-route.json"
x -j route show table all > "$OUT/ip-route-all.json"
x -j -6 route show table all > "$OUT/ip-6-route-all.json"
x addr show             > "$OUT/ip-addr.txt"
x route show            > "$OUT/ip-route.txt"
x -6 route show         > "$OUT/ip-6-route.txt"
x -br addr show         > "$OUT/ip-br-addr.txt"
# the kernel's own answers, for the route lookup tests (nothing is sent)
{
  echo "["
  sep=""
  for d in 198.51.100.1 198.51.100.7 198.51.100.9 198.51.100.255 172.17.0.5 172.17.255.255 172.17.0.0 \
           172.18.3.4 203.0.113.5 203.0.113.200 10.99.1.1 10.98.1.1 10.97.1.1 127.5.5.5 192.0.2.1 \
           fd00:5100::5 fd00:5100::1 fd00:17::9 fd00:17::1 fd00:17:: fd00:dead::1 ::1 fd00:beef::1; do
    if r=$(x -j route get "$d" 2>/tmp/ipt-host-rec.err); then
      printf '%s{"dst":"%s","result":%s}\n' "$sep" "$d" "$r"
    else
      printf '%s{"dst":"%s","error":"%s"}\n' "$sep" "$d" "$(tr -d '\n"' </tmp/ipt-host-rec.err)"
    fi
    sep=","
  done
  echo "]"
} > "$OUT/ip-route-get.json"
rm -f /tmp/ipt-host-rec.err

# -m addrtype as the kernel judges it: counter-only rules in OUTPUT, one UDP datagram (port 9)
# per destination, counters read back with iptables-save -c. Destinations are this namespace's
# own addresses, its router, its container, multicast, or documentation addresses behind the
# router (which has no route onwards), so nothing leaves the namespaces.
T4="UNSPEC UNICAST LOCAL BROADCAST ANYCAST MULTICAST BLACKHOLE UNREACHABLE PROHIBIT THROW NAT XRESOLVE"
T6="UNSPEC UNICAST LOCAL ANYCAST MULTICAST UNREACHABLE"
for t in $T4 UNICAST,LOCAL; do
  ip netns exec $H iptables -A OUTPUT -p udp --dport 9 -m addrtype --dst-type $t
  ip netns exec $H iptables -A OUTPUT -p udp --dport 9 -m addrtype --dst-type $t --limit-iface-out
done
for t in $T6 UNICAST,LOCAL MULTICAST,LOCAL; do
  ip netns exec $H ip6tables -A OUTPUT -p udp --dport 9 -m addrtype --dst-type $t
  ip netns exec $H ip6tables -A OUTPUT -p udp --dport 9 -m addrtype --dst-type $t --limit-iface-out
done
send() {  # send FAMILY DST [IFNAME for a link-scoped IPv6 destination]
  ip netns exec $H timeout 5 python3 -c '
import socket, sys
fam, dst = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET if fam == "4" else socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
addr = (dst, 9) if fam == "4" else (dst, 9, 0, socket.if_nametoindex(sys.argv[3]) if len(sys.argv) > 3 else 0)
try:
    s.sendto(b"iptrace", addr)
except OSError as e:
    print("send:", e, file=sys.stderr)
' "$@"
}
matched() {  # on iptables-save -c: the --dst-type lists whose counter rose, without/with --limit-iface-out
  awk -v lim="$1" '/^\[[1-9][0-9]*:/ && /dst-type/ {
      l = ($0 ~ /limit-iface-out/) ? "yes" : "no"; if (l != lim) next
      for (i = 1; i <= NF; i++) if ($i == "--dst-type") t = $(i + 1)
      printf "%s\"%s\"", sep, t; sep = "," }'
}
{
  echo "["
  sep=""
  for d in 198.51.100.1 198.51.100.7 172.17.0.1 127.0.0.1 127.5.5.5 198.51.100.255 172.17.255.255 \
           172.17.0.0 224.0.0.251 255.255.255.255 198.51.100.254 203.0.113.5 172.17.0.2; do
    ip netns exec $H iptables -Z OUTPUT
    send 4 "$d"
    printf '%s{"family":4,"dst":"%s","types":[%s],"limitOut":[%s]}\n' "$sep" "$d" \
      "$(ip netns exec $H iptables-save -c -t filter | matched no)" "$(ip netns exec $H iptables-save -c -t filter | matched yes)"
    sep=","
  done
  for d in fd00:5100::1 ::1 fd00:17::1 fd00:17:: fd00:5100::fe fd00:beef::1 fd00:17::9 ff02::1@eth0 ff05::2; do
    ip netns exec $H ip6tables -Z OUTPUT
    dst=${d%@*}; dev=""; [ "$dst" != "$d" ] && dev=${d#*@}
    send 6 "$dst" $dev
    printf '%s{"family":6,"dst":"%s","types":[%s],"limitOut":[%s]}\n' "$sep" "$dst" \
      "$(ip netns exec $H ip6tables-save -c -t filter | matched no)" "$(ip netns exec $H ip6tables-save -c -t filter | matched yes)"
  done
  echo "]"
} > "$OUT/addrtype-output.json"
ip -V > "$OUT/RECORDED-WITH.txt"
uname -r >> "$OUT/RECORDED-WITH.txt"
echo "recorded into $OUT"
