#!/bin/sh
# Checks that a performance change to the parser changes no behaviour: builds the tree as it is
# (new) and the tree with HEAD's src/parse/{lexer,rule-args,build,words,validate}.ts (base) into /tmp/pd and
# compares their parse results on the corpus, the fixtures, bench/.data and 6,000 mutated rulesets.
repo=$(cd "$(dirname "$0")/.." && pwd)
set -e
rm -rf /tmp/pd && mkdir -p /tmp/pd
for v in base new; do
  mkdir -p /tmp/pd/$v && cp -r $repo/src $repo/grammar $repo/tsconfig.json /tmp/pd/$v/
  ln -s $repo/node_modules /tmp/pd/$v/node_modules
  cp $repo/package.json /tmp/pd/$v/
done
for f in lexer rule-args build words validate; do git -C $repo show HEAD:src/parse/$f.ts > /tmp/pd/base/src/parse/$f.ts; done
(cd /tmp/pd/base && npx tsc -p tsconfig.json >/dev/null 2>&1 || true) &
(cd /tmp/pd/new && npx tsc -p tsconfig.json >/dev/null 2>&1 || true) &
wait
node "$repo/bench/parse-diff.mjs"
