#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds, and runs a snapshot of the default
# preset into the default ledger. Extra arguments go to `dnswitness resolve-snapshot`, e.g.
#   scripts/run.sh --resolver lab=127.0.0.1:5300
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh   # what building and running need; the test lab is not installed
scripts/build.sh build >&2
exec build/dnswitness resolve-snapshot "$@"
