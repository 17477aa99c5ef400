/**
 * Parsing and printing keep nothing of the caller's input once the caller lets go of it and of
 * the model. The model's strings are slices of the input, so anything the parser or printer kept
 * between calls (the reader's last values, a module's last comment, the grammar's last tokens,
 * RegExp's last match) would keep the whole input alive: 16 MB for a 10,000-service dump.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect, it } from "vitest";
import { parseRuleset, printRuleset } from "../../src/index.js";

// a kube-proxy dump, and a table whose chain line (tab-separated) only the grammar path reads
const block =
  readFileSync(join(import.meta.dirname, "../../fixtures/corpus/kubernetes/k8s-proxier-test-overall.rules"), "utf8") +
  "*raw\n:PREROUTING ACCEPT [0:0]\n:READ-BY-THE-GRAMMAR\t-\t[0:0]\n-A PREROUTING -j READ-BY-THE-GRAMMAR\nCOMMIT\n";
const COPIES = 1000; // ~9 MB of text

it("keeps nothing of the input after parseRuleset and printRuleset return and the model is dropped", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const heap = () => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  // only this function's frame holds the text and the model
  const parseAndPrint = (copies: number) => {
    const text = block.repeat(copies);
    const { ruleset, issues } = parseRuleset(text);
    expect(issues.filter((i) => i.severity === "error")).toEqual([]);
    return printRuleset(ruleset).length;
  };
  // a smaller call first loads and compiles what the big one reuses (and would keep 1/20 as much)
  parseAndPrint(COPIES / 20);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const before = heap();
  expect(parseAndPrint(COPIES)).toBeGreaterThan(block.length);
  // a turn of the event loop lets go of the handles the call left on the stack
  await new Promise((resolve) => setTimeout(resolve, 0));
  const kept = heap() - before;
  expect(kept, `${(kept / 2 ** 20).toFixed(1)} MB kept after the call (the input is ${((block.length * COPIES) / 2 ** 20).toFixed(1)} MB)`).toBeLessThan(2 ** 20);
});
