#!/usr/bin/env bash
# A baseline for ci/bench-api.sh: nginx (2 workers, access log off) serving a static file of
# the size of /api/v1/status, measured with the same `wrk -t2 -c64 -d30s --latency`. It shows
# what p99 this machine allows any HTTP server under that load. Needs nginx and wrk; runs
# without root on 127.0.0.1:18190.
#
#   bash ci/bench-nginx-baseline.sh [--seconds N] [--runs N]
set -euo pipefail
seconds=30
runs=2
while (($#)); do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: $0 [--seconds N] [--runs N]" >&2; exit 2 ;;
    esac
done
for tool in nginx wrk; do
    command -v "$tool" >/dev/null || { echo "bench-nginx-baseline.sh: $tool missing (apt-get install nginx-light wrk)" >&2; exit 1; }
done
dir=$(mktemp -d /tmp/shiwa-nginx.XXXXXX)
mkdir -p "$dir/www" "$dir/logs"
head -c 6200 /dev/urandom | base64 -w 100 >"$dir/www/status.json"
cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:18190; root $dir/www; }
}
CONF
nginx -c "$dir/nginx.conf" -p "$dir"
trap 'nginx -c "$dir/nginx.conf" -p "$dir" -s stop 2>/dev/null; rm -rf "$dir"' EXIT
sleep 0.5
echo "nginx $(nginx -v 2>&1 | sed 's/.*\///'), static $(wc -c <"$dir/www/status.json") bytes, wrk -t2 -c64 -d${seconds}s, $(nproc) cores"
for _ in $(seq "$runs"); do
    wrk -t2 -c64 -d"${seconds}s" --latency http://127.0.0.1:18190/status.json |
        awk '/^Requests\/sec:/ {rps = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2}
             END {printf "%10s req/s  p50 %8s  p99 %8s\n", rps, p50, p99}'
done
