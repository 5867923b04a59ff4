#!/usr/bin/env bash
# Fuzzes the DNS wire reader and response decoder (fuzz_wire), and the hand-written query bytes
# with the EDNS Client Subnet reader (fuzz_client_subnet), with libFuzzer (clang -fsanitize=fuzzer).
# Usage: scripts/fuzz.sh [SECONDS]   Each target runs SECONDS/2 (at least 1 s). New interesting
# inputs land in build-fuzz/corpus-TARGET; copy the ones worth keeping into
# tests/fuzz/corpus/TARGET so they replay as a test.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
per_target=$((seconds / 2 > 0 ? seconds / 2 : 1))
out=build-fuzz
mkdir -p "$out"
common=(resolvers/wire.cpp src/model/target.cpp src/model/observation.cpp src/model/address.cpp)

run_target() {
  local name=$1
  shift
  mkdir -p "$out/corpus-$name"
  cp -n tests/fuzz/corpus/"$name"/* "$out/corpus-$name/" 2>/dev/null || true
  clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -I. \
    "tests/fuzz/$name.cpp" "${common[@]}" "$@" \
    $(pkg-config --cflags --libs ldns fmt) -o "$out/$name"
  "$out/$name" -max_total_time="$per_target" -max_len=4096 "$out/corpus-$name" 2>"$out/$name.log" || {
    tail -40 "$out/$name.log" >&2
    exit 1
  }
  echo "$name: $(tail -1 "$out/$name.log")" >&2
}

run_target fuzz_wire
run_target fuzz_client_subnet resolvers/client_subnet.cpp resolvers/query_builder.cpp
