#!/usr/bin/env bash
# The end-to-end control plane and registries, on loopback only.
#
# usage: test/e2e/cluster.sh up|down|status|env
#        test/e2e/cluster.sh stop|start COMPONENT     (e.g. stop upstream-registry, to test the cache)
#
# up      starts, in order, and waits (bounded) for each to be ready:
#           etcd                     http://127.0.0.1:$E2E_ETCD_PORT, data on tmpfs
#           kube-apiserver           https://127.0.0.1:$E2E_APISERVER_PORT (client-cert admin, RBAC,
#                                    ServiceAccount + webhook admission plugins on)
#           kube-controller-manager  every default controller (Deployments, StatefulSets, DaemonSets, Jobs,
#                                    CronJobs, endpoints, disruption, node lifecycle, ...)
#           upstream-registry        docker-registry on 127.0.0.1:$E2E_UPSTREAM_PORT (stands for Docker Hub),
#                                    seeded offline with small images built by test/e2e/oci-image.sh
#           quay-registry            a second upstream (stands for quay.io), seeded the same way
#           proxy-registry           docker-registry in pull-through mode (proxy.remoteurl = upstream),
#                                    plain HTTP on 127.0.0.1:$E2E_PROXY_PORT (used to look at the cache)
#           nginx                    TLS (own CA) + basic auth on 127.0.0.1:$E2E_REGISTRY_PORT, serving
#                                    Harbor's path layout: /v2/proxy_cache/<path> -> proxy-registry /v2/<path>
#         then, unless E2E_NODE=0, one real node (see "The node" below):
#           kubernetes-service       socat on 10.0.0.1:443 -> the API server, so Pods reach the
#                                    `kubernetes` Service without a kube-proxy
#           containerd               Debian containerd 1.6 + runc, every path under $E2E_DIR/node
#           kubelet                  Node $E2E_NODE_NAME, cgroupfs on cgroup v1, CNI bridge ptnode0
#           kube-scheduler
#         and writes $E2E_DIR/kubeconfig, $E2E_DIR/env (KEY=value lines) and $E2E_DIR/env.json.
#         A stale or partial previous run is taken down first; a failed `up` takes itself down.
# down    stops everything it started (pid files in $E2E_DIR/pids) and deletes $E2E_DIR.
# status  prints each component's state; exit 0 only if all are running and healthy.
#
# Environment (all optional): E2E_DIR (default /dev/shm/pullthrough-e2e), PULLTHROUGH_TOOLS
# (default /var/cache/pullthrough, where hack/e2e-tools.sh put the binaries), E2E_ETCD_PORT (23790),
# E2E_ETCD_PEER_PORT (23800), E2E_APISERVER_PORT (16443), E2E_KCM_PORT (16444), E2E_UPSTREAM_PORT (15000),
# E2E_QUAY_PORT (15001), E2E_PROXY_PORT (15010), E2E_REGISTRY_PORT (15443), E2E_PORT_OFFSET (0; added to
# every default port), E2E_TIMEOUT_SCALE (1; multiplies every readiness timeout), E2E_OWNER_PID (default:
# the caller's pid) and E2E_FORCE=1 (let `up` replace a healthy cluster another live process owns).
# E2E_PULLTHROUGH_IMAGE_ARCHIVE: an OCI archive of the pullthrough image (hack/e2e-image.sh) that `up`
# pushes into the upstream registry; the env file then names it in E2E_PULLTHROUGH_IMAGE.
# E2E_NODE=0 leaves the node out (control plane and registries only). Node ports: E2E_KUBELET_PORT
# (16445), E2E_KUBELET_HEALTHZ_PORT (16446), E2E_SCHEDULER_PORT (16447), E2E_CRI_STREAM_PORT (16448).
# The webhook itself is not started here: the TypeScript tests start it (or install the chart).
#
# The node: Pods get IPs from 10.244.77.0/24 on the bridge ptnode0 (10.244.77.1, made here, and also
# the node's InternalIP and kubelet address), so the API server reaches webhook Pods and the kubelet
# directly (--enable-aggregator-routing: Service -> endpoint IP, no kube-proxy). containerd resolves
# docker.io and quay.io to the upstream registries and trusts the Harbor stand-in's CA (hosts.toml per
# registry). The kubelet runs in a private mount namespace whose /proc/sys entries it insists on
# writing are plain files, so the host's sysctls are never changed. Some paths are fixed by the
# kubelet and containerd (/run/containerd/s, /var/log/containers, /var/lib/cni, cgroups /kubepods):
# `down` removes those it created, the two bridges, and every mount under $E2E_DIR. One node per
# machine: a second `up` with a node refuses while another live one exists (use E2E_NODE=0).
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin # nginx lives in /usr/sbin

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here=$repo/test/e2e
E2E_DIR=${E2E_DIR:-/dev/shm/pullthrough-e2e}
tools=${PULLTHROUGH_TOOLS:-/var/cache/pullthrough}

off=${E2E_PORT_OFFSET:-0} # shifts every default port (a second cluster on the same machine)
etcd_port=${E2E_ETCD_PORT:-$((23790 + off))}
etcd_peer_port=${E2E_ETCD_PEER_PORT:-$((23800 + off))}
apiserver_port=${E2E_APISERVER_PORT:-$((16443 + off))}
kcm_port=${E2E_KCM_PORT:-$((16444 + off))}
upstream_port=${E2E_UPSTREAM_PORT:-$((15000 + off))}
quay_port=${E2E_QUAY_PORT:-$((15001 + off))}
proxy_port=${E2E_PROXY_PORT:-$((15010 + off))}
registry_port=${E2E_REGISTRY_PORT:-$((15443 + off))}
kubelet_port=${E2E_KUBELET_PORT:-$((16445 + off))}
kubelet_healthz_port=${E2E_KUBELET_HEALTHZ_PORT:-$((16446 + off))}
scheduler_port=${E2E_SCHEDULER_PORT:-$((16447 + off))}
cri_stream_port=${E2E_CRI_STREAM_PORT:-$((16448 + off))}
with_node=${E2E_NODE:-1}
[[ $with_node == 0 || $with_node == 1 ]] || { echo "cluster.sh: E2E_NODE must be 0 or 1" >&2; exit 2; }
# Who owns the cluster (the test runner's pid; by default the caller of this script). `up` refuses to
# replace a healthy cluster whose owner is another live process, unless E2E_FORCE=1.
owner_pid=${E2E_OWNER_PID:-$PPID}
timeout_scale=${E2E_TIMEOUT_SCALE:-1}
host=127.0.0.1
project=proxy_cache
service_cidr=10.0.0.0/24
kubernetes_service_ip=10.0.0.1 # the first address of service_cidr: what Pods get in KUBERNETES_SERVICE_HOST
node_name=pullthrough-e2e-node
pod_cidr=10.244.77.0/24
pod_gateway=10.244.77.1 # on ptnode0; also the node's InternalIP and the kubelet's address
pod_bridge=ptnode0
service_bridge=ptsvc0 # holds kubernetes_service_ip (a bridge: dummy links need a kernel module)
node_marker=/run/pullthrough-e2e-node.owner # host-wide: which E2E_DIR runs the one node

