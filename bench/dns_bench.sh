#!/usr/bin/env bash
# The DNS benchmark suite of issue 8 (not a test; not run by CI). Starts its own Knot DNS on a free
# loopback port with a generated zone `bench.test` of NAMES names plus the lab's X zones, and a
# dnsdist in front of it that answers 200 ms late, then measures, dnsperf and dnswitness back to
# back in the same run (the machine is shared: ratios, not absolute rates, are the figures):
#
#   1. throughput without the ledger: dnsperf sends the NAMES x (A, AAAA) queries once; then
#      `dnswitness resolve-snapshot --no-ledger` resolves the same names with its default table
#      output written to a file (one row per query; lost = queries without a row), then again with
#      `--json --out FILE` instead (lost = queries without an observation in the JSON);
#   2. throughput with the durable ledger (synchronous=FULL, one transaction per run): dnsperf
#      again, then the same snapshot into a fresh ledger; the leaves are counted in the database,
#      then `verify-ledger` and `history` run on it (the ledger figures);
#   3. latency: the x preset (A and AAAA) against four resolvers that answer 200 ms late, with the
#      ledger on (after one warm-up run that creates the key): wall time of the whole process.
#
# Prints one table and exits 1 when a figure misses its target:
#   no-ledger throughput >= 1.0 x dnsperf, ledger throughput >= 0.6 x dnsperf, zero lost names in
#   both, preset latency <= 1.5 x 200 ms + 50 ms.
# CPU time (user + system) and peak RSS come from GNU time for every dnswitness run.
# No traffic leaves 127.0.0.1.
#
#   bench/dns_bench.sh [BUILD_DIR] [NAMES]     (defaults: build, 200000)
#
# Env: DNS_BENCH_KEEP=1 keeps the temp dir; DNSWITNESS_ARGS adds options to the bulk runs;
# DNS_BENCH_PERF=FILE records the no-ledger run once more under `perf record -g -o FILE`.
# Needs: knot (knotd), knot-dnsutils (kdig), dnsperf, dnsdist, sqlite3, iproute2 (ss), bc, GNU time.
set -euo pipefail

build=${1:-build}
names=${2:-200000}
bin=$build/dnswitness
src=$(cd "$(dirname "$0")/.." && pwd)
[[ -x $bin ]] || { echo "dns_bench: build $build first (target dnswitness, Release)" >&2; exit 1; }
[[ $names =~ ^[0-9]+$ ]] && ((names > 0)) || { echo "dns_bench: NAMES must be a positive integer" >&2; exit 2; }
export PATH="$PATH:/usr/sbin:/sbin"
for tool in knotd kdig dnsperf dnsdist sqlite3 ss bc; do
  command -v "$tool" >/dev/null || { echo "dns_bench: '$tool' not found (scripts/setup.sh)" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "dns_bench: /usr/bin/time (GNU time) not found" >&2; exit 1; }

delay_ms=200
work=$(mktemp -d "${TMPDIR:-/tmp}/dnswitness-dnsbench.XXXXXX")
pids=()
stop_all() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  stop_all
  if [[ ${DNS_BENCH_KEEP:-0} == 1 ]]; then echo "dns_bench: kept $work" >&2; else rm -rf -- "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

now() { date +%s.%N; }

# ---- free ports (below the ephemeral range, like tests/lab/lab.sh)
declare -A used=()
while read -r p; do [[ $p =~ ^[0-9]+$ ]] && used[$p]=1; done < <(ss -Hantu | awk '{ n = split($5, a, ":"); print a[n] }')
free_port() {
  local p
  for _ in $(seq 1000); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 12001))
    if [[ -z ${used[$p]:-} ]]; then used[$p]=1; echo "$p"; return; fi
  done
  echo "dns_bench: no free port" >&2; exit 1
}
port=$(free_port)
slow_port=$(free_port)

