// Generates the benchmark inputs, seeded, in iptables-save canonical form (what the kernel's
// iptables-save v1.8.9 prints back after iptables-restore), so that iptables-nft-restore --test
// and iptrace read exactly the same file.
//
//   node bench/gen.mjs [outdir]      (default bench/.data)
//
// Writes k8s-100.rules, k8s-1000.rules, k8s-10000.rules, the IPv6 k8s6-10000.rules (what
// ip6tables-nft-save prints), docker-200.rules and, for each, a .packets.json listing real
// service addresses and ports to trace.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const SERVICE_COUNTS = [100, 1000, 10000];
/** The IPv6 (ip6tables) kube-proxy input, at the largest size only. */
export const SERVICE_COUNT_V6 = 10000;
/** The kube-proxy input with some 150,000 rules: the size issue #2 asks to parse "well under a second". */
export const SERVICE_COUNT_150K = 13700;
export const DOCKER_NETWORKS = 200;
export const DOCKER_PORTS = 1000;
/** Bump when the generated text changes, so that cached inputs are regenerated. */
export const GENERATOR_VERSION = 7;

/** mulberry32: a small seeded PRNG, so every run gets the same inputs. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** kube-proxy's chain suffix: base32(sha256(servicePortName + protocol [+ endpoint]))[:16]. */
function kubeHash(s) {
  const bytes = createHash("sha256").update(s).digest();
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 16) break;
  }
  return out;
}

const ip = (n) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
/** How iptables-save prints a statistic probability: the kernel keeps it as a fraction of 2^31. */
const probability = (p) => (Math.round(p * 0x80000000) / 0x80000000).toFixed(11);
/** iptables-save quotes a comment only when it has characters that need it. */
const comment = (c) => (/^[A-Za-z0-9_-]+$/.test(c) ? c : `"${c}"`);
/** iptables-save lists user chains sorted by name (strcmp). */
const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A kube-proxy (iptables mode) ruleset with `n` ClusterIP services of three endpoints each; with
 * `family` 6 the ip6tables one (the same services, addresses in fd00::/8, no localnet rule).
 */
