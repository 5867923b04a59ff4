#!/usr/bin/env bash
# Quick start, command 2 (and CI): installs what is missing, builds, and runs the whole test suite
# twice: a Release build, then an AddressSanitizer + UndefinedBehaviorSanitizer build. The test
# lab (Knot + Unbound on loopback) is started and stopped by CTest fixtures. Finally the wire
# decoder is fuzzed briefly with libFuzzer (clang) when clang is present.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

jobs=$(nproc)
echo "== Release build and tests" >&2
scripts/build.sh build
(cd build && ctest --output-on-failure -j"$jobs")

echo "== AddressSanitizer + UBSan build and tests" >&2
# -O1 with line tables only: sanitizers need no more, and full debug info doubles the compile time.
scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" -DDNSWITNESS_SANITIZE=ON
(cd build-asan && LSAN_OPTIONS=suppressions="$PWD/../tests/lsan.supp" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs")

if command -v clang++ >/dev/null 2>&1; then
  echo "== libFuzzer: 10 s over the fuzz targets" >&2
  scripts/fuzz.sh 10
fi
echo "== all tests passed" >&2
