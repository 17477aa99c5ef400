/**
 * limit, hashlimit, recent, quota, connlimit, connbytes, time: typed forms, errors, and semantics
 * through env.assume. Saved forms were checked against iptables-nft-save 1.8.9 (batch-b-forms.test.ts,
 * fixtures/kernel-save/{limit-hashlimit,recent,misc-matches}).
 */
import { describe, expect, it } from "vitest";
import { CtState } from "../../../src/sim/packet.js";
import { makeEnv, makePacket } from "../packet.js";
import { col, errorsOf, firstRuleLine, savedForm, testOf, typed } from "./rules.js";

const p = makePacket();

describe("limit", () => {
  it("stores the kernel's period and burst", () => {
    expect(typed("-A INPUT -m limit --limit 5/minute --limit-burst 7", "limit")).toEqual({ module: "limit", avg: 120000, burst: 7 });
    expect(typed("-A INPUT -m limit", "limit")).toEqual({ module: "limit", avg: 12000000, burst: 5 });
  });
  it("normalises rates as iptables-save does", () => {
    expect(savedForm("-A INPUT -m limit --limit 60/min")).toBe("-A INPUT -m limit --limit 1/sec");
    expect(savedForm("-A INPUT -m limit --limit 5/min --limit-burst 5")).toBe("-A INPUT -m limit --limit 5/min");
    expect(savedForm("-A INPUT -m limit --limit 2/d")).toBe("-A INPUT -m limit --limit 2/day");
  });
  it("refuses bad rates and bursts at the value", () => {
    const r = "-A INPUT -m limit --limit 5/fortnight";
    expect(errorsOf(r)[0]).toMatchObject({ code: "bad-value", line: firstRuleLine(), column: col(r, "5/fortnight") });
    expect(errorsOf("-A INPUT -m limit --limit 1000000/s")[0]?.message).toMatch(/too fast/);
    const b = "-A INPUT -m limit --limit-burst 10001";
    expect(errorsOf(b)[0]).toMatchObject({ column: col(b, "10001") });
  });
  it("matches as assumed", () => {
    const within = testOf("-A INPUT -m limit --limit 1/s", "limit");
    expect(within.test(p)).toBe(true);
    expect(within.assumption).toMatch(/within/);
    expect(testOf("-A INPUT -m limit --limit 1/s", "limit", {}, makeEnv({ withinLimit: false })).test(p)).toBe(false);
  });
});

describe("hashlimit", () => {
  it("types --hashlimit-upto and the old --hashlimit", () => {
    expect(typed("-A INPUT -m hashlimit --hashlimit 5/sec --hashlimit-name x --hashlimit-mode dstport,srcip", "hashlimit")).toEqual({
      module: "hashlimit",
      above: false,
      bytes: false,
      avg: 200000,
      burst: 5,
      mode: ["srcip", "dstport"],
      name: "x",
      htableSize: 0,
      htableMax: 0,
      htableGcInterval: 1000,
      htableExpire: 1000,
      srcMask: 32,
      dstMask: 32,
      rateMatch: false,
      rateInterval: 0,
    });
  });
  it("prints the kernel's normal forms", () => {
    expect(savedForm("-A INPUT -m hashlimit ! --hashlimit-upto 5 --hashlimit-name a")).toBe("-A INPUT -m hashlimit --hashlimit-above 5/sec --hashlimit-burst 5 --hashlimit-name a");
    expect(savedForm("-A INPUT -m hashlimit --hashlimit-upto 60/min --hashlimit-name a")).toBe(
      "-A INPUT -m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 60000",
    );
    expect(savedForm("-A INPUT -m hashlimit --hashlimit-upto 1000b/s --hashlimit-name a")).toBe("-A INPUT -m hashlimit --hashlimit-upto 992b/s --hashlimit-name a");
    expect(savedForm("-A INPUT -m hashlimit --hashlimit-above 512kb/s --hashlimit-burst 1mb --hashlimit-name b")).toBe(
      "-A INPUT -m hashlimit --hashlimit-above 512kb/s --hashlimit-burst 1mb --hashlimit-name b",
    );
    expect(savedForm("-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name h --hashlimit-srcmask 64", { family: 6 })).toBe(
      "-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name h --hashlimit-srcmask 64",
    );
  });
  it("refuses a missing name, bad modes and bursts", () => {
    const r = "-A INPUT -m hashlimit --hashlimit-upto 5/s -j ACCEPT";
    expect(errorsOf(r)[0]).toMatchObject({ code: "missing-value", column: col(r, "hashlimit") });
    const m = "-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name a --hashlimit-mode srcmac";
    expect(errorsOf(m)[0]).toMatchObject({ code: "bad-value", column: col(m, "srcmac") });
    const b = "-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name a --hashlimit-burst 0";
    expect(errorsOf(b)[0]).toMatchObject({ column: col(b, "0", col(b, "--hashlimit-burst")) });
    expect(errorsOf("-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-above 5/s --hashlimit-name a")).toHaveLength(1);
  });
  it("upto matches within the rate, above over it", () => {
    expect(testOf("-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name a", "hashlimit").test(p)).toBe(true);
    expect(testOf("-A INPUT -m hashlimit --hashlimit-above 5/s --hashlimit-name a", "hashlimit").test(p)).toBe(false);
    const over = makeEnv({ withinLimit: false });
    expect(testOf("-A INPUT -m hashlimit --hashlimit-above 5/s --hashlimit-name a", "hashlimit", {}, over).test(p)).toBe(true);
  });
});

