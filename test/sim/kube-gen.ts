/**
 * Generates a kube-proxy (iptables mode) ruleset in iptables-save form with N ClusterIP services,
 * each with a NodePort and E endpoints, shaped like kube-proxy's own output: the builtin-chain
 * jumps, KUBE-SERVICES with one `-d IP/32 -p tcp -m comment … -m tcp --dport P -j KUBE-SVC-…`
 * rule per service, KUBE-SVC chains with `statistic --mode random` per endpoint, KUBE-SEP chains
 * with DNAT, the 0x4000 masquerade mark. For tests and the benchmark.
 */

/** The ClusterIP of service `i` (172.30.0.0/16 and up, skipping .0 and .255 ends is not needed for /32s). */
export function clusterIp(i: number): string {
  const n = (172 << 24) + (30 << 16) + 1 + i;
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The address of endpoint `j` of service `i` (10.128.0.0/9). */
export function endpointIp(i: number, j: number): string {
  const n = (10 << 24) + (128 << 16) + i * 8 + j + 1;
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The NodePort of service `i`. */
export function nodePort(i: number): number {
  return 30000 + (i % 2768);
}

function hash(kind: string, i: number, j = 0): string {
  // 16 upper-case base32-ish characters, stable per (kind, i, j)
  let h = 2166136261 ^ (i * 7919 + j * 104729);
  for (let k = 0; k < kind.length; k++) h = Math.imul(h ^ kind.charCodeAt(k), 16777619) >>> 0;
  let s = "";
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  for (let k = 0; k < 16; k++) {
    h = Math.imul(h ^ (h >>> 13), 16777619) >>> 0;
    s += abc[h & 31];
  }
  return s;
}

/** The probability text kube-proxy writes for endpoint j of n (1/(n-j), ten decimals as iptables-save prints 11). */
function probability(n: number, j: number): string {
  return (1 / (n - j)).toFixed(11);
}

/** A kube-proxy ruleset with `services` services of `endpoints` endpoints each. */
export function kubeRuleset(services: number, endpoints = 3): string {
  const filter: string[] = [
    "*filter",
    ":INPUT ACCEPT [0:0]",
    ":FORWARD ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":KUBE-FORWARD - [0:0]",
    ":KUBE-SERVICES - [0:0]",
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    "COMMIT",
  ];
  const chains: string[] = [":KUBE-MARK-MASQ - [0:0]", ":KUBE-NODEPORTS - [0:0]", ":KUBE-POSTROUTING - [0:0]", ":KUBE-SERVICES - [0:0]"];
  const svcRules: string[] = [];
  const nodeRules: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < services; i++) {
    const name = `ns${i}/svc${i}:p80`;
    const svc = `KUBE-SVC-${hash("svc", i)}`;
    const ext = `KUBE-EXT-${hash("ext", i)}`;
    chains.push(`:${svc} - [0:0]`, `:${ext} - [0:0]`);
    svcRules.push(`-A KUBE-SERVICES -d ${clusterIp(i)}/32 -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport 80 -j ${svc}`);
    nodeRules.push(`-A KUBE-NODEPORTS -p tcp -m comment --comment ${name} -m tcp --dport ${nodePort(i)} -j ${ext}`);
    rest.push(`-A ${ext} -m comment --comment "masquerade traffic for ${name} external destinations" -j KUBE-MARK-MASQ`);
    rest.push(`-A ${ext} -j ${svc}`);
    rest.push(`-A ${svc} ! -s 10.0.0.0/8 -d ${clusterIp(i)}/32 -p tcp -m comment --comment "${name} cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ`);
    for (let j = 0; j < endpoints; j++) {
      const sep = `KUBE-SEP-${hash("sep", i, j)}`;
      chains.push(`:${sep} - [0:0]`);
      const ep = endpointIp(i, j);
      const last = j === endpoints - 1;
      rest.push(`-A ${svc} -m comment --comment "${name} -> ${ep}:80"${last ? "" : ` -m statistic --mode random --probability ${probability(endpoints, j)}`} -j ${sep}`);
      rest.push(`-A ${sep} -s ${ep}/32 -m comment --comment ${name} -j KUBE-MARK-MASQ`);
      rest.push(`-A ${sep} -p tcp -m comment --comment ${name} -m tcp -j DNAT --to-destination ${ep}:80`);
    }
  }
  const nat: string[] = [
    "*nat",
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    ...chains,
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
    "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
    "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ...svcRules,
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
    ...nodeRules,
    ...rest,
    "COMMIT",
  ];
  return [...filter, ...nat].join("\n") + "\n";
}
