/**
 * Protocol names for `-p`. iptables looks names up in its own table first, then /etc/protocols;
 * iptables-save prints the names of its own table and numbers for the rest.
 */

/** Names iptables-save prints (xtables_chain_protos), by number. */
const SAVE_NAMES: ReadonlyMap<number, string> = new Map([
  [6, "tcp"],
  [132, "sctp"],
  [17, "udp"],
  [136, "udplite"],
  [1, "icmp"],
  [58, "ipv6-icmp"],
  [50, "esp"],
  [51, "ah"],
  [135, "mh"],
]);

/** Every name `-p` accepts: iptables' own and the common /etc/protocols names. */
const BY_NAME: ReadonlyMap<string, number> = new Map([
  ["all", 0],
  ["tcp", 6],
  ["udp", 17],
  ["udplite", 136],
  ["icmp", 1],
  ["icmpv6", 58],
  ["ipv6-icmp", 58],
  ["icmp6", 58],
  ["esp", 50],
  ["ah", 51],
  ["sctp", 132],
  ["mh", 135],
  ["ipv6-mh", 135],
  ["igmp", 2],
  ["ipencap", 4],
  ["ipip", 94],
  ["gre", 47],
  ["ipv6", 41],
  ["ipv6-route", 43],
  ["ipv6-frag", 44],
  ["ipv6-nonxt", 59],
  ["ipv6-opts", 60],
  ["hopopt", 0],
  ["ospf", 89],
  ["vrrp", 112],
  ["pim", 103],
  ["l2tp", 115],
  ["dccp", 33],
  ["rsvp", 46],
  ["egp", 8],
  ["pup", 12],
  ["idp", 22],
  ["xtp", 36],
  ["ddp", 37],
  ["idpr-cmtp", 38],
  ["skip", 57],
  ["encap", 98],
  ["etherip", 97],
  ["ipcomp", 108],
  ["isis", 124],
  ["fc", 133],
  ["mpls-in-ip", 137],
  ["manet", 138],
  ["hip", 139],
  ["shim6", 140],
  ["wesp", 141],
  ["rohc", 142],
]);

/** The protocol number for a `-p` value (name or number), or undefined. */
export function protocolNumber(text: string): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    return n <= 255 ? n : undefined;
  }
  return BY_NAME.get(text.toLowerCase());
}

/** How iptables-save prints protocol `n`. */
export function protocolName(n: number): string {
  return SAVE_NAMES.get(n) ?? `${n}`;
}