describe("recent", () => {
  it("types the command and defaults (name DEFAULT, full mask, source)", () => {
    expect(typed("-A INPUT -m recent --set", "recent")).toEqual({
      module: "recent", command: "set", invert: false, name: "DEFAULT", seconds: 0, reap: false, hitcount: 0, rttl: false, side: "source", mask: 0xffffffff,
    });
  });
  it("prints the kube-proxy forms as the kernel does", () => {
    expect(savedForm("-A INPUT -m recent --name KUBE-SEP-X --set")).toBe("-A INPUT -m recent --set --name KUBE-SEP-X --mask 255.255.255.255 --rsource");
    expect(savedForm("-A INPUT -m recent --name KUBE-SEP-X --rcheck --seconds 10800 --reap")).toBe(
      "-A INPUT -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource",
    );
    expect(savedForm("-A INPUT -m recent --set --name v6", { family: 6 })).toBe("-A INPUT -m recent --set --name v6 --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource");
  });
  it("refuses two commands, --reap without --seconds, --seconds with --set", () => {
    const two = "-A INPUT -m recent --set --rcheck";
    expect(errorsOf(two)[0]).toMatchObject({ line: firstRuleLine(), column: col(two, "--rcheck") });
    const reap = "-A INPUT -m recent --rcheck --reap";
    expect(errorsOf(reap)[0]).toMatchObject({ column: col(reap, "--reap") });
    expect(errorsOf("-A INPUT -m recent --set --seconds 5")).toHaveLength(1);
    const name = "-A INPUT -m recent --set --name a/b";
    expect(errorsOf(name)[0]).toMatchObject({ column: col(name, "a/b") });
  });
  it("--set matches; --rcheck/--update/--remove match when the list holds the address", () => {
    const set = testOf("-A INPUT -m recent --set --name X", "recent");
    expect(set.test(p)).toBe(true);
    expect(set.assumption).toMatch(/added to recent list "X"/);
    expect(testOf("-A INPUT -m recent ! --set --name X", "recent").test(p)).toBe(false);
    const env = makeEnv({ recentLists: ["X"] });
    expect(testOf("-A INPUT -m recent --rcheck --seconds 10800 --reap --name X", "recent", {}, env).test(p)).toBe(true);
    expect(testOf("-A INPUT -m recent --rcheck --name Y", "recent", {}, env).test(p)).toBe(false);
    expect(testOf("-A INPUT -m recent ! --update --name Y", "recent", {}, env).test(p)).toBe(true);
    expect(testOf("-A INPUT -m recent --remove --name X", "recent", {}, env).test(p)).toBe(true);
    expect(testOf("-A INPUT -m recent --remove --name Y", "recent", {}, env).test(p)).toBe(false);
  });
});

