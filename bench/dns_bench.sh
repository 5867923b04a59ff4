#!/usr/bin/env bash
# DNS throughput benchmark (not a test; groundwork for issue 8). Starts its own Knot DNS on a free
# loopback port with a generated zone `bench.test` of NAMES names, then, in the same run:
#   1. dnsperf sends every NAMES x (A, AAAA) query once (-n 1) and reports its queries/s and losses;
#   2. `dnswitness resolve-snapshot --no-ledger` resolves the same names and types against the
#      same server under /usr/bin/time -v (wall, CPU, peak RSS); its JSON is counted with jq.
# Prints one table with the ratio. No traffic leaves 127.0.0.1.
#
#   bench/dns_bench.sh [BUILD_DIR] [NAMES]     (defaults: build, 200000)
#
# Env: DNS_BENCH_KEEP=1 keeps the temp dir; DNSWITNESS_ARGS adds options to resolve-snapshot;
# DNS_BENCH_PERF=FILE runs dnswitness once more under `perf record -g -o FILE` after the table.
# Needs: knot (knotd), knot-dnsutils (kdig), dnsperf, jq, iproute2 (ss), GNU time.
set -euo pipefail

build=${1:-build}
names=${2:-200000}
bin=$build/dnswitness
[[ -x $bin ]] || { echo "dns_bench: build $build first (target dnswitness, Release)" >&2; exit 1; }
[[ $names =~ ^[0-9]+$ ]] && ((names > 0)) || { echo "dns_bench: NAMES must be a positive integer" >&2; exit 2; }
export PATH="$PATH:/usr/sbin:/sbin"
for tool in knotd kdig dnsperf jq ss bc; do
  command -v "$tool" >/dev/null || { echo "dns_bench: '$tool' not found (scripts/setup.sh)" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "dns_bench: /usr/bin/time (GNU time) not found" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/dnswitness-dnsbench.XXXXXX")
knot_pid=
cleanup() {
  if [[ -n $knot_pid ]] && kill -0 "$knot_pid" 2>/dev/null; then
    kill -TERM "$knot_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$knot_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$knot_pid" 2>/dev/null || true
    wait "$knot_pid" 2>/dev/null || true
  fi
  if [[ ${DNS_BENCH_KEEP:-0} == 1 ]]; then echo "dns_bench: kept $work" >&2; else rm -rf -- "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

now() { date +%s.%N; }

# ---- a free port (below the ephemeral range, like tests/lab/lab.sh)
declare -A used=()
while read -r p; do [[ $p =~ ^[0-9]+$ ]] && used[$p]=1; done < <(ss -Hantu | awk '{ n = split($5, a, ":"); print a[n] }')
port=
for _ in $(seq 1000); do
  p=$((20000 + (RANDOM * 32768 + RANDOM) % 12001))
  [[ -z ${used[$p]:-} ]] && { port=$p; break; }
done
[[ -n $port ]] || { echo "dns_bench: no free port" >&2; exit 1; }

# ---- zone, query file, domains file. Every name has an A record; every 4th name also an AAAA,
# the others answer NOERROR with no data (the common case of a name without IPv6).
mkdir -p "$work/zones" "$work/knot/db"
awk -v n="$names" -v zf="$work/zones/bench.test.zone" -v qf="$work/queries.txt" -v df="$work/domains.txt" 'BEGIN {
  print "$ORIGIN bench.test.\n$TTL 300" > zf
  print "@ SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 300" > zf
  print "@ NS ns.bench.test.\nns A 127.0.0.1" > zf
  for (i = 0; i < n; i++) {
    printf "n%d A 198.51.%d.%d\n", i, 100 + int(i / 254) % 4, 1 + i % 254 > zf
    if (i % 4 == 0) printf "n%d AAAA 2001:db8::%x:%x\n", i, int(i / 65536), i % 65536 > zf
    printf "n%d.bench.test A\nn%d.bench.test AAAA\n", i, i > qf
    printf "n%d.bench.test\n", i > df
  }
}'

cat >"$work/knot.conf" <<EOF
server:
    rundir: "$work/knot"
    listen: [ "127.0.0.1@$port" ]
    udp-workers: 2
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: "$work/knot/db"
control:
    listen: "$work/knot/knot.sock"
template:
  - id: default
    storage: "$work/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: bench.test
EOF

t0=$(now)
knotd -c "$work/knot.conf" </dev/null >"$work/knot.log" 2>&1 &
knot_pid=$!
last=$((names - 1))
for i in $(seq 600); do
  kill -0 "$knot_pid" 2>/dev/null || { tail -n 20 "$work/knot.log" >&2; echo "dns_bench: knotd exited" >&2; exit 1; }
  if kdig @127.0.0.1 -p "$port" +timeout=1 +retry=0 +notcp "n$last.bench.test" A 2>/dev/null | grep -q 'status: NOERROR'; then
    break
  fi
  ((i < 600)) || { tail -n 20 "$work/knot.log" >&2; echo "dns_bench: knotd did not answer in 60 s" >&2; exit 1; }
  sleep 0.1
done
queries=$((names * 2))
echo "dns_bench: knot on 127.0.0.1@$port (pid $knot_pid), zone of $names names loaded in $(echo "$(now) - $t0" | bc) s"
echo "dns_bench: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- dnsperf: the whole file once, default 100 outstanding, 1 s timeout
echo "== dnsperf: $queries queries once"
dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -n 1 -c 1 -t 1 >"$work/dnsperf.out" 2>&1 || true
grep -E 'Queries (sent|completed|lost)|Queries per second|Run time' "$work/dnsperf.out" | sed 's/^ */  /'
dp_qps=$(awk '/Queries per second:/ { print $4 }' "$work/dnsperf.out")
dp_lost=$(awk '/Queries lost:/ { print $3 }' "$work/dnsperf.out")
[[ -n $dp_qps ]] || { cat "$work/dnsperf.out" >&2; echo "dns_bench: no figure from dnsperf" >&2; exit 1; }

# ---- dnswitness
echo "== dnswitness resolve-snapshot --no-ledger: $names names x (A, AAAA)"
set +e
# shellcheck disable=SC2086
/usr/bin/time -v -o "$work/time.out" "$bin" resolve-snapshot --no-ledger --resolver "bench=127.0.0.1:$port" \
  --domains-file "$work/domains.txt" --types A,AAAA --timeout 1000 --retries 2 -q --ntp none \
  --json "$work/snapshot.json" ${DNSWITNESS_ARGS:-} 2>"$work/dnswitness.err"
rc=$?
set -e
echo "  exit code $rc"
[[ -s $work/dnswitness.err ]] && sed 's/^/  stderr: /' "$work/dnswitness.err" | head -5
wall_raw=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/time.out")
# h:mm:ss or m:ss.ss -> seconds
wall=$(awk -v t="$wall_raw" 'BEGIN { n = split(t, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; printf "%.2f", s }')
user=$(awk -F': ' '/User time/ { print $2 }' "$work/time.out")
sys=$(awk -F': ' '/System time/ { print $2 }' "$work/time.out")
rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.out")
cpu=$(echo "$user + $sys" | bc)
echo "  wall $wall s, user $user s, sys $sys s, peak RSS $((rss_kb / 1024)) MiB"

obs=0; answers=0; timeouts=0
if [[ -s $work/snapshot.json ]]; then
  ls -l "$work/snapshot.json" | awk '{ print "  JSON: " $5 " bytes" }'
  # Outcome counts: only observations carry an "outcome" member (the run has "outcomes"). grep
  # rather than jq for the counts: on 200,000 names the JSON is ~200 MB; jq checks the array length.
  grep -o '"outcome": *"[a-z_]*"' "$work/snapshot.json" | sed 's/.*: *"//; s/"$//' | sort | uniq -c |
    awk '{ print $2, $1 }' >"$work/outcomes.txt"
  sed 's/^/  outcome /' "$work/outcomes.txt"
  jq_len=$(jq '.observations | length' "$work/snapshot.json")
  echo "  jq: .observations | length = $jq_len"
  obs=$(awk '{ s += $2 } END { print s + 0 }' "$work/outcomes.txt")
  answers=$(awk '$1 == "answer" { print $2 }' "$work/outcomes.txt"); answers=${answers:-0}
  timeouts=$(awk '$1 == "timeout" { print $2 }' "$work/outcomes.txt"); timeouts=${timeouts:-0}
fi
lost=$((queries - obs))
echo "  observations $obs of $queries expected ($lost lost)"
dw_qps=$(echo "scale=0; $queries / $wall" | bc)
ratio=$(printf '%.2f' "$(echo "scale=4; $dw_qps / $dp_qps" | bc)")

echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %11s %11s %6s %7s %8s %6s %5s %6s\n' names dnsperf_q/s dnsw_q/s ratio dp_lost timeouts lost RSS_MiB CPU_s
printf '%-8s %11s %11s %6s %7s %8s %6s %5s %6s\n' "$names" "${dp_qps%.*}" "$dw_qps" "$ratio" "$dp_lost" "$timeouts" "$lost" "$((rss_kb / 1024))" "$cpu"

if [[ -n ${DNS_BENCH_PERF:-} ]]; then
  echo "== perf record -g of the same dnswitness run into $DNS_BENCH_PERF"
  # shellcheck disable=SC2086
  perf record -q -F 499 -g -o "$DNS_BENCH_PERF" -- "$bin" resolve-snapshot --no-ledger \
    --resolver "bench=127.0.0.1:$port" --domains-file "$work/domains.txt" --types A,AAAA \
    --timeout 1000 --retries 2 -q --ntp none --json "$work/snapshot.json" ${DNSWITNESS_ARGS:-} 2>/dev/null || true
fi
