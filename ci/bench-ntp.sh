#!/usr/bin/env bash
# NTP measurement quality, side by side: shiwa (monitor mode) and chronyd (-x) as clients of
# the same chronyd server over veth, in one run, in network namespaces this script creates.
#
#   sudo bash ci/bench-ntp.sh [--minutes N] [--out FILE] [--binary PATH] [--scrape-metrics]
#
# --scrape-metrics adds two more shiwa clients in the same run, twins of the basic and
# interleaved ones but with the HTTP API on (`timebeat.http.enable`, 127.0.0.1:18088 and :18089
# in the client namespace), and scrapes their /metrics once a second with curl: the twins'
# offset SD against the unscraped ones' is what scraping costs, measured under the same
# conditions at the same time.
#
# Four clients run at once against 10.99.1.1: shiwa basic (1 s poll), shiwa interleaved
# (0.25 s), chronyd basic (minpoll 0) and chronyd xleave (minpoll -2). All namespaces share one
# CLOCK_REALTIME, so the true offset is exactly 0 and every offset measured is error.
# Prints mean, SD and p99 of the raw and filtered offsets (local - reference, ns), shiwa's RSS
# and CPU, and `shiwa status` wall time. Nothing here writes the clock: every daemon runs
# without CAP_SYS_TIME, chronyd with -x, shiwa with --monitor; the kernel clock state is read
# before and after and compared.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

minutes=10
out=""
binary=target/release/shiwa
scrape=false
while (($#)); do
    case $1 in
        --minutes) minutes=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --scrape-metrics) scrape=true; shift ;;
        *) echo "usage: $0 [--minutes N] [--out FILE] [--binary PATH] [--scrape-metrics]" >&2; exit 2 ;;
    esac
done
((EUID == 0)) || { echo "bench-ntp.sh: needs root (network namespaces)" >&2; exit 77; }
for tool in ip chronyd chronyc setpriv python3 $($scrape && echo curl); do
    command -v "$tool" >/dev/null || { echo "bench-ntp.sh: $tool missing: run bash ci/setup.sh" >&2; exit 1; }
done
source ci/release_binary.sh
binary=$(release_binary "$binary") || exit 1

tag="shb$$"
server_ns="${tag}s"
client_ns="${tag}c"
dir=$(mktemp -d /tmp/shiwa-bench.XXXXXX)
chmod 700 "$dir"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns del "$server_ns" 2>/dev/null || true
    ip netns del "$client_ns" 2>/dev/null || true
}
trap cleanup EXIT

kernel_state() { python3 ci/clock_state.py; }
clock_before=$(kernel_state)

ip netns add "$server_ns"
ip netns add "$client_ns"
ip link add "${tag}vs" type veth peer name "${tag}vc"
ip link set "${tag}vs" netns "$server_ns"
ip link set "${tag}vc" netns "$client_ns"
ip -n "$server_ns" addr add 10.99.1.1/24 dev "${tag}vs"
ip -n "$client_ns" addr add 10.99.1.2/24 dev "${tag}vc"
for ns in "$server_ns" "$client_ns"; do ip -n "$ns" link set lo up; done
ip -n "$server_ns" link set "${tag}vs" up
ip -n "$client_ns" link set "${tag}vc" up

# start_in_ns NS LOG CMD...: starts CMD in NS without CAP_SYS_TIME, in the background. ip and
# setpriv exec, so $! afterwards is the daemon itself (its RSS and CPU are read from /proc).
start_in_ns() {
    local ns=$1 log=$2
    shift 2
    ip netns exec "$ns" setpriv --bounding-set=-sys_time "$@" >"$log" 2>&1 &
}

# chronyd: the server, and two clients (basic, xleave) logging measurements and statistics.
chrony_conf() { # name, extra lines...
    local name=$1; shift
    mkdir -p "$dir/$name"; chmod 700 "$dir/$name"
    {
        printf '%s\n' "$@"
        echo "cmdport 0"
        echo "bindcmdaddress $dir/$name/chronyd.sock"
        echo "pidfile $dir/$name/chronyd.pid"
    } >"$dir/$name/chrony.conf"
}
chrony_conf server "local stratum 1" "allow 10.99.0.0/16" "bindaddress 10.99.1.1" "port 123"
chrony_conf basic "server 10.99.1.1 iburst minpoll 0 maxpoll 0" "port 0" \
    "logdir $dir/basic" "log measurements statistics"
chrony_conf xleave "server 10.99.1.1 iburst xleave minpoll -2 maxpoll -2" "port 0" \
    "logdir $dir/xleave" "log measurements statistics"