export function kubernetes(n, seed = 1, family = 4) {
  const v6 = family === 6;
  // IPv6: the IPv4 address's low 16 bits under its second octet (services fd00:1e::, pods fd00:b4::)
  const addr = (n) => (v6 ? `fd00:${((n >>> 16) & 255).toString(16)}::${(n & 0xffff).toString(16)}` : ip(n));
  const host = v6 ? 128 : 32;
  const rand = rng(seed * 7919 + n);
  const ports = [80, 443, 8080, 8443, 53, 9090, 3000, 5432, 6379, 27017];
  const usedIp = new Set();
  const usedPod = new Set();
  const services = [];
  for (let s = 0; s < n; s++) {
    let vip;
    do vip = (172 << 24) | (30 << 16) | (1 + Math.floor(rand() * 65000));
    while (usedIp.has(vip));
    usedIp.add(vip);
    const port = ports[Math.floor(rand() * ports.length)];
    const targetPort = rand() < 0.5 ? port : 8000 + Math.floor(rand() * 1000);
    const ns = `ns${Math.floor(rand() * Math.max(1, n / 20))}`;
    const name = `${ns}/svc${s}:p${port}`;
    const svcHash = kubeHash(name + "tcp");
    const endpoints = [];
    for (let e = 0; e < 3; e++) {
      let pod;
      do pod = ((10 << 24) | (180 << 16) | Math.floor(rand() * 65534)) + 1;
      while (usedPod.has(pod) && usedPod.size < 60000);
      usedPod.add(pod);
      const ep = v6 ? `[${addr(pod)}]:${targetPort}` : `${ip(pod)}:${targetPort}`;
      endpoints.push({ pod, ep, sep: `KUBE-SEP-${kubeHash(name + "tcp" + ep)}` });
    }
    services.push({ vip, port, targetPort, name, svc: `KUBE-SVC-${svcHash}`, endpoints });
  }

  const out = [];
  out.push("*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]");
  const filterChains = ["KUBE-EXTERNAL-SERVICES", "KUBE-FIREWALL", "KUBE-FORWARD", "KUBE-KUBELET-CANARY", "KUBE-NODEPORTS", "KUBE-PROXY-CANARY", "KUBE-PROXY-FIREWALL", "KUBE-SERVICES"];
  for (const c of filterChains.sort(byName)) out.push(`:${c} - [0:0]`);
  out.push(
    `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
    `-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS`,
    `-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
    `-A INPUT -j KUBE-FIREWALL`,
    `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
    `-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD`,
    `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
    `-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES`,
    `-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL`,
    `-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
    `-A OUTPUT -j KUBE-FIREWALL`,
    ...(v6 ? [] : [`-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`]),
    `-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP`,
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT`,
    `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    "COMMIT",
  );

  out.push("*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]");
  const chains = ["KUBE-MARK-MASQ", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-SERVICES"];
  for (const s of services) {
    chains.push(s.svc);
    for (const e of s.endpoints) chains.push(e.sep);
  }
  chains.sort(byName);
  for (const c of chains) out.push(`:${c} - [0:0]`);
  // rules, chain by chain in the order iptables-save lists the chains
  const rules = new Map(chains.map((c) => [c, []]));
  const add = (chain, rest) => rules.get(chain).push(`-A ${chain} ${rest}`);
  out.push(
    `-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
    `-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`,
    `-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING`,
  );
  add("KUBE-MARK-MASQ", "-j MARK --set-xmark 0x4000/0x4000");
  add("KUBE-POSTROUTING", "-m mark ! --mark 0x4000/0x4000 -j RETURN");
  add("KUBE-POSTROUTING", "-j MARK --set-xmark 0x4000/0x0");
  add("KUBE-POSTROUTING", `-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully`);
  for (const s of services) {
    const dst = `-d ${addr(s.vip)}/${host} -p tcp`;
    const cm = comment(`${s.name} cluster IP`);
    add("KUBE-SERVICES", `${dst} -m comment --comment ${cm} -m tcp --dport ${s.port} -j ${s.svc}`);
    add(s.svc, `! -s ${v6 ? "fd00::/8" : "10.0.0.0/8"} ${dst} -m comment --comment ${cm} -m tcp --dport ${s.port} -j KUBE-MARK-MASQ`);
    s.endpoints.forEach((e, k) => {
      const left = s.endpoints.length - k;
      const stat = left > 1 ? ` -m statistic --mode random --probability ${probability(1 / left)}` : "";
      add(s.svc, `-m comment --comment ${comment(`${s.name} -> ${e.ep}`)}${stat} -j ${e.sep}`);
      add(e.sep, `-s ${addr(e.pod)}/${host} -m comment --comment ${comment(s.name)} -j KUBE-MARK-MASQ`);
      add(e.sep, `-p tcp -m comment --comment ${comment(s.name)} -m tcp -j DNAT --to-destination ${e.ep}`);
    });
  }
  add("KUBE-SERVICES", `-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);
  for (const c of chains) for (const r of rules.get(c)) out.push(r);
  out.push("COMMIT");

  const packets = services.map((s) => ({ src: v6 ? "fd00:244::1:7" : "10.244.1.7", dst: addr(s.vip), proto: "tcp", sport: 40000 + (s.vip & 0x3fff), dport: s.port, endpoints: s.endpoints.map((e) => e.ep) }));
  return { text: out.join("\n") + "\n", packets, hook: "PREROUTING" };
}

/** A Docker 28.5 host: `networks` user bridges and `ports` published ports spread over them. */
export function docker(networks = DOCKER_NETWORKS, ports = DOCKER_PORTS, seed = 1) {
  const rand = rng(seed * 104729 + networks);
  const nets = [];
  for (let k = 0; k < networks; k++) {
    const hex = Array.from({ length: 12 }, () => "0123456789abcdef"[Math.floor(rand() * 16)]).join("");
    const base = (10 << 24) | ((100 + (k >> 8)) << 16) | ((k & 255) << 8);
    nets.push({ br: `br-${hex}`, subnet: `${ip(base)}/24`, base, published: [] });
  }
  const hostPorts = new Set();
  for (let p = 0; p < ports; p++) {
    const net = nets[p % networks];
    const container = net.base + 2 + Math.floor(p / networks);
    let hp;
    do hp = 10000 + Math.floor(rand() * 50000);
    while (hostPorts.has(hp));
    hostPorts.add(hp);
    const cport = [80, 443, 8080, 5432, 6379][Math.floor(rand() * 5)];
    net.published.push({ container, hp, cport });
  }
  const out = [];
  out.push("*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]");
  for (const n of nets) for (const p of n.published) out.push(`-A PREROUTING -d ${ip(p.container)}/32 ! -i ${n.br} -j DROP`);
  out.push("COMMIT");

  out.push("*filter", ":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]");
  for (const c of ["DOCKER", "DOCKER-BRIDGE", "DOCKER-CT", "DOCKER-FORWARD", "DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2", "DOCKER-USER"]) out.push(`:${c} - [0:0]`);
  out.push("-A FORWARD -j DOCKER-USER", "-A FORWARD -j DOCKER-FORWARD");
  for (const n of nets) {
    for (const p of n.published) out.push(`-A DOCKER -d ${ip(p.container)}/32 ! -i ${n.br} -o ${n.br} -p tcp -m tcp --dport ${p.cport} -j ACCEPT`);
  }
  for (const n of nets) out.push(`-A DOCKER ! -i ${n.br} -o ${n.br} -j DROP`);
  for (const n of nets) out.push(`-A DOCKER-BRIDGE -o ${n.br} -j DOCKER`);
  for (const n of nets) out.push(`-A DOCKER-CT -o ${n.br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  out.push("-A DOCKER-FORWARD -j DOCKER-CT", "-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1", "-A DOCKER-FORWARD -j DOCKER-BRIDGE");
  for (const n of nets) out.push(`-A DOCKER-FORWARD -i ${n.br} -j ACCEPT`);
  for (const n of nets) out.push(`-A DOCKER-ISOLATION-STAGE-1 -i ${n.br} ! -o ${n.br} -j DOCKER-ISOLATION-STAGE-2`);
  for (const n of nets) out.push(`-A DOCKER-ISOLATION-STAGE-2 -o ${n.br} -j DROP`);
  out.push("COMMIT");

  out.push("*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", ":DOCKER - [0:0]");
  out.push("-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER", "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER");
  for (const n of nets) out.push(`-A POSTROUTING -s ${n.subnet} ! -o ${n.br} -j MASQUERADE`);
  for (const n of nets) out.push(`-A DOCKER -i ${n.br} -j RETURN`);
  for (const n of nets) for (const p of n.published) out.push(`-A DOCKER ! -i ${n.br} -p tcp -m tcp --dport ${p.hp} -j DNAT --to-destination ${ip(p.container)}:${p.cport}`);
  out.push("COMMIT");

  const packets = [];
  for (const n of nets) for (const p of n.published) packets.push({ src: "203.0.113.9", dst: "198.51.100.1", proto: "tcp", sport: 50000 + (p.hp % 10000), dport: p.hp, in: "eth0", endpoints: [`${ip(p.container)}:${p.cport}`] });
  return { text: out.join("\n") + "\n", packets, hook: "PREROUTING" };
}

/** All inputs: name → { text, packets, hook }. */
export function* allInputs() {
  for (const n of SERVICE_COUNTS) yield [`k8s-${n}`, () => kubernetes(n)];
  yield [`k8s6-${SERVICE_COUNT_V6}`, () => kubernetes(SERVICE_COUNT_V6, 1, 6)];
  yield [`k8s-${SERVICE_COUNT_150K}`, () => kubernetes(SERVICE_COUNT_150K)];
  yield [`docker-${DOCKER_NETWORKS}`, () => docker()];
}

export function writeInputs(dir) {
  mkdirSync(dir, { recursive: true });
  const files = {};
  for (const [name, make] of allInputs()) {
    const { text, packets, hook } = make();
    const file = join(dir, `${name}.rules`);
    writeFileSync(file, text);
    writeFileSync(join(dir, `${name}.packets.json`), JSON.stringify({ hook, packets }));
    files[name] = file;
  }
  writeFileSync(join(dir, "VERSION"), String(GENERATOR_VERSION));
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? "bench/.data";
  const files = writeInputs(dir);
  for (const f of Object.values(files)) console.log(f);
}
