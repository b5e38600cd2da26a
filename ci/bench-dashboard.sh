#!/usr/bin/env bash
# Hub dashboard: a `shiwa hub` on SQLite with --nodes nodes (added with `shiwa hub node add`,
# two at a time), each with one report pushed through the API with curl (offsets spread over
# ±10 µs), then the fleet page (`GET /`, every node in its table) and one node page fetched
# --requests times with a logged-in session cookie: median and p99 of curl's time_total, the
# page size, and the hub's RSS and peak RSS (VmRSS, VmHWM) afterwards.
#
#   bash ci/bench-dashboard.sh [--nodes N] [--requests N] [--binary PATH]
#
# Defaults: 1000 nodes, 50 requests (after 5 warm-up requests). Runs without root.
# Port: 127.0.0.1:18191.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

nodes=1000
requests=50
binary=target/release/shiwa
while (($#)); do
    case $1 in
        --nodes) nodes=$2; shift 2 ;;
        --requests) requests=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        *) echo "usage: $0 [--nodes N] [--requests N] [--binary PATH]" >&2; exit 2 ;;
    esac
done
command -v curl >/dev/null || { echo "bench-dashboard.sh: curl missing: run bash ci/setup.sh" >&2; exit 1; }
source ci/release_binary.sh
binary=$(release_binary "$binary") || exit 1

dir=$(mktemp -d /tmp/shiwa-bench-dashboard.XXXXXX)
hub_pid=""
cleanup() {
    [[ -n $hub_pid ]] && kill "$hub_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

port=18191
base="http://127.0.0.1:$port"
password="bench-$$-dashboard"
echo "bench-admin-key-0123456789abcdef" > "$dir/admin.key"
chmod 600 "$dir/admin.key"
hash=$(printf '%s\n' "$password" | "$binary" hub hash-password)
cat > "$dir/hub.yaml" <<YAML
listen: 127.0.0.1:$port
database_url: sqlite://$dir/hub.db
admin_key_file: $dir/admin.key
dashboard:
  password_hash: '$hash'
  top_offsets: 10
YAML

echo "adding $nodes nodes..."
# The first one alone: it creates and migrates the database (two first opens would race).
"$binary" hub --config "$dir/hub.yaml" node add bench-0 --json > "$dir/key-0.json"
seq 1 $((nodes - 1)) | xargs -P 2 -I{} sh -c \
    '"$1" hub --config "$2" node add "bench-$3" --json --port api:8088:/api/v1/health > "$4/key-$3.json"' \
    sh "$binary" "$dir/hub.yaml" {} "$dir"

"$binary" hub --config "$dir/hub.yaml" 2> "$dir/hub.log" &
hub_pid=$!
for _ in $(seq 100); do
    curl -s -o /dev/null "$base/healthz" && break
    sleep 0.1
done

echo "pushing one report per node..."
sent=$(date -u +%Y-%m-%dT%H:%M:%SZ)
push() {
    local n=$1 key offset
    key=$(sed -n 's/.*"api_key": *"\([0-9a-f]*\)".*/\1/p' "$dir/key-$n.json")
    offset=$(( (n * 7919 % 20001) - 10000 ))
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $key" \
        -H 'Content-Type: application/json' --data-binary @- "$base/api/v1/report" <<JSON
{"wire_version":1,"node_id":"bench-$n","report_id":"report-$n-0000001","sent_at":"$sent","report_interval_s":900,"clock":{"state":"locked","synchronized":true,"adjust_clock":false,"frequency_ppb":1.5,"offset_ns":$offset,"path_delay_ns":20000,"steps":0,"state_since":"$sent","selected_source":"ntp1.example"},"sources":[],"host":{"hostname":"bench-$n.example","os":"Debian GNU/Linux 12 (bookworm)","shiwa_version":"0.1.0"}}
JSON
}
export -f push
export dir base sent
stored=$(seq 0 $((nodes - 1)) | xargs -P 8 -I{} bash -c 'push {}' | grep -c '^201$' || true)
[[ $stored == "$nodes" ]] || { echo "only $stored of $nodes reports were stored" >&2; exit 1; }

curl -s -c "$dir/jar" "$base/login" > "$dir/login.html"
csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$dir/login.html" | head -1)
status=$(curl -s -o /dev/null -w '%{http_code}' -b "$dir/jar" -c "$dir/jar" \
    --data-urlencode username=admin --data-urlencode "password=$password" \
    --data-urlencode "csrf=$csrf" "$base/login")
[[ $status == 303 ]] || { echo "login failed: HTTP $status" >&2; exit 1; }

measure() {
    local name=$1 path=$2
    for _ in 1 2 3 4 5; do curl -s -o /dev/null -b "$dir/jar" "$base$path"; done
    local times size
    times=$(for _ in $(seq "$requests"); do
        curl -s -o /dev/null -b "$dir/jar" -w '%{time_total}\n' "$base$path"
    done | sort -n)
    size=$(curl -s -b "$dir/jar" "$base$path" | wc -c)
    awk -v name="$name" -v size="$size" '{ t[NR] = $1 * 1000 } END {
        p99 = int(NR * 0.99 + 0.999); if (p99 < 1) p99 = 1
        median = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
        printf "%-28s median %6.1f ms  p99 %6.1f ms  (%d requests, %d KiB)\n",
            name, median, t[p99], NR, size / 1024
    }' <<< "$times"
}
echo "$("$binary" --version | head -1), $nodes nodes, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
measure "fleet page (GET /)" "/"
measure "node page (GET /nodes/bench-1)" "/nodes/bench-1"
measure "alerts page (GET /alerts)" "/alerts"
grep -E '^(VmRSS|VmHWM)' "/proc/$hub_pid/status" | tr -s ' \t' ' ' | sed 's/^/hub /'
