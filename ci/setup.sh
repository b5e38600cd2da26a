#!/usr/bin/env bash
# Installs the system packages the test suite needs, only when they are missing.
#
# Idempotent: when everything is present it changes nothing, runs no `apt-get update`, and
# says so. Runs as root (CI is root) or through sudo. Debian/Ubuntu only (apt).
#
# To require a new package, add one line to PACKAGES below: the Debian package name, and the
# command whose presence on PATH means it is installed ("-" when there is no such command;
# then only dpkg's record counts).
set -euo pipefail

PACKAGES=(
    # package      command that proves it is there
    "openssl       openssl"          # real-peer PKI tests (setup-pki vs the openssl recipe)
    "systemd       systemd-analyze"  # unit files checked with systemd-analyze verify
    "hyperfine     hyperfine"        # ci/bench.sh
    "git           git"              # build.rs commit id, --version test
    "nftables      nft"              # systemd-install --firewall nftables, run in a namespace
    "util-linux    setpriv"          # tests drop root (setpriv --reuid) to see real EACCES
    "iproute2      ip"               # real-peer tests run in network namespaces over veth
    "chrony        chronyd"          # real NTP peer: server, client (-Q) and falseticker
    "ntpsec-ntpdate ntpdig"          # reference NTP client against shiwa's server
    "sntp          sntp"             # second reference NTP client
    "faketime      faketime"         # a chronyd serving a shifted time (falseticker)
    "linuxptp      ptp4l"            # real PTP peer
    "curl          curl"             # HTTP API tests (plain, TLS --cacert, auth)
    "prometheus    promtool"         # promtool check metrics / check rules / test rules
    "wrk           wrk"              # ci/bench-api.sh
    "openssh-client ssh"             # real SSH client against the shell (ssh, ssh-keygen, ssh-keyscan)
    "sshpass       sshpass"          # password logins to the shell
    "postgresql    -"                # hub store conformance + hub tests on a throwaway cluster
    "chromium      chromium"         # hub dashboard in headless Chromium (DevTools over a pipe)
)

installed() {
    local package=$1 command=$2
    if [[ $command != "-" ]] && command -v "$command" >/dev/null 2>&1; then
        return 0
    fi
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for entry in "${PACKAGES[@]}"; do
    read -r package command _ <<<"$entry"
    installed "$package" "$command" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "ci/setup.sh: all required packages present (${#PACKAGES[@]} checked)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ci/setup.sh: missing packages: ${missing[*]}; no apt-get here, install them by hand" >&2
    exit 1
fi
sudo=()
if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "ci/setup.sh: missing packages: ${missing[*]}; run as root or install sudo" >&2
        exit 1
    fi
    sudo=(sudo)
fi

echo "ci/setup.sh: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends "${missing[@]}"
for package in "${missing[@]}"; do
    for entry in "${PACKAGES[@]}"; do
        read -r name command _ <<<"$entry"
        if [[ $name == "$package" ]] && ! installed "$name" "$command"; then
            echo "ci/setup.sh: $name still missing after apt-get install" >&2
            exit 1
        fi
    done
done
echo "ci/setup.sh: installed: ${missing[*]}"
