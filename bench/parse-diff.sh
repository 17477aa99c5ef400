#!/bin/sh
# Checks that a performance change to the parser changes no behaviour: builds the tree as it is
# (new) and HEAD's src/ and grammar/ (base) into /tmp/pd and compares their parse results on the
# corpus, the fixtures, bench/.data and 6,000 mutated rulesets.
repo=$(cd "$(dirname "$0")/.." && pwd)
set -e
rm -rf /tmp/pd && mkdir -p /tmp/pd
for v in base new; do
  mkdir -p /tmp/pd/$v && cp -r $repo/src $repo/grammar $repo/tsconfig.json /tmp/pd/$v/
  ln -s $repo/node_modules /tmp/pd/$v/node_modules
  cp $repo/package.json /tmp/pd/$v/
done
rm -rf /tmp/pd/base/src /tmp/pd/base/grammar
git -C $repo archive HEAD src grammar | tar -x -C /tmp/pd/base
(cd /tmp/pd/base && npx tsc -p tsconfig.json >/dev/null 2>&1 || true) &
(cd /tmp/pd/new && npx tsc -p tsconfig.json >/dev/null 2>&1 || true) &
wait
node "$repo/bench/parse-diff.mjs"
