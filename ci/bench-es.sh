#!/usr/bin/env bash
# ship-es: documents/s from a fresh SQLite spool to the Elasticsearch test server (gzip 1 and
# off; bulk_max_size 1600 and 5000), spool write rate, bytes per document, shipper RSS; then
# the RSS of a real `shiwa ship-es` in steady state beside a `shiwa sync --monitor`.
#
#   bash ci/bench-es.sh [--docs N] [--seconds S] [--binary PATH]
#
# Defaults: 100 000 documents per run, 30 s of ship-es. The benchmark program
# (benches/es_ship.rs, release build) runs the test server in one process and the shipper
# in another, so the RSS is the shipper's own; each run uses its own indices and checks via
# _count that every document was stored exactly once. The load average is printed: other
# builds on the machine skew the numbers. Never touches the clock (--monitor,
# adjust_clock: false). Ports: an ephemeral one on 127.0.0.1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

docs=100000
seconds=30
binary=target/release/shiwa
while (($#)); do
    case $1 in
        --docs) docs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        *) echo "usage: $0 [--docs N] [--seconds S] [--binary PATH]" >&2; exit 2 ;;
    esac
done
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "bench-es.sh: $tool missing: run bash ci/setup.sh" >&2; exit 1; }
done
bench=$(cargo build --release --bench es_ship --message-format=json 2>/dev/null \
    | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "es_ship" and m.get("executable"):
        print(m["executable"])')
[[ -x $bench ]] || { echo "bench-es.sh: building benches/es_ship.rs failed (cargo build --release --bench es_ship)" >&2; exit 1; }
source ci/release_binary.sh
binary=$(release_binary "$binary") || exit 1

dir=$(mktemp -d /tmp/shiwa-bench-es.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

"$bench" serve --bind 127.0.0.1:0 --ready-file "$dir/url" > /dev/null 2> "$dir/server.log" &
pids+=($!)
for _ in $(seq 200); do [[ -s $dir/url ]] && break; sleep 0.05; done
url=$(cat "$dir/url")

echo "== es_ship ship --docs $docs against the test server at $url (separate process)"
printf '%-6s %-6s %9s %9s %11s %10s %9s %9s %8s %8s %9s\n' \
    gzip bulk docs/s seconds spool-wr/s raw-B/doc wire-B/doc requests rtt-s gap-s 'HWM-MB'
for run in "1 1600" "0 1600" "1 5000"; do
    read -r level bulk <<< "$run"
    mkdir -p "$dir/run-$level-$bulk"
    "$bench" ship --url "$url" --docs "$docs" --compression "$level" --bulk-max-size "$bulk" \
        --dir "$dir/run-$level-$bulk" > "$dir/ship.json"
    python3 - "$dir/ship.json" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(f'{r["compression_level"]:<6} {r["bulk_max_size"]:<6} {r["docs_per_s"]:>9.0f} {r["seconds"]:>9.2f} '
      f'{r["spool_writes_per_s"]:>11.0f} {r["raw_bytes_per_doc"]:>10.1f} {r["wire_bytes_per_doc"]:>9.1f} '
      f'{r["requests"]:>9} {r["in_flight_s"]:>8.2f} {r["between_requests_s"]:>8.2f} {r["vm_hwm_kb"] / 1024:>9.1f}')
assert r["stored"] == r["docs"] == r["acked"] and r["duplicates"] == 0, r
PY
    rm -rf "$dir/run-$level-$bulk"
done
echo "   (docs $docs per run, every one stored exactly once; load average: $(cut -d' ' -f1-3 /proc/loadavg))"

echo "== shiwa ship-es beside shiwa sync --monitor, snapshot_interval 1s, ${seconds}s"
printf 'timebeat:\n  clock_sync:\n    adjust_clock: false\n' > "$dir/sync.yml"
cp "$dir/sync.yml" "$dir/ship.yml"
printf 'output.elasticsearch:\n  hosts: ["%s"]\n  snapshot_interval: 1s\n' "$url" >> "$dir/ship.yml"
mkdir -m 700 "$dir/sync-state" "$dir/ship-state"
SHIWA_LOG=warn "$binary" sync --monitor --config "$dir/sync.yml" --socket "$dir/sync.sock" \
    --state-dir "$dir/sync-state" > "$dir/sync.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [[ -S $dir/sync.sock ]] && break; sleep 0.05; done
[[ -S $dir/sync.sock ]] || { echo "shiwa sync did not start:"; cat "$dir/sync.log"; exit 1; }
SHIWA_LOG=warn "$binary" ship-es --config "$dir/ship.yml" --socket "$dir/sync.sock" \
    --state-dir "$dir/ship-state" > "$dir/ship-es.log" 2>&1 &
ship_pid=$!
pids+=($ship_pid)
sleep "$seconds"
kill -0 "$ship_pid" 2>/dev/null || { echo "shiwa ship-es exited:"; cat "$dir/ship-es.log"; exit 1; }
rss=$(awk '/VmRSS/ {print $2 " " $3}' "/proc/$ship_pid/status")
hwm=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$ship_pid/status")
stored=$(curl -sf "${url}shiwatime_clock-*,shiwatime_source-*,timebeat-*/_count" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
echo "   ship-es VmRSS $rss, VmHWM $hwm after ${seconds}s; documents stored: $stored (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
((stored > 0)) || { echo "no documents reached the test server:"; cat "$dir/ship-es.log"; exit 1; }