# Images seeded into the upstream registries (repository:tag, as Docker Hub / Quay name them).
upstream_images=(
  library/nginx:1.26-alpine
  library/httpd:latest
  library/busybox:1.31.1
  library/busybox:1.36
  grafana/grafana:11.1.3
  curlimages/curl:7.85.0
)
quay_images=(
  kiwigrid/k8s-sidecar:1.27.4
  prometheus/node-exporter:v1.8.2
)

# Start order; down stops in reverse.
components=(etcd kube-apiserver kube-controller-manager upstream-registry quay-registry proxy-registry nginx)
node_components=(kubernetes-service containerd kubelet kube-scheduler)
# A cluster's components: with the node's when `up` started one (it leaves $E2E_DIR/node/.enabled).
all_components() {
  echo "${components[@]}"
  [[ ! -f $E2E_DIR/node/.enabled ]] || echo "${node_components[@]}"
}

marker=.pullthrough-e2e
pki=$E2E_DIR/pki
reg=$E2E_DIR/registry
logs=$E2E_DIR/logs
pids=$E2E_DIR/pids
node=$E2E_DIR/node

log() { echo "cluster.sh: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

k8s_version() {
  sed -n -E 's/^[[:space:]]*(require[[:space:]]+)?k8s\.io\/kubernetes[[:space:]]+(v[0-9][^[:space:]]*).*/\2/p' \
    "$repo/hack/k8s-bins/go.mod" | head -1
}
K8S_VERSION=$(k8s_version)
[[ -n $K8S_VERSION ]] || die "cannot read the k8s.io/kubernetes version from hack/k8s-bins/go.mod"
BIN=$tools/k8s/$K8S_VERSION
KUBECTL=$BIN/kubectl

# ------------------------------------------------------------------------------------------------
# process bookkeeping
# ------------------------------------------------------------------------------------------------
pid_of() { # component -> pid if its pid file exists and the process is alive and is ours
  local f=$pids/$1.pid pid exe
  [[ -f $f && -f $pids/$1.cmd ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  # Guard against pid reuse: the command line must still mention our E2E_DIR or the binary we started.
  exe=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  [[ $exe == *"$(<"$pids/$1.cmd")"* ]] || return 1
  echo "$pid"
}

tail_log() {
  local f=$logs/$1.log
  if [[ -f $f ]]; then
    echo "----- last lines of $f -----" >&2
    tail -n "${2:-30}" "$f" >&2
    echo "-----" >&2
  fi
}

# alive PID: the process exists and is not a zombie (an orphan's zombie may linger until init reaps it).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

port_free() { ! (exec 3<>"/dev/tcp/$host/$1") 2>/dev/null; }

# launch COMPONENT MATCH CMD... : runs CMD in its own session (so down can kill the whole group),
# stdin from /dev/null and stdout/stderr to $logs/COMPONENT.log, and records its pid.
launch() {
  local name=$1 match=$2
  shift 2
  mkdir -p "$logs" "$pids"
  echo "$match" >"$pids/$name.cmd"
  setsid "$@" </dev/null >>"$logs/$name.log" 2>&1 9>&- &
  echo $! >"$pids/$name.pid"
}

# wait_ready COMPONENT SECONDS CMD... : polls CMD until it succeeds; fails early if the process died.
wait_ready() {
  local name=$1 secs=$2
  shift 2
  local deadline=$((SECONDS + secs * timeout_scale))
  while ! "$@" >/dev/null 2>&1; do
    if ! pid_of "$name" >/dev/null; then
      tail_log "$name"
      die "$name exited during start-up (log: $logs/$name.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail_log "$name"
      die "$name not ready after $((secs * timeout_scale)) s (check: $*; log: $logs/$name.log)"
    fi
    sleep 0.3
  done
}

# Members of process group PGID that are one of our programs (a leader killed with SIGKILL can leave
# children behind, e.g. nginx workers; they keep the group, so the pid cannot have been reused).
group_leftovers() {
  ps -eo pid=,pgid=,stat=,comm= 2>/dev/null | awk -v g="$1" \
    '$2 == g && $3 !~ /^Z/ && $4 ~ /^(etcd|kube-apiserver|kube-controller|docker-registry|nginx|socat|containerd|kubelet|kube-scheduler)/ { print $1 }'
}

stop_component() {
  local name=$1 pid i left
  if pid=$(pid_of "$name"); then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do # up to 10 s, then SIGKILL
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      log "$name (pid $pid) did not stop on SIGTERM; killing"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        alive "$pid" || break
        sleep 0.1
      done
    fi
  fi
  # Whatever is left of the group (leader died earlier, or ignored SIGTERM of the group).
  if [[ -f $pids/$name.pid ]]; then
    pid=$(<"$pids/$name.pid")
    if [[ $pid =~ ^[0-9]+$ ]]; then
      for ((i = 0; i < 30; i++)); do
        left=$(group_leftovers "$pid")
        [[ -n $left ]] || break
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
        sleep 0.1
      done
    fi
  fi
  rm -f "$pids/$name.pid"
}

# ------------------------------------------------------------------------------------------------
# health checks
# ------------------------------------------------------------------------------------------------
curl_q() { curl -sf --max-time 5 "$@"; }
admin_curl() { curl_q --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$@"; }
check_etcd() { curl_q "http://$host:$etcd_port/health" | grep -q '"health":"true"'; }
check_kube-apiserver() { admin_curl "https://$host:$apiserver_port/readyz" >/dev/null; }
check_kube-controller-manager() { curl_q -k "https://$host:$kcm_port/healthz" >/dev/null; }
check_upstream-registry() { curl_q "http://$host:$upstream_port/v2/" >/dev/null; }
check_quay-registry() { curl_q "http://$host:$quay_port/v2/" >/dev/null; }
check_proxy-registry() { curl_q "http://$host:$proxy_port/v2/" >/dev/null; }
check_nginx() {
  curl_q --cacert "$reg/ca.crt" -u "$(<"$reg/user"):$(<"$reg/password")" "https://$host:$registry_port/v2/" >/dev/null
}
check_kubernetes-service() { admin_curl "https://$kubernetes_service_ip/readyz" >/dev/null; }
ctr_() { ctr -a "$node/containerd/containerd.sock" "$@"; }
check_containerd() { ctr_ version >/dev/null; }
check_kubelet() { curl_q "http://$host:$kubelet_healthz_port/healthz" >/dev/null; }
check_kube-scheduler() { curl_q -k "https://$host:$scheduler_port/healthz" >/dev/null; }
port_of() {
  case $1 in
    etcd) echo "$etcd_port" ;;
    kube-apiserver) echo "$apiserver_port" ;;
    kube-controller-manager) echo "$kcm_port" ;;
    upstream-registry) echo "$upstream_port" ;;
    quay-registry) echo "$quay_port" ;;
    proxy-registry) echo "$proxy_port" ;;
    nginx) echo "$registry_port" ;;
    kubernetes-service) echo 443 ;;
    containerd) echo "$cri_stream_port" ;;
    kubelet) echo "$kubelet_healthz_port" ;;
    kube-scheduler) echo "$scheduler_port" ;;
    *) die "unknown component '$1' (one of: ${components[*]} ${node_components[*]})" ;;
  esac
}

