#!/usr/bin/env bash
# Installs the built agent (`npm run build`) from this checkout onto this host, or under DESTDIR for a package:
#   PREFIX (default /opt/ecs-anywhere-agent)       package.json, dist/ (the bundle and its chunks)
#   /usr/local/bin/ecs-anywhere-agent              a relative symbolic link to PREFIX/dist/ecs-anywhere-agent.mjs
#   /etc/ecs-anywhere-agent/config.yaml.example    (folder 0700: the activation file goes there too)
#   /etc/systemd/system/*.service                  every unit of systemd/
#   /var/lib/ecs-anywhere-agent                    (0700)
# then, on the host itself, `systemctl daemon-reload` and `systemctl enable ecs-anywhere-agent.service`.
# With --release TARBALL (a release tarball, `npm pack` output) whose SHA-256 is checked first (--sha256, or the
# SHA256SUMS file next to it), the code goes to PREFIX/releases/VERSION instead, PREFIX/current is switched to it
# in one rename, PREFIX/previous keeps the release it replaced, and the link points at PREFIX/current; --rollback
# switches back to PREFIX/previous. Only those two releases are kept. Each release records the tarball's SHA-256 in
# PREFIX/releases/VERSION/release.sha256, so that a rollout can tell whether that very tarball is the current one.
# Running it again installs the same files again. It checks every target before it writes anything, and refuses
# a folder on the way that is a symbolic link (or a file there that is one), and a folder of its own that belongs
# to another user: it never writes through a link someone planted.
set -euo pipefail
umask 022

readonly UNIT_TO_ENABLE=ecs-anywhere-agent.service
readonly BIN_DIR=/usr/local/bin
readonly CONFIG_DIR=/etc/ecs-anywhere-agent
readonly UNIT_DIR=/etc/systemd/system
readonly STATE_DIR=/var/lib/ecs-anywhere-agent

usage() {
  cat <<'EOF'
Usage: scripts/install.sh [--prefix DIR] [--no-enable] [--dry-run] [--help]
       scripts/install.sh --release TARBALL [--sha256 HEX] [--prefix DIR] [--no-enable] [--dry-run]
       scripts/install.sh --rollback [--prefix DIR] [--dry-run]

Installs the built agent (run `npm run build` first) as root, or under $DESTDIR without root.

  --prefix DIR       where the code goes (default /opt/ecs-anywhere-agent)
  --no-enable        do not enable ecs-anywhere-agent.service (systemctl daemon-reload still runs)
  --release TARBALL  install this release tarball (npm pack output) as PREFIX/releases/VERSION and switch
                     PREFIX/current to it; the release it replaces stays as PREFIX/previous
  --sha256 HEX       the tarball's SHA-256; without it, SHA256SUMS next to the tarball must list it
  --rollback         switch PREFIX/current back to PREFIX/previous
  --dry-run          print what would be done; change nothing
  --help             this text

Environment:
  DESTDIR        stage the files under this folder (for packages and images): no root needed, no systemctl

Exit status: 0 installed, 1 a step failed, 2 bad usage or a refused target (nothing was written).
EOF
}

fail_usage() {
  echo "install.sh: $*" >&2
  exit 2
}

prefix=/opt/ecs-anywhere-agent
enable=1
dry_run=0
release=""
sha256=""
rollback=0
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --prefix)
      [ $# -ge 2 ] || fail_usage "--prefix needs a folder"
      prefix=$2
      shift 2
      ;;
    --prefix=*)
      prefix=${1#--prefix=}
      shift
      ;;
    --no-enable)
      enable=0
      shift
      ;;
    --dry-run)
      dry_run=1
      shift
      ;;
    --release)
      [ $# -ge 2 ] || fail_usage "--release needs a tarball"
      release=$2
      shift 2
      ;;
    --sha256)
      [ $# -ge 2 ] || fail_usage "--sha256 needs a hex digest"
      sha256=$2
      shift 2
      ;;
    --rollback)
      rollback=1
      shift
      ;;
    *) fail_usage "unknown argument: $1 (see --help)" ;;
  esac
done

