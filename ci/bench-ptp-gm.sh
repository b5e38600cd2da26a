#!/usr/bin/env bash
# shiwa as a PTP grandmaster under load: a release `shiwa sync --monitor` serving one multicast
# ptp4l slave and 16 unicast ptp4l clients at once, on one bridge, in network namespaces this
# script creates and deletes.
#
#   sudo bash ci/bench-ptp-gm.sh [--minutes N] [--log-sync L] [--master shiwa|ptp4l]
#                                [--out FILE] [--binary PATH]
#
# Member 1 runs shiwa (server_only, serve_multicast and serve_unicast, UDPv4, Sync and
# Delay_Req every 2^L s, L = 0 by default; Announce every 2 s as in the integration guide);
# member 2 a multicast ptp4l slave; members 3-18 ptp4l clients negotiating unicast service from
# their [unicast_master_table] (ptp4l asks for 3600 s grants, shiwa caps them at 300 s, so a
# run of more than 5 minutes includes renewals). After --minutes (default 10) it reports
# shiwa's RSS and peak RSS (VmRSS/VmHWM), its CPU seconds (utime + stime) and CPU % of one
# core over its lifetime, and per client the number of `master offset` lines and the median
# |offset| (so all 17 were served), through ci/bench_ptp_gm_report.py. `--master ptp4l` runs
# the same with a free-running ptp4l grandmaster (`unicast_listen 1`) instead, as a control.
#
# The unicast clients' namespaces drop PTP multicast (nft, at prerouting), so each client's
# lines come from its unicast stream alone: otherwise a ptp4l unicast client takes the
# multicast Syncs of its parent as well (from a ptp4l grandmaster serving both too), prints
# the two streams' lines interleaved, and a median over both says little.
#
# Nothing here writes the clock: shiwa runs with --monitor and adjust_clock false, every
# ptp4l with free_running 1, all without CAP_SYS_TIME; the kernel clock state is read before
# and after and compared. The bridge is set up as in tests/peers/ptp_lab.rs (promiscuous,
# multicast snooping and bridge netfilter off; see there why). All namespaces share one
# CLOCK_REALTIME, so the true offset is exactly 0 and every `master offset` is error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

minutes=10
log_sync=0
master=shiwa
out=""
binary=""
while (($#)); do
    case $1 in
        --minutes) minutes=$2; shift 2 ;;
        --log-sync) log_sync=$2; shift 2 ;;
        --master) master=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        *) echo "usage: $0 [--minutes N] [--log-sync L] [--master shiwa|ptp4l] [--out FILE]" \
            "[--binary PATH]" >&2; exit 2 ;;
    esac
done
((EUID == 0)) || { echo "bench-ptp-gm.sh: needs root (network namespaces)" >&2; exit 77; }
for tool in ip nft setpriv python3 getconf /usr/sbin/ptp4l; do
    command -v "$tool" >/dev/null || { echo "bench-ptp-gm.sh: $tool missing: run bash ci/setup.sh" >&2; exit 1; }
done
((minutes >= 1)) || { echo "bench-ptp-gm.sh: --minutes must be at least 1" >&2; exit 2; }
((log_sync >= -7 && log_sync <= 7)) || { echo "bench-ptp-gm.sh: --log-sync from -7 to 7" >&2; exit 2; }
[[ $master == shiwa || $master == ptp4l ]] || { echo "bench-ptp-gm.sh: --master shiwa or ptp4l" >&2; exit 2; }
if [[ $master == ptp4l ]]; then
    binary=/usr/sbin/ptp4l
elif [[ -z $binary ]]; then
    cargo build --release --locked >&2 # a no-op when the release binary is current
    binary=target/release/shiwa
fi
binary=$(realpath "$binary")
clients=16
members=$((clients + 2))

tag="shg$$"
switch="${tag}sw"
namespaces=()
for ((m = 1; m <= members; m++)); do namespaces+=("${tag}m$m"); done
dir=$(mktemp -d /tmp/shiwa-bench-ptp-gm.XXXXXX)
chmod 700 "$dir"
pids=()

source ci/ptp_bridge.sh
cleanup() {
    stop_pids
    for ns in "$switch" "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

clock_before=$(python3 ci/clock_state.py)

make_bridge "$switch" 10.99.61 "${namespaces[@]}"
# Unicast clients (members 3..) drop PTP multicast, so their lines are their unicast stream.
for ((m = 3; m <= members; m++)); do
    ns=${namespaces[m - 1]}
    ip netns exec "$ns" nft -f - <<'EOF'
table ip unicast_only {
chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    ip daddr 224.0.1.129 drop
}
}
EOF
done

