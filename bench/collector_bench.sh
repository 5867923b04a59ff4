#!/bin/sh
# Fleet collector benchmark (not a test). Three probe ledgers of synthesized observations (hourly
# runs of 1,000, as ledger_bench makes them, each its own log and key) are pushed to `collector
# serve` on a throwaway PostgreSQL 15 (scripts/pg-lab.sh: a Unix socket, fsync off as on a test
# machine; a production server syncs). Prints:
#   - sustained ingest: observations per second of `dnswitness push` for each probe, end to end (the
#     probe reading its ledger, HTTP, the collector's checks, one transaction per run, its tiles);
#   - storage: bytes per observation in PostgreSQL (entries, index rows, checkpoints), and of tiles;
#   - a fleet report for 20 login times over the 3 probes (report --collector): cold cache (the
#     collector reading its files from disk), cold again (the collector's files in memory), warm.
#
#   bench/collector_bench.sh [BUILD_DIR] [OBSERVATIONS_PER_PROBE]   (default build, 2000000; Release,
#                                                                    targets dnswitness, ledger_bench)
# Needs about 6 GB per 1,000,000 observations per probe in $TMPDIR (or /tmp). Network traffic:
# loopback only (the collector on 127.0.0.1). Targets (issue 20): ingest at least 5,000
# observations/s; the fleet report under 5 s.
set -eu
build=${1:-build}
count=${2:-2000000}
bin=$(realpath "$build/dnswitness")
bench=$build/bench/ledger_bench
[ -x "$bin" ] && [ -x "$bench" ] || { echo "build $build first (targets dnswitness and ledger_bench)" >&2; exit 1; }
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dnswitness-collector-bench.XXXXXX")
chmod 755 "$work"
cpid=""
trap '[ -n "$cpid" ] && kill $cpid 2>/dev/null; "$here/scripts/pg-lab.sh" stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export DNSWITNESS_NTP=none DNSWITNESS_SYSTEM_CONFIG=/nonexistent XDG_CACHE_HOME=$work/cache HOME=$work

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
echo "machine: $(nproc) cores, $(uname -r); commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo ?)"

echo "== synthesize 3 probes x $count observations (hourly runs of 1,000)"
for p in 1 2 3; do
  $bench append "$work/probe$p" "$count" 1000 "probe$p.bench.example/log" | tail -1
done

db=$("$here/scripts/pg-lab.sh" start "$work/pg")
db="$db"
"$bin" collector init --db "$db" --name collector.bench.example/fleet --key-file "$work/collector.key" >/dev/null
for p in 1 2 3; do
  key=$("$bin" keygen --show --ledger "$work/probe$p" | sed -n 's/^verifier key: *//p')
  "$bin" collector add-probe "probe$p" --db "$db" --key "$key" --description "bench probe $p" >/dev/null
done
"$bin" collector serve --db "$db" --key-file "$work/collector.key" --listen 127.0.0.1:0 --tiles "$work/tiles" -q \
  2>"$work/collector.log" &
cpid=$!
i=0
until grep -q 'listening on' "$work/collector.log"; do i=$((i + 1)); [ $i -lt 300 ] || exit 1; sleep 0.1; done
url=http://$(sed -n 's/.*listening on \([0-9.:]*\) .*/\1/p' "$work/collector.log")

sync
for p in 1 2 3; do
  echo "== push probe$p ($count observations in $((count / 1000)) runs) to the collector"
  echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
  t0=$(now)
  "$bin" push -q --ledger "$work/probe$p" "$url"
  t1=$(now)
  s=$(elapsed "$t0" "$t1")
  echo "  $s s = $(echo "$count / $s" | bc) observations/s (target: at least 5,000)"
done

echo "== storage"
psql_q() { psql -X -A -t -h "$work/pg" -U postgres -d postgres -c "$1"; }
obs=$(psql_q "SELECT count(*) FROM observations")
for rel in entries observations checkpoints probe_trees; do
  b=$(psql_q "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c LEFT JOIN pg_inherits i
              ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
              WHERE c.relkind = 'r' AND (c.relname = '$rel' OR p.relname = '$rel')")
  echo "  $rel: $b bytes = $((b / obs)) bytes/observation"
done
all=$(psql_q "SELECT sum(pg_total_relation_size(oid)) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
echo "  all tables with indexes and TOAST: $all bytes for $obs observations = $((all / obs)) bytes/observation"
echo "  tiles: $(du -sb "$work/tiles" | cut -f1) bytes"

# 20 login times spread evenly over the logs, each 25 min 17 s after a whole hour.
first=$(psql_q "SELECT (extract(epoch FROM min(time)))::bigint FROM observations")
last=$(psql_q "SELECT (extract(epoch FROM max(time)))::bigint FROM observations")
ats=""
i=0
while [ $i -lt 20 ]; do
  t=$(( (first + (last - first) / 21 * (i + 1)) / 3600 * 3600 + 1517 ))
  ats="$ats --at $(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)"
  i=$((i + 1))
done
ckey=$("$bin" collector probes --db "$db" | sed -n 's/^ *cosignature key *//p')
# The ingest leaves PostgreSQL's autovacuum and the kernel's writeback of about 20 GB busy for
# minutes; the reports are measured on a quiet machine, as a collector that took its pushes over
# days would be: vacuum and analyze now, flush, then wait (up to 3 minutes) for the load to settle.
psql_q "VACUUM ANALYZE" >/dev/null
sync
i=0
while [ "$(awk '{print ($1 < 0.3)}' /proc/loadavg)" = 0 ] && [ $i -lt 180 ]; do sleep 1; i=$((i + 1)); done
# cold: the report's tile cache empty, and the collector's files wherever the ingest and the vacuum
# left them (mostly on disk: the page cache cannot hold the 20 GB just written); cold again: the
# report's cache emptied again, the collector's files now in the page cache; warm: the report's
# cache full.
for pass in cold cold-again warm; do
  [ "$pass" = cold-again ] && mv "$work/cache" "$work/cache-of-the-first-pass"
  echo "== report --collector, 3 probes, 20 login times, $pass cache"
  echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  t0=$(now)
  # shellcheck disable=SC2086
  "$bin" report --collector "$url" --collector-key "$ckey" $ats --format json --out "$work/fleet" --force \
    2>/dev/null | grep -E 'read from|observation leaves' || true
  t1=$(now)
  echo "  $(elapsed "$t0" "$t1") s (target: under 5 s)"
done
"$bin" verify -q "$work/fleet/report.json" >/dev/null && echo "  the fleet report verifies"
