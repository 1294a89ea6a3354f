#!/usr/bin/env bash
# Builds a small single-layer OCI image layout offline (no base image, no network, reproducible:
# the same arguments and the same busybox binary always give the same digests).
#
# usage: test/e2e/oci-image.sh [--rootfs DIR --cmd JSON] LAYOUT_DIR REFERENCE [ARCH]
#   LAYOUT_DIR  directory to create (must not exist or be empty); copy it with
#               `skopeo copy oci:LAYOUT_DIR:latest docker://HOST/REPO:TAG`
#   REFERENCE   written into the image (file /etc/pullthrough-e2e-image, /www/index.html and the
#               config's labels), so every seeded image has distinct content and digests
#   ARCH        default amd64
#   --rootfs DIR --cmd JSON   pack DIR as the layer with that Cmd instead (the node's pause image)
# By default the image is runnable on the e2e node: a static busybox (Debian busybox-static) with a
# link for each applet (sh, mkdir, chown, httpd...: what charts' commands call), and a Cmd that
# serves /www (its own name) on port 8080 and stays up; when another container of the Pod already
# holds the port, it just sleeps. It stops on SIGTERM. Prints the manifest digest.
set -euo pipefail

rootfs= cmd=
while [[ ${1:-} == --* ]]; do
  case $1 in
    --rootfs) rootfs=${2:?--rootfs DIR} ;;
    --cmd) cmd=${2:?--cmd JSON} ;;
    *)
      echo "oci-image.sh: unknown option $1" >&2
      exit 2
      ;;
  esac
  shift 2
done
dir=${1:?usage: oci-image.sh [--rootfs DIR --cmd JSON] LAYOUT_DIR REFERENCE [ARCH]}
ref=${2:?usage: oci-image.sh [--rootfs DIR --cmd JSON] LAYOUT_DIR REFERENCE [ARCH]}
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

if [[ -z $rootfs ]]; then
  busybox=/bin/busybox
  [[ -x $busybox ]] && grep -q 'not a dynamic' < <(ldd "$busybox" 2>&1) ||
    {
      echo "oci-image.sh: a static $busybox is needed (apt-get install busybox-static; hack/e2e-tools.sh does)" >&2
      exit 1
    }
  rootfs=$work/root
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/www" "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  cp "$busybox" "$rootfs/bin/busybox"
  "$busybox" --list-full | while read -r applet; do
    [[ $applet == bin/busybox ]] && continue
    mkdir -p "$rootfs/${applet%/*}"
    ln -s /bin/busybox "$rootfs/$applet"
  done
  printf '%s\n' "$ref" >"$rootfs/etc/pullthrough-e2e-image"
  printf '%s\n' "$ref" >"$rootfs/www/index.html"
  # As PID 1 the shell gets no default SIGTERM handling: the trap makes Pods stop at once.
  cmd='["/bin/sh","-c","trap \"exit 0\" TERM; httpd -f -p 8080 -h /www 2>/dev/null & wait $!; while :; do sleep 3600 & wait $!; done"]'
fi
[[ -n $cmd ]] || {
  echo "oci-image.sh: --rootfs needs --cmd" >&2
  exit 2
}

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=posix \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$rootfs" -cf "$work/layer.tar" .
diff_id=$(sha "$work/layer.tar")
gzip -n -6 <"$work/layer.tar" >"$work/layer.tar.gz"
layer_size=$(size "$work/layer.tar.gz")
layer=$(put_blob "$work/layer.tar.gz")

created=2024-01-01T00:00:00Z
jq -cn --arg arch "$arch" --arg diff "sha256:$diff_id" --arg ref "$ref" --arg created "$created" \
  --argjson cmd "$cmd" '{
  created: $created, architecture: $arch, os: "linux",
  config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: $cmd,
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
