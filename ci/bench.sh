#!/usr/bin/env bash
# Measures shiwa and prints a markdown block for docs/BENCHMARKS.md on stdout (progress and
# hyperfine's own output go to stderr).
#
#   ci/bench.sh [--clean-build] [--out FILE]
#
# Measured: wall time of `shiwa --help`, of `shiwa config check examples/timebeat-cloud.yml`
# and of `shiwa setup-pki` per key type (hyperfine --warmup 3; each is skipped with a note
# while its subcommand is not there yet), the stripped release binary's size, and with
# --clean-build the clean release build time in a fresh CARGO_TARGET_DIR (takes minutes; the
# crates must already be downloaded, so the network is not measured).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

clean_build=false
out_file=""
while (($# > 0)); do
    case $1 in
        --clean-build) clean_build=true ;;
        --out) out_file=${2:?--out needs a file}; shift ;;
        -h | --help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "ci/bench.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "ci/bench.sh: hyperfine is missing; run ci/setup.sh (it installs it)" >&2
    exit 1
fi

work=$(mktemp -d)
clean_target=""
trap 'rm -rf "$work" ${clean_target:+"$clean_target"}' EXIT
report="$work/report.md"
log() { echo "ci/bench.sh: $*" >&2; }
now_ms() { date +%s%3N; }
seconds() { printf '%d.%01d s' $(($1 / 1000)) $((($1 % 1000) / 100)); }

# bench NAME COMMAND [HYPERFINE OPTIONS]: hyperfine table for COMMAND under "### NAME", with
# the command shown as NAME rather than its temporary paths.
bench() {
    local name=$1 command=$2
    shift 2
    log "measuring: $command"
    hyperfine --warmup 3 --style basic --export-markdown "$work/one.md" \
        --command-name "$name" "$@" "$command" >&2
    { echo; echo "### $name"; echo; cat "$work/one.md"; } >>"$report"
}
note() { { echo; echo "### $1"; echo; echo "$2"; } >>"$report"; log "$1: $2"; }

log "building release"
cargo build --release --locked >&2
bin="${CARGO_TARGET_DIR:-target}/release/shiwa"
bin=$(realpath "$bin")
size=$(stat -c %s "$bin")

: >"$report"
bench 'shiwa --help' "$bin --help" --shell=none

example=examples/timebeat-cloud.yml
if ! "$bin" config check --help >/dev/null 2>&1; then
    note '`shiwa config check`' "not measured: \`shiwa config check\` does not exist in this build yet"
elif ! "$bin" config check "$example" >"$work/check.out" 2>&1; then
    note '`shiwa config check`' "not measured: \`shiwa config check $example\` fails: $(tail -n 3 "$work/check.out" | tr '\n' ' ')"
else
    bench "shiwa config check $example" "$bin config check $example" --shell=none
fi

# setup-pki: the option names are read from its --help, so this follows the real interface.
bench_setup_pki() {
    local help type_flag dir_flag types
    if ! help=$("$bin" setup-pki --help 2>/dev/null); then
        note '`shiwa setup-pki`' "not measured: \`shiwa setup-pki\` does not exist in this build yet"
        return
    fi
    type_flag=$(grep -oE -- '--(key-type|key-algorithm|algorithm)\b' <<<"$help" | head -n 1 || true)
    dir_flag=$(grep -oE -- '--(dir|out|output|pki-dir)\b' <<<"$help" | head -n 1 || true)
    types=$(grep -A3 -- "$type_flag" <<<"$help" | grep -oE 'possible values: [^]]+' | head -n 1 \
        | sed 's/possible values: //; s/,/ /g' || true)
    if [[ -z $type_flag || -z $dir_flag || -z $types ]]; then
        note '`shiwa setup-pki`' "not measured: could not find a key-type option with possible values and an output-directory option in \`shiwa setup-pki --help\`"
        return
    fi
    local type
    for type in $types; do
        local command="$bin setup-pki $dir_flag $work/pki $type_flag $type"
        rm -rf "$work/pki"
        if ! $command >"$work/pki.out" 2>&1; then
            note "\`shiwa setup-pki $type_flag $type\`" "not measured: it fails: $(tail -n 3 "$work/pki.out" | tr '\n' ' ')"
            continue
        fi
        bench "shiwa setup-pki $type_flag $type" "$command" \
            --prepare "rm -rf $work/pki"
    done
}
bench_setup_pki

if $clean_build; then
    clean_target=$(mktemp -d)
    log "clean release build in $clean_target (takes minutes)"
    start=$(now_ms)
    CARGO_TARGET_DIR=$clean_target cargo build --release --locked >&2
    clean_ms=$(($(now_ms) - start))
    clean_line="$(seconds "$clean_ms") (fresh CARGO_TARGET_DIR, \`cargo build --release --locked\`, crates already downloaded)"
else
    clean_line="not measured (run \`ci/bench.sh --clean-build\`)"
fi

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
{
    echo "## shiwa $("$bin" --version | sed 's/^shiwa //') — $(date -u +%F)"
    echo
    echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr); $(rustc --version)."
    echo "Measured with \`ci/bench.sh$($clean_build && echo ' --clean-build')\` at commit $commit."
    echo
    echo "| what | result |"
    echo "|:---|---:|"
    echo "| release binary size (stripped, thin LTO) | $size bytes ($(numfmt --to=iec-i --suffix=B "$size")) |"
    echo "| clean release build | $clean_line |"
    cat "$report"
} >"$work/final.md"

if [[ -n $out_file ]]; then
    cp "$work/final.md" "$out_file"
    log "wrote $out_file"
fi
cat "$work/final.md"
