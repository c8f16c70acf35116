#!/usr/bin/env bash
# Production runs on Node 22/24: run the built bundle on Node 22 (from the npm package node@22)
# and check that it starts, answers --help/--version, and keeps stdout free of SDK warnings.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=.cache/node22
if [ ! -x "$prefix/node_modules/node/bin/node" ]; then
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock node@22 >/dev/null
fi
node22="$prefix/node_modules/node/bin/node"
version="$("$node22" --version)"
case "$version" in
  v22.*) ;;
  *) echo "expected Node 22, got $version" >&2; exit 1 ;;
esac

bundle=dist/ecs-anywhere-agent.mjs
[ -f "$bundle" ] || npm run build
expected="$(node -p 'require("./package.json").version')"
got="$("$node22" "$bundle" --version)"
[ "$got" = "$expected" ] || { echo "--version printed '$got', expected '$expected'" >&2; exit 1; }
"$node22" "$bundle" --help | grep -q "activation" || { echo "--help is missing commands" >&2; exit 1; }

# A config validation exercises zod/yaml loading; stdout must be exactly one JSON document.
out="$(ECS_ANYWHERE_REGION=eu-west-1 "$node22" "$bundle" config validate --config /dev/null --output json)"
printf '%s' "$out" | "$node22" -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))'
echo "node22 smoke: ok ($version)"
