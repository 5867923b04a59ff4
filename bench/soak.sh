#!/usr/bin/env bash
# Soak benchmark (not a test): `dnswitness watch` for RUNS runs at the shortest interval against
# the test lab (Knot + Unbound on loopback, the X preset, A and AAAA: 44 observations a run), a
# fresh ledger. Prints the watch's peak RSS (VmHWM) after run 100 and after the last run (target:
# within 5 %), runs per second, and the ledger's size; then checks the ledger with verify-ledger.
#
#   bench/soak.sh [BUILD_DIR] [RUNS] [INTERVAL]     (defaults: build, 2000, 100ms)
#
# INTERVAL 100ms is the shortest watch accepts (meant for tests and this benchmark); with 1s the
# default 2,000 runs take 33 minutes. No traffic leaves 127.0.0.1. Needs the lab's tools
# (scripts/setup.sh) and about 200 MB in $TMPDIR.
set -euo pipefail

build=${1:-build}
runs=${2:-2000}
interval=${3:-100ms}
bin=$(realpath "$build/dnswitness")
[[ -x $bin ]] || { echo "soak: build $build first (target dnswitness, Release)" >&2; exit 1; }
[[ $runs =~ ^[0-9]+$ ]] && ((runs >= 100)) || { echo "soak: RUNS must be a whole number of at least 100" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd -P)

work=$(mktemp -d "${TMPDIR:-/tmp}/dnswitness-soak.XXXXXX")
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  "$here/tests/lab/lab.sh" stop "$work/lab" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/tests/lab/lab.sh" start "$work/lab" >/dev/null 2>&1
# shellcheck disable=SC1091
. "$work/lab/lab.env"
log=$work/watch.log

hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
recorded() { grep -c ' recorded: ' "$log" 2>/dev/null || true; }

start_s=$(date +%s.%N)
"$bin" watch --interval "$interval" --jitter 0 --ledger "$work/ledger" --log "$log" --quiet \
  --resolver "knot=127.0.0.1:$KNOT_PORT" --resolver "unbound=127.0.0.1:$UNBOUND_PORT" &
pid=$!
rss100=
while :; do
  kill -0 "$pid" 2>/dev/null || { echo "soak: watch stopped early:" >&2; tail -5 "$log" >&2; exit 1; }
  n=$(recorded)
  if [[ -z $rss100 ]] && ((n >= 100)); then rss100=$(hwm_kb "$pid"); n100=$n; fi
  ((n >= runs)) && break
  sleep 0.05
done
rss_end=$(hwm_kb "$pid")
n_end=$(recorded)
end_s=$(date +%s.%N)
kill -TERM "$pid"
wait "$pid" || { echo "soak: watch exited with status $?" >&2; exit 1; }
pid=

first=$(grep -m1 ' recorded: ' "$log" | cut -c1-20)
elapsed=$(echo "$end_s - $start_s" | bc)
echo "soak: $runs runs every $interval against the lab (44 observations each), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  peak RSS after run $n100:  $rss100 KiB"
echo "  peak RSS after run $n_end: $rss_end KiB  ($(echo "scale=2; ($rss_end - $rss100) * 100 / $rss100" | bc) % more)"
echo "  runs per second:        $(echo "scale=2; $n_end / $elapsed" | bc)  ($n_end runs in ${elapsed%.*} s from start, first run $first)"
echo "  run time (from the log): median $(grep -o ', [0-9.]* s$' "$log" | tr -dc '0-9.\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}') s, max $(grep -o ', [0-9.]* s$' "$log" | tr -dc '0-9.\n' | sort -n | tail -1) s"
echo "  delayed runs recorded:  $(grep -c 'delayed run' "$log" || true)"
echo "  ledger:                 $(du -sh "$work/ledger" | cut -f1), $(sqlite3 "$work/ledger/ledger.sqlite" 'SELECT max(size) FROM checkpoints') leaves"
"$bin" verify-ledger -q --ledger "$work/ledger" && echo "  verify-ledger:          ok"
