#!/usr/bin/env bash
# Installs what the kernel tests (test/kernel, vitest.kernel.config.ts) need on a fresh Debian
# machine: iptables (nft + legacy back ends, xtables-monitor), nftables, conntrack, hping3,
# iproute2 (ip netns), ipset and nfacct (objects for the set and nfacct matches), kmod (modprobe, for kernels with modular netfilter) and python3 (sends the
# IPv6 test packets; hping3 speaks IPv4 only). Run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends iptables nftables conntrack hping3 iproute2 kmod ipset nfacct python3 coreutils procps
# Kernels with modular netfilter need these; on a kernel with them built in, modprobe fails
# harmlessly (no /lib/modules), so failures are ignored here and reported by the tests instead.
for module in br_netfilter nf_conntrack xt_conntrack; do
  modprobe "$module" 2>/dev/null || true
done
