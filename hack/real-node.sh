#!/usr/bin/env bash
# A REAL worker node for a local control plane (hack/local-cluster.sh up-real): containerd, kubelet and
# kube-proxy run as processes of this machine, pods run in runc containers on a CNI bridge, and CoreDNS
# on the host serves cluster DNS. Everything it writes lives under one state directory, and `stop`
# removes every trace it left on the host.
#
#   real-node.sh check                   can this machine run a real node? exit 1 naming what is missing
#   real-node.sh start KUBECONFIG NAME   start the node for cluster NAME (its kubeconfig), import the
#                                        images (hack/build-images.sh, or the directory $OKE_ISTIO_IMAGES)
#                                        and start cluster DNS
#   real-node.sh stop                    drain and stop the node, clean the host, then check leftovers
#   real-node.sh leftovers               list what is left of a node on this host, one line each;
#                                        exit 1 if anything is
#   real-node.sh holder                  print the cluster that holds the node; exit 1 if none does
#
# One real node per machine: iptables, the bridge, kubelet's ports and port 53 on the node IP are
# host-wide. A lock file names the cluster holding it; a holder that is no longer running is cleaned up.
#
# Settings (environment): OKE_ISTIO_NODE_IP (default: the address of the default-route interface),
# OKE_ISTIO_NODE_NAME (oke-real-node-1), OKE_ISTIO_IMAGES (directory of image archives to import).
#
# Network safety: every packet stays on this machine. An iptables guard of ours, installed before
# anything starts and removed last, drops pod and Service addresses leaving through the uplink and
# anything forwarded from the pod bridge to another interface; CoreDNS forwards no query.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=hack/versions.env
source "$here/versions.env"

cache=${OKE_ISTIO_CACHE:-$HOME/.cache/oke-istio}
state="$cache/real-node"
run_dir=/run/oke-istio
holder_file="$run_dir/real-node.holder"
op_lock="$run_dir/real-node.lock"

bridge=okeistio0
pod_cidr=10.244.0.0/24
pod_range=10.244.0.0/16
service_range=10.96.0.0/16
cluster_dns=10.96.0.10
node_name=${OKE_ISTIO_NODE_NAME:-oke-real-node-1}
external_zone=external.oke-istio.test
# The "external" HTTP service every name of the local zone reaches (go-httpbin on the node IP): egress checks
# get a host outside the mesh without leaving this machine.
external_http_port=80
dns_ready_port=18182
guard=OKE-ISTIO
# Labels of an OKE managed node, as the simulated workers of hack/local-cluster.sh carry them, so the
# collection's fitness checks see a node pool and OCI topology.
node_labels="oke.oraclecloud.com/node-pool=local-real-pool,node.kubernetes.io/instance-type=VM.Standard.E4.Flex"
node_labels+=",topology.kubernetes.io/region=us-ashburn-1,topology.kubernetes.io/zone=US-ASHBURN-AD-1"
# Kernel settings the node changes: real-node.sh sets the first three, kubelet and kube-proxy the rest.
# Their values are recorded before the start and put back by stop.
sysctls=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  net.ipv4.conf.all.route_localnet vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
components=(external-http coredns kube-proxy kubelet containerd)
# Host paths kubelet and the CNI library use whatever their configured directories: the device plugin
# socket, the container log links and the CNI result cache. Those the node creates are removed with it.
host_dirs=(/var/lib/kubelet /var/lib/kubelet/device-plugins /var/log/containers /var/lib/cni /var/lib/cni/results)

