#!/usr/bin/env bash
# Builds Kubernetes commands from the k8s.io/kubernetes Go module pinned in this directory's go.mod
# (staging modules replaced by their published v0.Y.Z twins), with the version ldflags upstream's
# hack/lib/version.sh sets, so /version reports the real version.
#
# usage: hack/k8s-bins/build.sh OUTDIR [COMMAND...]
# COMMAND defaults to the control plane: kube-apiserver kube-controller-manager kubectl. The e2e node
# adds kubelet and kube-scheduler (a separate call: about a minute once the control plane is built,
# since they share almost every package). Writes OUTDIR/COMMAND (to a temp dir first, then moved, so
# an interrupted build never leaves a half-written binary behind).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:?usage: build.sh OUTDIR [COMMAND...]}
shift
commands=("$@")
((${#commands[@]})) || commands=(kube-apiserver kube-controller-manager kubectl)

export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
export GOFLAGS=${GOFLAGS:--modcacherw}
export CGO_ENABLED=0

cd "$here"
version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
major=$(echo "$version" | sed -E 's/^v([0-9]+)\..*/\1/')
minor=$(echo "$version" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')
# Build date: the module's publication time (reproducible), else 1970.
build_date=$(go mod download -json "k8s.io/kubernetes@$version" 2>/dev/null |
  sed -n 's/.*"Info": "\([^"]*\)".*/\1/p' | xargs -r cat 2>/dev/null |
  sed -n 's/.*"Time":"\([^"]*\)".*/\1/p')
build_date=${build_date:-1970-01-01T00:00:00Z}

ldflags="-s -w"
for kv in "gitVersion=$version" "gitMajor=$major" "gitMinor=$minor" "gitTreeState=clean" \
  "gitCommit=" "buildDate=$build_date"; do
  ldflags="$ldflags -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
done

mkdir -p "$out"
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "building k8s $version (${commands[*]}) into $out (CGO_ENABLED=0, -trimpath)" >&2
go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${commands[@]/#/k8s.io/kubernetes/cmd/}"
for b in "${commands[@]}"; do
  mv -f "$tmp/$b" "$out/$b"
done
"$out/${commands[0]}" --version >&2