start_in_ns "$server_ns" "$dir/server.log" chronyd -x -d -u root -f "$dir/server/chrony.conf"
pids+=($!)
sleep 0.5
for name in basic xleave; do
    start_in_ns "$client_ns" "$dir/chrony-$name.log" chronyd -x -d -u root -f "$dir/$name/chrony.conf"
    pids+=($!)
done

# shiwa: two monitor-mode instances, basic 1 s and interleaved 0.25 s (and their scraped
# twins with --scrape-metrics).
shiwa_conf() { # name, pollinterval, interleaved, [http port]
    local http=""
    if [[ -n ${4:-} ]]; then
        http="  http: {enable: true, bind_host: 127.0.0.1, bind_port: $4}"
    fi
    cat >"$dir/shiwa-$1.yml" <<EOF
timebeat:
$http
  clock_sync:
    adjust_clock: false
    primary_clocks:
      - protocol: ntp
        ip: 10.99.1.1
        pollinterval: $2
        interleaved: $3
EOF
}
shiwa_names=(basic xleave)
shiwa_conf basic 1s false
shiwa_conf xleave 250ms true
if $scrape; then
    shiwa_names+=(basic-scraped xleave-scraped)
    shiwa_conf basic-scraped 1s false 18088
    shiwa_conf xleave-scraped 250ms true 18089
fi
shiwa_pids=()
for name in "${shiwa_names[@]}"; do
    SHIWA_LOG="info,shiwa::ntp=debug" start_in_ns "$client_ns" "$dir/shiwa-$name.log" \
        "$binary" sync --monitor --config "$dir/shiwa-$name.yml" --socket "$dir/shiwa-$name.sock"
    pids+=($!)
    shiwa_pids+=($!)
done

# chronyd -x measures against its own model of the clock (the clock it would have made, had it
# been allowed to steer), so its logged offsets converge to 0 whatever the link does. Its
# estimate of the real clock is `System time` in `chronyc tracking`: sampled once a second
# as "epoch-seconds local-minus-reference-ns".
sample_chronyd_system_time() {
    local name=$1 line value
    while sleep 1; do
        line=$(chronyc -h "$dir/$name/chronyd.sock" tracking 2>/dev/null | grep '^System time') || continue
        value=$(awk '{v = $4 * 1e9; if ($6 == "slow") v = -v; printf "%.0f", v}' <<<"$line")
        echo "$(date +%s.%N) $value"
    done >"$dir/$name/system_time.txt"
}
for name in basic xleave; do
    sample_chronyd_system_time "$name" &
    pids+=($!)
done

# --scrape-metrics: what a Prometheus scraping each client every second would cost them.
if $scrape; then
    for port in 18088 18089; do
        (while sleep 1; do
            ip netns exec "$client_ns" curl -s -o /dev/null -w '%{http_code}\n' --max-time 1 \
                "http://127.0.0.1:$port/metrics" || echo 000
        done >"$dir/scrape-$port.txt") &
        pids+=($!)
    done
fi

seconds=$((minutes * 60))
echo "bench-ntp.sh: running ${minutes} min (logs in $dir)" >&2
sleep "$seconds"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
for i in "${!shiwa_names[@]}"; do
    pid=${shiwa_pids[$i]} name=${shiwa_names[$i]}
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == *"sync --monitor"* ]] || { echo "bench-ntp.sh: pid $pid is not shiwa" >&2; exit 1; }
    echo "${name}_rss_kb $(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
    echo "${name}_hwm_kb $(awk '/VmHWM/ {print $2}' "/proc/$pid/status")"
    echo "${name}_cpu_seconds $(awk -v t="$(cpu_ticks "$pid")" -v hz="$hz" 'BEGIN {printf "%.2f", t / hz}')"
done >"$dir/process.txt"
status_times=()
for _ in $(seq 50); do
    start=$(date +%s%N)
    "$binary" status --socket "$dir/shiwa-basic.sock" --json >/dev/null || true
    status_times+=($((($(date +%s%N) - start) / 1000)))
done
printf '%s\n' "${status_times[@]}" >"$dir/status_us.txt"

if $scrape; then
    for port in 18088 18089; do
        ok=$(grep -c '^200$' "$dir/scrape-$port.txt" || true)
        total=$(wc -l <"$dir/scrape-$port.txt")
        echo "bench-ntp.sh: /metrics on :$port answered 200 to $ok of $total scrapes" >&2
    done
fi

clock_after=$(kernel_state)
report=$(python3 ci/bench_ntp_report.py "$dir" "$seconds" "$clock_before" "$clock_after") || status=$?
echo "$report"
[[ -z $out ]] || echo "$report" >"$out"
exit "${status:-0}"
