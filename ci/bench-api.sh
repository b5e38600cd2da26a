#!/usr/bin/env bash
# HTTP API throughput and latency: wrk on /api/v1/status and /metrics, against the API inside
# `shiwa sync` (timebeat.http.enable) and against a standalone `shiwa serve-api --socket`,
# with a real sync running (monitor mode, following a shiwa NTP server on loopback). That
# sync also runs the SSH shell in process (timebeat.cli.enable, 127.0.0.1:18183): after the
# wrk runs, one key login and one password login (argon2id) run `status` through it, and the
# sync's RSS and peak RSS (VmHWM) with both surfaces on are printed.
#
#   bash ci/bench-api.sh [--seconds N] [--connections N] [--threads N] [--binary PATH] [--out FILE]
#
# Defaults: wrk -t2 -c64 -d30s --latency. Prints requests/s and p50/p99 latency for each of
# the four runs, and the RSS of each server afterwards. Runs without root; never writes the
# clock (every shiwa is --monitor with adjust_clock: false). Ports: 127.0.0.1:18180-18182.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=30
connections=64
threads=2
binary=target/release/shiwa
out=""
while (($#)); do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--seconds N] [--connections N] [--threads N] [--binary PATH] [--out FILE]" >&2; exit 2 ;;
    esac
done
for tool in wrk curl ssh ssh-keygen sshpass; do
    command -v "$tool" >/dev/null || { echo "bench-api.sh: $tool missing: run bash ci/setup.sh" >&2; exit 1; }
done
source ci/release_binary.sh
binary=$(release_binary "$binary") || exit 1

dir=$(mktemp -d /tmp/shiwa-bench-api.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

ntp_port=18123
inproc_port=18180
standalone_port=18181
ssh_port=18183
password="bench-$$-password"
ssh-keygen -q -t ed25519 -N '' -f "$dir/id" -C bench
hash=$(printf '%s\n' "$password" | "$binary" cli-ssh --hash-password)
cat >"$dir/server.yml" <<YAML
timebeat:
  clock_sync:
    adjust_clock: false
    local_stratum: 3
    primary_clocks:
      - {protocol: ntp, server_only: true, ip: "127.0.0.1:$ntp_port"}
YAML
cat >"$dir/client.yml" <<YAML
timebeat:
  http: {enable: true, bind_host: 127.0.0.1, bind_port: $inproc_port}
  cli:
    enable: true
    bind_host: 127.0.0.1
    bind_port: $ssh_port
    username: admin
    password_hash: '$hash'
    authorised_keys: $dir/id.pub
  clock_sync:
    adjust_clock: false
    primary_clocks:
      - {protocol: ntp, ip: "127.0.0.1:$ntp_port", pollinterval: 1s}
YAML
"$binary" sync --monitor --config "$dir/server.yml" --socket "$dir/server.sock" >"$dir/server.log" 2>&1 &
pids+=($!)
"$binary" sync --monitor --config "$dir/client.yml" --socket "$dir/client.sock" --state-dir "$dir" >"$dir/client.log" 2>&1 &
sync_pid=$!
pids+=($sync_pid)
for _ in $(seq 100); do [[ -S $dir/client.sock ]] && break; sleep 0.1; done
"$binary" serve-api --socket "$dir/client.sock" --bind "127.0.0.1:$standalone_port" >"$dir/serve-api.log" 2>&1 &
api_pid=$!
pids+=($api_pid)

wait_healthy() {
    for _ in $(seq 300); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/api/v1/health") == 200 ]] && return 0
        sleep 0.1
    done
    echo "bench-api.sh: 127.0.0.1:$1 not healthy in 30 s (logs in $dir)" >&2
    exit 1
}
wait_healthy "$inproc_port"
wait_healthy "$standalone_port"

# run NAME PORT PATH: one wrk run; prints "NAME PATH req/s p50 p99 non-2xx".
run() {
    local name=$1 port=$2 path=$3 report
    report=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$port$path")
    echo "$report" >"$dir/wrk-$name-${path//\//_}.txt"
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$report")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$report")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
    errors=$(awk '/Non-2xx/ {print $NF}' <<<"$report")
    printf '%-11s %-15s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$name" "$path" "$rps" "$p50" "$p99" "${errors:-0}"
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
peak_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
ssh_opts=(-p "$ssh_port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
# ssh_status KIND: one `status` through the in-process shell, by key or by password.
ssh_status() {
    if [[ $1 == key ]]; then
        ssh "${ssh_opts[@]}" -i "$dir/id" -o PasswordAuthentication=no admin@127.0.0.1 status
    else
        sshpass -p "$password" ssh "${ssh_opts[@]}" -o PreferredAuthentications=password \
            -o PubkeyAuthentication=no admin@127.0.0.1 status
    fi >"$dir/ssh-$1.txt" 2>&1 || { echo "bench-api.sh: ssh $1 login failed:" >&2; cat "$dir/ssh-$1.txt" >&2; exit 1; }
}
{
    echo "bench-api.sh: wrk -t$threads -c$connections -d${seconds}s --latency, $(nproc) cores, $("$binary" --version)"
    run in-process "$inproc_port" /api/v1/status
    run in-process "$inproc_port" /metrics
    run standalone "$standalone_port" /api/v1/status
    run standalone "$standalone_port" /metrics
    echo "RSS after the runs: sync (API in process) $(rss_kb "$sync_pid") kB, serve-api $(rss_kb "$api_pid") kB"
    ssh_status key
    echo "sync with HTTP and SSH in process, after an SSH key login: RSS $(rss_kb "$sync_pid") kB, peak $(peak_kb "$sync_pid") kB"
    ssh_status password
    sleep 1
    echo "after an SSH password login (argon2id): RSS $(rss_kb "$sync_pid") kB, peak $(peak_kb "$sync_pid") kB"
    echo "status body $(curl -s "http://127.0.0.1:$inproc_port/api/v1/status" | wc -c) bytes, metrics body $(curl -s "http://127.0.0.1:$inproc_port/metrics" | wc -c) bytes"
} | tee "${out:-/dev/null}"
