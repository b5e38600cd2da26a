# Sourced by the benchmark scripts (from the repository root).
#
#   binary=$(release_binary "$binary") || exit 1
#
# The default binary (target/release/shiwa) is rebuilt when stale — a no-op when it is not:
# numbers from an old build would be credited to the checkout. A binary given with --binary
# is used as it is. Prints the binary's absolute path.
release_binary() {
    local binary=$1
    if [[ $binary == target/release/shiwa ]]; then
        cargo build --release --locked >&2 || return 1
    fi
    [[ -x $binary ]] || { echo "$0: $binary is not an executable" >&2; return 1; }
    realpath "$binary"
}
