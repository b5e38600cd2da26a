#!/usr/bin/env bash
# Hub ingest: wrk POSTing reports with distinct report ids (a Lua script spreads them over
# --nodes nodes, each with its own API key) to `shiwa hub` on SQLite and on PostgreSQL (a
# throwaway cluster in a temp dir, fsync on), then the hub's RSS.
#
#   bash ci/bench-hub.sh [--seconds N] [--connections N] [--threads N] [--nodes N] [--binary PATH]
#
# Defaults: wrk -t2 -c64 -d20s --latency, 16 nodes. Prints reports/s and p50/p99 per backend
# and checks that every 201 is a stored row; then GET /healthz under the same wrk load (the
# hub's HTTP ceiling without the database), and the load average (other builds skew it).
# PostgreSQL needs /usr/lib/postgresql/*/bin and root (runuser -u postgres). Ports:
# 127.0.0.1:18190 (hub), a free one for PostgreSQL. HUB_LOG=debug (the hub's SHIWA_LOG)
# adds the number of report commits and the mean reports per commit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=20
connections=64
threads=2
nodes=16
binary=target/release/shiwa
while (($#)); do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --nodes) nodes=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        *) echo "usage: $0 [--seconds N] [--connections N] [--threads N] [--nodes N] [--binary PATH]" >&2; exit 2 ;;
    esac
done
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "bench-hub.sh: $tool missing: run bash ci/setup.sh" >&2; exit 1; }
done
source ci/release_binary.sh
binary=$(release_binary "$binary") || exit 1

dir=$(mktemp -d /tmp/shiwa-bench-hub.XXXXXX)
chmod 711 "$dir"  # the postgres user must reach its data directory inside
hub_pid=""
pg_bin=""
cleanup() {
    [[ -n $hub_pid ]] && kill "$hub_pid" 2>/dev/null || true
    if [[ -n $pg_bin && -d $dir/pg ]]; then
        runuser -u postgres -- "$pg_bin/pg_ctl" -D "$dir/pg/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

admin=bench-admin-key-0123456789abcdef
echo "$admin" > "$dir/admin.key"
chmod 600 "$dir/admin.key"

cat > "$dir/report.lua" <<'LUA'
local keys = {}
for line in io.lines(os.getenv("HUB_KEYS")) do table.insert(keys, line) end
local template = io.open(os.getenv("HUB_REPORT")):read("*a")
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end
local counter = 0
function request()
    counter = counter + 1
    local node = counter % #keys
    local body = template:gsub("NODE", "bench-" .. node):gsub("RID", string.format("t%d-%010d", tid, counter))
    return wrk.format("POST", "/api/v1/report", {
        ["Authorization"] = "Bearer " .. keys[node + 1],
        ["Content-Type"] = "application/json",
    }, body)
end
LUA
cat > "$dir/report.json" <<'JSON'
{"wire_version":1,"node_id":"NODE","report_id":"RID","sent_at":"2026-01-01T00:00:00Z","report_interval_s":60,"clock":{"state":"locked","synchronized":true,"adjust_clock":false,"frequency_ppb":1.5,"offset_ns":120,"path_delay_ns":20000,"steps":0,"state_since":"2026-01-01T00:00:00Z","selected_source":"ntp1"},"sources":[],"host":{"hostname":"NODE","os":"Debian GNU/Linux 12 (bookworm)","shiwa_version":"0.1.0","api_url":"http://10.0.0.1:8088","ports":[{"name":"api","port":8088,"kind":"http","path":"/api/v1/health"}]}}
JSON

run_backend() {
    local name=$1 url=$2
    printf 'listen: 127.0.0.1:18190\ndatabase_url: %s\nadmin_key_file: %s\n' "$url" "$dir/admin.key" > "$dir/hub.yaml"
    : > "$dir/keys"
    for ((n = 0; n < nodes; n++)); do
        SHIWA_LOG=warn "$binary" hub -c "$dir/hub.yaml" node add "bench-$n" --json \
            | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"])' >> "$dir/keys"
    done
    SHIWA_LOG=${HUB_LOG:-warn} "$binary" hub -c "$dir/hub.yaml" > "$dir/hub-$name.log" 2>&1 &
    hub_pid=$!
    for _ in $(seq 100); do curl -sf http://127.0.0.1:18190/healthz >/dev/null && break; sleep 0.05; done
    HUB_KEYS=$dir/keys HUB_REPORT=$dir/report.json \
        wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$dir/report.lua" \
        http://127.0.0.1:18190 > "$dir/wrk-$name.txt"
    local rss created stored
    rss=$(awk '/VmRSS/ {print $2 " " $3}' "/proc/$hub_pid/status")
    created=$(curl -s http://127.0.0.1:18190/metrics | awk -F' ' '/kind="report",outcome="new"/ {print $2}')
    stored=$(for ((n = 0; n < nodes; n++)); do
        curl -s -H "Authorization: Bearer $admin" \
            "http://127.0.0.1:18190/api/v1/nodes/bench-$n/history?period=400d&format=csv" | tail -n +2 | wc -l
    done | awk '{s += $1} END {print s}')
    if [[ $name == sqlite ]]; then
        wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency \
            http://127.0.0.1:18190/healthz > "$dir/wrk-healthz.txt"
    fi
    kill "$hub_pid"; wait "$hub_pid" 2>/dev/null || true; hub_pid=""
    echo "== $name: wrk -t$threads -c$connections -d${seconds}s, $nodes nodes (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
    grep -E "Requests/sec|Non-2xx|Socket errors" "$dir/wrk-$name.txt" || true
    grep -E "^ +(50|99)%" "$dir/wrk-$name.txt"
    echo "   201 answers: $created, stored reports: $stored, hub RSS after the run: $rss"
    local commits
    commits=$(grep 'reports committed in one transaction' "$dir/hub-$name.log" \
        | grep -o 'reports=[0-9]*' | cut -d= -f2 || true)
    if [[ -n $commits ]]; then
        awk '{n++; s += $1} END {printf "   report commits: %d, reports per commit: %.1f\n", n, s / n}' <<< "$commits"
    fi
    if [[ $name == sqlite ]]; then
        echo "== GET /healthz, same wrk load (the HTTP ceiling)"
        grep -E "Requests/sec" "$dir/wrk-healthz.txt"
        grep -E "^ +(50|99)%" "$dir/wrk-healthz.txt"
    fi
}

run_backend sqlite "sqlite://$dir/hub.db"

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z $pg_bin || $(id -u) != 0 ]]; then
    echo "== postgres: skipped (needs /usr/lib/postgresql/*/bin and root)"
    exit 0
fi
mkdir "$dir/pg"; chown postgres:postgres "$dir/pg"
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
runuser -u postgres -- "$pg_bin/initdb" -U shiwa -A trust -D "$dir/pg/data" >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -w -D "$dir/pg/data" -l "$dir/pg/log" \
    -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1" start >/dev/null
"$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U shiwa -d postgres -c "CREATE DATABASE hub" >/dev/null
run_backend postgres "postgres://shiwa@127.0.0.1:$pg_port/hub"
