#!/bin/sh
# Times `shiwa setup-pki` from scratch for each key type with a release build. One run writes
# a CA, a client and one server certificate: three key generations, three signatures, six
# atomic writes (each fsynced). Uses hyperfine when installed, else a timed loop.
# About 50 ms of every run is AWS-LC seeding its DRBG from CPU jitter on first use (once per
# process); an ECDSA or Ed25519 key costs well under a millisecond, an RSA-4096 key about
# 0.4-1 s (random prime search: expect wide spread).
#
#   ci/bench-pki.sh [RUNS]        (default 20; RSA-4096 uses a quarter of that, at least 5)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-20}
rsa_runs=$(( runs / 4 > 5 ? runs / 4 : 5 ))
cargo build --release --quiet
bin=$PWD/target/release/shiwa
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
setup() { echo "$bin setup-pki --dir $work/$1 --key-type $1 --server-cn ntp1.example.com --san 192.0.2.10"; }

if command -v hyperfine >/dev/null 2>&1; then
    for type in ecdsa-p256 ed25519 rsa-4096; do
        n=$runs; [ "$type" = rsa-4096 ] && n=$rsa_runs
        hyperfine -N --warmup 1 --runs "$n" --prepare "rm -rf $work/$type" \
            -n "$type" "$(setup "$type")"
    done
else
    for type in ecdsa-p256 ed25519 rsa-4096; do
        n=$runs; [ "$type" = rsa-4096 ] && n=$rsa_runs
        total=0; i=0
        while [ $i -lt "$n" ]; do
            rm -rf "${work:?}/$type"
            start=$(date +%s%N); $(setup "$type") >/dev/null; end=$(date +%s%N)
            total=$(( total + end - start )); i=$(( i + 1 ))
        done
        echo "$type: $(( total / n / 1000000 )) ms mean over $n runs"
    done
fi
