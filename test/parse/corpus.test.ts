/**
 * Every real ruleset in fixtures/corpus parses with no error-level issue, and every one written by
 * iptables-save prints back byte for byte.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRuleset, printRuleset } from "../../src/index.js";

const root = join(import.meta.dirname, "../../fixtures/corpus");

function rulesFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return rulesFiles(p);
    return name.endsWith(".rules") ? [p] : [];
  });
}

const files = rulesFiles(root);
/** iptables-restore input (kube-proxy's), not iptables-save output: it is not canonical by design. */
const restoreInput = (f: string) => f.includes("/kubernetes/");

describe("corpus", () => {
  it("holds the shared corpus", () => {
    expect(files.length).toBeGreaterThanOrEqual(41);
  });

  for (const file of files) {
    const name = relative(root, file);
    it(`parses ${name} with no errors`, () => {
      const { issues } = parseRuleset(readFileSync(file, "utf8"), { source: name });
      expect(issues.filter((i) => i.severity === "error")).toEqual([]);
    });
    if (!restoreInput(file)) {
      it(`prints ${name} back byte for byte`, () => {
        const text = readFileSync(file, "utf8");
        const { ruleset } = parseRuleset(text, { source: name });
        expect(printRuleset(ruleset, { counters: true, header: true })).toBe(text);
      });
    }
  }

  it("reads the v6 Docker files as IPv6 without being told", () => {
    const f = files.find((x) => x.endsWith(".v6.rules") && x.includes("gwm=nat_"));
    expect(f).toBeDefined();
    expect(parseRuleset(readFileSync(f as string, "utf8")).ruleset.family).toBe(6);
  });

  it("builds kube-proxy's restore input into the kernel's canonical rule text", () => {
    const text = readFileSync(join(root, "kubernetes/k8s-proxier-test-overall.rules"), "utf8");
    const { ruleset } = parseRuleset(text);
    const out = printRuleset(ruleset);
    // restore input gains /32, the implicit -m tcp moves after -p, and iptables-save quotes comments
    expect(out).toContain(
      '-A KUBE-SERVICES -d 172.30.0.41/32 -p tcp -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O',
    );
    // builtin chains that the input never declared exist, with policy ACCEPT
    expect(out).toMatch(/^\*nat\n:PREROUTING ACCEPT \[0:0\]\n:INPUT ACCEPT \[0:0\]\n:OUTPUT ACCEPT \[0:0\]\n:POSTROUTING ACCEPT \[0:0\]\n/m);
  });
});