# ------------------------------------------------------------------------------------------------
# files: PKI, kubeconfig, registry configs
# ------------------------------------------------------------------------------------------------
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
# sign NAME CA_PREFIX SUBJECT EXTENSIONS...: key + cert signed by CA_PREFIX.{crt,key}
sign() {
  local name=$1 ca=$2 subj=$3
  shift 3
  local ext=() e
  for e in "$@"; do ext+=(-addext "$e"); done
  ec_key "$name.key"
  openssl req -new -key "$name.key" -subj "$subj" "${ext[@]}" -out "$name.csr" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 30 \
    -copy_extensions copyall -out "$name.crt" 2>/dev/null
  rm -f "$name.csr"
}
make_ca() {
  ec_key "$1.key"
  openssl req -x509 -new -key "$1.key" -days 30 -subj "/CN=$2" -out "$1.crt" 2>/dev/null
}

write_pki() {
  mkdir -p "$pki"
  make_ca "$pki/ca" pullthrough-e2e-cluster-ca
  sign "$pki/apiserver" "$pki/ca" /CN=kube-apiserver \
    "subjectAltName=IP:$host,DNS:localhost,IP:${service_cidr%.*/*}.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
    "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature,keyEncipherment"
  sign "$pki/admin" "$pki/ca" "/O=system:masters/CN=pullthrough-e2e-admin" \
    "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature,keyEncipherment"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null

  # The registry (Harbor stand-in) has its own CA, as a real Harbor would.
  mkdir -p "$reg/certs"
  make_ca "$reg/ca" pullthrough-e2e-registry-ca
  sign "$reg/tls" "$reg/ca" /CN=harbor.ingress.local \
    "subjectAltName=IP:$host,IP:$pod_gateway,DNS:localhost,DNS:harbor.ingress.local" \
    "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature,keyEncipherment"
  cp "$reg/ca.crt" "$reg/certs/ca.crt" # skopeo --cert-dir: *.crt there are trusted CAs
  chmod 644 "$reg"/*.crt "$reg"/*.key
}

write_kubeconfig() {
  local b64='base64 -w0'
  cat >"$E2E_DIR/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: pullthrough-e2e
  cluster:
    server: https://$host:$apiserver_port
    certificate-authority-data: $($b64 "$pki/ca.crt")
users:
- name: pullthrough-e2e-admin
  user:
    client-certificate-data: $($b64 "$pki/admin.crt")
    client-key-data: $($b64 "$pki/admin.key")
contexts:
- name: pullthrough-e2e
  context:
    cluster: pullthrough-e2e
    user: pullthrough-e2e-admin
    namespace: default
current-context: pullthrough-e2e
EOF
  chmod 600 "$E2E_DIR/kubeconfig"
}

registry_config() { # name port [remoteurl]
  local name=$1 port=$2 remote=${3:-}
  mkdir -p "$reg/$name-data"
  {
    cat <<EOF
version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: $name
storage:
  filesystem:
    rootdirectory: $reg/$name-data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $host:$port
  secret: pullthrough-e2e-$name
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    if [[ -n $remote ]]; then
      printf 'proxy:\n  remoteurl: %s\n' "$remote"
    fi
  } >"$reg/$name.yml"
}

write_registry_files() {
  registry_config upstream-registry "$upstream_port"
  registry_config quay-registry "$quay_port"
  registry_config proxy-registry "$proxy_port" "http://$host:$upstream_port"

  echo pullthrough >"$reg/user"
  openssl rand -hex 12 >"$reg/password"
  printf '%s:%s\n' "$(<"$reg/user")" "$(openssl passwd -apr1 "$(<"$reg/password")")" >"$reg/htpasswd"
  chmod 644 "$reg/htpasswd" "$reg/user" "$reg/password"
  # A Docker config (the payload of a kubernetes.io/dockerconfigjson Secret, and skopeo --authfile).
  jq -n --arg server "$host:$registry_port" --arg user "$(<"$reg/user")" --arg pass "$(<"$reg/password")" \
    '{auths: {($server): {username: $user, password: $pass, auth: ("\($user):\($pass)" | @base64)}}}' \
    >"$reg/auth.json"

  mkdir -p "$reg/nginx-tmp"
  cat >"$reg/nginx.conf" <<EOF
# Harbor stand-in: TLS + basic auth, project path prefix /proxy_cache in front of a pull-through cache.
worker_processes 1;
pid $reg/nginx.pid;
error_log $logs/nginx.log info;
events { worker_connections 256; }
http {
  access_log $logs/nginx-access.log;
  client_body_temp_path $reg/nginx-tmp/body;
  proxy_temp_path $reg/nginx-tmp/proxy;
  fastcgi_temp_path $reg/nginx-tmp/fastcgi;
  uwsgi_temp_path $reg/nginx-tmp/uwsgi;
  scgi_temp_path $reg/nginx-tmp/scgi;
  client_max_body_size 0;
  chunked_transfer_encoding on;
  proxy_buffering off;
  proxy_request_buffering off;
  proxy_http_version 1.1;
  proxy_read_timeout 300s;

  server {
    listen $host:$registry_port ssl;$([[ $with_node == 0 ]] || printf '\n    listen %s:%s ssl; # for Pods (the webhook probes the cache)' "$pod_gateway" "$registry_port")
    server_name harbor.ingress.local localhost $host;
    ssl_certificate $reg/tls.crt;
    ssl_certificate_key $reg/tls.key;

    auth_basic "pullthrough-e2e registry";
    auth_basic_user_file $reg/htpasswd;

    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-Proto https;
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_set_header Authorization "";

    # API version check (clients ping it, then retry with credentials after the 401).
    location = /v2/ {
      proxy_pass http://$host:$proxy_port/v2/;
    }
    # Harbor proxy-cache project: /v2/$project/<docker hub path> -> /v2/<docker hub path>
    location /v2/$project/ {
      proxy_pass http://$host:$proxy_port/v2/;
    }
    location / {
      return 404;
    }
  }
}
EOF
  printf '%s\n' '{"default":[{"type":"insecureAcceptAnything"}]}' >"$reg/policy.json"
}

write_env() {
  local helm=
  [[ -x $tools/bin/helm ]] && helm=$tools/bin/helm
  cat >"$E2E_DIR/env" <<EOF
# Written by test/e2e/cluster.sh up. KEY=value lines, no quoting (no value contains spaces);
# \`source\` it in a shell, or parse it (the same keys are in env.json).
E2E_DIR=$E2E_DIR
KUBECONFIG=$E2E_DIR/kubeconfig
E2E_K8S_VERSION=$K8S_VERSION
E2E_K8S_BIN_DIR=$BIN
E2E_KUBECTL=$KUBECTL
E2E_HELM=$helm
E2E_LOG_DIR=$logs
E2E_APISERVER_URL=https://$host:$apiserver_port
E2E_APISERVER_PORT=$apiserver_port
E2E_CLUSTER_CA=$pki/ca.crt
E2E_ADMIN_CERT=$pki/admin.crt
E2E_ADMIN_KEY=$pki/admin.key
E2E_SERVICE_CIDR=$service_cidr
E2E_ETCD_URL=http://$host:$etcd_port
E2E_ETCD_PORT=$etcd_port
E2E_KCM_PORT=$kcm_port
E2E_UPSTREAM_REGISTRY=$host:$upstream_port
E2E_QUAY_REGISTRY=$host:$quay_port
E2E_PROXY_REGISTRY=$host:$proxy_port
E2E_REGISTRY=$host:$registry_port
E2E_REGISTRY_PROJECT=$project
E2E_REGISTRY_PREFIX=$host:$registry_port/$project
E2E_REGISTRY_CA=$reg/ca.crt
E2E_REGISTRY_CERT_DIR=$reg/certs
E2E_REGISTRY_USER=$(<"$reg/user")
E2E_REGISTRY_PASSWORD=$(<"$reg/password")
E2E_REGISTRY_AUTH_FILE=$reg/auth.json
E2E_SKOPEO_POLICY=$reg/policy.json
E2E_UPSTREAM_IMAGES=$(
    IFS=,
    echo "${upstream_images[*]}"
  )
E2E_QUAY_IMAGES=$(
    IFS=,
    echo "${quay_images[*]}"
  )
E2E_NODE_NAME=$([[ $with_node == 0 ]] || echo "$node_name")
E2E_NODE_DIR=$([[ $with_node == 0 ]] || echo "$node")
E2E_CONTAINERD_ADDRESS=$([[ $with_node == 0 ]] || echo "$node/containerd/containerd.sock")
E2E_POD_LOG_DIR=$([[ $with_node == 0 ]] || echo "$node/kubelet/pod-logs")
E2E_PULLTHROUGH_IMAGE=$pullthrough_image
E2E_REGISTRY_FOR_PODS=$([[ $with_node == 0 ]] || echo "$pod_gateway:$registry_port")
EOF
  grep -v '^#' "$E2E_DIR/env" | jq -R 'capture("^(?<k>[^=]+)=(?<v>.*)$")' | jq -s 'map({(.k): .v}) | add' \
    >"$E2E_DIR/env.json"
}

# ------------------------------------------------------------------------------------------------
# components
# ------------------------------------------------------------------------------------------------
start_etcd() {
  [[ -d $E2E_DIR/etcd ]] || mkdir -m 700 "$E2E_DIR/etcd"
  launch etcd "$E2E_DIR/etcd" etcd --name pullthrough-e2e --data-dir "$E2E_DIR/etcd" \
    --listen-client-urls "http://$host:$etcd_port" --advertise-client-urls "http://$host:$etcd_port" \
    --listen-peer-urls "http://$host:$etcd_peer_port" --initial-advertise-peer-urls "http://$host:$etcd_peer_port" \
    --initial-cluster "pullthrough-e2e=http://$host:$etcd_peer_port" --initial-cluster-state new \
    --logger=zap --log-outputs=stderr
  wait_ready etcd 30 check_etcd
}

start_kube-apiserver() {
  launch kube-apiserver "$pki/apiserver.crt" "$BIN/kube-apiserver" \
    --etcd-servers="http://$host:$etcd_port" \
    --bind-address=$host --secure-port="$apiserver_port" \
    --advertise-address=$host --endpoint-reconciler-type=none \
    --cert-dir="$E2E_DIR/apiserver" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-cluster-ip-range=$service_cidr \
    --service-account-issuer="https://$host:$apiserver_port" \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --authorization-mode=RBAC --allow-privileged=true \
    --feature-gates=ImageVolume=true \
    --enable-aggregator-routing=true \
    --kubelet-client-certificate="$pki/admin.crt" --kubelet-client-key="$pki/admin.key" \
    --kubelet-preferred-address-types=InternalIP \
    --enable-admission-plugins=NamespaceLifecycle,ServiceAccount,MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
    --v=1
  wait_ready kube-apiserver 90 check_kube-apiserver
}

start_kube-controller-manager() {
  launch kube-controller-manager "$E2E_DIR/kcm" "$BIN/kube-controller-manager" \
    --kubeconfig="$E2E_DIR/kubeconfig" \
    --authentication-kubeconfig="$E2E_DIR/kubeconfig" --authorization-kubeconfig="$E2E_DIR/kubeconfig" \
    --bind-address=$host --secure-port="$kcm_port" --cert-dir="$E2E_DIR/kcm" \
    --leader-elect=false --use-service-account-credentials=false --authentication-skip-lookup=true \
    --controllers='*' \
    --flex-volume-plugin-dir="$E2E_DIR/kcm/volume-plugins" \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --v=1
  wait_ready kube-controller-manager 60 check_kube-controller-manager
  # The controllers work once the default namespace has its ServiceAccount.
  wait_ready kube-controller-manager 60 "$KUBECTL" --kubeconfig "$E2E_DIR/kubeconfig" \
    --request-timeout=5s -n default get serviceaccount default
}

start_upstream-registry() {
  launch upstream-registry "$reg/upstream-registry.yml" docker-registry serve "$reg/upstream-registry.yml"
  wait_ready upstream-registry 30 check_upstream-registry
}

start_quay-registry() {
  launch quay-registry "$reg/quay-registry.yml" docker-registry serve "$reg/quay-registry.yml"
  wait_ready quay-registry 30 check_quay-registry
}

start_proxy-registry() {
  launch proxy-registry "$reg/proxy-registry.yml" docker-registry serve "$reg/proxy-registry.yml"
  wait_ready proxy-registry 30 check_proxy-registry
}

start_nginx() {
  launch nginx "$reg/nginx.conf" nginx -e "$logs/nginx.log" -c "$reg/nginx.conf" -g 'daemon off;'
  wait_ready nginx 30 check_nginx
}

# The seeded layouts are reproducible, so they are kept between runs in the tools cache, keyed by
# what makes them (the script and the busybox binary): building them costs seconds per image.
seed_cache() {
  local key
  key=$(cat "$here/oci-image.sh" /bin/busybox 2>/dev/null | sha256sum | cut -c1-16)
  echo "$tools/seed-images/$key"
}

seed() { # registry-port images...
  local port=$1 img layout cache tmp
  shift
  cache=$(seed_cache)
  mkdir -p "$cache"
  for img in "$@"; do
    layout=$cache/${img//[:\/]/_}
    if [[ ! -f $layout/index.json ]]; then
      tmp=$(mktemp -d "$cache/.build.XXXXXX")
      "$here/oci-image.sh" "$tmp/layout" "docker.io/$img" >/dev/null
      # Another cluster may have made the same layout meanwhile: same bytes, either one will do.
      mv -T "$tmp/layout" "$layout" 2>/dev/null || true
      rm -rf "$tmp"
    fi
    skopeo --policy "$reg/policy.json" copy --quiet --dest-tls-verify=false \
      "oci:$layout:latest" "docker://$host:$port/$img" >>"$logs/seed.log" 2>&1 ||
      {
        tail -n 20 "$logs/seed.log" >&2
        die "seeding $img into $host:$port failed (log: $logs/seed.log)"
      }
  done
}


# ------------------------------------------------------------------------------------------------
# the node: containerd, kubelet, kube-scheduler (see the header)
# ------------------------------------------------------------------------------------------------
# Host paths the kubelet, containerd and the CNI plugins use whatever their configuration says.
node_host_paths=(/run/containerd /var/log/containers /var/lib/cni /var/lib/kubelet /usr/libexec/kubernetes /var/run/netns)
cgroup_parent=kubepods

write_node_files() {
  mkdir -p "$node"/containerd/{root,state,opt,runc} "$node"/certs.d "$node"/cni/{net.d,ipam} \
    "$node"/kubelet/{root,pod-logs,volume-plugins} "$node"/fake-sysctl
  cat >"$node/containerd/config.toml" <<EOF
version = 2
root = "$node/containerd/root"
state = "$node/containerd/state"
[grpc]
  address = "$node/containerd/containerd.sock"
[ttrpc]
  address = ""
[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$node/containerd/opt"
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.10"
    stream_server_address = "$host"
    stream_server_port = "$cri_stream_port"
    disable_apparmor = true
    restrict_oom_score_adj = true
    disable_hugetlb_controller = true
    tolerate_missing_hugetlb_controller = true
    netns_mounts_under_state_dir = true
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "$node/containerd/runc"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$node/cni/net.d"
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "$node/certs.d"
EOF
  # One hosts.toml per registry. containerd 1.6 rejects a file without a [host] table ("invalid
  # `host` tree") and then silently pulls over plain HTTP, so every file has one.
  hosts_toml "$host:$registry_port" "https://$host:$registry_port" "$reg/ca.crt"
  hosts_toml docker.io "http://$host:$upstream_port"
  hosts_toml quay.io "http://$host:$quay_port"
  hosts_toml "$host:$upstream_port" "http://$host:$upstream_port"
  hosts_toml "$host:$quay_port" "http://$host:$quay_port"
  hosts_toml "$host:$proxy_port" "http://$host:$proxy_port"
  # No isGateway: the plugin would turn on the host's ip_forward. The gateway address is ours
  # (node_network_up), and host-local's default route points the Pods at it.
  cat >"$node/cni/net.d/10-pullthrough-e2e.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "pullthrough-e2e", "plugins": [
  {"type": "bridge", "bridge": "$pod_bridge", "isGateway": false, "ipMasq": false, "hairpinMode": false,
   "ipam": {"type": "host-local", "dataDir": "$node/cni/ipam",
            "ranges": [[{"subnet": "$pod_cidr", "gateway": "$pod_gateway"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "loopback"}]}
EOF
  cat >"$node/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $pod_gateway
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: $host
healthzPort: $kubelet_healthz_port
cgroupDriver: cgroupfs
failSwapOn: false
failCgroupV1: false
makeIPTablesUtilChains: false
protectKernelDefaults: false
containerRuntimeEndpoint: unix://$node/containerd/containerd.sock
imageServiceEndpoint: unix://$node/containerd/containerd.sock
podLogsDir: $node/kubelet/pod-logs
volumePluginDir: $node/kubelet/volume-plugins
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: AlwaysAllow}
serializeImagePulls: false
hairpinMode: none
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
syncFrequency: 10s
nodeStatusReportFrequency: 10s
maxPods: 250
EOF
}

hosts_toml() { # registry server [ca]
  mkdir -p "$node/certs.d/$1"
  {
    echo "server = \"$2\""
    [[ -z ${3:-} ]] || echo "ca = \"$3\""
    echo "[host.\"$2\"]"
    echo '  capabilities = ["pull", "resolve"]'
    [[ -z ${3:-} ]] || echo "  ca = \"$3\""
  } >"$node/certs.d/$1/hosts.toml"
}

# The host-wide claim on the node (bridges, cgroups and /run/containerd are per machine).
claim_node() {
  local other pid
  other=$(cat "$node_marker" 2>/dev/null || true)
  if [[ -n $other && $other != "$E2E_DIR" ]]; then
    pid=$(cat "$other/pids/kubelet.pid" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid"; then
      die "the e2e cluster in $other already runs this machine's node (kubelet pid $pid); set E2E_NODE=0 for a cluster without one"
    fi
    if ip link show "$pod_bridge" >/dev/null 2>&1; then
      die "$other left a node behind (bridge $pod_bridge): run 'E2E_DIR=$other test/e2e/cluster.sh down' first"
    fi
  fi
  echo "$E2E_DIR" >"$node_marker"
}

node_network_up() {
  local p
  # Remember what existed, so that down removes only what the node made.
  : >"$node/host-created"
  for p in "${node_host_paths[@]}"; do [[ -e $p ]] || echo "$p" >>"$node/host-created"; done
  for p in /sys/fs/cgroup/*/; do [[ -e $p$cgroup_parent ]] || echo "$p$cgroup_parent" >>"$node/host-created"; done
  cat /proc/sys/net/ipv4/ip_forward >"$node/ip_forward"
  ip link show "$pod_bridge" >/dev/null 2>&1 || ip link add "$pod_bridge" type bridge
  ip addr replace "$pod_gateway/${pod_cidr#*/}" dev "$pod_bridge"
  ip link set "$pod_bridge" up
  ip link show "$service_bridge" >/dev/null 2>&1 || ip link add "$service_bridge" type bridge
  ip addr replace "$kubernetes_service_ip/32" dev "$service_bridge"
  ip link set "$service_bridge" up
}

