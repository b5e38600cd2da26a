#!/usr/bin/env bash
# PTP measurement quality over software timestamps, side by side on one bridge, in network
# namespaces this script creates and deletes: in domain 0 a ptp4l master with a ptp4l slave
# and a shiwa slave; at the same time in domain 1 a shiwa grandmaster with a ptp4l slave.
#
#   sudo bash ci/bench-ptp.sh [--minutes N] [--out FILE]
#
# Four series, one after the other, each a quarter of --minutes: UDPv4 and L2, each at 1 Hz
# (logSyncInterval 0, logMinDelayReqInterval 0) and 8 Hz (-3, -3). A slave is a (name, kind)
# line in SERIES/slaves.txt, and the report parses each kind's log (ptp4l's `master offset`
# lines, or shiwa's debug line of the same shape). All namespaces share one CLOCK_REALTIME, so the true
# offset is exactly 0 and every `master offset` is error. Prints mean, SD and p99 of |offset|
# per slave per series (ns, local - master) through ci/bench_ptp_report.py.
#
# Nothing here writes the clock: every ptp4l runs without CAP_SYS_TIME and with
# free_running 1, master and slaves alike, and shiwa without CAP_SYS_TIME in monitor mode
# (`adjust_clock: false`, `--monitor`); the kernel clock state is read before and after
# and compared. The bridge is set up as in tests/peers/ptp_lab.rs (promiscuous, multicast
# snooping and bridge netfilter off; see there why).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

minutes=10
out=""
binary=target/release/shiwa
while (($#)); do
    case $1 in
        --minutes) minutes=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        *) echo "usage: $0 [--minutes N] [--out FILE] [--binary PATH]" >&2; exit 2 ;;
    esac
done
((EUID == 0)) || { echo "bench-ptp.sh: needs root (network namespaces)" >&2; exit 77; }
for tool in ip setpriv python3 /usr/sbin/ptp4l; do
    command -v "$tool" >/dev/null || { echo "bench-ptp.sh: $tool missing: run bash ci/setup.sh" >&2; exit 1; }
done
source ci/release_binary.sh
binary=$(release_binary "$binary") || exit 1
seconds=$((minutes * 60 / 4))
((seconds >= 20)) || { echo "bench-ptp.sh: --minutes $minutes leaves under 20 s per series" >&2; exit 2; }

tag="shp$$"
switch="${tag}sw"
members=("${tag}m1" "${tag}m2" "${tag}m3" "${tag}m4" "${tag}m5")
dir=$(mktemp -d /tmp/shiwa-bench-ptp.XXXXXX)
chmod 700 "$dir"
pids=()

