#!/bin/sh
# Ledger benchmark (not a test). Prints: observations appended per second (1,000,000 observations),
# verify-ledger leaves per second on that ledger, history time for one domain on a 5,000,000-
# observation ledger, and the ledger's bytes per observation.
#
#   bench/ledger_bench.sh [BUILD_DIR]       (default build-release; configure it with
#                                            -DCMAKE_BUILD_TYPE=Release -DDNSWITNESS_SANITIZE=OFF)
# Needs about 6 GB free in $TMPDIR (or /tmp). No network traffic: leaves are synthesized through the
# store API, exactly as resolve-snapshot appends them.
set -eu
build=${1:-build-release}
bin=$build/dnswitness
bench=$build/bench/ledger_bench
[ -x "$bin" ] && [ -x "$bench" ] || { echo "build $build first (targets dnswitness and ledger_bench)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/dnswitness-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
ledger=$work/ledger

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

echo "== append 1,000,000 observations (runs of 1,000)"
$bench append "$ledger" 1000000 1000
db=$ledger/ledger.sqlite
bytes=$(stat -c %s "$db")
leaves=$(sqlite3 "$db" 'SELECT max(size) FROM checkpoints')
echo "  ledger file: $bytes bytes for 1000000 observations = $((bytes / 1000000)) bytes/observation"
sqlite3 "$db" "SELECT '  ' || name || ': ' || sum(pgsize) || ' bytes' FROM dbstat GROUP BY name ORDER BY 2 DESC" 2>/dev/null || true

echo "== verify-ledger on $leaves leaves"
sync
t0=$(now); "$bin" verify-ledger -q --ledger "$ledger"; t1=$(now)
s=$(elapsed "$t0" "$t1")
echo "  $s s = $(echo "$leaves / $s" | bc) leaves/s"

echo "== append 4,000,000 more observations (5,000,000 in all)"
$bench append "$ledger" 4000000 1000 | tail -1

echo "== history twitter.com on 5,000,000 observations (best and worst of 5, process start included)"
best=999; worst=0
for i in 1 2 3 4 5; do
  t0=$(now); "$bin" history --ledger "$ledger" twitter.com >/dev/null; t1=$(now)
  s=$(elapsed "$t0" "$t1")
  best=$(echo "if ($s < $best) $s else $best" | bc); worst=$(echo "if ($s > $worst) $s else $worst" | bc)
done
echo "  best $best s, worst $worst s"
t0=$(now); "$bin" history --ledger "$ledger" twitter.com --since 2023-12-01T00:00:00Z --until 2023-12-08T00:00:00Z >/dev/null; t1=$(now)
echo "  one week window: $(elapsed "$t0" "$t1") s"
"$bin" history --ledger "$ledger" twitter.com | head -4
bytes=$(stat -c %s "$db")
echo "  ledger file: $bytes bytes for 5000000 observations = $((bytes / 5000000)) bytes/observation"
