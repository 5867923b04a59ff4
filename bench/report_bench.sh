#!/bin/sh
# Report benchmark (not a test): `dnswitness report` for 20 login times on a 5,000,000-observation
# ledger, then `dnswitness verify` on the bundle. Prints wall times (process start included), the
# bundle's size and contents.
#
#   bench/report_bench.sh [BUILD_DIR] [LEDGER]   (default build-release; Release, no sanitizers)
# Without LEDGER it synthesizes one with bench/ledger_bench (5,000 hourly runs of 1,000
# observations; about 6 GB in $TMPDIR and two minutes). Passing an existing LEDGER made by
# ledger_bench skips that. No network traffic.
set -eu
build=${1:-build-release}
bin=$build/dnswitness
bench=$build/bench/ledger_bench
[ -x "$bin" ] && [ -x "$bench" ] || { echo "build $build first (targets dnswitness and ledger_bench)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/dnswitness-report-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
ledger=${2:-}
if [ -z "$ledger" ]; then
  ledger=$work/ledger
  echo "== synthesizing a 5,000,000-observation ledger"
  $bench append "$ledger" 5000000 1000 | tail -1
fi
db=$ledger/ledger.sqlite
first=$(sqlite3 "$db" 'SELECT min(time_ns) FROM observation_index')
last=$(sqlite3 "$db" 'SELECT max(time_ns) FROM observation_index')
echo "  $(sqlite3 "$db" 'SELECT max(size) FROM checkpoints') leaves, $(sqlite3 "$db" 'SELECT count(*) FROM checkpoints') tree heads"

# 20 login times spread evenly over the ledger, each 25 min 17 s after a whole hour.
ats=""
i=0
while [ $i -lt 20 ]; do
  t=$(( (first + (last - first) / 21 * (i + 1)) / 1000000000 / 3600 * 3600 + 1517 ))
  ats="$ats --at $(date -u -d "@$t" +%Y-%m-%dT%H:%M:%SZ)"
  i=$((i + 1))
done

# The machine may be shared: the load average is printed with the figures so they can be judged.
echo "  load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
best=999; worst=0
for k in 1 2 3; do
  rm -rf "$work/out"
  sync
  t0=$(now); "$bin" report --ledger "$ledger" $ats --out "$work/out" >"$work/report.log"; t1=$(now)
  s=$(elapsed "$t0" "$t1")
  best=$(echo "if ($s < $best) $s else $best" | bc); worst=$(echo "if ($s > $worst) $s else $worst" | bc)
done
echo "== report, 20 login times, preset x (11 domains x A/AAAA), default window 1h/10m"
sed -n 2p "$work/report.log"
echo "  report.json: $(stat -c %s "$work/out/report.json") bytes"
echo "  wall time: best $best s, worst $worst s (of 3, process start included; target < 2 s)"
t0=$(now); "$bin" verify -q "$work/out/report.json"; t1=$(now)
echo "== verify: $(elapsed "$t0" "$t1") s"
echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