# An absolute, plain path: no . or .. component, no white space or shell-special characters, not / itself.
if [[ ! $prefix =~ ^(/[A-Za-z0-9_.+@-]+)+/?$ ]] || [[ "$prefix/" == */./* || "$prefix/" == */../* ]]; then
  fail_usage "--prefix must be an absolute folder such as /opt/ecs-anywhere-agent, got '$prefix'"
fi
prefix=${prefix%/}

root=${DESTDIR:-}
while [ "${root%/}" != "$root" ]; do root=${root%/}; done # "/" and "" both mean this host
if [ -n "$root" ]; then
  [[ $root == /* ]] || fail_usage "DESTDIR must be an absolute path, got '$root'"
  [ -d "$root" ] || fail_usage "DESTDIR $root is not a folder"
elif [ "$(id -u)" -ne 0 ] && [ "$dry_run" -eq 0 ]; then
  fail_usage "installing onto this host needs root: run it as root, or set DESTDIR=FOLDER to stage the files there"
fi

base="$root$prefix"
[ -z "$sha256" ] || [ -n "$release" ] || fail_usage "--sha256 goes with --release"
[ "$rollback" -eq 0 ] || [ -z "$release" ] || fail_usage "--rollback and --release exclude each other"

run() {
  if [ "$dry_run" -eq 1 ]; then
    printf 'would run:'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# `switch_link LINK TARGET`: LINK points at TARGET, replaced in one rename (never missing in between).
switch_link() {
  run ln -sfn -- "$2" "$1.new"
  run mv -T -- "$1.new" "$1"
}

# `release_of LINK`: the release a link of PREFIX names (releases/VERSION), or nothing.
release_of() {
  if [ -L "$1" ]; then readlink -- "$1"; fi
}

if [ "$rollback" -eq 1 ]; then
  current=$(release_of "$base/current")
  previous=$(release_of "$base/previous")
  if [ -z "$previous" ] || [ ! -f "$base/$previous/dist/ecs-anywhere-agent.mjs" ]; then
    fail_usage "no previous release to roll back to in $base"
  fi
  [ ! -e "$base/current" ] || [ -L "$base/current" ] || fail_usage "$base/current is not a symbolic link"
  units=()
  for file in "$base/$previous"/systemd/*.service; do
    [ -f "$file" ] && units+=("$file")
  done
  switch_link "$base/current" "$previous"
  if [ -n "$current" ]; then switch_link "$base/previous" "$current"; fi
  if [ "${#units[@]}" -gt 0 ]; then run install -m 0644 -t "$root$UNIT_DIR" "${units[@]}"; fi
  if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    run systemctl daemon-reload
    run systemctl try-restart "$UNIT_TO_ENABLE"
  fi
  if [ "$dry_run" -eq 1 ]; then
    echo "dry run: nothing was changed"
  else
    echo "ecs-anywhere-agent rolled back to ${previous#releases/} in $prefix${current:+ (${current#releases/} kept as previous)}"
  fi
  exit 0
fi

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
version=""
if [ -n "$release" ]; then
  [ -f "$release" ] || fail_usage "--release: no such file: $release"
  if [ -z "$sha256" ]; then
    sums="$(dirname -- "$release")/SHA256SUMS"
    [ -f "$sums" ] || fail_usage "--release: pass --sha256 HEX, or put SHA256SUMS next to $release"
    name=$(basename -- "$release")
    sha256=$(awk -v name="$name" '{ file = $2; sub(/^\*/, "", file) } file == name { print $1; exit }' "$sums")
    [ -n "$sha256" ] || fail_usage "$sums does not list $name"
  fi
  [[ $sha256 =~ ^[0-9A-Fa-f]{64}$ ]] || fail_usage "--sha256 must be 64 hexadecimal characters"
  actual=$(sha256sum -- "$release" | cut -d ' ' -f 1)
  if [ "$actual" != "${sha256,,}" ]; then
    fail_usage "$release has SHA-256 $actual, not ${sha256,,}: refusing it (download it again)"
  fi
  # Only plain files and folders under package/: no absolute path, no .., no links (tar -tv's first letter).
  if ! long=$(tar -tvzf "$release" 2>/dev/null) || ! names=$(tar -tzf "$release" 2>/dev/null); then
    fail_usage "$release is not a gzip-compressed tar archive"
  fi
  if grep -qv '^[-d]' <<<"$long" || grep -qvE '^package(/|$)' <<<"$names" ||
    grep -qE '(^|/)\.\.(/|$)' <<<"$names"; then
    fail_usage "$release is not a release tarball (entries outside package/, or links)"
  fi
  unpacked=$(mktemp -d)
  trap 'rm -rf -- "$unpacked"' EXIT
  tar -xzf "$release" -C "$unpacked" --no-same-owner --no-same-permissions
  src="$unpacked/package"
  [ -f "$src/package.json" ] || fail_usage "$release has no package/package.json"
  version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$src/package.json")
  printf '%s\n' "${sha256,,}" >"$unpacked/release.sha256"
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || fail_usage "$release: no valid version in package.json"
fi
entry="$src/dist/ecs-anywhere-agent.mjs"
if [ ! -f "$entry" ]; then
  [ -z "$release" ] || fail_usage "$release holds no package/dist/ecs-anywhere-agent.mjs"
  fail_usage "$entry is missing: run npm run build first"
