#!/usr/bin/env bash
# Prints what of this machine the e2e node could change, in a stable order, so that two snapshots
# (before `cluster.sh up`, after `cluster.sh down`) can be compared with diff: mounts, cgroups,
# network links and addresses, iptables rules, the sysctls the kubelet and CNI plugins touch, the
# fixed host paths of the kubelet / containerd / CNI, and node processes. .ci/run uses it.
#
# usage: hack/host-state.sh > before.txt; ...; hack/host-state.sh | diff before.txt -
set -uo pipefail
export PATH=$PATH:/usr/sbin:/sbin

section() { printf '## %s\n' "$1"; }

section mounts
# Not the image storage in the tools cache: buildah keeps its overlay directory mounted on itself.
findmnt -rn -o TARGET,FSTYPE | grep -v "^${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}/" | sort
section cgroups
for root in /sys/fs/cgroup/*/; do
  find "$root" -mindepth 1 -maxdepth 1 -type d 2>/dev/null
done | sort
section links
ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
section addresses
ip -o addr show 2>/dev/null | awk '{print $2, $3, $4}' | sort
section iptables
for t in filter nat mangle raw; do iptables -t "$t" -S 2>/dev/null | sed "s/^/$t /"; done
section sysctls
for k in net/ipv4/ip_forward vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops \
  kernel/keys/root_maxkeys kernel/keys/root_maxbytes net/bridge/bridge-nf-call-iptables; do
  printf '%s %s\n' "$k" "$(cat "/proc/sys/$k" 2>/dev/null || echo absent)"
done
section paths
for p in /run/containerd /var/lib/cni /var/log/containers /usr/libexec/kubernetes /var/run/netns \
  /var/lib/kubelet /var/lib/containerd /etc/cni /run/pullthrough-e2e-node.owner; do
  printf '%s %s\n' "$p" "$([[ -e $p ]] && echo present || echo absent)"
done
section processes
ps -eo comm= | grep -E '^(kubelet|kube-scheduler|containerd|containerd-shim|runc|socat|pause)' | sort | uniq -c
true
