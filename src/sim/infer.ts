/**
 * The facts about the host that a ruleset reveals (interfaces it names, container subnets paired
 * with bridges, DNAT endpoints), for `inferHost` when the user gives no host.
 */
import type { InferFacts } from "../host/infer.js";
import type { Ruleset } from "../model/ruleset.js";
import type { IpNet, IpValue } from "../net/ip.js";

/**
 * Extracts InferFacts: every `-i`/`-o` name; (subnet, interface) pairs where the rule places an
 * address behind an interface (`-s NET ! -o IF`, `-s NET -i IF`, `-d NET -o IF`, `-d NET ! -i IF`,
 * as Docker writes them); DNAT `--to-destination` addresses as endpoints.
 */
export function inferFacts(ruleset: Ruleset): InferFacts {
  const interfaces: string[] = [];
  const seen = new Set<string>();
  const subnets: { subnet: IpNet; iface: string }[] = [];
  const pairSeen = new Set<string>();
  const endpoints: { addr: IpValue; iface?: string }[] = [];
  const name = (n: string) => {
    if (!seen.has(n)) {
      seen.add(n);
      interfaces.push(n);
    }
  };
  const pair = (subnet: IpNet, iface: string) => {
    if (iface.endsWith("+")) return;
    const k = `${subnet.addr}/${subnet.mask}@${iface}`;
    if (pairSeen.has(k)) return;
    pairSeen.add(k);
    subnets.push({ subnet, iface });
  };
  for (const table of ruleset.tables) {
    for (const chain of table.chains) {
      for (const r of chain.rules) {
        if (r.inInterface) name(r.inInterface.value);
        if (r.outInterface) name(r.outInterface.value);
        const s = r.source && !r.source.invert ? r.source.value : undefined;
        const d = r.destination && !r.destination.invert ? r.destination.value : undefined;
        const i = r.inInterface;
        const o = r.outInterface;
        if (s && o?.invert) pair(s, o.value);
        else if (s && i && !i.invert) pair(s, i.value);
        if (d && o && !o.invert) pair(d, o.value);
        else if (d && i?.invert) pair(d, i.value);
        const t = r.target as { name: string; to?: { addrs?: { min: IpValue } } } | undefined;
        if (t?.name === "DNAT" && t.to?.addrs !== undefined) {
          endpoints.push({ addr: t.to.addrs.min });
        }
      }
    }
  }
  return { family: ruleset.family, interfaces, subnets, endpoints };
}
