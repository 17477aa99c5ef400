/**
 * Rule-by-rule forms recorded for the batch-B match extensions: each rule was loaded alone with
 * iptables-nft-restore 1.8.9 (nf_tables, Linux 6.18) in a network namespace of its own and read back
 * with iptables-nft-save / ip6tables-nft-save. `saved` is what the kernel printed, or `null` when
 * the rule was refused (`refused` gives the message).
 */

/** One recorded rule. */
export interface KernelForm {
  readonly table: "filter" | "mangle";
  readonly family: 4 | 6;
  readonly input: string;
  readonly saved: string | null;
  readonly refused?: string;
}

export const KERNEL_FORMS: Readonly<Record<string, readonly KernelForm[]>> = {
  tos: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m tos --tos Minimize-Cost -j ACCEPT", saved: "-A PREROUTING -m tos --tos 0x02/0x3f -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m tos --tos Maximize-Reliability -j ACCEPT", saved: "-A PREROUTING -m tos --tos 0x04/0x3f -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m tos --tos 0x10/0x10 -j ACCEPT", saved: "-A PREROUTING -m tos --tos 0x10/0x10 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m tos --tos 16 -j ACCEPT", saved: "-A PREROUTING -m tos --tos 0x10/0xff -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m tos --tos 0x10 -j ACCEPT", saved: "-A PREROUTING -m tos --tos 0x10/0xff -j ACCEPT" },
  ],
  dscp: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m dscp --dscp-class CS1 -j ACCEPT", saved: "-A PREROUTING -m dscp --dscp 0x08 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m dscp --dscp-class BE -j ACCEPT", saved: "-A PREROUTING -m dscp --dscp 0x00 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m dscp ! --dscp-class AF11 -j ACCEPT", saved: "-A PREROUTING -m dscp ! --dscp 0x0a -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m dscp --dscp 63 -j ACCEPT", saved: "-A PREROUTING -m dscp --dscp 0x3f -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m dscp --dscp 10 -j ACCEPT", saved: "-A PREROUTING -m dscp --dscp 0x0a -j ACCEPT" },
  ],
  ecn: [
    { table: "mangle", family: 4, input: "-A PREROUTING -p tcp -m ecn --ecn-tcp-cwr --ecn-tcp-ece --ecn-ip-ect 0 -j ACCEPT", saved: "-A PREROUTING -p tcp -m ecn --ecn-tcp-ece --ecn-tcp-cwr --ecn-ip-ect 0 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -p tcp -m ecn ! --ecn-tcp-cwr ! --ecn-ip-ect 2 -j ACCEPT", saved: "-A PREROUTING -p tcp -m ecn ! --ecn-tcp-cwr ! --ecn-ip-ect 2 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m ecn --ecn-ip-ect 1 -j ACCEPT", saved: "-A PREROUTING -m ecn --ecn-ip-ect 1 -j ACCEPT" },
  ],
  limit: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 5/minute -j ACCEPT", saved: "-A PREROUTING -m limit --limit 5/min -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 5/min --limit-burst 5 -j ACCEPT", saved: "-A PREROUTING -m limit --limit 5/min -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 7/m -j ACCEPT", saved: "-A PREROUTING -m limit --limit 7/min -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 7 -j ACCEPT", saved: "-A PREROUTING -m limit --limit 7/sec -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 1000/s -j ACCEPT", saved: "-A PREROUTING -m limit --limit 1000/sec -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 10000/s -j ACCEPT", saved: "-A PREROUTING -m limit --limit 10000/sec -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 2/d -j ACCEPT", saved: "-A PREROUTING -m limit --limit 2/day -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 60/min -j ACCEPT", saved: "-A PREROUTING -m limit --limit 1/sec -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 24/day -j ACCEPT", saved: "-A PREROUTING -m limit --limit 1/hour -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 3/sec -j ACCEPT", saved: "-A PREROUTING -m limit --limit 3/sec -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 7/hour -j ACCEPT", saved: "-A PREROUTING -m limit --limit 7/hour -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 1/sec -j ACCEPT", saved: "-A PREROUTING -m limit --limit 1/sec -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 1/day -j ACCEPT", saved: "-A PREROUTING -m limit --limit 1/day -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m limit --limit 1000000/s -j ACCEPT", saved: null, refused: "Rate too fast \"1000000/s\"" },
    { table: "filter", family: 4, input: "-A INPUT -m limit --limit-burst 0 -j ACCEPT", saved: "-A INPUT -m limit --limit 3/hour -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m limit --limit 5/sec --limit-burst 10000 -j ACCEPT", saved: "-A INPUT -m limit --limit 5/sec --limit-burst 10000 -j ACCEPT" },
  ],
  esp: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m esp --espspi 100 -j ACCEPT", saved: null, refused: "kernel: esp match: only valid for protocol 50" },
    { table: "mangle", family: 4, input: "-A PREROUTING -p esp -m esp --espspi 100:200 -j ACCEPT", saved: "-A PREROUTING -p esp -m esp --espspi 100:200 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -p esp -m esp ! --espspi 5 -j ACCEPT", saved: "-A PREROUTING -p esp -m esp ! --espspi 5 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -p esp -m esp --espspi 0:4294967295 -j ACCEPT", saved: "-A PREROUTING -p esp -m esp -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -p esp -m esp --espspi 7: -j ACCEPT", saved: "-A PREROUTING -p esp -m esp --espspi 7:4294967295 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -p esp -m esp --espspi 0x10 -j ACCEPT", saved: "-A PREROUTING -p esp -m esp --espspi 16 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -p esp -m esp --espspi 100 -j ACCEPT", saved: "-A PREROUTING -p esp -m esp --espspi 100 -j ACCEPT" },
  ],
  ah: [
    { table: "mangle", family: 4, input: "-A PREROUTING -p ah -m ah --ahspi 100 -j ACCEPT", saved: "-A PREROUTING -p ah -m ah --ahspi 100 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -p ah -m ah --ahspi 1:2 -j ACCEPT", saved: "-A PREROUTING -p ah -m ah --ahspi 1:2 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -p ah -m ah ! --ahspi 1:2 -j ACCEPT", saved: "-A PREROUTING -p ah -m ah ! --ahspi 1:2 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -p ah -m ah --ahspi 100 -j ACCEPT", saved: "-A PREROUTING -p ah -m ah --ahspi 100 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -p ah -m ah --ahspi 100 --ahlen 8 --ahres -j ACCEPT", saved: "-A PREROUTING -p ah -m ah --ahspi 100 --ahlen 8 --ahres -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -p ah -m ah ! --ahlen 8 -j ACCEPT", saved: "-A PREROUTING -p ah -m ah ! --ahlen 8 -j ACCEPT" },
  ],
  quota: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m quota --quota 0 -j ACCEPT", saved: "-A PREROUTING -m quota --quota 0 -j ACCEPT" },
  ],
  ttl: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m ttl --ttl-eq 0 -j ACCEPT", saved: "-A PREROUTING -m ttl --ttl-eq 0 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m ttl --ttl-eq 255 -j ACCEPT", saved: "-A PREROUTING -m ttl --ttl-eq 255 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m ttl ! --ttl-lt 5 -j ACCEPT", saved: null, refused: "ttl: option \"--ttl-lt\" cannot be inverted." },
    { table: "mangle", family: 4, input: "-A PREROUTING -m ttl ! --ttl-gt 5 -j ACCEPT", saved: null, refused: "ttl: option \"--ttl-gt\" cannot be inverted." },
    { table: "mangle", family: 6, input: "-A PREROUTING -m ttl --ttl-eq 1 -j ACCEPT", saved: null, refused: "Couldn't load match `ttl':No such file or directory" },
  ],
  connbytes: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m connbytes --connbytes 5 --connbytes-dir both --connbytes-mode bytes -j ACCEPT", saved: "-A PREROUTING -m connbytes --connbytes 5 --connbytes-mode bytes --connbytes-dir both -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m connbytes --connbytes :5 --connbytes-dir both --connbytes-mode bytes -j ACCEPT", saved: "-A PREROUTING -m connbytes --connbytes 0:5 --connbytes-mode bytes --connbytes-dir both -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m connbytes --connbytes 5:5 --connbytes-dir both --connbytes-mode bytes -j ACCEPT", saved: "-A PREROUTING -m connbytes --connbytes 5:5 --connbytes-mode bytes --connbytes-dir both -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m connbytes ! --connbytes 5: --connbytes-dir both --connbytes-mode bytes -j ACCEPT", saved: "-A PREROUTING -m connbytes ! --connbytes 5 --connbytes-mode bytes --connbytes-dir both -j ACCEPT" },
  ],
  time: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m time --utc --timestart 1:2:3 -j ACCEPT", saved: "-A PREROUTING -m time --timestart 01:02:03 --timestop 23:59:59 --datestop 2038-01-19T03:14:07 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m time --weekdays 1,2,7 -j ACCEPT", saved: "-A PREROUTING -m time --weekdays Mon,Tue,Sun --datestop 2038-01-19T03:14:07 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m time --weekdays Sun,Mon -j ACCEPT", saved: "-A PREROUTING -m time --weekdays Mon,Sun --datestop 2038-01-19T03:14:07 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m time ! --monthdays 1,31 -j ACCEPT", saved: "-A PREROUTING -m time --monthdays 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30 --datestop 2038-01-19T03:14:07 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m time --datestart 2020-01-01 --datestop 2021 -j ACCEPT", saved: "-A PREROUTING -m time --datestart 2020-01-01T00:00:00 --datestop 2021-01-01T00:00:00 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m time --datestart 2020-01-01T10 -j ACCEPT", saved: "-A PREROUTING -m time --datestart 2020-01-01T10:00:00 --datestop 2038-01-19T03:14:07 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m time --days Mon -j ACCEPT", saved: null, refused: "unknown option \"--days\"" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m time --timestart 00:00 --timestop 23:59:59 -j ACCEPT", saved: "-A PREROUTING -m time --datestop 2038-01-19T03:14:07 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m time --kerneltz --utc -j ACCEPT", saved: null, refused: "time: option \"--utc\" cannot be used together with \"--kerneltz\"." },
    { table: "mangle", family: 4, input: "-A PREROUTING -m time -j ACCEPT", saved: "-A PREROUTING -m time --datestop 2038-01-19T03:14:07 -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m time --timestart 22:00 --timestop 06:00 --contiguous -j ACCEPT", saved: "-A INPUT -m time --timestart 22:00:00 --timestop 06:00:00 --datestop 2038-01-19T03:14:07 --contiguous -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m time --timestart 02:00 --timestop 06:00 --contiguous -j ACCEPT", saved: null, refused: "time: --contiguous only makes sense when stoptime is smaller than starttime" },
  ],
  devgroup: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m devgroup --src-group 0 -j ACCEPT", saved: "-A PREROUTING -m devgroup --src-group default -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m devgroup --dst-group 0x5/0xffffffff -j ACCEPT", saved: null, refused: "kernel: RULE_APPEND failed (Invalid argument) \u2014 --dst-group in PREROUTING" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m devgroup ! --dst-group 5 ! --src-group 6 -j ACCEPT", saved: null, refused: "kernel: RULE_APPEND failed (Invalid argument) \u2014 --dst-group in PREROUTING" },
  ],
  helper: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m helper --helper \"ftp-21\" -j ACCEPT", saved: "-A PREROUTING -m helper --helper ftp-21 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m helper --helper \"\" -j ACCEPT", saved: "-A PREROUTING -m helper --helper \"\" -j ACCEPT" },
  ],
  string: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m string --algo bm --to 50 --string a -j ACCEPT", saved: "-A PREROUTING -m string --string \"a\" --algo bm --to 50 -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m string --algo bm --from 0 --to 65535 --string a -j ACCEPT", saved: "-A PREROUTING -m string --string \"a\" --algo bm -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m string --algo bm --hex-string \"|41|\" -j ACCEPT", saved: "-A PREROUTING -m string --string \"A\" --algo bm -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m string --algo bm --string \"a\\\"b\" -j ACCEPT", saved: "-A PREROUTING -m string --string \"a\\\"b\" --algo bm -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m string --algo bm --string \"|41|\" -j ACCEPT", saved: "-A PREROUTING -m string --string \"|41|\" --algo bm -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m string --algo bm --hex-string \"a|20|b\" -j ACCEPT", saved: "-A PREROUTING -m string --string \"a b\" --algo bm -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m string --algo bm --string \"tab\tx\" -j ACCEPT", saved: "-A PREROUTING -m string --hex-string \"|7461620978|\" --algo bm -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m string --algo bm --hex-string \"|7c|\" -j ACCEPT", saved: "-A PREROUTING -m string --string \"|\" --algo bm -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m string --algo bm ! --hex-string \"|00 01 02|\" -j ACCEPT", saved: "-A PREROUTING -m string ! --hex-string \"|000102|\" --algo bm -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m string --algo bm --string x -j ACCEPT", saved: "-A PREROUTING -m string --string \"x\" --algo bm -j ACCEPT" },
  ],
  recent: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m recent --name X --set -j ACCEPT", saved: "-A PREROUTING -m recent --set --name X --mask 255.255.255.255 --rsource -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m recent --name X --rcheck --seconds 10800 --reap -j ACCEPT", saved: "-A PREROUTING -m recent --rcheck --seconds 10800 --reap --name X --mask 255.255.255.255 --rsource -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m recent --name X --rcheck --hitcount 3 --rdest --mask 255.255.0.0 -j ACCEPT", saved: "-A PREROUTING -m recent --rcheck --hitcount 3 --name X --mask 255.255.0.0 --rdest -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m recent ! --update --name Y -j ACCEPT", saved: "-A PREROUTING -m recent ! --update --name Y --mask 255.255.255.255 --rsource -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m recent ! --set --name Y -j ACCEPT", saved: "-A PREROUTING -m recent ! --set --name Y --mask 255.255.255.255 --rsource -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m recent ! --remove --name Y -j ACCEPT", saved: "-A PREROUTING -m recent ! --remove --name Y --mask 255.255.255.255 --rsource -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m recent --set --name v6 -j ACCEPT", saved: "-A PREROUTING -m recent --set --name v6 --mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff --rsource -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m recent --set --name v6 --mask ffff:ffff:: -j ACCEPT", saved: "-A PREROUTING -m recent --set --name v6 --mask ffff:ffff:: --rsource -j ACCEPT" },
  ],
  policy: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m policy --dir out --pol none -j ACCEPT", saved: null, refused: "kernel: xt_policy: output policy not valid in PREROUTING and INPUT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m policy --dir in --pol ipsec ! --reqid 2 ! --spi 3 ! --proto esp ! --mode tunnel ! --tunnel-src 1.2.3.0/24 ! --tunnel-dst 4.5.6.7 -j ACCEPT", saved: null, refused: "policy match: --tunnel-src/--tunnel-dst is only valid in tunnel mode" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m policy --dir in --pol ipsec --proto 50 -j ACCEPT", saved: "-A PREROUTING -m policy --dir in --pol ipsec --proto esp -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m policy --dir in --pol ipsec --proto ipcomp -j ACCEPT", saved: "-A PREROUTING -m policy --dir in --pol ipsec --proto ipcomp -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m policy --dir in --pol ipsec --reqid 0x10 --spi 10 -j ACCEPT", saved: "-A PREROUTING -m policy --dir in --pol ipsec --reqid 16 --spi 0xa -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m policy --dir in --pol ipsec --mode tunnel --tunnel-src 2001:db8::/64 --tunnel-dst 2001:db8::1 -j ACCEPT", saved: "-A PREROUTING -m policy --dir in --pol ipsec --mode tunnel --tunnel-dst 2001:db8::1 --tunnel-src 2001:db8::/64 -j ACCEPT" },
  ],
  connlimit: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m connlimit --connlimit-upto 0 -j ACCEPT", saved: "-A PREROUTING -m connlimit --connlimit-upto 0 --connlimit-mask 32 --connlimit-saddr -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m connlimit --connlimit-above 1 --connlimit-mask 0 -j ACCEPT", saved: "-A PREROUTING -m connlimit --connlimit-above 1 --connlimit-mask 0 --connlimit-saddr -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m connlimit ! --connlimit-upto 3 -j ACCEPT", saved: "-A PREROUTING -m connlimit --connlimit-above 3 --connlimit-mask 32 --connlimit-saddr -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m connlimit ! --connlimit-above 3 -j ACCEPT", saved: "-A PREROUTING -m connlimit --connlimit-upto 3 --connlimit-mask 32 --connlimit-saddr -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -p tcp -m connlimit --connlimit-above 2 -j ACCEPT", saved: "-A PREROUTING -p tcp -m connlimit --connlimit-above 2 --connlimit-mask 128 --connlimit-saddr -j ACCEPT" },
  ],
  u32: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m u32 --u32 \"0 & 0xFFFF = 0x100 : 0xFFFF\" -j ACCEPT", saved: "-A PREROUTING -m u32 --u32 \"0x0&0xffff=0x100:0xffff\" -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m u32 --u32 \"0&1=1&&4&1=2\" -j ACCEPT", saved: "-A PREROUTING -m u32 --u32 \"0x0&0x1=0x1&&0x4&0x1=0x2\" -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m u32 --u32 \"0&1=1,2,3:4\" -j ACCEPT", saved: "-A PREROUTING -m u32 --u32 \"0x0&0x1=0x1,0x2,0x3:0x4\" -j ACCEPT" },
  ],
  bpf: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m bpf --bytecode \"1,6 0 0 0\" -j ACCEPT", saved: "-A PREROUTING -m bpf --bytecode \"1,6 0 0 0\" -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m bpf ! --bytecode \"1,6 0 0 0\" -j ACCEPT", saved: null, refused: "bpf: option \"--bytecode\" cannot be inverted." },
  ],
  cgroup: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m cgroup --path /a/b -j ACCEPT", saved: null, refused: "kernel: cgroup match: used from hooks PREROUTING, but only valid from INPUT/OUTPUT/POSTROUTING" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m cgroup ! --path \"a b\" -j ACCEPT", saved: null, refused: "kernel: cgroup match: used from hooks PREROUTING, but only valid from INPUT/OUTPUT/POSTROUTING" },
  ],
  nfacct: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m nfacct --nfacct-name x -j ACCEPT", saved: null, refused: "kernel: xt_nfacct: accounting object `x' does not exist" },
  ],
  socket: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m socket --nowildcard -j ACCEPT", saved: "-A PREROUTING -m socket --nowildcard -j ACCEPT" },
  ],
  rpfilter: [
    { table: "mangle", family: 4, input: "-A PREROUTING -m rpfilter --invert --loose -j ACCEPT", saved: "-A PREROUTING -m rpfilter --loose --invert -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m rpfilter --accept-local -j ACCEPT", saved: "-A PREROUTING -m rpfilter --accept-local -j ACCEPT" },
    { table: "mangle", family: 4, input: "-A PREROUTING -m rpfilter --validmark -j ACCEPT", saved: "-A PREROUTING -m rpfilter --validmark -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m rpfilter -j ACCEPT", saved: "-A PREROUTING -m rpfilter -j ACCEPT" },
    { table: "filter", family: 4, input: "-A OUTPUT -m rpfilter -j ACCEPT", saved: null, refused: "kernel: rpfilter match: used from hooks OUTPUT, but only valid from PREROUTING" },
  ],
  hl: [
    { table: "mangle", family: 6, input: "-A PREROUTING -m hl --hl-eq 64 -j ACCEPT", saved: "-A PREROUTING -m hl --hl-eq 64 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m hl ! --hl-eq 64 -j ACCEPT", saved: "-A PREROUTING -m hl ! --hl-eq 64 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m hl --hl-lt 2 -j ACCEPT", saved: "-A PREROUTING -m hl --hl-lt 2 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m hl --hl-gt 2 -j ACCEPT", saved: "-A PREROUTING -m hl --hl-gt 2 -j ACCEPT" },
  ],
  frag: [
    { table: "mangle", family: 6, input: "-A PREROUTING -m frag --fragid 5 -j ACCEPT", saved: "-A PREROUTING -m frag --fragid 5 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m frag --fragid 5:10 --fraglen 8 --fragres --fragfirst -j ACCEPT", saved: "-A PREROUTING -m frag --fragid 5:10 --fraglen 8 --fragres --fragfirst -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m frag ! --fragid 5 --fragmore -j ACCEPT", saved: "-A PREROUTING -m frag ! --fragid 5 --fragmore -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m frag --fraglast -j ACCEPT", saved: "-A PREROUTING -m frag --fraglast -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m frag --fragid 0:4294967295 -j ACCEPT", saved: "-A PREROUTING -m frag -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m frag --fragid :7 -j ACCEPT", saved: "-A PREROUTING -m frag --fragid 0:7 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m frag ! --fraglen 8 -j ACCEPT", saved: "-A PREROUTING -m frag ! --fraglen 8 -j ACCEPT" },
  ],
  rt: [
    { table: "mangle", family: 6, input: "-A PREROUTING -m rt --rt-type 0 --rt-segsleft 1:3 --rt-len 8 -j ACCEPT", saved: "-A PREROUTING -m rt --rt-type 0 --rt-segsleft 1:3 --rt-len 8 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m rt --rt-type 0 --rt-0-res --rt-0-addrs ::1,::2 --rt-0-not-strict -j ACCEPT", saved: "-A PREROUTING -m rt --rt-type 0 --rt-0-res --rt-0-addrs ::1,::2 --rt-0-not-strict -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m rt ! --rt-type 2 ! --rt-segsleft 4 ! --rt-len 9 -j ACCEPT", saved: "-A PREROUTING -m rt ! --rt-type 2 ! --rt-segsleft 4 ! --rt-len 9 -j ACCEPT" },
  ],
  ipv6header: [
    { table: "mangle", family: 6, input: "-A PREROUTING -m ipv6header --header frag,hop-by-hop -j ACCEPT", saved: "-A PREROUTING -m ipv6header --header hop-by-hop,ipv6-frag -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m ipv6header ! --header ipv6-route --soft -j ACCEPT", saved: "-A PREROUTING -m ipv6header ! --header ipv6-route --soft -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m ipv6header --header 44,0 -j ACCEPT", saved: "-A PREROUTING -m ipv6header --header hop-by-hop,ipv6-frag -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m ipv6header --header prot,dst,esp,ah,none,auth -j ACCEPT", saved: "-A PREROUTING -m ipv6header --header ipv6-opts,ah,esp,ipv6-nonxt,protocol -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m ipv6header --header hop,route,fragment,ipv6-opts,ipv6-nonxt,protocol -j ACCEPT", saved: null, refused: "unknown header `fragment' specified" },
  ],
  mh: [
    { table: "mangle", family: 6, input: "-A PREROUTING -p mh -m mh --mh-type 5 -j ACCEPT", saved: "-A PREROUTING -p mobility-header -m mh --mh-type 5 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -p mh -m mh --mh-type binding-update:binding-error -j ACCEPT", saved: "-A PREROUTING -p mobility-header -m mh --mh-type 5:7 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -p mh -m mh ! --mh-type home-test -j ACCEPT", saved: "-A PREROUTING -p mobility-header -m mh ! --mh-type 3 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -p mh --mh-type 1 -j ACCEPT", saved: "-A PREROUTING -p mobility-header -m mh --mh-type 1 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -p mh -m mh --mh-type 0:255 -j ACCEPT", saved: "-A PREROUTING -p mobility-header -m mh -j ACCEPT" },
  ],
  hashlimit: [
    { table: "mangle", family: 6, input: "-A PREROUTING -m hashlimit --hashlimit-upto 5/s --hashlimit-name h6 -j ACCEPT", saved: "-A PREROUTING -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name h6 -j ACCEPT" },
    { table: "mangle", family: 6, input: "-A PREROUTING -m hashlimit --hashlimit-upto 5/s --hashlimit-name h6 --hashlimit-srcmask 64 -j ACCEPT", saved: "-A PREROUTING -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name h6 --hashlimit-srcmask 64 -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 512kb/s --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 512kb/s --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 1000b/s --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 992b/s --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 100kb/s --hashlimit-burst 1mb --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 100kb/s --hashlimit-burst 1mb --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 3mb/s --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 3mb/s --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 7b/s --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 0b/s --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 60/min --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 60000 -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 60/min --hashlimit-name a --hashlimit-rate-match -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 60/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 60000 --hashlimit-rate-match --hashlimit-rate-interval 60 -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit ! --hashlimit-upto 5 --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-above 5/sec --hashlimit-burst 5 --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit ! --hashlimit-above 5 --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-above 5 --hashlimit-mode dstport,srcip --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-above 5/sec --hashlimit-burst 5 --hashlimit-mode srcip,dstport --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-above 5 --hashlimit-mode srcip --hashlimit-name a --hashlimit-srcmask 32 -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-above 5/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-above 5 --hashlimit-name a --hashlimit-htable-gcinterval 1000 --hashlimit-htable-expire 1000 -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-above 5/sec --hashlimit-burst 5 --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-above 5 --hashlimit-name a --hashlimit-burst 1000000 -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-above 5/sec --hashlimit-burst 1000000 --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-above 5 --hashlimit-name a --hashlimit-burst 1000001 -j ACCEPT", saved: null, refused: "bad value for option \"--hashlimit-burst\", or out of range (1-1000000)." },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-above 5 --hashlimit-name a0123456789abcdef -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-above 5/sec --hashlimit-burst 5 --hashlimit-name a0123456789abcdef -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-above 5 --hashlimit-name a012345678901234567890123456789 -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-above 5/sec --hashlimit-burst 5 --hashlimit-name a012345678901234567890123456789 -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 1000000/s --hashlimit-name a -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 1000000/sec --hashlimit-burst 5 --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 1/day --hashlimit-name a -j ACCEPT", saved: null, refused: "kernel: xt_hashlimit: overflow, try lower: 86400000000/5 (RULE_APPEND failed, Numerical result out of range)" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name a --hashlimit-rate-interval 3 -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-name a --hashlimit-rate-match --hashlimit-rate-interval 1 -j ACCEPT", saved: "-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-rate-match -j ACCEPT" },
    { table: "filter", family: 4, input: "-A INPUT -m hashlimit --hashlimit-upto 5/s --hashlimit-burst 0 --hashlimit-name a -j ACCEPT", saved: null, refused: "bad value for option \"--hashlimit-burst\", or out of range (1-1000000)." },
  ],
};