cat >"$dir/shiwa.yml" <<EOF
timebeat:
  clock_sync:
    adjust_clock: false
    primary_clocks:
      - protocol: ptp
        interface: eth1
        domain: 0
        server_only: true
        serve_multicast: true
        serve_unicast: true
        max_unicast_subscribers: 64
        announce_interval: 1
        sync_interval: $log_sync
        delayrequest_interval: $log_sync
EOF

# ptp4l_config FILE M ROLE: a free-running ptp4l on ethM (the lines of tests/peers/ptp_conf.rs):
# ROLE master serves multicast and unicast; slave is a multicast slave; client a unicast
# client of 10.99.61.1 through a unicast master table.
ptp4l_config() {
    local file=$1 m=$2 role=$3
    {
        echo "[global]"
        echo "domainNumber 0"
        echo "time_stamping software"
        echo "free_running 1"
        echo "kernel_leap 0"
        echo "tx_timestamp_timeout 50"
        echo "logSyncInterval $log_sync"
        echo "logAnnounceInterval 1"
        echo "logMinDelayReqInterval $log_sync"
        echo "use_syslog 0"
        echo "uds_address $dir/ptp4l$m.sock"
        if [[ $role == master ]]; then
            echo "priority1 10"
            echo "unicast_listen 1"
            return
        fi
        echo "slaveOnly 1"
        echo "priority1 255"
        echo "summary_interval $((log_sync < 0 ? log_sync : 0))"
        echo "freq_est_interval 0"
        if [[ $role == client ]]; then
            printf '\n[unicast_master_table]\ntable_id 1\nlogQueryInterval 0\nUDPv4 10.99.61.1\n'
            printf '\n[eth%s]\nunicast_master_table 1\n' "$m"
        fi
    } >"$file"
}

# start_in M LOG CMD...: CMD in member M without CAP_SYS_TIME; ip and setpriv exec, so $! is
# the daemon itself (its RSS and CPU are read from /proc).
start_in() {
    local m=$1 log=$2
    shift 2
    ip netns exec "${namespaces[m - 1]}" setpriv --bounding-set=-sys_time "$@" >"$log" 2>&1 &
    pids+=($!)
}

if [[ $master == shiwa ]]; then
    start_in 1 "$dir/master.log" "$binary" --log-level info sync --monitor \
        --config "$dir/shiwa.yml" --socket "$dir/shiwa.sock"
else
    ptp4l_config "$dir/ptp4l1.cfg" 1 master
    start_in 1 "$dir/master.log" /usr/sbin/ptp4l -f "$dir/ptp4l1.cfg" -i eth1 -S -4 -m
fi
master_pid=$!
started=$(date +%s.%N)
: >"$dir/clients.txt"
for ((m = 2; m <= members; m++)); do
    mode=unicast role=client
    ((m == 2)) && mode=multicast role=slave
    ptp4l_config "$dir/ptp4l$m.cfg" "$m" "$role"
    start_in "$m" "$dir/ptp4l$m.log" /usr/sbin/ptp4l -f "$dir/ptp4l$m.cfg" -i "eth$m" -S -4 -m
    echo "ptp4l$m $mode" >>"$dir/clients.txt"
done

echo "bench-ptp-gm.sh: $master (pid $master_pid) serving 1 multicast + $clients unicast clients" \
    "for $minutes min, logs in $dir" >&2
sleep $((minutes * 60))

: >"$dir/exited.txt"
for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || echo "pid $pid exited before the end" >>"$dir/exited.txt"
done
{
    echo "wall_s $(awk -v now="$(date +%s.%N)" -v start="$started" 'BEGIN {print now - start}')"
    echo "clk_tck $(getconf CLK_TCK)"
    awk '/^VmRSS|^VmHWM/ {print $1, $2}' "/proc/$master_pid/status" | tr -d ':'
    awk '{print "utime_ticks", $14; print "stime_ticks", $15}' "/proc/$master_pid/stat"
    echo "threads $(awk '/^Threads/ {print $2}' "/proc/$master_pid/status")"
} >"$dir/master_usage.txt"
stop_pids

clock_after=$(python3 ci/clock_state.py)
python3 ci/bench_ptp_gm_report.py "$dir" "$master" "$minutes" "$log_sync" "$clock_before" \
    "$clock_after" |
    tee "${out:-/dev/stderr}"
