#!/usr/bin/env bash
# Production runs on Node 22/24: run the built bundle on Node MAJOR (from the npm package node@MAJOR, see
# scripts/node-runtime.sh) and check that it starts, answers --help/--version, and keeps stdout free of SDK warnings.
#   bash scripts/smoke-node.sh 22 && bash scripts/smoke-node.sh 24
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 1 ]; then
  echo "usage: scripts/smoke-node.sh MAJOR (e.g. 22 or 24)" >&2
  exit 2
fi
major=$1
runtime="$(bash scripts/node-runtime.sh "$major")"
version="$("$runtime" --version)"

bundle=dist/ecs-anywhere-agent.mjs
[ -f "$bundle" ] || npm run build
expected="$(node -p 'require("./package.json").version')"
got="$("$runtime" "$bundle" --version)"
[ "$got" = "$expected" ] || { echo "--version printed '$got', expected '$expected'" >&2; exit 1; }
help="$("$runtime" "$bundle" --help)"
grep -q "activation" <<<"$help" || { echo "--help is missing commands" >&2; exit 1; }

# `json_check FILE [JS]`: FILE holds exactly one JSON document, `doc`; then runs JS (which throws to fail).
json_check() {
  "$runtime" -e "const doc = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8')); ${2:-}" "$1"
}

tmp="$(mktemp -d)"
trap 'kill "${emulator_pid:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT

# The code cache: a private directory (0700) in TMPDIR, filled by a run; a symlink in its place is not followed.
mkdir "$tmp/t1" "$tmp/t2" "$tmp/elsewhere"
cache_name="ecs-anywhere-agent-$(id -u)-code-cache"
TMPDIR="$tmp/t1" "$runtime" "$bundle" --version >/dev/null
[ "$(stat -c %a "$tmp/t1/$cache_name")" = 700 ] || { echo "the code cache is not a 0700 directory" >&2; exit 1; }
[ -n "$(ls -A "$tmp/t1/$cache_name")" ] || { echo "the code cache stayed empty" >&2; exit 1; }
ln -s "$tmp/elsewhere" "$tmp/t2/$cache_name"
TMPDIR="$tmp/t2" "$runtime" "$bundle" --version >/dev/null
[ -z "$(ls -A "$tmp/elsewhere")" ] || { echo "the code cache followed a symlink" >&2; exit 1; }

# A config validation exercises the validator and yaml loading; stdout must be exactly one JSON document.
ECS_ANYWHERE_REGION=eu-west-1 "$runtime" "$bundle" config validate --config /dev/null --output json >"$tmp/validate.json"
json_check "$tmp/validate.json"

# A command that loads the AWS SDK, against the emulator: stdout must be exactly one JSON document (no SDK
# warning on stdout) and the setup must converge.
node --import tsx test/emulator/main.ts >"$tmp/emulator.json" 2>"$tmp/emulator.err" &
emulator_pid=$!
for _ in $(seq 100); do
  [ -s "$tmp/emulator.json" ] && break
  sleep 0.1
done
[ -s "$tmp/emulator.json" ] || { echo "the emulator did not start:" >&2; cat "$tmp/emulator.err" >&2; exit 1; }
url="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).url' "$tmp/emulator.json")"
export AWS_ENDPOINT_URL="$url" AWS_ACCESS_KEY_ID=AKIAEMULATOR0000TEST
export AWS_SECRET_ACCESS_KEY=emulator-secret-key-0000000000000000000000 ECS_ANYWHERE_REGION=eu-west-1
# stderr goes to the terminal: a failing setup explains itself.
"$runtime" "$bundle" setup --cluster smoke --output json >"$tmp/setup.json"
json_check "$tmp/setup.json" 'if (doc.changes.length === 0) throw new Error("a fresh setup planned no change");'
"$runtime" "$bundle" setup --cluster smoke --output json >"$tmp/again.json"
json_check "$tmp/again.json" \
  'if (!doc.converged || doc.changes.length !== 0) throw new Error("a second setup was not converged");'
# Nothing in the bundle needs code compiled from strings (eval, new Function): a setup that creates a cluster
# runs with that disallowed.
"$runtime" --disallow-code-generation-from-strings "$bundle" setup --cluster smoke-strict --output json \
  >"$tmp/strict.json"
json_check "$tmp/strict.json" \
  'if (!doc.changes.some((c) => c.applied)) throw new Error("setup without code from strings applied nothing");'
echo "node $major smoke: ok ($version)"
