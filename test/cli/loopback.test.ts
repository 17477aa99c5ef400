/**
 * `iptrace --local` to an address of the host itself, as a user runs it: the packet is looped
 * back through lo and delivered (or dropped in INPUT), never "sent out on lo"; the text marks
 * where it comes back in, and the JSON trace says `path: "loopback"` with `in`/`out` lo.
 */
import { describe, expect, it } from "vitest";
import type { Trace } from "../../src/sim/index.js";
import { iptrace } from "./helpers.js";

const RULES = "fixtures/cli/loopback.rules";
const LOOPED = "↻ looped back to this host: out on lo, in again on lo (NAT was settled on the way out: nat PREROUTING and INPUT are skipped)";

describe("iptrace --local to this host", () => {
  it("to 127.0.0.1: OUTPUT, POSTROUTING, the loop line, INPUT; delivered, exit 0", () => {
    const r = iptrace(["-f", RULES, "--local", "--dst", "127.0.0.1", "-p", "tcp", "--dport", "80"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    const at = (line: string) => lines.indexOf(line);
    expect(at("OUTPUT")).toBeGreaterThan(0);
    expect(at("POSTROUTING")).toBeGreaterThan(at("OUTPUT"));
    expect(at(LOOPED)).toBeGreaterThan(at("POSTROUTING"));
    expect(at("INPUT")).toBeGreaterThan(at(LOOPED));
    expect(r.stdout).toContain(`${RULES}:14  -A INPUT -i lo -j ACCEPT  → ACCEPT`);
    // nat PREROUTING's REDIRECT of tcp/80 is never met by a packet the host sends itself
    expect(r.stdout).not.toContain("REDIRECT");
    expect(r.stdout).toMatch(/\nACCEPT {2}delivered to this host \(generated on it, looped back through lo\)\n$/);
    expect(r.stdout).not.toContain("sent out on lo");
  });

  it("--json: path loopback, out lo and in lo, the packet as it came back in", () => {
    const r = iptrace(["-f", RULES, "--local", "--dst", "127.0.0.1", "-p", "tcp", "--dport", "80", "--json"]);
    expect(r.status).toBe(0);
    const t = JSON.parse(r.stdout) as Trace;
    expect([t.verdict, t.path, t.in, t.out]).toEqual(["ACCEPT", "loopback", "lo", "lo"]);
    expect(t.arrived).toMatchObject({ src: "127.0.0.1", dst: "127.0.0.1", out: "lo", local: true });
    expect(t.packet).toMatchObject({ src: "127.0.0.1", dst: "127.0.0.1", dport: 80, in: "lo" });
    expect(t.steps.map((s) => `${s.hook}:${s.table}:${s.kind}`)).toEqual([
      "OUTPUT:nat:policy",
      "OUTPUT:filter:policy",
      "POSTROUTING:nat:policy",
      "INPUT:filter:rule",
    ]);
  });

  it("to the host's own address, dropped in INPUT after the loop: exit 1, the rule named", () => {
    const r = iptrace(["-f", RULES, "--local", "--dst", "198.51.100.1", "-p", "tcp", "--dport", "25"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(LOOPED);
    expect(r.stdout).toMatch(/\nDROP {2}dropped by filter INPUT rule at fixtures\/cli\/loopback\.rules:13\n$/);
  });

  it("DNAT in OUTPUT to 127.0.0.1: delivered, shown as the packet it became", () => {
    const r = iptrace(["-f", RULES, "--local", "--dst", "203.0.113.10", "-p", "tcp", "--dport", "8080"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("DNAT 203.0.113.10:8080 → 127.0.0.1:80");
    expect(r.stdout).toContain(LOOPED);
    expect(r.stdout).toMatch(/\nACCEPT {2}delivered to this host \(generated on it, looped back through lo\) {2}as tcp 198\.51\.100\.1:40000 → 127\.0\.0\.1:80 \[SYN\]\n$/);
    const t = JSON.parse(iptrace(["-f", RULES, "--local", "--dst", "203.0.113.10", "-p", "tcp", "--dport", "8080", "--json"]).stdout) as Trace;
    expect([t.path, t.in, t.out, t.nat.map((n) => `${n.kind} ${n.hook} ${n.from} → ${n.to}`)]).toEqual([
      "loopback", "lo", "lo", ["DNAT OUTPUT 203.0.113.10:8080 → 127.0.0.1:80"],
    ]);
  });

  it("a 127.0.0.1 source to an address outside: the kernel refuses it before any hook, and says why", () => {
    const r = iptrace(["-f", RULES, "--local", "--src", "127.0.0.1", "--dst", "203.0.113.10", "-p", "tcp", "--dport", "443"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\nDROP {2}dropped: the source 127\.0\.0\.1 is a loopback address and the route to 203\.0\.113\.10 leaves through eth0 \(the kernel refuses it: EINVAL\): the socket call fails before any hook\n$/);
    expect(r.stdout).toContain("route_localnet: assumed 0");
  });

  it("--batch: one line per packet, the loopback ones delivered", () => {
    const lines = [
      JSON.stringify({ local: true, dst: "127.0.0.1", proto: "tcp", dport: 80 }),
      JSON.stringify({ local: true, dst: "127.0.0.1", proto: "tcp", dport: 25 }),
    ].join("\n");
    const r = iptrace(["-f", RULES, "--batch", "-"], { stdin: `${lines}\n` });
    expect(r.stdout.split("\n").filter(Boolean)).toEqual([
      "1: tcp 127.0.0.1:40000 → 127.0.0.1:80 [SYN]  ACCEPT  delivered to this host (generated on it, looped back through lo)",
      "2: tcp 127.0.0.1:40000 → 127.0.0.1:25 [SYN]  DROP  dropped by filter INPUT rule at fixtures/cli/loopback.rules:13",
    ]);
  });
});
