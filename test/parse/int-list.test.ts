/** IntList, the parser's chunked list of numbers: every number back at its index, across chunks. */
import { describe, expect, it } from "vitest";
import { IntList } from "../../src/parse/int-list.js";

describe("IntList", () => {
  it("gives back every number at its index, across several chunks", () => {
    const list = new IntList();
    const n = 3 * 4096 + 17;
    for (let k = 0; k < n; k++) list.push(k * 7 - 5000);
    expect(list.length).toBe(n);
    for (let k = 0; k < n; k++) if (list.at(k) !== k * 7 - 5000) expect.fail(`at(${k}) is ${list.at(k)}`);
  });

  it("holds a chunk's worth exactly, and 32-bit numbers", () => {
    const list = new IntList();
    for (let k = 0; k < 4096; k++) list.push(k === 0 ? -2147483648 : k === 4095 ? 2147483647 : k);
    expect(list.length).toBe(4096);
    expect([list.at(0), list.at(1), list.at(4095)]).toEqual([-2147483648, 1, 2147483647]);
  });
});