log() { printf '[real-node] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
now() { printf '%s' "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }

# --- host facts ------------------------------------------------------------------------------------

route_dev() { ip "$1" route show default 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }'; }
uplink() { route_dev -4; }
node_ip() {
  if [ -n "${OKE_ISTIO_NODE_IP:-}" ]; then echo "$OKE_ISTIO_NODE_IP"; return; fi
  local dev; dev=$(uplink)
  [ -n "$dev" ] || return 0
  ip -4 -o addr show dev "$dev" scope global | awk '{ split($4, a, "/"); print a[1]; exit }'
}

# The holder file: key=value lines (cluster, kubeconfig, state, node).
holder_get() { [ -f "$holder_file" ] && sed -n "s/^$1=//p" "$holder_file" | head -n1 || true; }

# --- our processes -----------------------------------------------------------------------------------

pid_of() { cat "$state/run/$1.pid" 2>/dev/null || true; }
# A recorded PID counts only while it is still our process: its command line names our state directory.
ours() { [ -n "$1" ] && { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qF "$state/"; }
alive() { ours "$(pid_of "$1")"; }
any_alive() { local c; for c in "${components[@]}"; do alive "$c" && return 0; done; return 1; }

# launch NAME COMMAND...: starts a daemon in its own session (a Ctrl-C to the caller does not reach it),
# output to its log, without the operation lock's descriptor, and records its PID.
launch() {
  local name=$1 pid; shift
  setsid "$@" </dev/null >"$state/logs/$name.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$state/run/$name.pid"
  # Until the child has started the program its command line is this script's: wait for that (or its
  # end), so that alive() right after a launch does not take a starting daemon for a dead one.
  for _ in $(seq 1 100); do
    if ours "$pid" || ! kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.01
  done
}

# halt NAME: TERM, then KILL after 10 s, for a recorded PID that is still ours.
halt() {
  local pid; pid=$(pid_of "$1")
  if ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do ours "$pid" || break; sleep 0.2; done
    if ours "$pid"; then log "$1 ($pid) did not stop on TERM: killing it"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
  fi
  rm -f "$state/run/$1.pid"
}

ctr_() { "$OKE_ISTIO_TOOLS/ctr" --address "$state/containerd/containerd.sock" -n k8s.io "$@"; }

tools() {
  if [ -z "${OKE_ISTIO_TOOLS:-}" ] || [ ! -x "$OKE_ISTIO_TOOLS/kubelet" ]; then
    local env_file; env_file=$("$here/install-tools.sh")
    # shellcheck disable=SC1090
    source "$env_file"
  fi
}
# For stop: the tools if they are built, without starting a build.
tools_if_built() {
  if [ -z "${OKE_ISTIO_TOOLS:-}" ] && [ -f "$cache/env.sh" ]; then
    # shellcheck disable=SC1091
    source "$cache/env.sh"
  fi
  OKE_ISTIO_TOOLS=${OKE_ISTIO_TOOLS:-/nonexistent}
}

# --- preflight -----------------------------------------------------------------------------------------

cmd_check() {
  local missing=()
  [ "$(uname -s)" = Linux ] || { echo "missing: Linux (this is $(uname -s))"; return 1; }
  [ "$(id -u)" = 0 ] || missing+=("root (containers, iptables and the bridge need it; running as $(id -un))")
  command -v modprobe >/dev/null && modprobe -q overlay 2>/dev/null && modprobe -q br_netfilter 2>/dev/null || true
  grep -qw overlay /proc/filesystems || missing+=("the overlay filesystem (kernel module overlay)")
  local ip_ok=1
  command -v ip >/dev/null || { missing+=("the ip command (iproute2)"); ip_ok=0; }
  if [ "$ip_ok" = 1 ] && [ "$(id -u)" = 0 ]; then
    if ip link add okeistio-chk type bridge 2>/dev/null; then ip link del okeistio-chk; else missing+=("bridge interfaces (kernel module bridge)"); fi
    if ip link add okeistio-chk0 type veth peer name okeistio-chk1 2>/dev/null; then ip link del okeistio-chk0; else missing+=("veth interfaces (kernel module veth)"); fi
  fi
  [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || missing+=("bridge netfilter: no net.bridge.bridge-nf-call-iptables (kernel module br_netfilter)")
  if [ ! -e /proc/self/ns/net ] || ! unshare --net true 2>/dev/null; then missing+=("network namespaces (unshare --net failed)"); fi
  local ipt
  for ipt in iptables ip6tables; do
    if ! command -v "$ipt" >/dev/null; then missing+=("$ipt"); continue; fi
    [ "$(id -u)" = 0 ] || continue
    # The matches and targets kube-proxy and the CNI plugins use, tried on a chain of our own.
    if "$ipt" -w 5 -t nat -N OKE-ISTIO-CHECK 2>/dev/null &&
      "$ipt" -w 5 -t nat -A OKE-ISTIO-CHECK -m comment --comment check -m conntrack --ctstate NEW \
        -m statistic --mode random --probability 0.5 -m mark --mark 0x4000/0x4000 -j RETURN 2>/dev/null &&
      "$ipt" -w 5 -t nat -A OKE-ISTIO-CHECK -j MASQUERADE 2>/dev/null &&
      "$ipt" -w 5 -t nat -A OKE-ISTIO-CHECK -p tcp -j DNAT --to-destination "$([ "$ipt" = iptables ] && echo 127.0.0.1:1 || echo '[::1]:1')" 2>/dev/null; then
      :
    else
      missing+=("a usable $ipt (nat table with the comment, conntrack, statistic and mark matches, MASQUERADE and DNAT)")
    fi
    "$ipt" -w 5 -t nat -F OKE-ISTIO-CHECK 2>/dev/null || true
    "$ipt" -w 5 -t nat -X OKE-ISTIO-CHECK 2>/dev/null || true
  done
  command -v conntrack >/dev/null || missing+=("conntrack (kube-proxy clears UDP flows with it)")
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    local c
    for c in cpu cpuset memory pids; do grep -qw "$c" /sys/fs/cgroup/cgroup.controllers || missing+=("cgroup v2 controller $c"); done
  else
    local c
    for c in cpu cpuacct cpuset memory pids devices freezer; do
      awk -v c="$c" '$1 == c && $4 == 1 { found = 1 } END { exit !found }' /proc/cgroups 2>/dev/null &&
        [ -d "/sys/fs/cgroup/$c" ] || missing+=("cgroup v1 controller $c (enabled and mounted at /sys/fs/cgroup/$c)")
    done
  fi
  local p
  for p in bridge host-local loopback portmap; do [ -x "/usr/lib/cni/$p" ] || missing+=("CNI plugin /usr/lib/cni/$p (Debian package containernetworking-plugins)"); done
  command -v runc >/dev/null || missing+=("runc (Debian package runc)")
  command -v python3 >/dev/null || missing+=("python3 (the DNS readiness check)")
  if [ "$ip_ok" = 1 ]; then
    local address; address=$(node_ip)
    if [ -z "$address" ]; then
      missing+=("a node IP: no IPv4 default route; set OKE_ISTIO_NODE_IP")
    elif ! ip -4 -o addr show | awk '{ split($4, a, "/"); print a[1] }' | grep -qxF "$address"; then
      missing+=("node IP $address on an interface of this machine (OKE_ISTIO_NODE_IP)")
    fi
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    printf 'missing: %s\n' "${missing[@]}"
    return 1
  fi
}

# --- the network guard ---------------------------------------------------------------------------------

# The guard: OKE-ISTIO-POSTROUTING first in the mangle table's POSTROUTING, OKE-ISTIO-FORWARD first in the
# filter table's FORWARD.
#  - POSTROUTING sees every packet that leaves, sent from this machine or forwarded, with the interface
#    it really leaves by and its address after kube-proxy's DNAT. (OUTPUT would not do: its output
#    interface is the one routed to before the DNAT, so a Service address, routed by default to the uplink,
#    reads as leaving by the uplink even when it is DNATed to the node itself or to a pod.)
#  - FORWARD keeps pods off every interface other than their bridge, whatever address they send to.
install_guard() {
  local up=$1 cidr
  [ -n "$up" ] || die "no default-route interface: cannot tell which interface must carry no pod traffic"
  local stay=(-m comment --comment "oke-istio real node: stays on this machine" -j DROP)
  iptables -w 5 -t mangle -N "$guard-POSTROUTING" 2>/dev/null || iptables -w 5 -t mangle -F "$guard-POSTROUTING"
  iptables -w 5 -N "$guard-FORWARD" 2>/dev/null || iptables -w 5 -F "$guard-FORWARD"
  for cidr in "$pod_range" "$service_range"; do
    iptables -w 5 -t mangle -A "$guard-POSTROUTING" -o "$up" -d "$cidr" "${stay[@]}"
    iptables -w 5 -A "$guard-FORWARD" -o "$up" -d "$cidr" "${stay[@]}"
  done
  # Pod addresses never leave, nor does traffic that was sent to a Service address, wherever a DNAT sent it.
  iptables -w 5 -t mangle -A "$guard-POSTROUTING" -o "$up" -s "$pod_range" "${stay[@]}"
  iptables -w 5 -t mangle -A "$guard-POSTROUTING" -o "$up" -m conntrack --ctorigdst "$service_range" "${stay[@]}"
  iptables -w 5 -A "$guard-FORWARD" -o "$up" -s "$pod_range" "${stay[@]}"
  iptables -w 5 -A "$guard-FORWARD" -i "$bridge" ! -o "$bridge" "${stay[@]}"
  # The pods have no IPv6 addresses; should one appear, nothing is forwarded from the bridge either.
  ip6tables -w 5 -N "$guard-FORWARD" 2>/dev/null || ip6tables -w 5 -F "$guard-FORWARD"
  ip6tables -w 5 -A "$guard-FORWARD" -i "$bridge" ! -o "$bridge" "${stay[@]}"
  guard_first
}

# Our jumps go before anything else, kube-proxy's ACCEPT rules (KUBE-FORWARD) included: put them back in front.
guard_first() {
  local ipt spec table chain
  for ipt in iptables ip6tables; do
    for spec in filter/FORWARD mangle/POSTROUTING; do
      table=${spec%/*} chain=${spec#*/}
      "$ipt" -w 5 -t "$table" -S "$guard-$chain" >/dev/null 2>&1 || continue
      if [ "$("$ipt" -w 5 -t "$table" -S "$chain" | sed -n 2p)" != "-A $chain -j $guard-$chain" ]; then
        while "$ipt" -w 5 -t "$table" -D "$chain" -j "$guard-$chain" 2>/dev/null; do :; done
        "$ipt" -w 5 -t "$table" -I "$chain" 1 -j "$guard-$chain"
      fi
    done
  done
}

# Removes every KUBE-*, CNI-* and OKE-ISTIO-* chain and the rules jumping to them, IPv4 and IPv6, all tables.
sweep_chains() {
  local ipt t rule chain
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for t in filter nat mangle raw security; do
      "$ipt" -w 5 -t "$t" -S >/dev/null 2>&1 || continue
      "$ipt" -w 5 -t "$t" -S | grep -E '^-A [^ ]+ .*-j (KUBE-|CNI-|OKE-ISTIO-)' | grep -Ev '^-A (KUBE-|CNI-|OKE-ISTIO-)' |
        while IFS= read -r rule; do eval "$ipt -w 5 -t $t -D ${rule#-A }" 2>/dev/null || true; done || true
      for chain in $("$ipt" -w 5 -t "$t" -S | awk '/^-N (KUBE-|CNI-|OKE-ISTIO-)/ { print $2 }'); do "$ipt" -w 5 -t "$t" -F "$chain" 2>/dev/null || true; done
      for chain in $("$ipt" -w 5 -t "$t" -S | awk '/^-N (KUBE-|CNI-|OKE-ISTIO-)/ { print $2 }'); do "$ipt" -w 5 -t "$t" -X "$chain" 2>/dev/null || true; done
    done
  done
}

# --- kernel settings -----------------------------------------------------------------------------------

record_sysctls() {
  # A record from a run that never stopped holds the values from before it: keep it.
  [ -f "$state/sysctls" ] && return 0
  local key
  for key in "${sysctls[@]}"; do
    [ -e "/proc/sys/${key//.//}" ] && printf '%s=%s\n' "$key" "$(cat "/proc/sys/${key//.//}")"
  done >"$state/sysctls.new"
  mv "$state/sysctls.new" "$state/sysctls"
}

restore_sysctls() {
  [ -f "$state/sysctls" ] || return 0
  local key value
  while IFS='=' read -r key value; do
    [ "$(cat "/proc/sys/${key//.//}" 2>/dev/null)" = "$value" ] || echo "$value" >"/proc/sys/${key//.//}" || log "could not restore $key=$value"
  done <"$state/sysctls"
  rm -f "$state/sysctls"
}

# --- leftovers -----------------------------------------------------------------------------------------

# Mount points below our state directory, deepest first.
our_mounts() {
  awk '{ print $5 }' /proc/self/mountinfo | while IFS= read -r m; do
    m=$(printf '%b' "$m")
    case "$m" in "$state" | "$state"/*) echo "$m" ;; esac
  done | sort -r
}

# Processes of ours: the node's programs (their command lines name the state directory) and whatever
# runs in kubelet's pod cgroups.
our_processes() {
  local p exe
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
    exe=$(readlink "/proc/$p/exe" 2>/dev/null) || continue
    case "${exe##*/}" in
      containerd | containerd-shim-runc-v2 | kubelet | kube-proxy | coredns | go-httpbin | runc | ctr)
        ours "$p" && echo "$p ${exe##*/}" && continue ;;
    esac
    grep -q ':/kubepods' "/proc/$p/cgroup" 2>/dev/null && echo "$p ${exe##*/} (in a kubepods cgroup)"
  done
}

our_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do [ -d "$d" ] && echo "$d"; done
  return 0
}

# containerd puts its shims' sockets in /run/containerd/s whatever its state directory: ours, as long as
# no other containerd runs on this machine.
shim_sockets() {
  [ -d /run/containerd/s ] || return 0
  local p
  for p in /proc/[0-9]*; do
    [ "$(basename "$(readlink "$p/exe" 2>/dev/null)")" = containerd ] && ! ours "${p#/proc/}" && return 0
  done
  find /run/containerd/s -mindepth 1 -maxdepth 1
}

our_veths() {
  ip -o link show type veth 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep '^veth' || true
}

cmd_leftovers() {
  local out=() line ipt t
  while IFS= read -r line; do out+=("process: $line"); done < <(our_processes)
  while IFS= read -r line; do out+=("mount: $line"); done < <(our_mounts)
  for line in /run/netns/cni-*; do [ -e "$line" ] && out+=("netns: $line"); done
  while IFS= read -r line; do out+=("veth: $line"); done < <(our_veths)
  ip link show "$bridge" >/dev/null 2>&1 && out+=("bridge: $bridge")
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for t in filter nat mangle raw security; do
      while IFS= read -r line; do out+=("iptables: $ipt -t $t chain $line"); done < <(
        "$ipt" -w 5 -t "$t" -S 2>/dev/null | awk '/^-N (KUBE-|CNI-|OKE-ISTIO-)/ { print $2 }')
    done
  done
  while IFS= read -r line; do out+=("cgroup: $line"); done < <(our_cgroups)
  for line in "$state/containerd" "$state/kubelet" "$state/cni"; do [ -e "$line" ] && out+=("state: $line"); done
  for line in /var/lib/cni/results/okeistio-*; do [ -e "$line" ] && out+=("file: $line"); done
  for line in "$state"/containerd/state/io.containerd.grpc.v1.cri/sandboxes/*; do
    [ -e "/var/lib/cni/results/cni-loopback-${line##*/}-lo" ] && out+=("file: /var/lib/cni/results/cni-loopback-${line##*/}-lo")
  done
  [ -e /var/lib/kubelet/device-plugins/kubelet.sock ] && out+=("file: /var/lib/kubelet/device-plugins/kubelet.sock")
  if [ -f "$state/created-dirs" ]; then
    while IFS= read -r line; do [ -d "$line" ] && out+=("file: $line (created by the node)"); done <"$state/created-dirs"
  fi
  while IFS= read -r line; do out+=("file: $line"); done < <(shim_sockets)
  for line in /var/log/containers/*; do
    [ -L "$line" ] && case "$(readlink "$line")" in "$state"/*) out+=("file: $line") ;; esac
  done
  if [ -f "$state/sysctls" ]; then
    local key value
    while IFS='=' read -r key value; do
      [ "$(cat "/proc/sys/${key//.//}" 2>/dev/null)" = "$value" ] && continue
      out+=("sysctl: $key is $(cat "/proc/sys/${key//.//}" 2>/dev/null), was $value before the node started")
    done <"$state/sysctls"
  fi
  [ -f "$holder_file" ] && out+=("lock: $holder_file (cluster $(holder_get cluster))")
  [ "${#out[@]}" = 0 ] && return 0
  printf '%s\n' "${out[@]}"
  return 1
}

# --- teardown ------------------------------------------------------------------------------------------

api_up() { [ -n "$1" ] && [ -f "$1" ] && timeout 5 "$OKE_ISTIO_TOOLS/kubectl" --kubeconfig "$1" get --raw /readyz >/dev/null 2>&1; }

# Pods leave through kubelet while it and the API server run, so the CNI plugins release each pod's
# address, veth and chains. The cluster goes down with its node: the node is cordoned and the controllers
# deleted first, or they would put back the pods deleted next.
drain() {
  local kc=$1 k=("$OKE_ISTIO_TOOLS/kubectl" --kubeconfig "$1" --request-timeout=10s)
  local start; start=$(now)
  "${k[@]}" cordon "$node_name" >/dev/null 2>&1 || true
  # Orphaned, not cascaded: the garbage collector would delete the pods with their own grace periods.
  "${k[@]}" delete deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs --all-namespaces --all --cascade=orphan --wait=false >/dev/null 2>&1 || true
  "${k[@]}" delete pods --all-namespaces --field-selector "spec.nodeName=$node_name" --grace-period=1 --wait=false >/dev/null 2>&1 || true
  for _ in $(seq 1 120); do
    if [ -z "$("${k[@]}" get pods --all-namespaces --field-selector "spec.nodeName=$node_name" -o name 2>/dev/null)" ] &&
      [ -z "$(ctr_ tasks ls -q 2>/dev/null)" ]; then
      break
    fi
    sleep 0.5
  done
  log "pods drained in $(since "$start")"
}

# Kills what containerd still runs and removes it (sandboxes included), through containerd.
remove_tasks() {
  local id
  for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -a -s KILL "$id" >/dev/null 2>&1 || true; done
  for _ in $(seq 1 25); do [ -z "$(ctr_ tasks ls -q 2>/dev/null | head -n1)" ] && break; ctr_ tasks ls 2>/dev/null | grep -q RUNNING || break; sleep 0.2; done
  for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks delete -f "$id" >/dev/null 2>&1 || true; done
  for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers delete "$id" >/dev/null 2>&1 || true; done
}

# Shims and container processes containerd did not get to: their PIDs as containerd recorded them in
# our state directory, each checked to still be that process before it is signalled.
kill_recorded_tasks() {
  local dir pid id
  for dir in "$state"/containerd/state/io.containerd.runtime.v2.task/*/*; do
    [ -d "$dir" ] || continue
    id=${dir##*/}
    pid=$(cat "$dir/init.pid" 2>/dev/null || true)
    [ -n "$pid" ] && grep -qF "$id" "/proc/$pid/cgroup" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    pid=$(cat "$dir/shim.pid" 2>/dev/null || true)
    ours "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
}

teardown() {
  local kc; kc=$(holder_get kubeconfig)
  local start; start=$(now)
  if alive kubelet && alive containerd && api_up "$kc"; then drain "$kc"; fi
  local c
  for c in external-http kubelet kube-proxy coredns; do halt "$c"; done
  # After a crash containerd may be gone while its shims run on: start it again to clean up through it.
  if ! alive containerd && [ -x "$OKE_ISTIO_TOOLS/containerd" ] && [ -f "$state/config/containerd.toml" ] &&
    compgen -G "$state/containerd/state/io.containerd.runtime.v2.task/*/*" >/dev/null; then
    log "starting containerd again to remove what it still runs"
    start_containerd || true
  fi
  if alive containerd; then remove_tasks; fi
  halt containerd
  kill_recorded_tasks
  # Shim sockets outside our state directory, and the directories created for them if now empty.
  shim_sockets | xargs -r rm -f
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true
  if [ -x "$OKE_ISTIO_TOOLS/kube-proxy" ]; then "$OKE_ISTIO_TOOLS/kube-proxy" --cleanup >/dev/null 2>&1 || true; fi
  sweep_chains
  local l
  for l in $(ip -o link show master "$bridge" 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do ip link del "$l" 2>/dev/null || true; done
  ip link del "$bridge" 2>/dev/null || true
  rm -f /var/lib/cni/results/okeistio-* /var/lib/kubelet/device-plugins/kubelet.sock
  # The loopback plugin's cached results name the sandbox.
  for l in "$state"/containerd/state/io.containerd.grpc.v1.cri/sandboxes/*; do
    [ -e "$l" ] && rm -f "/var/lib/cni/results/cni-loopback-${l##*/}-lo"
  done
  for l in /var/log/containers/*; do [ -L "$l" ] && case "$(readlink "$l")" in "$state"/*) rm -f "$l" ;; esac; done
  if [ -f "$state/created-dirs" ]; then
    # Deepest first, and only when empty: what else is there is not ours.
    sort -r "$state/created-dirs" | while IFS= read -r l; do rmdir "$l" 2>/dev/null || true; done
    rm -f "$state/created-dirs"
  fi
  # kubelet's volumes (tmpfs, bind mounts), the overlay root filesystems and the network namespaces.
  local m
  for _ in 1 2 3; do
    while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done < <(our_mounts)
    [ -z "$(our_mounts)" ] && break
  done
  # kubelet's pod cgroups (cgroup v1: one tree per controller), deepest first.
  for c in $(our_cgroups); do find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
  rm -rf "$state/containerd" "$state/kubelet" "$state/cni" "$state/pod-logs" "$state/run" "$state/config" "${state:?}/bin"
  restore_sysctls
  rm -f "$holder_file"
  log "node stopped and host cleaned in $(since "$start")"
}

# --- start ---------------------------------------------------------------------------------------------

render() {  # render TEMPLATE OUTPUT: hack/node/TEMPLATE.in with the placeholders filled in
  sed -e "s|@STATE@|$state|g" -e "s|@NODE_IP@|$address|g" -e "s|@NODE_NAME@|$node_name|g" \
    -e "s|@POD_CIDR@|$pod_cidr|g" -e "s|@BRIDGE@|$bridge|g" -e "s|@CLUSTER_DNS@|$cluster_dns|g" \
    -e "s|@KUBECONFIG@|$kubeconfig|g" -e "s|@PAUSE_IMAGE@|$PAUSE_IMAGE|g" \
    -e "s|@EXTERNAL_ZONE@|$external_zone|g" -e "s|@READY_PORT@|$dns_ready_port|g" "$here/node/$1.in" >"$2"
}

start_containerd() {
  mkdir -p "$state/run" "$state/logs"
  # containerd finds its shim on PATH: ours first, then the host's runc.
  PATH="$OKE_ISTIO_TOOLS:$PATH" launch containerd "$OKE_ISTIO_TOOLS/containerd" --config "$state/config/containerd.toml"
  for _ in $(seq 1 100); do
    ctr_ version >/dev/null 2>&1 && return 0
    alive containerd || break
    sleep 0.2
  done
  tail -n 20 "$state/logs/containerd.log" >&2 || true
  die "containerd did not start (log: $state/logs/containerd.log)"
}

# DNS query helper: the first A record for NAME from SERVER, or exit 1.
dns_a() {
  python3 - "$1" "$2" <<'PY'
import random, socket, struct, sys
server, name = sys.argv[1], sys.argv[2]
qid = random.randint(0, 65535)
query = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
query += b"".join(bytes([len(part)]) + part.encode() for part in name.rstrip(".").split(".")) + b"\0" + struct.pack(">HH", 1, 1)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(2)
try:
    sock.sendto(query, (server, 53))
    data = sock.recv(4096)
except OSError:
    sys.exit(1)
rid, flags, _, answers = struct.unpack(">HHHH", data[:8])
if rid != qid or flags & 0xF or not answers:
    sys.exit(1)
i = 12
while data[i]:
    i += data[i] + 1
i += 5
for _ in range(answers):
    if data[i] & 0xC0 == 0xC0:
        i += 2
    else:
        while data[i]:
            i += data[i] + 1
        i += 1
    rtype, _, _, length = struct.unpack(">HHIH", data[i:i + 10])
    i += 10
    if rtype == 1:
        print(socket.inet_ntoa(data[i:i + 4]))
        sys.exit(0)
    i += length
sys.exit(1)
PY
}

images_dir() {
  if [ -n "${OKE_ISTIO_IMAGES:-}" ]; then echo "$OKE_ISTIO_IMAGES"; return; fi
  [ -x "$here/build-images.sh" ] || die "hack/build-images.sh is missing: set OKE_ISTIO_IMAGES to a directory of image archives"
  "$here/build-images.sh" | tail -n1
}

import_images() {
  local dir=$1 start; start=$(now)
  compgen -G "$dir/*.tar" >/dev/null || die "no image archives (*.tar) in $dir"
  local f n=0
  for f in "$dir"/*.tar; do
    ctr_ images import "$f" >"$state/logs/import.log" 2>&1 || { cat "$state/logs/import.log" >&2; die "importing $f failed"; }
    n=$((n + 1))
  done
  log "images imported ($n archives from $dir) in $(since "$start")"
}

ports_free() {
  local port line busy=()
  for port in 10248 10249 10250 10256 "$dns_ready_port"; do
    line=$(ss -Htlnp "sport = :$port" 2>/dev/null | head -n1)
    [ -n "$line" ] && busy+=("tcp port $port ($(grep -o 'users:(([^)]*' <<<"$line" | cut -c9-))")
  done
  line=$(ss -Hulnp "sport = :53" 2>/dev/null | grep -F "$address:53" | head -n1 || true)
  [ -n "$line" ] && busy+=("udp $address:53 ($(grep -o 'users:(([^)]*' <<<"$line" | cut -c9-))")
  [ "${#busy[@]}" = 0 ] || die "in use, needed by the real node: ${busy[*]}"
}

# holder_alive: the cluster named in the lock file still runs (its node or its API server).
holder_alive() {
  [ -f "$holder_file" ] || return 1
  any_alive && return 0
  api_up "$(holder_get kubeconfig)"
}

cmd_holder() {
  tools_if_built
  holder_alive || return 1
  holder_get cluster
}

take_op_lock() {
  mkdir -p "$run_dir"
  exec 9>"$op_lock"
  flock -w 180 9 || die "another start or stop of the real node has held $op_lock for 3 minutes"
}

cmd_start() {
  kubeconfig=${1:?usage: real-node.sh start KUBECONFIG NAME}
  local cluster=${2:?usage: real-node.sh start KUBECONFIG NAME}
  [ -f "$kubeconfig" ] || die "no kubeconfig at $kubeconfig"
  kubeconfig=$(readlink -f "$kubeconfig")
  local problems
  problems=$(cmd_check) || die "this machine cannot run a real node: $(echo "$problems" | paste -sd';')"
  tools
  take_op_lock
  if [ -f "$holder_file" ]; then
    local holder; holder=$(holder_get cluster)
    if holder_alive; then
      [ "$holder" = "$cluster" ] && die "the real node of cluster $cluster is already running"
      die "the real node is in use by cluster $holder (one per machine): hack/local-cluster.sh down $holder first"
    fi
    log "cluster $holder, which held the real node, is no longer running: cleaning up after it"
    teardown
  fi
  local left
  if ! left=$(cmd_leftovers); then
    log "cleaning up what an earlier run left:"; printf '  %s\n' "$left" >&2
    teardown
    left=$(cmd_leftovers) || die "cannot clean up the host; still left:$(printf '\n  %s' "$left")"
  fi
  address=$(node_ip)
  local up; up=$(uplink)
  ports_free

  printf 'cluster=%s\nkubeconfig=%s\nstate=%s\nnode=%s\nstarted=%s\n' "$cluster" "$kubeconfig" "$state" "$node_name" "$(date -Is)" >"$holder_file"
  # From here on a failure takes everything down again.
  # shellcheck disable=SC2154 # rc is assigned inside the trap
  trap 'rc=$?; if [ "$rc" != 0 ]; then set +e; log "start failed: taking the node down"; teardown; fi' EXIT
  mkdir -p "$state/config" "$state/run" "$state/cni/net.d" "$state/cni/ipam" "$state/kubelet" "$state/pod-logs" "$state/containerd"
  rm -rf "$state/logs"; mkdir -p "$state/logs"
  record_sysctls
  if [ ! -f "$state/created-dirs" ]; then
    local d
    for d in "${host_dirs[@]}"; do [ -d "$d" ] || echo "$d"; done >"$state/created-dirs"
  fi
  install_guard "$up"
  sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
  local t
  for t in containerd.toml kubelet.yaml kube-proxy.yaml Corefile external.zone kube-dns.yaml; do render "$t" "$state/config/$t"; done
  render 10-okeistio.conflist "$state/cni/net.d/10-okeistio.conflist"
  echo "nameserver $address" >"$state/config/resolv.conf"

  local start; start=$(now)
  start_containerd
  launch kubelet "$OKE_ISTIO_TOOLS/kubelet" --config "$state/config/kubelet.yaml" --kubeconfig "$kubeconfig" \
    --root-dir "$state/kubelet" --cert-dir "$state/kubelet/pki" --hostname-override "$node_name" --node-ip "$address" --node-labels "$node_labels" --v=1
  launch kube-proxy "$OKE_ISTIO_TOOLS/kube-proxy" --config "$state/config/kube-proxy.yaml" --v=1
  local k=("$OKE_ISTIO_TOOLS/kubectl" --kubeconfig "$kubeconfig")
  local ready=
  for _ in $(seq 1 240); do
    ready=$("${k[@]}" get node "$node_name" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
    [ "$ready" = True ] && break
    alive kubelet || { tail -n 20 "$state/logs/kubelet.log" >&2; die "kubelet exited (log: $state/logs/kubelet.log)"; }
    sleep 0.5
  done
  [ "$ready" = True ] || { tail -n 20 "$state/logs/kubelet.log" >&2; die "node $node_name not Ready after 120 s"; }
  log "node $node_name Ready in $(since "$start") (containerd $CONTAINERD_VERSION, kubelet $KUBERNETES_VERSION, node IP $address)"
  "${k[@]}" label node "$node_name" --overwrite ${node_labels//,/ } >/dev/null
  # A node of this name stopped before in this cluster was cordoned then.
  "${k[@]}" uncordon "$node_name" >/dev/null
  # kube-proxy hooks KUBE-FORWARD in front of everything once it has synced: the guard goes back to the top.
  for _ in $(seq 1 80); do
    iptables -w 5 -S FORWARD | grep -q -- '-j KUBE-FORWARD' && ip6tables -w 5 -S FORWARD | grep -q -- '-j KUBE-FORWARD' && break
    sleep 0.25
  done
  guard_first

  import_images "$(images_dir)"

  start=$(now)
  "${k[@]}" apply -f "$state/config/kube-dns.yaml" >/dev/null
  launch coredns "$OKE_ISTIO_TOOLS/coredns" -conf "$state/config/Corefile"
  local answer='' deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -fsS "http://127.0.0.1:$dns_ready_port/ready" >/dev/null 2>&1; then
      answer=$(dns_a "$cluster_dns" kubernetes.default.svc.cluster.local || true)
      [ -n "$answer" ] && break
    fi
    alive coredns || { tail -n 20 "$state/logs/coredns.log" >&2; die "CoreDNS exited (log: $state/logs/coredns.log)"; }
    sleep 0.5
  done
  [ -n "$answer" ] || die "cluster DNS does not answer through $cluster_dns after 60 s"
  [ "$(dns_a "$address" "probe.$external_zone" || true)" = "$address" ] || die "the local zone $external_zone does not answer"
  log "DNS ready in $(since "$start") (kubernetes.default -> $answer through $cluster_dns; *.$external_zone -> $address)"

  # Started through a link in the state directory, so its command line says it is ours, and with an empty
  # environment: go-httpbin also reads its settings (HOST, PORT, PREFIX, ...) from the environment.
  start=$(now)
  mkdir -p "$state/bin" && ln -sf "$OKE_ISTIO_TOOLS/go-httpbin" "$state/bin/external-http"
  launch external-http env -i "$state/bin/external-http" -host "$address" -port "$external_http_port"
  deadline=$((SECONDS + 30))
  until curl -fsS --max-time 2 "http://$address:$external_http_port/status/200" >/dev/null 2>&1; do
    sleep 0.2
    alive external-http || { tail -n 20 "$state/logs/external-http.log" >&2; die "the external HTTP service exited (log: $state/logs/external-http.log)"; }
    [ "$SECONDS" -lt "$deadline" ] || die "the external HTTP service does not answer on $address:$external_http_port after 30 s"
  done
  log "external HTTP service ready in $(since "$start"): http://<any>.$external_zone -> $address:$external_http_port"
  trap - EXIT
  log "pids: containerd $(pid_of containerd), kubelet $(pid_of kubelet), kube-proxy $(pid_of kube-proxy), coredns $(pid_of coredns), external-http $(pid_of external-http); logs in $state/logs"
}

cmd_stop() {
  [ "$(id -u)" = 0 ] || die "stop needs root"
  tools_if_built
  take_op_lock
  teardown
  local left
  if ! left=$(cmd_leftovers); then
    die "the node left this behind:$(printf '\n  %s' "$left")"
  fi
}

case "${1:-}" in
  check) cmd_check ;;
  start) shift; cmd_start "$@" ;;
  stop) cmd_stop ;;
  leftovers) cmd_leftovers ;;
  holder) cmd_holder ;;
  *) echo "usage: $0 check | start KUBECONFIG NAME | stop | leftovers | holder" >&2; exit 2 ;;
esac
