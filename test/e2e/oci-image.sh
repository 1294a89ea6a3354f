#!/usr/bin/env bash
# Builds a tiny single-layer OCI image layout offline (no base image, no network, reproducible:
# the same arguments always give the same digests).
#
# usage: test/e2e/oci-image.sh LAYOUT_DIR REFERENCE [ARCH]
#   LAYOUT_DIR  directory to create (must not exist or be empty); copy it with
#               `skopeo copy oci:LAYOUT_DIR:latest docker://HOST/REPO:TAG`
#   REFERENCE   written into the image (file /etc/pullthrough-e2e-image and the config's labels),
#               so every seeded image has distinct content and digests
#   ARCH        default amd64
# Prints the manifest digest on stdout.
set -euo pipefail

dir=${1:?usage: oci-image.sh LAYOUT_DIR REFERENCE [ARCH]}
ref=${2:?usage: oci-image.sh LAYOUT_DIR REFERENCE [ARCH]}
arch=${3:-amd64}

mkdir -p "$dir/blobs/sha256"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
put_blob() { # file -> moves it into the layout, prints its hex digest
  local d
  d=$(sha "$1")
  mv -f "$1" "$dir/blobs/sha256/$d"
  echo "$d"
}

# The layer: one small file naming the image.
mkdir -p "$work/root/etc"
printf '%s\n' "$ref" >"$work/root/etc/pullthrough-e2e-image"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$work/root" -cf "$work/layer.tar" etc
diff_id=$(sha "$work/layer.tar")
gzip -n -9 <"$work/layer.tar" >"$work/layer.tar.gz"
layer_size=$(size "$work/layer.tar.gz")
layer=$(put_blob "$work/layer.tar.gz")

created=2024-01-01T00:00:00Z
jq -cn --arg arch "$arch" --arg diff "sha256:$diff_id" --arg ref "$ref" --arg created "$created" '{
  created: $created, architecture: $arch, os: "linux",
  config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/true"],
           Labels: {"org.opencontainers.image.title": $ref, "io.pullthrough.e2e": "seeded"}},
  rootfs: {type: "layers", diff_ids: [$diff]},
  history: [{created: $created, created_by: "test/e2e/oci-image.sh"}]
}' >"$work/config.json"
config_size=$(size "$work/config.json")
config=$(put_blob "$work/config.json")

jq -cn --arg config "sha256:$config" --argjson csize "$config_size" \
  --arg layer "sha256:$layer" --argjson lsize "$layer_size" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $csize},
  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $layer, size: $lsize}]
}' >"$work/manifest.json"
manifest_size=$(size "$work/manifest.json")
manifest=$(put_blob "$work/manifest.json")

printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
jq -cn --arg m "sha256:$manifest" --argjson msize "$manifest_size" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $msize,
               annotations: {"org.opencontainers.image.ref.name": "latest"}}]
}' >"$dir/index.json"

echo "sha256:$manifest"