fi
chunks=()
for file in "$src"/dist/chunks/*.cjs; do
  [ -f "$file" ] && chunks+=("$file")
done
[ "${#chunks[@]}" -gt 0 ] || fail_usage "$src/dist/chunks has no chunks: run npm run build first"
units=()
for file in "$src"/systemd/*.service; do
  [ -f "$file" ] && units+=("$file")
done
[ "${#units[@]}" -gt 0 ] || fail_usage "$src/systemd has no units"
example="$src/deploy/config/config.yaml.example"
for file in "$src/package.json" "$example"; do
  [ -f "$file" ] || fail_usage "$file is missing"
done

code="$base"
[ -z "$version" ] || code="$base/releases/$version"
# The user the installed files are for: root on this host (a dry run by another user checks for root too), the
# installing user under DESTDIR.
if [ -n "$root" ]; then owner=$(id -u); else owner=0; fi

# Checks, before anything is written. `folder_ok DIR OWN`: neither DIR nor any folder above it (below DESTDIR) is a
# symbolic link or something other than a folder; with OWN=own, an existing DIR must belong to $owner.
folder_ok() {
  local dir=$1 own=$2 path="$root" part rest parts
  rest=${dir#"$root"}
  IFS=/ read -r -a parts <<<"${rest#/}"
  for part in "${parts[@]}"; do
    path="$path/$part"
    if [ -L "$path" ]; then
      fail_usage "$path is a symbolic link: refusing to install through it"
    elif [ -e "$path" ] && [ ! -d "$path" ]; then
      fail_usage "$path is not a folder"
    fi
  done
  if [ "$own" = own ] && [ -d "$dir" ] && [ "$(stat -c %u "$dir")" != "$owner" ]; then
    fail_usage "$dir belongs to uid $(stat -c %u "$dir"), not uid $owner: remove it or change its owner"
  fi
}
# `file_ok FILE`: an existing FILE must be a plain file, not a symbolic link.
file_ok() {
  if [ -L "$1" ]; then
    fail_usage "$1 is a symbolic link: refusing to replace it"
  elif [ -e "$1" ] && [ ! -f "$1" ]; then
    fail_usage "$1 is not a plain file"
  fi
}

for dir in "$base" "$code" "$code/dist" "$code/dist/chunks" "$root$CONFIG_DIR" "$root$STATE_DIR"; do
  folder_ok "$dir" own
done
for dir in "$root$BIN_DIR" "$root$UNIT_DIR"; do
  folder_ok "$dir" shared
done
file_ok "$code/package.json"
[ -z "$version" ] || file_ok "$code/release.sha256"
file_ok "$code/dist/ecs-anywhere-agent.mjs"
for file in "${chunks[@]}"; do file_ok "$code/dist/chunks/${file##*/}"; done
file_ok "$root$CONFIG_DIR/config.yaml.example"
for file in "${units[@]}"; do file_ok "$root$UNIT_DIR/${file##*/}"; done
if [ -n "$version" ]; then
  for file in "$base/current" "$base/previous"; do
    [ ! -e "$file" ] || [ -L "$file" ] || fail_usage "$file is not a symbolic link"
  done
