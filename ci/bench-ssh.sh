#!/usr/bin/env bash
# Measures the SSH management shell and prints a markdown block for docs/BENCHMARKS.md on
# stdout (progress and hyperfine's own output go to stderr).
#
#   ci/bench-ssh.sh [--runs N] [--port PORT] [--bin PATH] [--out FILE]
#
# Starts a release `shiwa sync --monitor` (NTP server only, loopback) and a standalone
# `shiwa cli-ssh` on 127.0.0.1:PORT (default 46129; never the production 65129) and measures,
# with the OpenSSH client:
#   - the exec round trip `ssh -i KEY admin@127.0.0.1 status` with key auth (hyperfine, N runs,
#     default 50, after 5 warm-ups): median, p95, mean, min, max;
#   - the same with password auth through sshpass (argon2id verification on every login);
#   - RSS of the cli-ssh process idle, with 20 interactive sessions open at once, and after
#     they closed; RSS of sync.
# Needs ssh, ssh-keygen, sshpass, hyperfine and python3 (ci/setup.sh installs them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs=50
port=46129
bin=""
out_file=""
while (($# > 0)); do
    case $1 in
        --runs) runs=${2:?--runs needs a number}; shift ;;
        --port) port=${2:?--port needs a number}; shift ;;
        --bin) bin=${2:?--bin needs a path}; shift ;;
        --out) out_file=${2:?--out needs a file}; shift ;;
        -h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "ci/bench-ssh.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
if ((port == 65129)); then
    echo "ci/bench-ssh.sh: not on the production port 65129; pick another --port" >&2
    exit 2
fi
for tool in ssh ssh-keygen sshpass hyperfine python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "ci/bench-ssh.sh: $tool is missing; run ci/setup.sh" >&2
        exit 1
    fi
done

log() { echo "ci/bench-ssh.sh: $*" >&2; }
if [[ -z $bin ]]; then
    log "building release"
    cargo build --release --locked >&2
    bin="${CARGO_TARGET_DIR:-target}/release/shiwa"
fi
bin=$(realpath "$bin")

