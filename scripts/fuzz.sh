#!/usr/bin/env bash
# Fuzzes the DNS wire reader and response decoder with libFuzzer (clang -fsanitize=fuzzer).
# Usage: scripts/fuzz.sh [SECONDS]   New interesting inputs land in build-fuzz/corpus; copy the
# ones worth keeping into tests/fuzz/corpus/fuzz_wire so they replay as a test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=build-fuzz
mkdir -p "$out/corpus"
cp -n tests/fuzz/corpus/fuzz_wire/* "$out/corpus/" 2>/dev/null || true
clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -I. \
  tests/fuzz/fuzz_wire.cpp resolvers/wire.cpp src/model/target.cpp src/model/observation.cpp src/model/address.cpp \
  $(pkg-config --cflags --libs ldns) -o "$out/fuzz_wire"
"$out/fuzz_wire" -max_total_time="$seconds" -max_len=4096 "$out/corpus" 2>"$out/fuzz.log" || {
  tail -40 "$out/fuzz.log" >&2
  exit 1
}
tail -1 "$out/fuzz.log" >&2
