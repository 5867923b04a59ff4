#!/usr/bin/env bash
# Configures and builds dnswitness. Usage: scripts/build.sh [BUILD_DIR] [extra cmake -D options...]
# Default BUILD_DIR is build/ (Release), so the binary is build/dnswitness.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