describe("quota", () => {
  it("types, prints and tests against the packet length", () => {
    expect(typed("-A INPUT -m quota ! --quota 50", "quota")).toEqual({ module: "quota", quota: { value: 50n, invert: true } });
    expect(savedForm("-A INPUT -m quota --quota 18446744073709551615")).toBe("-A INPUT -m quota --quota 18446744073709551615");
    const r = "-A INPUT -m quota --quota -1";
    expect(errorsOf(r)[0]).toMatchObject({ code: "bad-value", column: col(r, "-1") });
    const t = testOf("-A INPUT -m quota --quota 100", "quota").test;
    expect(t(makePacket({ length: 60 }))).toBe(true);
    expect(t(makePacket({ length: 1500 }))).toBe(false);
    expect(testOf("-A INPUT -m quota --quota 100", "quota", {}, makeEnv({ quotaExceeded: true })).test(makePacket({ length: 60 }))).toBe(false);
    expect(testOf("-A INPUT -m quota ! --quota 100", "quota", {}, makeEnv({ quotaExceeded: true })).test(p)).toBe(true);
  });
});

describe("connlimit", () => {
  it("folds ! --connlimit-upto into --connlimit-above", () => {
    expect(typed("-A INPUT -p tcp -m connlimit ! --connlimit-upto 3 --connlimit-mask 24", "connlimit")).toEqual({ module: "connlimit", limit: 3, above: true, mask: 24, daddr: false });
    expect(savedForm("-A INPUT -p tcp -m connlimit ! --connlimit-above 3 --connlimit-daddr")).toBe("-A INPUT -p tcp -m connlimit --connlimit-upto 3 --connlimit-mask 32 --connlimit-daddr");
  });
  it("refuses a missing limit and a mask over the address size", () => {
    const r = "-A INPUT -m connlimit --connlimit-mask 24 -j DROP";
    expect(errorsOf(r)[0]).toMatchObject({ code: "missing-value", column: col(r, "connlimit") });
    const m = "-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask 33";
    expect(errorsOf(m)[0]).toMatchObject({ column: col(m, "33") });
    expect(errorsOf("-A INPUT -m connlimit --connlimit-above 1 --connlimit-mask 128", { family: 6 })).toEqual([]);
  });
  it("counts the assumed connections plus this one when it is new", () => {
    const above = "-A INPUT -m connlimit --connlimit-above 2";
    expect(testOf(above, "connlimit").test(p)).toBe(false);
    const env = makeEnv({ connections: 2 });
    expect(testOf(above, "connlimit", {}, env).test(makePacket({ ctState: CtState.NEW }))).toBe(true);
    expect(testOf(above, "connlimit", {}, env).test(makePacket({ ctState: CtState.ESTABLISHED }))).toBe(false);
    expect(testOf("-A INPUT -m connlimit --connlimit-upto 2", "connlimit", {}, env).test(makePacket({ ctState: CtState.ESTABLISHED }))).toBe(true);
  });
});

describe("connbytes", () => {
  it("types 64-bit ranges (open ends are 2^64-1)", () => {
    expect(typed("-A INPUT -m connbytes --connbytes 10000: --connbytes-dir both --connbytes-mode bytes", "connbytes")).toEqual({
      module: "connbytes",
      count: { value: { min: 10000n, max: 18446744073709551615n }, invert: false },
      dir: "both",
      mode: "bytes",
    });
  });
  it("refuses a missing direction and a reversed range", () => {
    const r = "-A INPUT -m connbytes --connbytes 5 --connbytes-mode bytes";
    expect(errorsOf(r)[0]).toMatchObject({ code: "missing-value", column: col(r, "connbytes") });
    const rev = "-A INPUT -m connbytes --connbytes 9:5 --connbytes-dir both --connbytes-mode bytes";
    expect(errorsOf(rev)[0]).toMatchObject({ column: col(rev, "9:5") });
  });
  it("compares the assumed count", () => {
    const rule = "-A INPUT -m connbytes --connbytes 10:20 --connbytes-dir original --connbytes-mode packets";
    expect(testOf(rule, "connbytes").test(p)).toBe(false);
    expect(testOf(rule, "connbytes", {}, makeEnv({ connbytes: 15 })).test(p)).toBe(true);
    expect(testOf(rule.replace("--connbytes 10", "! --connbytes 10"), "connbytes", {}, makeEnv({ connbytes: 15 })).test(p)).toBe(false);
  });
});

