#!/usr/bin/env bash
# Installs everything the end-to-end harness (test/e2e/cluster.sh) needs, and only what is missing:
#   - Debian packages: etcd-server, docker-registry, skopeo, nginx, openssl, curl, jq, time, util-linux
#     (flock), busybox-static (the seeded images run it); for the node also containerd, runc, socat,
#     containernetworking-plugins, iproute2, and buildah, mmdebstrap, gpg (hack/build-image.sh)
#   - kube-apiserver, kube-controller-manager and kubectl built from the k8s.io/kubernetes Go module
#     (hack/k8s-bins/) into ${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}/k8s/<version>/, and for the
#     node kubelet and kube-scheduler (a second, short build: they share almost every package)
#   - the node's sandbox image: test/e2e/pause.c built static, in .../node/pause.tar
#   - helm, through hack/install-helm.sh
# Safe to run again (a second run does nothing and takes about a second) and on a brand-new machine
# as root (CI). Long outputs go to stderr; the last lines on stdout are KEY=VALUE pairs:
#   K8S_VERSION=... K8S_BIN_DIR=... HELM=...
#
# Environment:
#   PULLTHROUGH_TOOLS   cache root (default /var/cache/pullthrough)
#   E2E_SKIP_HELM=1     do not build/install helm
#   E2E_NODE=0          nothing for the node (a control-plane-only cluster: cluster.sh with E2E_NODE=0)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools=${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}
with_node=${E2E_NODE:-1}

