#!/usr/bin/env bash
# Installs helm for the chart tests and the e2e harness, and prints the binary's path on stdout
# (and nothing else: callers do `helm=$(hack/install-helm.sh)`). Build output goes to stderr.
#
# The binary lives in ${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}/bin/helm (docs/contracts.md). It is
# built from source with `go install` because the Go module proxy is the only place we can fetch
# helm from; a second run finds the binary and returns at once. Concurrent callers (vitest runs test
# files in parallel) are serialised with flock, and the binary is moved into place only once built.
#
# The ldflags set what an official release sets: the version `helm version` prints, and the default
# Kubernetes version that `helm template` and `helm lint` assume without a cluster (helm's default is
# 1.20, too old for the chart's `kubeVersion`). Both k8sVersion pairs exist in v3.22.0:
# pkg/chartutil/capabilities.go and pkg/lint/rules/deprecations.go.
set -euo pipefail

HELM_VERSION=v3.22.0
KUBE_MAJOR=1
KUBE_MINOR=34

tools=${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}
bindir=$tools/bin
helm=$bindir/helm

installed_version() {
  [[ -x $helm ]] && "$helm" version --template '{{.Version}}' 2>/dev/null || true
}

if [[ $(installed_version) == "$HELM_VERSION" ]]; then
  echo "$helm"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: 'go' is not on PATH; helm is built with go install (Go >= 1.26 needed)" >&2
  exit 1
fi

mkdir -p "$bindir"
exec 9>"$bindir/.helm.lock"
flock 9

# Another caller may have finished the build while we waited for the lock.
if [[ $(installed_version) != "$HELM_VERSION" ]]; then
  echo "install-helm: building helm $HELM_VERSION into $helm (takes a few minutes once)" >&2
  staging=$(mktemp -d "$bindir/.helm-build.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  ldflags="-s -w"
  ldflags+=" -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$KUBE_MAJOR"
  ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$KUBE_MINOR"
  ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$KUBE_MAJOR"
  ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$KUBE_MINOR"
  GOBIN=$staging GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=0 \
    go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  mv -f "$staging/helm" "$helm"
fi

echo "$helm"