# Undoes node_network_up and whatever the runtime left on the host; every step tolerates "not there".
node_host_cleanup() {
  local m p
  set +e # best effort: a step that finds nothing to undo must not stop the others
  # Mounts under $E2E_DIR (kubelet volumes and its root bind mount, container rootfs, netns), deepest first.
  findmnt -rn -o TARGET | { grep -F "$E2E_DIR/" || true; } | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  ip link del "$pod_bridge" 2>/dev/null || true
  ip link del "$service_bridge" 2>/dev/null || true
  # The kubelet's log symlinks into our pod-logs dir, and the CNI plugins' cache for our network.
  find /var/log/containers -maxdepth 1 -type l -lname "$node/*" -delete 2>/dev/null || true
  rm -f /var/lib/cni/results/pullthrough-e2e-* 2>/dev/null || true
  grep -lsF "$E2E_DIR/" /var/lib/cni/results/* 2>/dev/null | xargs -r rm -f
  if [[ -f $node/host-created ]]; then
    while read -r p; do
      # Only what the node made, deepest first; a cgroup goes once its processes are gone, and a
      # folder only when empty (never files something else put there).
      if [[ $p == /sys/fs/cgroup/* ]]; then
        [[ -d $p ]] && find "$p" -depth -type d -exec rmdir {} \; 2>/dev/null
      else
        find "$p" -depth \( -type s -o -type d -empty \) -delete 2>/dev/null
      fi
    done <"$node/host-created"
  fi
  if [[ -f $node/ip_forward && $(cat /proc/sys/net/ipv4/ip_forward) != "$(<"$node/ip_forward")" ]]; then
    cat "$node/ip_forward" >/proc/sys/net/ipv4/ip_forward
  fi
  [[ $(cat "$node_marker" 2>/dev/null) != "$E2E_DIR" ]] || rm -f "$node_marker"
  set -e
}

start_kubernetes-service() {
  launch kubernetes-service "bind=$kubernetes_service_ip" socat \
    "TCP-LISTEN:443,bind=$kubernetes_service_ip,reuseaddr,fork" "TCP:$host:$apiserver_port"
  wait_ready kubernetes-service 30 check_kubernetes-service
}

start_containerd() {
  launch containerd "$node/containerd/config.toml" containerd --config "$node/containerd/config.toml"
  wait_ready containerd 30 check_containerd
  # The sandbox image is imported, never pulled, and pinned (kept by the kubelet's image GC).
  ctr_ -n k8s.io images import "$tools/node/pause.tar" >/dev/null
  ctr_ -n k8s.io images label registry.k8s.io/pause:3.10 io.cri-containerd.pinned=pinned >/dev/null
}

start_kubelet() {
  local k keys="vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes"
  # The kubelet root is a shared mount, so the volumes the kubelet mounts from its own mount
  # namespace (projected service-account tokens...) propagate to containerd's.
  findmnt -n -M "$node/kubelet/root" >/dev/null || mount --bind "$node/kubelet/root" "$node/kubelet/root"
  mount --make-rshared "$node/kubelet/root"
  # The kubelet writes these sysctls (vm.overcommit_memory=1, kernel.panic=10...); in its private
  # mount namespace they are plain files holding the host's values.
  : >"$node/host-sysctl"
  for k in $keys; do
    cat "/proc/sys/$k" >"$node/fake-sysctl/${k//\//_}"
    echo "$k $(<"/proc/sys/$k")" >>"$node/host-sysctl" # what the host had, for the tests to compare
  done
  # shellcheck disable=SC2016 # expanded by the inner shell
  NODE_DIR=$node SYSCTL_KEYS=$keys launch kubelet "$node/kubelet/config.yaml" \
    unshare -m --propagation unchanged bash -c '
      for k in $SYSCTL_KEYS; do mount --bind "$NODE_DIR/fake-sysctl/${k//\//_}" "/proc/sys/$k"; done
      exec "$0" "$@"' "$BIN/kubelet" \
    --config="$node/kubelet/config.yaml" --kubeconfig="$E2E_DIR/kubeconfig" --root-dir="$node/kubelet/root" \
    --cert-dir="$node/kubelet/pki" \
    --hostname-override="$node_name" --node-ip="$pod_gateway" --v=1
  wait_ready kubelet 60 check_kubelet
  wait_ready kubelet 90 node_ready
  # The node-lifecycle controller lifts the registration taint too, but only on its next pass.
  "$KUBECTL" --kubeconfig "$E2E_DIR/kubeconfig" taint node "$node_name" node.kubernetes.io/not-ready:NoSchedule- \
    >/dev/null 2>&1 || true
}

node_ready() {
  [[ $("$KUBECTL" --kubeconfig "$E2E_DIR/kubeconfig" --request-timeout=5s get node "$node_name" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]]
}

start_kube-scheduler() {
  launch kube-scheduler "$E2E_DIR/scheduler" "$BIN/kube-scheduler" \
    --kubeconfig="$E2E_DIR/kubeconfig" --authentication-kubeconfig="$E2E_DIR/kubeconfig" \
    --authorization-kubeconfig="$E2E_DIR/kubeconfig" --authentication-skip-lookup=true \
    --bind-address=$host --secure-port="$scheduler_port" --cert-dir="$E2E_DIR/scheduler" \
    --leader-elect=false --v=1
  wait_ready kube-scheduler 60 check_kube-scheduler
}

# Before containerd stops: its containers, so the shims exit with them (a shim outlives containerd).
stop_node_containers() {
  local ns t c
  check_containerd 2>/dev/null || return 0
  # Best effort: a task may end, or be gone, between listing and killing it.
  for ns in $(ctr_ namespaces ls -q 2>/dev/null || true); do
    for t in $(ctr_ -n "$ns" tasks ls -q 2>/dev/null || true); do
      ctr_ -n "$ns" tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true
    done
    for t in $(ctr_ -n "$ns" tasks ls -q 2>/dev/null || true); do
      ctr_ -n "$ns" tasks rm -f "$t" >/dev/null 2>&1 || true
    done
    for c in $(ctr_ -n "$ns" containers ls -q 2>/dev/null || true); do
      ctr_ -n "$ns" containers rm "$c" >/dev/null 2>&1 || true
    done
  done
}

# Shims of our containerd (it started them; its socket is on their command line).
stop_shims() {
  local left i
  for ((i = 0; i < 30; i++)); do
    left=$(pgrep -f -- "-address $node/containerd/containerd.sock" || true)
    [[ -n $left ]] || return 0
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 0.1
  done
}

# The image built from the Dockerfile (hack/e2e-image.sh), where the chart's users would push it: a
# registry of their own, here the upstream one (the node pulls it over plain HTTP, see hosts.toml).
pullthrough_image=
push_pullthrough_image() {
  local archive=${E2E_PULLTHROUGH_IMAGE_ARCHIVE:-} tag=e2e t=$SECONDS
  [[ -n $archive ]] || return 0
  [[ -s $archive ]] || die "E2E_PULLTHROUGH_IMAGE_ARCHIVE=$archive: no such file (hack/e2e-image.sh builds it)"
  [[ $archive =~ /pullthrough-([0-9a-f]+)\.oci\.tar$ ]] && tag=e2e-${BASH_REMATCH[1]}
  pullthrough_image=$host:$upstream_port/pullthrough/pullthrough:$tag
  skopeo --policy "$reg/policy.json" copy --quiet --dest-tls-verify=false "oci-archive:$archive" \
    "docker://$pullthrough_image" >>"$logs/seed.log" 2>&1 || die "pushing $archive failed (log: $logs/seed.log)"
  log "pushed the pullthrough image as $pullthrough_image ($((SECONDS - t)) s)"
}

# ------------------------------------------------------------------------------------------------
# commands
# ------------------------------------------------------------------------------------------------
safe_to_delete() { # E2E_DIR must be ours (marker) or absent/empty, and never a top-level path
  [[ $E2E_DIR == /*/* ]] || return 1
  [[ ! -e $E2E_DIR ]] && return 0
  [[ -f $E2E_DIR/$marker ]] && return 0
  [[ -z $(ls -A "$E2E_DIR" 2>/dev/null) ]]
}