log() { echo "e2e-tools: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# ---------------------------------------------------------------------------------------------
# 1. Debian packages (command -> package)
# ---------------------------------------------------------------------------------------------
declare -A need=(
  [etcd]=etcd-server
  [docker-registry]=docker-registry
  [skopeo]=skopeo
  [nginx]=nginx
  [openssl]=openssl
  [curl]=curl
  [jq]=jq
  [flock]=util-linux
  [/usr/bin/time]=time
  [/bin/busybox]=busybox-static
)
if [[ $with_node != 0 ]]; then
  need+=(
    [containerd]=containerd
    [runc]=runc
    [socat]=socat
    [ip]=iproute2
    [/usr/lib/cni/bridge]=containernetworking-plugins
    [buildah]=buildah
    [mmdebstrap]=mmdebstrap
    [gpg]=gpg
  )
fi
missing=()
for cmd in "${!need[@]}"; do
  if [[ $cmd == /* ]]; then
    [[ -x $cmd ]] || missing+=("${need[$cmd]}")
  else
    command -v "$cmd" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin command -v "$cmd" >/dev/null 2>&1 ||
      missing+=("${need[$cmd]}")
  fi
done
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing Debian packages: ${missing[*]}"
  ((EUID == 0)) || die "missing packages (${missing[*]}) and not root: run 'sudo apt-get install -y ${missing[*]}'"
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
  # Keep the packages' init scripts from starting system-wide etcd/nginx/registry daemons on a host
  # that has no policy-rc.d of its own (the harness runs its own instances on other ports).
  temp_policy=
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    temp_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  rc=0
  {
    apt-get update -q >&2 &&
      apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  } || rc=$?
  [[ -n $temp_policy ]] && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
fi

# ---------------------------------------------------------------------------------------------
# 2. Kubernetes binaries built from the Go module pinned in hack/k8s-bins/go.mod
# ---------------------------------------------------------------------------------------------
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
export GOFLAGS=${GOFLAGS:--modcacherw}

k8s_mod=$repo/hack/k8s-bins/go.mod
[[ -f $k8s_mod ]] || die "$k8s_mod not found"
# The single source of truth for the version: the require line of the wrapper module.
k8s_version=$(sed -n -E 's/^[[:space:]]*(require[[:space:]]+)?k8s\.io\/kubernetes[[:space:]]+(v[0-9][^[:space:]]*).*/\2/p' "$k8s_mod" | head -1)
[[ -n $k8s_version ]] || die "cannot read the k8s.io/kubernetes version from $k8s_mod"
bin=$tools/k8s/$k8s_version

have_k8s() {
  local b
  for b in kube-apiserver kube-controller-manager kubectl; do
    [[ -x $bin/$b ]] || return 1
  done
  "$bin/kube-apiserver" --version 2>/dev/null | grep -qx "Kubernetes $k8s_version"
}

if ! have_k8s; then
  command -v go >/dev/null 2>&1 || die "'go' is not on PATH; the k8s binaries are built from the Go module proxy (Go >= 1.24)"
  mkdir -p "$bin"
  exec 8>"$bin/.build.lock"
  flock 8
  if ! have_k8s; then # another caller may have built it while we waited
    log "building Kubernetes $k8s_version (cold: about 15 min and 2 GiB RAM on 2 cores; about 1 min with a warm Go build cache)"
    start=$SECONDS
    "$repo/hack/k8s-bins/build.sh" "$bin" >&2 || die "building Kubernetes $k8s_version failed"
    log "built Kubernetes $k8s_version in $((SECONDS - start)) s"
  fi
  exec 8>&-
fi

have_node_bins() {
  local b
  for b in kubelet kube-scheduler; do
    [[ -x $bin/$b ]] && "$bin/$b" --version 2>/dev/null | grep -qx "Kubernetes $k8s_version" || return 1
  done
}

if [[ $with_node != 0 ]] && ! have_node_bins; then
  exec 8>"$bin/.build.lock"
  flock 8
  if ! have_node_bins; then
    log "building kubelet and kube-scheduler $k8s_version (about 1 min after the control plane)"
    start=$SECONDS
    "$repo/hack/k8s-bins/build.sh" "$bin" kubelet kube-scheduler >&2 || die "building the kubelet failed"
    log "built kubelet and kube-scheduler in $((SECONDS - start)) s"
  fi
  exec 8>&-
fi

# ---------------------------------------------------------------------------------------------
# 3. The node's sandbox image (registry.k8s.io/pause:3.10 as containerd knows it; never pulled)
# ---------------------------------------------------------------------------------------------
pause_tar=$tools/node/pause.tar
if [[ $with_node != 0 && ! -s $pause_tar ]]; then
  mkdir -p "$tools/node"
  exec 8>"$tools/node/.lock"
  flock 8
  if [[ ! -s $pause_tar ]]; then
    work=$(mktemp -d)
    mkdir -p "$work/rootfs"
    if command -v gcc >/dev/null 2>&1; then
      gcc -static -Os -s -o "$work/rootfs/pause" "$repo/test/e2e/pause.c" || die "building the pause binary failed"
      cmd='["/pause"]'
    else # a sandbox only has to sleep: containerd stops it with SIGKILL
      mkdir -p "$work/rootfs/bin"
      cp /bin/busybox "$work/rootfs/bin/busybox"
      cmd='["/bin/busybox","sleep","2147483647"]'
    fi
    "$repo/test/e2e/oci-image.sh" --rootfs "$work/rootfs" --cmd "$cmd" "$work/oci" registry.k8s.io/pause:3.10 >/dev/null
    printf '%s\n' '{"default":[{"type":"insecureAcceptAnything"}]}' >"$work/policy.json"
    skopeo --policy "$work/policy.json" copy --quiet "oci:$work/oci:latest" \
      "docker-archive:$pause_tar.part:registry.k8s.io/pause:3.10" || die "packing the pause image failed"
    mv -f "$pause_tar.part" "$pause_tar"
    rm -rf "$work"
    log "built the node's pause image: $pause_tar"
  fi
  exec 8>&-
fi

# ---------------------------------------------------------------------------------------------
# 4. helm (owned by hack/install-helm.sh, which prints the binary's path)
# ---------------------------------------------------------------------------------------------
helm=
if [[ ${E2E_SKIP_HELM:-} != 1 ]]; then
  [[ -x $repo/hack/install-helm.sh ]] || die "hack/install-helm.sh not found"
  helm=$("$repo/hack/install-helm.sh" | tail -1) || die "hack/install-helm.sh failed"
fi

echo "K8S_VERSION=$k8s_version"
echo "K8S_BIN_DIR=$bin"
echo "HELM=$helm"
