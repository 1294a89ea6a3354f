#!/usr/bin/env bash
# Regenerates this wrapper module (go.mod + go.sum) for another Kubernetes version:
#   hack/k8s-bins/bump.sh v1.34.4
# The staging modules to replace are read from that version's own go.mod (the list changes between
# minors), each pinned to its published twin v0.<minor>.<patch>. Then run hack/e2e-tools.sh, which
# builds the new version into ${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}/k8s/<version>/.
set -euo pipefail

k8s=${1:?usage: bump.sh vX.Y.Z}
[[ $k8s =~ ^v1\.[0-9]+\.[0-9]+$ ]] || {
  echo "bump.sh: expected a version like v1.34.4, got '$k8s'" >&2
  exit 2
}
stg=v0.${k8s#v1.}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=${GOFLAGS:--modcacherw}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# Keep the explanatory header of the current go.mod.
sed -n '/^\/\//p;/^module /q' "$here/go.mod" | grep '^//' >header || true
go mod init e2e.local/k8s-bins 2>/dev/null
modfile=$(go mod download -json "k8s.io/kubernetes@$k8s" | sed -n 's/.*"GoMod": "\([^"]*\)".*/\1/p')
[[ -f $modfile ]] || {
  echo "bump.sh: k8s.io/kubernetes@$k8s not available from the module proxy" >&2
  exit 1
}
# Copy the upstream go and godebug lines (the main module's go line sets the GODEBUG defaults).
gover=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$modfile")
godebug=$(sed -n 's/^godebug \(.*\)$/\1/p' "$modfile")
go mod edit -go="$gover"
[[ -z $godebug ]] || go mod edit -godebug="$godebug"
n=0
for m in $(sed -n 's|^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*|\1|p' "$modfile"); do
  go mod edit -replace="$m=$m@$stg"
  n=$((n + 1))
done
echo "bump.sh: $k8s (go $gover, godebug ${godebug:-none}): $n staging modules pinned to $stg" >&2
go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$k8s" "k8s.io/kubernetes/cmd/kube-controller-manager@$k8s" \
  "k8s.io/kubernetes/cmd/kubectl@$k8s" "k8s.io/kubernetes/cmd/kubelet@$k8s" "k8s.io/kubernetes/cmd/kube-scheduler@$k8s" 2>/dev/null
go mod tidy
{
  cat header
  cat go.mod
} >"$here/go.mod"
cp go.sum "$here/go.sum"
echo "bump.sh: wrote $here/go.mod and go.sum" >&2