cmd_down() {
  local i all
  read -ra all <<<"$(all_components | tr '\n' ' ')"
  if [[ -d $pids ]]; then
    for ((i = ${#all[@]} - 1; i >= 0; i--)); do
      [[ ${all[i]} != containerd ]] || stop_node_containers
      stop_component "${all[i]}"
      [[ ${all[i]} != containerd ]] || stop_shims
    done
  fi
  [[ ! -f $node/.enabled ]] || node_host_cleanup
  if [[ -e $E2E_DIR ]]; then
    safe_to_delete || die "refusing to delete $E2E_DIR: it was not made by cluster.sh (no $marker file)"
    rm -rf "$E2E_DIR"
  fi
  log "down"
}

cmd_up() {
  local start=$SECONDS c p
  for c in etcd docker-registry skopeo nginx openssl curl jq setsid flock; do
    command -v "$c" >/dev/null 2>&1 || die "'$c' not found: run hack/e2e-tools.sh first"
  done
  for c in kube-apiserver kube-controller-manager kubectl; do
    [[ -x $BIN/$c ]] || die "$BIN/$c not found: run hack/e2e-tools.sh first"
  done
  if [[ $with_node == 1 ]]; then
    ((EUID == 0)) || die "the node needs root (or E2E_NODE=0 for a cluster without one)"
    for c in containerd runc ctr socat ip unshare findmnt; do
      command -v "$c" >/dev/null 2>&1 || die "'$c' not found: run hack/e2e-tools.sh first (or E2E_NODE=0)"
    done
    for c in "$BIN/kubelet" "$BIN/kube-scheduler" "$tools/node/pause.tar" /usr/lib/cni/bridge; do
      [[ -e $c ]] || die "$c not found: run hack/e2e-tools.sh first (or E2E_NODE=0)"
    done
  fi
  if [[ -e $E2E_DIR ]]; then
    local prev
    prev=$(cat "$E2E_DIR/owner" 2>/dev/null || true)
    if [[ ${E2E_FORCE:-} != 1 && $prev =~ ^[0-9]+$ && $prev != "$owner_pid" ]] && alive "$prev" &&
      cmd_status >/dev/null 2>&1; then
      die "$E2E_DIR holds a healthy cluster owned by the live process $prev ($(tr '\0' ' ' <"/proc/$prev/cmdline" | cut -c1-80)).
  Share it (E2E_REUSE=1 for the tests), run a second one (another E2E_DIR and E2E_PORT_OFFSET=100),
  or take it over (E2E_FORCE=1, or cluster.sh down)."
    fi
    log "a previous $E2E_DIR exists: taking it down first"
    cmd_down
  fi
  for c in "${components[@]}"; do
    p=$(port_of "$c")
    port_free "$p" || die "port $host:$p (for $c) is already in use; free it or set E2E_*_PORT"
  done
  port_free "$etcd_peer_port" || die "port $host:$etcd_peer_port (etcd peer) is already in use"
  if [[ $with_node == 1 ]]; then
    for p in "$kubelet_healthz_port" "$scheduler_port" "$cri_stream_port"; do
      port_free "$p" || die "port $host:$p (for the node) is already in use; free it or set E2E_*_PORT"
    done
  fi

  rm -rf "${E2E_DIR%/}-failed-logs"
  mkdir -p "$E2E_DIR" "$logs" "$pids"
  touch "$E2E_DIR/$marker"
  echo "$owner_pid" >"$E2E_DIR/owner"
  # A failure anywhere below takes down what was started.
  trap 'rc=$?; if ((rc != 0)); then log "up failed; cleaning up (logs were in $logs)"; cmd_down_keep_logs; fi' EXIT

  write_pki
  write_kubeconfig
  write_registry_files
  if [[ $with_node == 1 ]]; then
    # First, so that nginx can also listen on the Pods' gateway.
    claim_node
    mkdir -p "$node"
    touch "$node/.enabled"
    write_node_files
    node_network_up
  fi

  local t
  for c in "${components[@]}"; do
    t=$SECONDS
    "start_$c"
    log "$c ready ($((SECONDS - t)) s)"
    case $c in
      upstream-registry)
        t=$SECONDS
        seed "$upstream_port" "${upstream_images[@]}"
        log "seeded ${#upstream_images[@]} images into the upstream registry ($((SECONDS - t)) s)"
        push_pullthrough_image
        ;;
      quay-registry)
        seed "$quay_port" "${quay_images[@]}"
        ;;
    esac
  done
  if [[ $with_node == 1 ]]; then
    for c in "${node_components[@]}"; do
      t=$SECONDS
      "start_$c"
      log "$c ready ($((SECONDS - t)) s)"
    done
  fi
  write_env
  trap - EXIT
  log "up in $((SECONDS - start)) s; env: $E2E_DIR/env"
}

# After a failed up: stop everything but keep the logs, copied next to E2E_DIR, for inspection.
cmd_down_keep_logs() {
  local keep=${E2E_DIR%/}-failed-logs
  rm -rf "$keep"
  [[ -d $logs ]] && cp -r "$logs" "$keep" && log "logs of the failed up kept in $keep"
  cmd_down
}

cmd_status() {
  local c pid ok=0 state
  [[ -d $pids ]] || {
    echo "not running ($E2E_DIR has no pids)"
    return 1
  }
  for c in $(all_components); do
    if pid=$(pid_of "$c"); then
      if "check_$c" 2>/dev/null; then state="running (pid $pid), healthy"; else
        state="running (pid $pid), NOT healthy"
        ok=1
      fi
    else
      state=stopped
      ok=1
    fi
    printf '%-24s %-6s %s\n' "$c" "$(port_of "$c")" "$state"
  done
  return $ok
}

cmd_start() {
  local c=${1:?usage: cluster.sh start COMPONENT}
  port_of "$c" >/dev/null
  [[ -f $E2E_DIR/$marker ]] || die "no cluster in $E2E_DIR: run 'up' first"
  if pid_of "$c" >/dev/null; then
    log "$c already running"
    return 0
  fi
  "start_$c"
  log "$c started"
}

cmd_stop() {
  local c=${1:?usage: cluster.sh stop COMPONENT}
  port_of "$c" >/dev/null
  stop_component "$c"
  log "$c stopped"
}

# Commands that change the cluster are serialised (a second `up` waits for the first, then sees its
# cluster). The lock lives beside E2E_DIR; the daemons do not inherit it (launch closes fd 9).
lock() {
  mkdir -p "$(dirname "$E2E_DIR")"
  exec 9>"${E2E_DIR%/}.lock"
  flock -w $((600 * timeout_scale)) 9 || die "another cluster.sh has held ${E2E_DIR%/}.lock for 10 min"
}

case ${1:-} in
  up) lock && cmd_up ;;
  down) lock && cmd_down ;;
  status) cmd_status ;;
  env) cat "$E2E_DIR/env" ;;
  start) lock && cmd_start "${2:-}" ;;
  stop) lock && cmd_stop "${2:-}" ;;
  *)
    echo "usage: $0 up|down|status|env|start COMPONENT|stop COMPONENT" >&2
    echo "components: ${components[*]} ${node_components[*]}" >&2
    exit 2
    ;;
esac
