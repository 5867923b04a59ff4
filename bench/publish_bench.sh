#!/bin/sh
# Publish benchmark (not a test). Prints: `dnswitness publish` of a 5,000,000-observation ledger from
# scratch (leaves per second, files and bytes written), then the incremental publish after one
# preset-sized run (22 observations), ten times (best, median, worst; process start included).
#
#   bench/publish_bench.sh [BUILD_DIR] [OBSERVATIONS]   (default build, 5000000; a Release build
#                                                         with the targets dnswitness and ledger_bench)
# Needs about 12 GB free in $TMPDIR (or /tmp): the ledger and its published copy. No network
# traffic: leaves are synthesized through the store API (bench/ledger_bench.cpp).
# Target (issue 17): the incremental publish under 50 ms.
set -eu
build=${1:-build}
count=${2:-5000000}
bin=$build/dnswitness
bench=$build/bench/ledger_bench
[ -x "$bin" ] && [ -x "$bench" ] || { echo "build $build first (targets dnswitness and ledger_bench)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/dnswitness-publish-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
ledger=$work/ledger
pub=$work/pub

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
echo "machine: $(nproc) cores, $(uname -r); commit $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo ?)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== append $count observations (runs of 1,000)"
$bench append "$ledger" "$count" 1000 | tail -1
leaves=$(sqlite3 "$ledger/ledger.sqlite" 'SELECT max(size) FROM checkpoints')
sync

echo "== publish $leaves leaves from scratch"
t0=$(now); "$bin" publish -q --ledger "$ledger" --to "$pub"; t1=$(now)
s=$(elapsed "$t0" "$t1")
files=$(find "$pub" -type f | wc -l)
bytes=$(du -sb "$pub" | cut -f1)
echo "  $s s = $(echo "$leaves / $s" | bc) leaves/s; $files files, $bytes bytes"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== incremental publish after one run of 22 observations (10 times; process start included)"
times=""
for i in 1 2 3 4 5 6 7 8 9 10; do
  $bench append "$ledger" 22 22 >/dev/null
  t0=$(now); "$bin" publish -q --ledger "$ledger" --to "$pub"; t1=$(now)
  times="$times $(elapsed "$t0" "$t1")"
done
sorted=$(echo "$times" | tr ' ' '\n' | grep . | sort -n)
best=$(echo "$sorted" | head -1); worst=$(echo "$sorted" | tail -1); median=$(echo "$sorted" | sed -n 5p)
echo "  best $best s, median $median s, worst $worst s (target < 0.050 s)"
times=""
for i in 1 2 3 4 5 6 7 8 9 10; do
  t0=$(now); "$bin" --version >/dev/null; t1=$(now)
  times="$times $(elapsed "$t0" "$t1")"
done
sorted=$(echo "$times" | tr ' ' '\n' | grep . | sort -n)
echo "  for comparison, starting the process alone ('dnswitness --version'): best $(echo "$sorted" | head -1) s," \
  "median $(echo "$sorted" | sed -n 5p) s"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
