/**
 * Protocol names for `-p`. iptables looks names up in its own table first, then /etc/protocols;
 * iptables-save prints the names of its own table and numbers for the rest.
 */

/**
 * Names iptables-save prints: it asks getprotobynumber, i.e. Debian's /etc/protocols (netbase);
 * numbers without a name print as numbers (checked against iptables-nft-save 1.8.9: 47 → gre,
 * 135 → mobility-header, 200 → 200).
 */
const SAVE_NAMES: ReadonlyMap<number, string> = new Map(
  (
    "1 icmp;2 igmp;3 ggp;4 ipencap;5 st;6 tcp;8 egp;9 igp;12 pup;17 udp;20 hmp;22 xns-idp;27 rdp;29 iso-tp4;33 dccp;" +
    "36 xtp;37 ddp;38 idpr-cmtp;41 ipv6;43 ipv6-route;44 ipv6-frag;45 idrp;46 rsvp;47 gre;50 esp;51 ah;57 skip;" +
    "58 ipv6-icmp;59 ipv6-nonxt;60 ipv6-opts;73 rspf;81 vmtp;88 eigrp;89 ospf;93 ax.25;94 ipip;97 etherip;98 encap;" +
    "103 pim;108 ipcomp;112 vrrp;115 l2tp;124 isis;132 sctp;133 fc;135 mobility-header;136 udplite;137 mpls-in-ip;" +
    "138 manet;139 hip;140 shim6;141 wesp;142 rohc;143 ethernet"
  )
    .split(";")
    .map((pair) => {
      const [n, name] = pair.split(" ");
      return [Number(n), name] as [number, string];
    }),
);

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
  ["ip", 0],
  ["mobility-header", 135],
  ["ggp", 3],
  ["st", 5],
  ["igp", 9],
  ["hmp", 20],
  ["xns-idp", 22],
  ["rdp", 27],
  ["iso-tp4", 29],
  ["idrp", 45],
  ["rspf", 73],
  ["vmtp", 81],
  ["eigrp", 88],
  ["ax.25", 93],
  ["ethernet", 143],
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
  // the names nearly every rule uses, without hashing the word
  if (text === "tcp") return 6;
  if (text === "udp") return 17;
  const exact = BY_NAME.get(text);
  if (exact !== undefined) return exact;
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
