#!/bin/sh
# Times a parser change: builds HEAD and the working tree side by side (under /tmp/iptrace-ab) and
# runs cold parses of FILE with each, interleaved so that the machine's ups and downs fall on both
# alike; prints each side's in-child parse times (ms) and their median. Pair it with
# bench/parse-diff.sh, which checks that the change changes no behaviour.
#   sh bench/ab.sh [FILE] [RUNS]     (default bench/.data/k8s-10000.rules, 8 runs each)
#   BASE=COMMIT sh bench/ab.sh …     compares with COMMIT instead of HEAD
#   PAIR=1 sh bench/ab.sh …          both builds in one process, in turns (bench/ab-pair.mjs): the
#                                    steadiest comparison on a host whose speed swings
#   WARM=K sh bench/ab.sh …          each child parses 1 + K times and gives the median of the K
#                                    warm parses (what the bench's in-process column measures)
#   COUNT=1 sh bench/ab.sh FILE      instructions per warm parse, counted by valgrind (cachegrind):
#                                    node parses 1 and then 3 times, and half the difference is one
#                                    warm parse. With V8's --predictable (no timing-driven GC or
#                                    compiler decisions), a fixed hash seed and no address
#                                    randomisation, a build's count repeats to ~0.2 % (without them,
#                                    ~2 %); it does not see cache misses. Takes minutes.
repo=$(cd "$(dirname "$0")/.." && pwd)
FILE=${1:-$repo/bench/.data/k8s-10000.rules}
N=${2:-8}
[ -f "$FILE" ] || { echo "no $FILE: run 'node bench/gen.mjs bench/.data' first" >&2; exit 2; }
AB=/tmp/iptrace-ab
rm -rf $AB && mkdir -p $AB/base $AB/new
git -C "$repo" archive "${BASE:-HEAD}" src grammar tsconfig.json package.json | tar -x -C $AB/base
cp -r "$repo/src" "$repo/grammar" "$repo/tsconfig.json" "$repo/package.json" $AB/new/
for v in base new; do
  ln -s "$repo/node_modules" $AB/$v/node_modules
  (cd $AB/$v && npx tsc -p tsconfig.json >/dev/null 2>&1)
  sed "s#../dist/src/parse/index.js#$AB/$v/dist/src/parse/index.js#" "$repo/bench/parse-child.mjs" > $AB/child-$v.mjs
done
if [ -n "$COUNT" ]; then
  command -v valgrind >/dev/null || { echo "COUNT=1 needs valgrind (apt-get install valgrind)" >&2; exit 2; }
  for v in base new; do
    for k in 1 3; do
      setarch -R valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        node --predictable --hash-seed=1 --random-seed=1 $AB/child-$v.mjs "$FILE" $k 2>&1 >/dev/null |
        sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d , > $AB/count-$v-$k &
    done
    wait
  done
  for v in base new; do
    echo "$v $(( ($(cat $AB/count-$v-3) - $(cat $AB/count-$v-1)) / 2 )) instructions per warm parse"
  done | awk '{print} {n[NR]=$2} END{printf "new/base %.4f\n", n[2]/n[1]}'
  exit 0
fi
if [ -n "$PAIR" ]; then
  exec node --expose-gc "$repo/bench/ab-pair.mjs" $AB/base/dist $AB/new/dist "$FILE" "$N"
fi
for i in $(seq "$N"); do
  for v in base new; do
    if [ -n "$WARM" ]; then
      echo "$v $(node $AB/child-$v.mjs "$FILE" $((WARM + 1)) | node -e 'const ms = JSON.parse(require("fs").readFileSync(0, "utf8")).ms.slice(1).sort((a, b) => a - b); console.log(Math.round(ms[(ms.length - 1) >> 1]))')"
    else
      echo "$v $(node $AB/child-$v.mjs "$FILE" 1 | sed 's/.*"ms":\[\([0-9]*\).*/\1/')"
    fi
  done
done | sort -k1,1 -k2n | awk '{a[$1]=a[$1]" "$2; c[$1]++; v[$1,c[$1]]=$2} END{for (k in a) print k, a[k], " median", v[k,int((c[k]+1)/2)]}'
