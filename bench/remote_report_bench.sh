#!/bin/sh
# Remote report benchmark (not a test): `dnswitness report --log URL` for 20 login times drawn over
# loopback nginx (scripts/serve-log.sh, the documented server block) from a published
# 5,000,000-observation log: once with an empty tile cache (cold), once again (warm). Prints wall
# times (process start included), requests, bytes fetched and cache hits, the same report drawn from
# the ledger for comparison, and whether the two bundles agree.
#
#   bench/remote_report_bench.sh [BUILD_DIR] [OBSERVATIONS]   (default build, 5000000; Release, with
#                                                              the targets dnswitness and ledger_bench)
# Needs about 12 GB free in $TMPDIR (or /tmp) and a few minutes to synthesize and publish the log.
# Network traffic: loopback only (nginx on 127.0.0.1:18090).
# Targets (issue 17): under 5 s cold, under 2 s warm.
set -eu
build=${1:-build}
count=${2:-5000000}
bin=$(realpath "$build/dnswitness")
bench=$build/bench/ledger_bench
port=18090
[ -x "$bin" ] && [ -x "$bench" ] || { echo "build $build first (targets dnswitness and ledger_bench)" >&2; exit 1; }
here=$(dirname "$0")
work=$(mktemp -d "${TMPDIR:-/tmp}/dnswitness-remote-report-bench.XXXXXX")
trap '"$here/../scripts/serve-log.sh" stop $port >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
ledger=$work/ledger
pub=$work/pub
export DNSWITNESS_NTP=none DNSWITNESS_SYSTEM_CONFIG=/nonexistent XDG_CACHE_HOME=$work/cache

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
echo "machine: $(nproc) cores, $(uname -r); commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo ?)"

echo "== synthesize $count observations (hourly runs of 1,000) and publish them"
$bench append "$ledger" "$count" 1000 | tail -1
"$bin" publish -q --ledger "$ledger" --to "$pub"
db=$ledger/ledger.sqlite
first=$(sqlite3 "$db" 'SELECT min(time_ns) FROM observation_index')
last=$(sqlite3 "$db" 'SELECT max(time_ns) FROM observation_index')
echo "  $(sqlite3 "$db" 'SELECT max(size) FROM checkpoints') leaves, $(du -sb "$pub" | cut -f1) bytes published"
"$here/../scripts/serve-log.sh" start "$pub" $port >/dev/null
key=$("$bin" keygen --show --ledger "$ledger" | sed -n 's/^verifier key: *//p')

# 20 login times spread evenly over the log, each 25 min 17 s after a whole hour (as report_bench.sh).
ats=""
i=0
while [ $i -lt 20 ]; do
  t=$(( (first + (last - first) / 21 * (i + 1)) / 1000000000 / 3600 * 3600 + 1517 ))
  ats="$ats --at $(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)"
  i=$((i + 1))
done

sync
echo "  load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
for pass in cold warm; do
  echo "== report --log http://127.0.0.1:$port, 20 login times, $pass cache"
  t0=$(now)
  # shellcheck disable=SC2086
  "$bin" report --log "http://127.0.0.1:$port" --log-key "$key" $ats --format json --out "$work/remote" --force \
    2>/dev/null | grep -E 'read from|observation leaves'
  t1=$(now)
  echo "  $(elapsed "$t0" "$t1") s (target: under $([ $pass = cold ] && echo 5 || echo 2) s)"
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "== the same report from the ledger"
t0=$(now)
# shellcheck disable=SC2086
"$bin" report --ledger "$ledger" $ats --format json --out "$work/local" 2>/dev/null | grep -E 'observation leaves'
t1=$(now)
echo "  $(elapsed "$t0" "$t1") s"
strip() { grep -v -E '^ "(created_at|manifest_signature)": ' "$1"; }
if strip "$work/remote/report.json" | cmp -s - "$(strip "$work/local/report.json" > "$work/l.txt"; echo "$work/l.txt")"; then
  echo "  the two bundles agree (all but created_at and manifest_signature)"
else
  echo "  THE TWO BUNDLES DIFFER"
fi
