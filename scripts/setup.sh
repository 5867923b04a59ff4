#!/usr/bin/env bash
# Installs the Debian 12 packages dnswitness needs.
#
#   scripts/setup.sh          what building and running need (a machine that only records)
#   scripts/setup.sh --dev    that plus the test lab (Knot, Unbound, dnsdist, chrony), fuzzing and
#                             benchmark tools: what scripts/test.sh and bench/ call
#   scripts/setup.sh --profile  --dev plus the profilers (perf, valgrind; bench/README.md): not for
#                             CI, whose 25 minutes they would only lengthen
#
# Idempotent: packages already present are skipped, and apt is not touched when none is missing.
# The lab runs its own Knot/Unbound instances, so the distribution's services are kept from
# starting during installation (policy-rc.d exit 101) and stopped if they were running.
set -euo pipefail

dev=0
profile=0
case ${1:-} in
  --dev) dev=1 ;;
  --profile) dev=1 profile=1 ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--dev|--profile]" >&2; exit 2 ;;
esac

# Building and running: compiler and CMake, the libraries, the fonts the Japanese PDF is set in,
# help2man for the man page the build writes.
packages=(
  build-essential cmake pkg-config git ca-certificates
  libc-ares-dev libldns-dev libmimalloc-dev libcurl4-openssl-dev libboost-dev nlohmann-json3-dev
  libssl-dev openssl libsqlite3-dev libcli11-dev libfmt-dev
  libcairo2-dev libpango1.0-dev fonts-noto-cjk help2man
  libpcap-dev libfstrm-dev libprotobuf-c-dev protobuf-c-compiler   # export --format pcap / dnstap
  libzip-dev libxml2-dev                                           # X's disclosure as a Word .docx
  libpq-dev                                                        # the fleet's collector (PostgreSQL client)
)
if ((dev)); then
  packages+=(
    doctest-dev                                       # the unit and integration tests
    knot knot-dnsutils unbound dnsdist chrony bind9-dnsutils knot-module-geoip   # the lab: DNS, DoH, NTP
    clang libclang-rt-14-dev                          # libFuzzer
    dnsperf iproute2 procps bc time                   # bench scripts; GNU time measures peak memory in tests
    faketime jq xxd sqlite3 util-linux bsdutils       # simulated clocks, the openssl recipes, ledger checks
    poppler-utils qpdf                                # the PDF report's checks
    libreoffice-writer-nogui                          # opens the evidence description's .docx in a test
    postgresql-15                                     # the collector's tests start their own server (initdb, pg_ctl)
    tshark                                            # export --format pcap is read back by tshark
    cron                                              # schedule tests (crontab)
    nginx-light curl                                  # serving and mirroring tiled logs (tests/support/nginx.h; headers)
    dpkg-dev file                                     # the Debian package: cpack -G DEB and its checks
  )
fi
if ((profile)); then
  packages+=(linux-perf valgrind)                     # profiling (bench/README.md)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: these packages are missing and installing them needs root: ${missing[*]}" >&2
  echo "setup: run 'sudo scripts/setup.sh' once, then try again." >&2
  exit 1
fi

echo "setup: installing ${#missing[@]} missing package(s): ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if ((created_policy)); then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# The distribution's own resolver services would only compete with the lab for nothing.
for svc in knot unbound dnsdist; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
    systemctl disable "$svc" >/dev/null 2>&1 || true
  fi
done
echo "setup: done" >&2
