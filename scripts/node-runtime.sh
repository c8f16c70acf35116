#!/usr/bin/env bash
# Prints the path of a Node.js binary of one major version (22, 24, ...), from the npm package node@MAJOR installed
# into .cache/nodeMAJOR on first use: production runs on Node 22/24 while the toolchain runs on Node 20
# (scripts/smoke-node.sh, bench/run.ts).
#   bash scripts/node-runtime.sh 24
set -euo pipefail
cd "$(dirname "$0")/.."

major=${1:-}
if [[ ! $major =~ ^[1-9][0-9]*$ ]] || [ $# -ne 1 ]; then
  echo "usage: scripts/node-runtime.sh MAJOR (e.g. 22 or 24)" >&2
  exit 2
fi
prefix=.cache/node$major
if [ ! -x "$prefix/node_modules/node/bin/node" ]; then
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "node@$major" >/dev/null
fi
binary="$PWD/$prefix/node_modules/node/bin/node"
version="$("$binary" --version)"
case "$version" in
  "v$major".*) ;;
  *)
    echo "expected Node $major, got $version" >&2
    exit 1
    ;;
esac
echo "$binary"
