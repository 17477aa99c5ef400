/** What the walk's tests share: a small Docker-like host, and a ruleset text compiled for a host. */
import type { Host } from "../../src/host/host.js";
import { hostFromJsonOrThrow } from "../../src/host/json.js";
import { parseRuleset } from "../../src/parse/index.js";
import { compileRuleset, type CompiledRuleset } from "../../src/sim/index.js";

/** eth0 198.51.100.1/24 (default route via .254), bridge docker0 172.17.0.1/16 with port veth1; forwarding and bridge netfilter on. */
export const BRIDGE_HOST = hostFromJsonOrThrow(
  JSON.stringify({
    interfaces: [
      { name: "eth0", addresses: ["198.51.100.1/24"] },
      { name: "docker0", kind: "bridge", addresses: ["172.17.0.1/16"] },
      { name: "veth1", master: "docker0" },
    ],
    routes: [{ dst: "default", via: "198.51.100.254", dev: "eth0" }],
    forwarding: true,
    bridgeNetfilter: true,
  }),
);

/** Parses `text` as `family` (guessed when absent), throws on any error-level issue, and compiles it for `host`. */
export function compileText(text: string, host: Host = BRIDGE_HOST, family?: 4 | 6): CompiledRuleset {
  const { ruleset, issues } = parseRuleset(text, family !== undefined ? { family } : {});
  const errors = issues.filter((i) => i.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => `${e.line}: ${e.message}`).join("\n"));
  return compileRuleset(ruleset, { host });
}

/** A filter table of the given rule lines; INPUT and FORWARD have policy `policy`, OUTPUT ACCEPT. */
export const filterTable = (body: string, policy = "ACCEPT"): string =>
  `*filter\n:INPUT ${policy} [0:0]\n:FORWARD ${policy} [0:0]\n:OUTPUT ACCEPT [0:0]\n${body}\nCOMMIT\n`;
