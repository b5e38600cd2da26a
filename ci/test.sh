#!/usr/bin/env bash
# THE test command (the README points here; .ci/run calls it):
#   setup (apt packages) -> cargo fmt --check -> cargo clippy -D warnings -> cargo test
#
# Stops at the first failing stage and names it. Prints each stage's duration. CI sets
# CI=true, which makes tests whose prerequisites (root, openssl, systemd-analyze, ...) are
# missing fail instead of skipping; this script leaves it as it is. Ends with cargo test's own
# summary lines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

stage=""
timings=()
trap 'status=$?; if ((status != 0)); then echo "ci/test.sh: FAILED in stage: ${stage} (exit ${status})" >&2; fi' EXIT

now_ms() { date +%s%3N; }

# run_stage NAME COMMAND...: runs the command, records and prints how long it took.
run_stage() {
    stage=$1
    shift
    echo "==> ${stage}: $*"
    local start end
    start=$(now_ms)
    "$@"
    end=$(now_ms)
    local took
    took=$(printf '%d.%03d' $(((end - start) / 1000)) $(((end - start) % 1000)))
    timings+=("${stage} ${took}s")
    echo "==> ${stage}: ok in ${took}s"
}

total_start=$(now_ms)
echo "ci/test.sh: $(git rev-parse --short=12 HEAD 2>/dev/null || echo 'no git') CI=${CI:-unset} $(cargo --version)"
run_stage setup bash ci/setup.sh
run_stage fmt cargo fmt --check
run_stage clippy cargo clippy --locked --all-targets -- -D warnings
# Build the tests first so the timing line can be printed before cargo test's summary.
run_stage build-tests cargo test --locked --no-run
total_ms=$(($(now_ms) - total_start))
echo "ci/test.sh: ${timings[*]}; cargo test follows (total so far $((total_ms / 1000))s)"
# Two passes: everything but the real-peer tests, then the real-peer tests on their own. The
# peer tests measure offsets of a few microseconds between processes on this machine; CPU-heavy
# tests running beside them (RSA-4096 keys, argon2 hashes) delay the peers' packets and move
# those figures by microseconds. The peer tests also run one at a time: two labs at once (a
# ptp4l bridge beside an ntpdig client, say) slow the user-space peers by tens of microseconds
# (ntpdig read -64 µs from shiwa with a PTP lab beside it, under 10 µs alone).
stage=test
start=$(now_ms)
log=$(mktemp)
cargo test --locked -- --skip peers:: 2>&1 | tee "$log"
stage=test-peers
cargo test --locked --test main peers:: -- --test-threads=1 2>&1 | tee -a "$log"
passed=$(awk '/^test result:/ {for (i = 1; i <= NF; i++) if ($i == "passed;") s += $(i - 1)} END {print s + 0}' "$log")
failed=$(awk '/^test result:/ {for (i = 1; i <= NF; i++) if ($i == "failed;") s += $(i - 1)} END {print s + 0}' "$log")
rm -f "$log"
echo "ci/test.sh: ok: test $((($(now_ms) - start) / 1000))s, total $((($(now_ms) - total_start) / 1000))s"
echo "tests: ${passed} passed, ${failed} failed"