fi
link="$root$BIN_DIR/ecs-anywhere-agent"
if [ -d "$link" ] && [ ! -L "$link" ]; then
  fail_usage "$link is a folder"
fi

# Relative, so that the same link works under DESTDIR and once the tree is copied to /.
active="$prefix"
[ -z "$version" ] || active="$prefix/current"
target=$(realpath -m -s --relative-to="$BIN_DIR" "$active/dist/ecs-anywhere-agent.mjs")

# Folders of the agent's own get their mode set every time; shared ones are only created when missing.
shared_folder() {
  [ -d "$1" ] || run install -d -m 0755 "$1"
}

run install -d -m 0755 "$code" "$code/dist" "$code/dist/chunks"
run install -m 0644 "$src/package.json" "$code/package.json"
[ -z "$version" ] || run install -m 0644 "$unpacked/release.sha256" "$code/release.sha256"
run install -m 0644 -t "$code/dist/chunks" "${chunks[@]}"
# The entry after its chunks, then the chunks of an older build go.
run install -m 0755 "$entry" "$code/dist/ecs-anywhere-agent.mjs"
for old in "$code"/dist/chunks/*; do
  [ -e "$old" ] || [ -L "$old" ] || continue
  [ -f "$src/dist/chunks/${old##*/}" ] || run rm -f -- "$old"
done
if [ -n "$version" ]; then
  # The new release becomes current in one rename; the one it replaces is kept as previous, older ones go.
  was=$(release_of "$base/current")
  if [ "$was" != "releases/$version" ]; then
    switch_link "$base/current" "releases/$version"
    if [ -n "$was" ]; then switch_link "$base/previous" "$was"; fi
  fi
  keep_previous=$(release_of "$base/previous")
  [ "$was" = "releases/$version" ] || [ -z "$was" ] || keep_previous=$was
  for old in "$base"/releases/*; do
    [ -d "$old" ] || continue
    case "releases/${old##*/}" in
      "releases/$version" | "$keep_previous") ;;
      *) run rm -rf -- "$old" ;;
    esac
  done
fi
shared_folder "$root$BIN_DIR"
run ln -sfn -- "$target" "$link"
run install -d -m 0700 "$root$CONFIG_DIR"
run install -m 0644 "$example" "$root$CONFIG_DIR/config.yaml.example"
shared_folder "$root$UNIT_DIR"
run install -m 0644 -t "$root$UNIT_DIR" "${units[@]}"
run install -d -m 0700 "$root$STATE_DIR"

[ -n "$version" ] || version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$src/package.json")
if [ -n "$root" ]; then
  if [ "$dry_run" -eq 1 ]; then
    echo "dry run: nothing was changed (no systemctl with DESTDIR)"
  else
    echo "ecs-anywhere-agent ${version:-(unknown version)} staged under $root (no systemctl with DESTDIR)"
  fi
  exit 0
fi

if [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
else
  echo "install.sh: systemd is not running here: run systemctl daemon-reload once it is" >&2
fi
if [ "$enable" -eq 1 ]; then
  if [ -f "$src/systemd/$UNIT_TO_ENABLE" ]; then
    run systemctl enable "$UNIT_TO_ENABLE"
  else
    echo "install.sh: systemd/$UNIT_TO_ENABLE is not in this checkout: nothing enabled" >&2
  fi
fi
command -v node >/dev/null 2>&1 ||
  echo "install.sh: node is not on PATH: the agent needs Node.js 20.19 or later (22 or 24 recommended)" >&2
if [ "$dry_run" -eq 1 ]; then
  echo "dry run: nothing was changed"
else
  echo "ecs-anywhere-agent ${version:-(unknown version)} installed in $code; restart $UNIT_TO_ENABLE if it was running"
fi