# ---- zones, query file, domains file. Every name has an A record; every 4th name also an AAAA,
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
lab_zones=()
for z in "$src"/tests/lab/zones/*.zone; do
  zone=$(basename "$z" .zone)
  [[ $zone == lab.test ]] && continue
  cp "$z" "$work/zones/"
  lab_zones+=("$zone")
done

{
  cat <<EOF
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
  for z in "${lab_zones[@]}"; do echo "  - domain: $z"; done
} >"$work/knot.conf"

# dnsdist in front of Knot, answering every UDP query $delay_ms ms late (a delaying server: this
# kernel has no netem). Health checks ask a name Knot serves.
cat >"$work/dnsdist.conf" <<EOF
setSecurityPollSuffix("")
setLocal("127.0.0.1:$slow_port")
newServer{address="127.0.0.1:$port", checkName="x.com.", checkInterval=60}
addAction(AllRule(), DelayAction($delay_ms))
EOF

t0=$(now)
knotd -c "$work/knot.conf" </dev/null >"$work/knot.log" 2>&1 &
pids+=($!)
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
dnsdist --supervised --disable-syslog -C "$work/dnsdist.conf" </dev/null >"$work/dnsdist.log" 2>&1 &
pids+=($!)
for i in $(seq 100); do
  if kdig @127.0.0.1 -p "$slow_port" +timeout=2 +retry=0 +notcp x.com A 2>/dev/null | grep -q 'status: NOERROR'; then break; fi
  ((i < 100)) || { tail -n 20 "$work/dnsdist.log" >&2; echo "dns_bench: dnsdist did not answer" >&2; exit 1; }
  sleep 0.1
done
queries=$((names * 2))
echo "dns_bench: knot on 127.0.0.1@$port, zone of $names names loaded in $(echo "$(now) - $t0" | bc) s;" \
  "dnsdist +${delay_ms} ms on 127.0.0.1@$slow_port"
echo "dns_bench: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')," \
  "$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(git -C "$src" rev-parse --short HEAD 2>/dev/null || echo '?')," \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- helpers
run_dnsperf() {  # -> dp_qps dp_lost
  dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -n 1 -c 1 -t 1 >"$work/dnsperf.out" 2>&1 || true
  dp_qps=$(awk '/Queries per second:/ { printf "%d", $4 }' "$work/dnsperf.out")
  dp_lost=$(awk '/Queries lost:/ { print $3 }' "$work/dnsperf.out")
  [[ -n $dp_qps ]] || { cat "$work/dnsperf.out" >&2; echo "dns_bench: no figure from dnsperf" >&2; exit 1; }
  echo "  dnsperf: $dp_qps q/s, $dp_lost lost"
}
timed() {  # timed NAME CMD...: runs CMD under GNU time -> wall user sys rss_mb rc
  local name=$1; shift
  set +e
  /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err"
  rc=$?
  set -e
  local raw
  raw=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/$name.time")
  wall=$(awk -v t="$raw" 'BEGIN { n = split(t, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; printf "%.3f", s }')
  user=$(awk -F': ' '/User time/ { print $2 }' "$work/$name.time")
  sys=$(awk -F': ' '/System time/ { print $2 }' "$work/$name.time")
  rss_mb=$(awk -F': ' '/Maximum resident set size/ { printf "%d", $2 / 1024 }' "$work/$name.time")
  cpu=$(echo "$user + $sys" | bc)
  echo "  $name: exit $rc, wall $wall s, cpu $cpu s (user $user, sys $sys), peak RSS $rss_mb MiB"
  [[ -s $work/$name.err ]] && sed 's/^/    stderr: /' "$work/$name.err" | head -5
  return 0
}
bulk_common=(resolve-snapshot --resolver "bench=127.0.0.1:$port" --domains-file "$work/domains.txt" --types A,AAAA
             --timeout 1000 --retries 2 --ntp none)
bulk_args=("${bulk_common[@]}" -q)
failed=()
check() {  # check DESCRIPTION CONDITION(bc)
  if [[ $(echo "$2" | bc) != 1 ]]; then failed+=("$1"); fi
}

# ---- 1. throughput, no ledger: the default table output (one row per query, written to a file),
# then the same with --json instead. Every query must have its row or observation.
echo "== 1. $queries queries: dnsperf, then dnswitness --no-ledger (table to a file), then --no-ledger --json"
run_dnsperf
dp1=$dp_qps; dp1_lost=$dp_lost
# shellcheck disable=SC2086
timed nol "$bin" "${bulk_common[@]}" --no-ledger ${DNSWITNESS_ARGS:-}
nol_rc=$rc nol_wall=$wall nol_cpu=$cpu nol_rss=$rss_mb
# One row per query: "n….bench.test  A|AAAA  bench  OUTCOME …"; the last line sums the outcomes.
nol_obs=$(grep -c '^n[0-9]*\.bench\.test  *A' "$work/nol.out" || true)
nol_timeouts=$(awk '$1 ~ /bench[.]test$/ && $4 == "timeout"' "$work/nol.out" | wc -l)
nol_lost=$((queries - nol_obs))
nol_qps=$(echo "$queries / $nol_wall" | bc)
nol_ratio=$(echo "scale=2; $nol_qps / $dp1" | bc)
echo "  $nol_obs table rows ($nol_timeouts timeouts), $nol_lost lost; $nol_qps q/s = ${nol_ratio} x dnsperf"
echo "  summary: $(tail -n 1 "$work/nol.out")"
rm -f "$work/nol.out"
# shellcheck disable=SC2086
timed nolj "$bin" "${bulk_args[@]}" --no-ledger --json --out "$work/snapshot.json" ${DNSWITNESS_ARGS:-}
nolj_rc=$rc nolj_wall=$wall nolj_cpu=$cpu nolj_rss=$rss_mb
# Each observation object holds exactly one "outcome" member, at six spaces (the run holds "outcomes").
nolj_obs=$(grep -c '^      "outcome": ' "$work/snapshot.json" || true)
nolj_timeouts=$(grep -c '^      "outcome": "timeout"' "$work/snapshot.json" || true)
nolj_lost=$((queries - nolj_obs))
nolj_qps=$(echo "$queries / $nolj_wall" | bc)
nolj_ratio=$(echo "scale=2; $nolj_qps / $dp1" | bc)
echo "  $nolj_obs observations ($nolj_timeouts timeouts), $nolj_lost lost; $nolj_qps q/s = ${nolj_ratio} x dnsperf"
rm -f "$work/snapshot.json"

# ---- 2. throughput, durable ledger
echo "== 2. $queries queries: dnsperf, then dnswitness into a fresh ledger"
run_dnsperf
dp2=$dp_qps; dp2_lost=$dp_lost
# shellcheck disable=SC2086
timed led "$bin" "${bulk_args[@]}" --ledger "$work/ledger" ${DNSWITNESS_ARGS:-}
led_rc=$rc led_wall=$wall led_cpu=$cpu led_rss=$rss_mb
db=$work/ledger/ledger.sqlite
led_leaves=$(sqlite3 "$db" 'SELECT count(*) FROM leaves' 2>/dev/null || echo 0)
led_timeouts=$(sqlite3 "$db" "SELECT count(*) FROM observation_index WHERE outcome = 'timeout'" 2>/dev/null || echo 0)
led_lost=$((queries + 1 - led_leaves))
led_qps=$(echo "$queries / $led_wall" | bc)
led_ratio=$(echo "scale=2; $led_qps / $dp2" | bc)
db_bytes=$(( $(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0) ))
echo "  $led_leaves leaves ($led_timeouts timeouts), $led_lost lost; $led_qps q/s = ${led_ratio} x dnsperf;" \
  "ledger $((db_bytes / 1048576)) MiB = $((db_bytes / (queries + 1))) bytes/observation"
verify_rc=0
t0=$(now); "$bin" verify-ledger -q --ledger "$work/ledger" || verify_rc=$?; t1=$(now)
verify_s=$(echo "$t1 - $t0" | bc)
verify_rate=$(echo "$led_leaves / $verify_s" | bc)
echo "  verify-ledger: exit $verify_rc, $verify_s s = $verify_rate leaves/s"
t0=$(now); "$bin" history --ledger "$work/ledger" n4.bench.test >/dev/null; t1=$(now)
history_ms=$(echo "($t1 - $t0) * 1000 / 1" | bc)
echo "  history n4.bench.test: $history_ms ms"
rm -rf "$work/ledger"

# ---- 3. latency of the preset against resolvers that answer 200 ms late
echo "== 3. the x preset (A, AAAA) against four resolvers answering ${delay_ms} ms late, ledger on"
slow=(--resolver "slow1=127.0.0.1:$slow_port" --resolver "slow2=127.0.0.1:$slow_port"
      --resolver "slow3=127.0.0.1:$slow_port" --resolver "slow4=127.0.0.1:$slow_port" --ntp none)
"$bin" resolve-snapshot -q --ledger "$work/preset-ledger" "${slow[@]}" >/dev/null 2>&1 || true  # makes the key
timed preset "$bin" resolve-snapshot -q --ledger "$work/preset-ledger" "${slow[@]}"
pre_rc=$rc pre_wall=$wall pre_cpu=$cpu pre_rss=$rss_mb
pre_leaves=$(sqlite3 "$work/preset-ledger/ledger.sqlite" 'SELECT max(size) FROM checkpoints')
pre_answers=$(sqlite3 "$work/preset-ledger/ledger.sqlite" \
  "SELECT count(*) FROM observation_index WHERE outcome IN ('answer','nodata')")
pre_ms=$(echo "$pre_wall * 1000 / 1" | bc)
pre_target=$((delay_ms * 3 / 2 + 50))
echo "  $pre_answers answers; ledger now $pre_leaves leaves"

# ---- table
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %10s %10s %7s %6s %8s %8s %8s %s\n' figure dnsperf dnswitness ratio lost wall_s cpu_s RSS_MiB target
printf '%-34s %10s %10s %7s %6s %8s %8s %8s %s\n' "throughput, --no-ledger (q/s)" "$dp1" "$nol_qps" "$nol_ratio" "$nol_lost" "$nol_wall" "$nol_cpu" "$nol_rss" ">= 1.0, 0 lost"
printf '%-34s %10s %10s %7s %6s %8s %8s %8s %s\n' "  the same with --json (q/s)" "$dp1" "$nolj_qps" "$nolj_ratio" "$nolj_lost" "$nolj_wall" "$nolj_cpu" "$nolj_rss" "0 lost"
printf '%-34s %10s %10s %7s %6s %8s %8s %8s %s\n' "throughput, durable ledger (q/s)" "$dp2" "$led_qps" "$led_ratio" "$led_lost" "$led_wall" "$led_cpu" "$led_rss" ">= 0.6, 0 lost"
printf '%-34s %10s %10s %7s %6s %8s %8s %8s %s\n' "x preset, 4 resolvers +${delay_ms} ms (ms)" "-" "$pre_ms" "-" "-" "$pre_wall" "$pre_cpu" "$pre_rss" "<= $pre_target ms"
printf '%-34s %10s %10s\n' "ledger: bytes per observation" "-" "$((db_bytes / (queries + 1)))"
printf '%-34s %10s %10s\n' "ledger: verify-ledger (leaves/s)" "-" "$verify_rate"
printf '%-34s %10s %10s\n' "ledger: history one name (ms)" "-" "$history_ms"
echo "(dnsperf lost: $dp1_lost, $dp2_lost; dnswitness exit codes: $nol_rc, $nolj_rc, $led_rc, $pre_rc; verify-ledger: $verify_rc)"

check "no-ledger throughput ${nol_ratio} x dnsperf < 1.0" "$nol_ratio >= 1.0"
check "no-ledger run lost $nol_lost names" "$nol_lost == 0"
check "no-ledger --json run lost $nolj_lost names" "$nolj_lost == 0"
check "ledger throughput ${led_ratio} x dnsperf < 0.6" "$led_ratio >= 0.6"
check "ledger run lost $led_lost names" "$led_lost == 0"
check "preset latency $pre_ms ms > $pre_target ms" "$pre_ms <= $pre_target"
check "verify-ledger failed" "$verify_rc == 0"
check "a dnswitness run failed" "$nol_rc == 0 && $nolj_rc == 0 && $led_rc == 0 && $pre_rc == 0"

if [[ -n ${DNS_BENCH_PERF:-} ]]; then
  echo "== perf record -g of the --no-ledger run into $DNS_BENCH_PERF"
  # shellcheck disable=SC2086
  perf record -q -F 499 -g -o "$DNS_BENCH_PERF" -- "$bin" "${bulk_args[@]}" --no-ledger \
    --json --out "$work/snapshot.json" ${DNSWITNESS_ARGS:-} 2>/dev/null || true
fi

if ((${#failed[@]} > 0)); then
  printf 'MISSED: %s\n' "${failed[@]}"
  exit 1
fi
echo "all targets met"