work=$(mktemp -d)
pids=()
stop_all() {
    local pid
    for pid in "${pids[@]}"; do
        # Only our own children: check the command line before signalling (PIDs get reused).
        if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$work"; then
            kill "$pid" 2>/dev/null || true
        fi
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap stop_all EXIT

password="bench-password-$$"
ssh-keygen -q -t ed25519 -N "" -C bench -f "$work/id"
hash=$(printf '%s\n' "$password" | "$bin" cli-ssh --hash-password)
ntp_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/shiwa.yml" <<EOF
timebeat:
  clock_sync:
    adjust_clock: false
    local_stratum: 3
    primary_clocks:
      - protocol: ntp
        server_only: true
        ip: 127.0.0.1:$ntp_port
  cli:
    username: admin
    password_hash: '$hash'
    authorised_keys: $work/id.pub
EOF
chmod 600 "$work/shiwa.yml"

"$bin" sync --monitor --config "$work/shiwa.yml" --socket "$work/shiwa.sock" >"$work/sync.log" 2>&1 &
sync_pid=$!
pids+=("$sync_pid")
"$bin" cli-ssh --config "$work/shiwa.yml" --socket "$work/shiwa.sock" \
    --bind "127.0.0.1:$port" --state-dir "$work/state" >"$work/cli-ssh.log" 2>&1 &
cli_pid=$!
pids+=("$cli_pid")
for _ in $(seq 100); do
    if [[ -S $work/shiwa.sock ]] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
done

ssh_opts="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p $port"
key_cmd="ssh $ssh_opts -o BatchMode=yes -o IdentitiesOnly=yes -i $work/id admin@127.0.0.1 status"
pass_cmd="sshpass -p $password ssh $ssh_opts -o PreferredAuthentications=password -o PubkeyAuthentication=no admin@127.0.0.1 status"
# `status` exits 3 (the monitor-only clock is not synchronised): check it once, then ignore it.
set +e
$key_cmd >"$work/status.txt"
rc=$?
set -e
if ((rc != 3)); then
    log "ssh status exited $rc (expected 3):"; cat "$work/status.txt" "$work/cli-ssh.log" >&2; exit 1
fi

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
rss_idle=$(rss_kib "$cli_pid")

log "exec round trip, key auth ($runs runs)"
hyperfine --warmup 5 --runs "$runs" --ignore-failure --style basic --shell=none \
    --export-json "$work/key.json" "$key_cmd" >&2
rss_key=$(rss_kib "$cli_pid")
log "exec round trip, password auth ($runs runs)"
hyperfine --warmup 5 --runs "$runs" --ignore-failure --style basic --shell=none \
    --export-json "$work/pass.json" "$pass_cmd" >&2

rss_pass=$(rss_kib "$cli_pid")
log "20 concurrent interactive sessions"
# The sessions read a FIFO this script holds open, so they stay idle until killed.
mkfifo "$work/hold"
exec 4<>"$work/hold"
session_pids=()
for i in $(seq 20); do
    ssh $ssh_opts -tt -o BatchMode=yes -o IdentitiesOnly=yes -i "$work/id" \
        admin@127.0.0.1 <"$work/hold" >"$work/session-$i.txt" 2>&1 &
    session_pids+=("$!")
done
for _ in $(seq 200); do
    ready=$( { grep -l 'shiwa> ' "$work"/session-*.txt 2>/dev/null || true; } | wc -l)
    ((ready == 20)) && break
    sleep 0.1
done
rss_20=$(rss_kib "$cli_pid")
sessions_ready=$ready
kill "${session_pids[@]}" 2>/dev/null || true
exec 4>&-
sleep 1
rss_after=$(rss_kib "$cli_pid")
rss_sync=$(rss_kib "$sync_pid")

report=$(python3 - "$work/key.json" "$work/pass.json" <<'EOF'
import json, statistics, sys
def row(name, path):
    times = sorted(t * 1000 for t in json.load(open(path))["results"][0]["times"])
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return (f"| {name} | {len(times)} | {statistics.median(times):.1f} | {p95:.1f} | "
            f"{statistics.mean(times):.1f} | {times[0]:.1f} | {times[-1]:.1f} |")
print("| `ssh ... status` | runs | median ms | p95 ms | mean ms | min ms | max ms |")
print("|---|---|---|---|---|---|---|")
print(row("key (ed25519)", sys.argv[1]))
print(row("password (sshpass, argon2id)", sys.argv[2]))
EOF
)

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
{
    echo "### SSH shell — \`ci/bench-ssh.sh --runs $runs\` (shiwa commit $commit, $(date -u +%F), $(nproc) cores)"
    echo
    echo "Exec round trip from a fresh OpenSSH client process (connect, key exchange, auth,"
    echo "\`status\` over the standalone cli-ssh → socket → sync, exit status back):"
    echo
    echo "$report"
    echo
    echo "| process | RSS |"
    echo "|---|---|"
    echo "| cli-ssh, idle | $((rss_idle / 1024)) MiB ($rss_idle KiB) |"
    echo "| cli-ssh, after $runs key logins | $((rss_key / 1024)) MiB ($rss_key KiB) |"
    echo "| cli-ssh, after $runs password logins | $((rss_pass / 1024)) MiB ($rss_pass KiB) |"
    echo "| cli-ssh, $sessions_ready interactive sessions open | $((rss_20 / 1024)) MiB ($rss_20 KiB) |"
    echo "| cli-ssh, after they closed | $((rss_after / 1024)) MiB ($rss_after KiB) |"
    echo "| sync (monitor, 1 NTP server) | $((rss_sync / 1024)) MiB ($rss_sync KiB) |"
} >"$work/report.md"
if [[ -n $out_file ]]; then cp "$work/report.md" "$out_file"; fi
cat "$work/report.md"
