#!/usr/bin/env bash
# The pullthrough image for the e2e node, built from the repository's Dockerfile by
# hack/build-image.sh (buildah, stand-in Node 24 base) and kept as an OCI archive, keyed by a hash of
# everything the build reads: a second run with the same sources only prints the path.
#
# usage: hack/e2e-image.sh      prints the archive's path as its last line on stdout
# Environment: PULLTHROUGH_TOOLS (cache root, default /var/cache/pullthrough); the image storage and
# archives live in $PULLTHROUGH_TOOLS/image. test/e2e/cluster.sh pushes the archive into the upstream
# registry (E2E_PULLTHROUGH_IMAGE_ARCHIVE) and names it in the env file (E2E_PULLTHROUGH_IMAGE).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}
store=$tools/image
keep=3 # archives kept (one per source version)

log() { echo "e2e-image: $*" >&2; }

# What the build reads: the Dockerfile's COPY sources, the Dockerfile, the ignore file and the builder.
key=$(
  cd "$repo"
  {
    find Dockerfile .dockerignore package.json package-lock.json tsconfig.json tsconfig.build.json src \
      hack/build-image.sh -type f -print0 | sort -z | xargs -0 sha256sum
    echo "node=${NODE_VERSION:-} npm=${NPM_VERSION:-}"
  } | sha256sum | cut -c1-16
)
archive=$store/pullthrough-$key.oci.tar
mkdir -p "$store"
exec 8>"$store/.lock"
flock 8
if [[ -s $archive ]]; then
  log "cached: $archive"
else
  start=$SECONDS
  log "building the image from $repo/Dockerfile (sources $key)"
  IMAGE_STORAGE=$store "$repo/hack/build-image.sh" --stand-in-base --tag "localhost/pullthrough:e2e-$key" \
    --oci-archive "$archive.part" >&2
  mv -f "$archive.part" "$archive"
  log "built in $((SECONDS - start)) s: $archive ($(du -m "$archive" | cut -f1) MB)"
  # Older builds: their archives and images (the stand-in base stays, it is the expensive part).
  ls -t "$store"/pullthrough-*.oci.tar | tail -n +$((keep + 1)) | while read -r old; do
    old_key=${old##*/pullthrough-}
    old_key=${old_key%.oci.tar}
    rm -f "$old"
    buildah --root "$store/storage" --runroot "$store/run" rmi "localhost/pullthrough:e2e-$old_key" >/dev/null 2>&1 || true
  done
fi
echo "$archive"
