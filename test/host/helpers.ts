import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { isHostError, type Host, type HostError } from "../../src/host/index.js";
import { parseIp, parseNet, type Family, type IpNet, type IpValue } from "../../src/net/ip.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Reads a fixture file relative to the repository root. */
export function fixture(path: string): string {
  return readFileSync(`${root}${path}`, "utf8");
}

/** Asserts a reader returned a host, and returns it. */
export function ok(r: Host | HostError): Host {
  if (isHostError(r)) expect.fail(`expected a host, got ${r.message}`);
  return r;
}

/** Asserts a reader returned an error, and returns it. */
export function err(r: Host | HostError): HostError {
  if (!isHostError(r)) expect.fail("expected an error, got a host");
  return r;
}

/** An address from text (test input, known good). */
export function ip(text: string): IpValue {
  const f: Family = text.includes(":") ? 6 : 4;
  const v = parseIp(text, f);
  if (v === undefined) throw new Error(`bad test address ${text}`);
  return v;
}

/** A network from text (test input, known good). */
export function net(text: string): IpNet {
  const n = parseNet(text, text.includes(":") ? 6 : 4);
  if (typeof n === "string") throw new Error(n);
  return n;
}
