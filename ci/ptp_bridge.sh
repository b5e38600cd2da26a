# Shared by ci/bench-ptp.sh and ci/bench-ptp-gm.sh (sourced): the PTP lab's bridge and the
# stopping of the daemons a bench started. Uses the caller's `pids` array and `binary`.
#
# The bridge is set up as in tests/peers/ptp_lab.rs (promiscuous, multicast snooping and
# bridge netfilter off; see there why).

# stop_pids: SIGTERM to each recorded ptp4l or shiwa (after checking that the PID is still
# one of them: PIDs get reused), then wait for them.
stop_pids() {
    local pid cmdline
    for pid in "${pids[@]}"; do
        [[ -r /proc/$pid/cmdline ]] || continue
        cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
        if [[ $cmdline == */usr/sbin/ptp4l* || $cmdline == "$binary "* ]]; then
            kill "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}

# make_bridge SWITCH SUBNET NAMESPACE...: a bridge in namespace SWITCH; the Mth NAMESPACE
# (from 1) gets ethM with SUBNET.M/24, its veth peer swM a bridge port.
make_bridge() {
    local switch=$1 subnet=$2 m=0 ns
    shift 2
    ip netns add "$switch"
    ip -n "$switch" link set lo up
    ip -n "$switch" link add br0 type bridge mcast_snooping 0
    ip netns exec "$switch" sh -ec 'for f in /proc/sys/net/bridge/bridge-nf-call-*; do
        if [ -e "$f" ]; then echo 0 > "$f"; fi; done'
    ip -n "$switch" link set br0 promisc on up
    for ns in "$@"; do
        m=$((m + 1))
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ip -n "$switch" link add "sw$m" type veth peer name "eth$m" netns "$ns"
        ip -n "$switch" link set "sw$m" master br0 up
        ip -n "$ns" addr add "$subnet.$m/24" dev "eth$m"
        ip -n "$ns" link set "eth$m" up
    done
}
