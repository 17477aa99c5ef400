// The packets a trace benchmark sends: a fixed spread of 100 over all the services of a
// ruleset's packets file (bench/gen.mjs writes one beside each ruleset), the same count at every size.
const SAMPLE = 100;

/** The sample of `all` (the packets file's `packets`), without the `endpoints` the generator notes. */
export function samplePackets(all) {
  const n = Math.min(SAMPLE, all.length);
  return Array.from({ length: n }, (_, k) => {
    const { endpoints, ...p } = all[Math.floor((k * all.length) / n)];
    return p;
  });
}