source ci/ptp_bridge.sh
cleanup() {
    stop_pids
    for ns in "$switch" "${members[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

clock_before=$(python3 ci/clock_state.py)

make_bridge "$switch" 10.99.60 "${members[@]}"

# ptp4l_config FILE ROLE SYNC DELAY_REQ UDS DOMAIN: the same lines as tests/peers/ptp_lab.rs.
ptp4l_config() {
    local file=$1 role=$2 sync=$3 delay_req=$4 uds=$5 domain=$6
    {
        echo "[global]"
        echo "domainNumber $domain"
        echo "time_stamping software"
        echo "free_running 1"
        echo "kernel_leap 0"
        echo "tx_timestamp_timeout 50"
        echo "logSyncInterval $sync"
        echo "logAnnounceInterval 0"
        echo "logMinDelayReqInterval $delay_req"
        echo "use_syslog 0"
        echo "uds_address $uds"
        if [[ $role == master ]]; then
            echo "priority1 10"
        else
            # One `master offset` line per estimate (at most 1 a second when free-running),
            # not an rms summary: summary_interval at or below the sync interval.
            echo "slaveOnly 1"
            echo "priority1 255"
            echo "summary_interval $((sync < 0 ? sync : 0))"
            echo "freq_est_interval 0"
        fi
    } >"$file"
}

# start_ptp4l SERIES_DIR NAME MEMBER TRANSPORT_FLAG: ip and setpriv exec, so $! is ptp4l.
start_ptp4l() {
    local series_dir=$1 name=$2 m=$3 flag=$4
    ip netns exec "${members[m - 1]}" setpriv --bounding-set=-sys_time \
        /usr/sbin/ptp4l -f "$series_dir/$name.cfg" -i "eth$m" -S "$flag" -m \
        >"$series_dir/$name.log" 2>&1 &
    pids+=($!)
}

# shiwa_config FILE ROLE SYNC DELAY_REQ MEMBER DOMAIN TRANSPORT_FLAG: a monitor-mode shiwa
# with one PTP entry, a slave (client) or a grandmaster (server_only, multicast).
shiwa_config() {
    local file=$1 role=$2 sync=$3 delay_req=$4 m=$5 domain=$6 flag=$7
    {
        echo "timebeat:"
        echo "  clock_sync:"
        echo "    adjust_clock: false"
        echo "    primary_clocks:"
        echo "      - protocol: ptp"
        echo "        interface: eth$m"
        echo "        domain: $domain"
        echo "        announce_interval: 0"
        echo "        sync_interval: $sync"
        echo "        delayrequest_interval: $delay_req"
        [[ $flag == -2 ]] && echo "        use_layer2: true"
        if [[ $role == master ]]; then
            echo "        server_only: true"
            echo "        serve_multicast: true"
            echo "        priority1: 10"
        fi
    } >"$file"
}

# start_shiwa SERIES_DIR NAME MEMBER: ip and setpriv exec, so $! is shiwa.
start_shiwa() {
    local series_dir=$1 name=$2 m=$3
    ip netns exec "${members[m - 1]}" setpriv --bounding-set=-sys_time \
        env SHIWA_LOG="info,shiwa::ptp=debug" "$binary" sync --monitor \
        --config "$series_dir/$name.yml" --socket "$series_dir/$name.sock" \
        >"$series_dir/$name.log" 2>&1 &
    pids+=($!)
}

# run_series NAME TRANSPORT_FLAG SYNC DELAY_REQ
run_series() {
    local name=$1 flag=$2 sync=$3 delay_req=$4 series_dir="$dir/$1" pid
    mkdir -p "$series_dir"
    # Domain 0: ptp4l master (member 1), ptp4l slave (2), shiwa slave (3).
    ptp4l_config "$series_dir/master.cfg" master "$sync" "$delay_req" "$series_dir/master.sock" 0
    start_ptp4l "$series_dir" master 1 "$flag"
    ptp4l_config "$series_dir/slave2.cfg" slave "$sync" "$delay_req" "$series_dir/slave2.sock" 0
    start_ptp4l "$series_dir" slave2 2 "$flag"
    shiwa_config "$series_dir/slave3.yml" slave "$sync" "$delay_req" 3 0 "$flag"
    start_shiwa "$series_dir" slave3 3
    # Domain 1: shiwa grandmaster (member 4), ptp4l slave (5).
    shiwa_config "$series_dir/gm4.yml" master "$sync" "$delay_req" 4 1 "$flag"
    start_shiwa "$series_dir" gm4 4
    ptp4l_config "$series_dir/slave5.cfg" slave "$sync" "$delay_req" "$series_dir/slave5.sock" 1
    start_ptp4l "$series_dir" slave5 5 "$flag"
    printf '%s\n' "slave2 ptp4l ptp4l" "slave3 shiwa ptp4l" "slave5 ptp4l shiwa" >"$series_dir/slaves.txt"
    echo "bench-ptp.sh: series $name for $seconds s" >&2
    sleep "$seconds"
    for pid in "${pids[@]}"; do
        kill -0 "$pid" 2>/dev/null || echo "pid $pid exited before the end" >>"$series_dir/exited.txt"
    done
    stop_pids
}

echo "bench-ptp.sh: 4 series of $seconds s (logs in $dir)" >&2
run_series udpv4-1hz -4 0 0
run_series udpv4-8hz -4 -3 -3
run_series l2-1hz -2 0 0
run_series l2-8hz -2 -3 -3

clock_after=$(python3 ci/clock_state.py)
python3 ci/bench_ptp_report.py "$dir" "$seconds" "$clock_before" "$clock_after" \
    udpv4-1hz udpv4-8hz l2-1hz l2-8hz | tee "${out:-/dev/stderr}"
