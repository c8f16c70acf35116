#!/usr/bin/env bash
# Prints the path of a Node 22 binary, from the npm package node@22 installed into .cache/node22 on first use:
# production runs on Node 22/24 while the toolchain runs on Node 20 (scripts/smoke-node22.sh, bench/run.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=.cache/node22
if [ ! -x "$prefix/node_modules/node/bin/node" ]; then
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock node@22 >/dev/null
fi
node22="$PWD/$prefix/node_modules/node/bin/node"
version="$("$node22" --version)"
case "$version" in
  v22.*) ;;
  *) echo "expected Node 22, got $version" >&2; exit 1 ;;
esac
echo "$node22"