describe("time", () => {
  it("stores the kernel's numbers, with ! folded into the day bits", () => {
    expect(typed("-A INPUT -m time --timestart 08:00 --timestop 18:00 ! --weekdays Sat,Sun --kerneltz", "time")).toEqual({
      module: "time",
      daytimeStart: 28800,
      daytimeStop: 64800,
      weekdays: 0x3e,
      monthdays: 0xfffffffe,
      dateStart: 0,
      dateStop: 2147483647,
      kerneltz: true,
      contiguous: false,
    });
  });
  it("prints the default --datestop and --timestop as iptables-save 1.8.9 does", () => {
    expect(savedForm("-A INPUT -m time --utc --timestart 1:2:3")).toBe("-A INPUT -m time --timestart 01:02:03 --timestop 23:59:59 --datestop 2038-01-19T03:14:07");
    expect(savedForm("-A INPUT -m time --datestart 2020-01-01 --datestop 2021")).toBe("-A INPUT -m time --datestart 2020-01-01T00:00:00 --datestop 2021-01-01T00:00:00");
  });
  it("refuses bad times, --utc with --kerneltz, and --contiguous with start < stop", () => {
    const r = "-A INPUT -m time --timestart 24:00";
    expect(errorsOf(r)[0]).toMatchObject({ code: "bad-value", line: firstRuleLine(), column: col(r, "24:00") });
    const d = "-A INPUT -m time --datestart 1969-12-31";
    expect(errorsOf(d)[0]).toMatchObject({ column: col(d, "1969-12-31") });
    const u = "-A INPUT -m time --kerneltz --utc";
    expect(errorsOf(u)[0]).toMatchObject({ column: col(u, "--utc") });
    expect(errorsOf("-A INPUT -m time --timestart 02:00 --timestop 06:00 --contiguous")).toHaveLength(1);
    expect(errorsOf("-A INPUT -m time --weekdays Xy")).toHaveLength(1);
  });
  it("is assumed to match without a packet time", () => {
    const c = testOf("-A INPUT -m time --weekdays Sat", "time");
    expect(c.test(p)).toBe(true);
    expect(c.assumption).toBe("the time match is assumed to match (no packet time was given)");
  });
  it("judges the assumed time like xt_time", () => {
    const office = "-A INPUT -m time --timestart 08:00 --timestop 18:00 --weekdays Mon,Tue,Wed,Thu,Fri";
    // 2026-11-27 is a Friday
    expect(testOf(office, "time", {}, makeEnv({ time: "2026-11-27T09:30:00Z" })).test(p)).toBe(true);
    expect(testOf(office, "time", {}, makeEnv({ time: "2026-11-27T19:30:00Z" })).test(p)).toBe(false);
    expect(testOf(office, "time", {}, makeEnv({ time: "2026-11-28T09:30:00Z" })).test(p)).toBe(false);
    const night = "-A INPUT -m time --timestart 22:00 --timestop 06:00 --weekdays Fri --contiguous";
    // Saturday 03:00 belongs to Friday's night with --contiguous
    expect(testOf(night, "time", {}, makeEnv({ time: "2026-11-28T03:00:00Z" })).test(p)).toBe(true);
    expect(testOf(night.replace(" --contiguous", ""), "time", {}, makeEnv({ time: "2026-11-28T03:00:00Z" })).test(p)).toBe(false);
    const dates = "-A INPUT -m time --datestart 2020-01-01 --datestop 2030-12-31T23:59:59";
    expect(testOf(dates, "time", {}, makeEnv({ time: "2031-01-01T00:00:00Z" })).test(p)).toBe(false);
    expect(testOf("-A INPUT -m time --monthdays 27", "time", {}, makeEnv({ time: "2026-11-27T00:00:00Z" })).test(p)).toBe(true);
  });
});
