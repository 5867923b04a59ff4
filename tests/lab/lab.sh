#!/usr/bin/env bash
# dnswitness test lab: a real Knot DNS authoritative server, a real Unbound recursive resolver
# (also serving DNS over HTTPS with a lab CA's certificate), dnsdist serving DoH with an untrusted
# self-signed certificate, and a small misbehaving server (odd_server.cpp), all on loopback,
# non-privileged, free ports.
#
#   tests/lab/lab.sh start  DIR   (re)start the lab in DIR, write DIR/lab.env
#   tests/lab/lab.sh stop   DIR   stop everything started in DIR (exit 0 if nothing runs)
#   tests/lab/lab.sh status DIR   report the processes and whether they answer (exit 0 if all do)
#
# Only loopback addresses are ever used: Unbound forwards "." to Knot, so it never contacts the
# real root servers or any public resolver. See tests/lab/README.md.
set -euo pipefail

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ZONES_SRC=$LAB_SRC/zones
ODD_SRC=$LAB_SRC/odd_server.cpp
# shellcheck source=tsa.sh
source "$LAB_SRC/tsa.sh"
GEO_SRC=$LAB_SRC/geo
GEO_ZONE=geo.test
LAB_ZONES=(twitter.com x.com t.co lab.test)
MARKER=.dnswitness-lab
READY_TIMEOUT_MS=15000
STOP_TIMEOUT_MS=5000
# Lab ports are picked below the kernel's ephemeral range so client sockets never take them.
PORT_MIN=20000
PORT_MAX=32000
UNBOUND_CACHE_MAX_TTL=${LAB_UNBOUND_CACHE_MAX_TTL:-5}

log() { echo "lab: $*" >&2; }
die() { log "$*"; exit 1; }

usage() {
  echo "usage: $0 start|stop|status DIR" >&2
  exit 2
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

# ---------------------------------------------------------------------------------------------
# Directory handling

# Absolute path of DIR; refuses paths the lab could not write safely into lab.env or that are
# obviously not a scratch directory.
resolve_dir() {
  local d=$1
  [[ -n $d ]] || usage
  [[ $d != *[[:space:]\"\'\$\`\\]* ]] || die "DIR must not contain spaces, quotes, \$, \` or backslashes: '$d'"
  d=$(realpath -m -- "$d")
  case $d in
    / | /tmp | /home | /root | /usr | /etc | /var | "$HOME") die "refusing to use '$d' as the lab directory" ;;
  esac
  echo "$d"
}

# Removes everything a previous start left in DIR, except the compiled odd_server.
clean_dir() {
  local d=$1
  if [[ -d $d ]] && [[ -n $(ls -A -- "$d") ]] && [[ ! -e $d/$MARKER ]]; then
    die "'$d' exists, is not empty and is not a lab directory (no $MARKER); refusing to touch it"
  fi
  mkdir -p -- "$d"
  rm -rf -- "$d/zones" "$d/knot" "$d/run" "$d/lab.env" "$d/lab.env.tmp" "$d/resolv.conf" \
    "$d/knot.conf" "$d/knot.log" "$d/unbound.conf" "$d/unbound.log" "$d/unbound.pid" \
    "$d/odd_server.log" "$d/tsa_server.log" "$d/geo" "$d/knot-geo.log" "$d/tls" "$d/dnsdist.conf" \
    "$d/dnsdist.log"
  : >"$d/$MARKER"
}

# ---------------------------------------------------------------------------------------------
# Ports

declare -A TAKEN_PORTS=()

# Every local TCP/UDP port in use right now (listening, bound or connected), IPv4 and IPv6.
load_used_ports() {
  local p
  TAKEN_PORTS=()
  while read -r p; do
    [[ $p =~ ^[0-9]+$ ]] && TAKEN_PORTS[$p]=1
  done < <(ss -Hantu 2>/dev/null | awk '{ n = split($5, a, ":"); print a[n] }')
}

# Prints one port that is free for both UDP and TCP and not handed out yet by this run.
pick_port() {
  local span=$((PORT_MAX - PORT_MIN + 1)) p i
  for ((i = 0; i < 1000; i++)); do
    p=$((PORT_MIN + (RANDOM * 32768 + RANDOM) % span))
    if [[ -z ${TAKEN_PORTS[$p]:-} ]]; then
      TAKEN_PORTS[$p]=1
      PICKED=$p
      return 0
    fi
  done
  die "no free port found in $PORT_MIN-$PORT_MAX"
}

# PIDs owning sockets on a local port (TCP listeners and UDP sockets), one per line.
port_owners() {
  ss -Hlnptu "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u  || true
}

# ---------------------------------------------------------------------------------------------
# Processes

# True if PID is a live (not zombie) lab process of this DIR: the right program, and DIR in its
# command line. Protects against signalling an unrelated process that reused a stale pid.
is_lab_process() {
  local pid=$1 d=$2 comm state cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/stat ]] || return 1
  state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ $state != Z && $state != X ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  case $comm in knotd | unbound | odd_server | tsa_server | dnsdist) ;; *) return 1 ;; esac
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ $cmdline == *"$d/"* ]]
}

# Pids recorded in DIR (by this script and by unbound's own pidfile) that are still alive.
lab_pids() {
  local d=$1 f pid
  declare -A seen=()
  for f in "$d"/run/*.pid "$d/unbound.pid"; do
    [[ -r $f ]] || continue
    read -r pid <"$f" || true
    pid=${pid//[^0-9]/}
    [[ -n $pid && -z ${seen[$pid]:-} ]] || continue
    seen[$pid]=1
    if is_lab_process "$pid" "$d"; then echo "$pid"; fi
  done
}

do_stop() {
  local d=$1 pids pid deadline left sockdir
  [[ -d $d && -e $d/$MARKER ]] || return 0
  rm -f -- "$d/lab.env"
  mapfile -t pids < <(lab_pids "$d")
  if ((${#pids[@]} > 0)); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    deadline=$(($(now_ms) + STOP_TIMEOUT_MS))
    while :; do
      left=()
      for pid in "${pids[@]}"; do
        if is_lab_process "$pid" "$d"; then left+=("$pid"); fi
      done
      ((${#left[@]} > 0)) || break
      if (($(now_ms) >= deadline)); then
        log "still running after $((STOP_TIMEOUT_MS / 1000)) s, sending SIGKILL to: ${left[*]}"
        kill -KILL "${left[@]}" 2>/dev/null || true
        sleep 0.2
        break
      fi
      sleep 0.05
    done
    # Reap our own children (only when stop runs inside a failed start).
    wait "${pids[@]}" 2>/dev/null || true
  fi
  mapfile -t left < <(lab_pids "$d")
  if ((${#left[@]} > 0)); then
    log "could not stop: ${left[*]}"
    return 1
  fi
  if [[ -r $d/run/sockdir ]]; then
    read -r sockdir <"$d/run/sockdir" || true
    case $sockdir in /tmp/dnswitness-lab.*) rm -rf -- "$sockdir" ;; esac
  fi
  rm -rf -- "$d/run" "$d/unbound.pid"
  return 0
}

# Starts a program in the background with no terminal and all output to LOG; records its pid.
launch() {
  local d=$1 name=$2 logfile=$3
  shift 3
  "$@" </dev/null >>"$logfile" 2>&1 &
  echo $! >"$d/run/$name.pid"
}

pid_of() { local pid; read -r pid <"$1/run/$2.pid"; echo "$pid"; }

# ---------------------------------------------------------------------------------------------
# Configuration

build_odd_server() {
  local d=$1 bin=$1/odd_server
  if [[ ! -x $bin || $ODD_SRC -nt $bin ]]; then
    log "compiling odd_server"
    g++ -std=c++20 -O1 -o "$bin.tmp.$$" "$ODD_SRC" || { rm -f -- "$bin.tmp.$$"; die "cannot compile $ODD_SRC"; }
    mv -f -- "$bin.tmp.$$" "$bin"
  fi
}

have_ipv6_loopback() { grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; }

write_knot_conf() {
  local d=$1 sock=$2 listen="\"127.0.0.1@$KNOT_PORT\"" z
  ((LAB_IPV6)) && listen+=", \"::1@$KNOT_PORT\""
  {
    cat <<EOF
# Generated by tests/lab/lab.sh: dnswitness test lab authoritative server.
server:
    rundir: "$d/knot"
    listen: [ $listen ]
    udp-workers: 2
    tcp-workers: 2
    background-workers: 1
    identity: "dnswitness-lab-knot"

log:
  - target: stderr
    any: info

database:
    storage: "$d/knot/db"
    journal-db-max-size: 64M
    kasp-db-max-size: 16M
    timer-db-max-size: 16M
    catalog-db-max-size: 16M

control:
    listen: "$sock"

template:
  - id: default
    storage: "$d/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none

zone:
EOF
    for z in "${LAB_ZONES[@]}"; do echo "  - domain: $z"; done
  } >"$d/knot.conf"
}

# A second Knot for client-subnet tests: it serves only geo.test, with EDNS Client Subnet on and
# the geoip module in subnet mode (no GeoIP database needed), so www.geo.test's answer depends on
# the query's client subnet. The main Knot keeps ECS off: it ignores the option.
write_geo_knot_conf() {
  local d=$1 listen="\"127.0.0.1@$GEO_KNOT_PORT\""
  ((LAB_IPV6)) && listen+=", \"::1@$GEO_KNOT_PORT\""
  mkdir -p -- "$d/geo/zones" "$d/geo/db" "$d/geo/run" &&
    cp -- "$GEO_SRC/$GEO_ZONE.zone" "$d/geo/zones/" && cp -- "$GEO_SRC/subnets.conf" "$d/geo/" || return 1
  cat >"$d/geo/knot.conf" <<EOF2
# Generated by tests/lab/lab.sh: the lab's client-subnet-aware authoritative server.
server:
    rundir: "$d/geo/run"
    listen: [ $listen ]
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    edns-client-subnet: on
log:
  - target: stderr
    any: info
database:
    storage: "$d/geo/db"
control:
    listen: "${KNOT_CONTROL%/*}/knot-geo.sock"
mod-geoip:
  - id: subnets
    config-file: "$d/geo/subnets.conf"
    ttl: 60
    mode: subnet
template:
  - id: default
    storage: "$d/geo/zones"
    file: "%s.zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: $GEO_ZONE
    module: mod-geoip/subnets
EOF2
}

answers_geo() {
  kdig @127.0.0.1 -p "$1" +timeout=1 +retry=0 +notcp +subnet=49.96.0.0/24 "www.$GEO_ZONE" A 2>/dev/null |
    grep -q '198\.51\.100\.10'
}

write_unbound_conf() {
  local d=$1 z
  {
    cat <<EOF
# Generated by tests/lab/lab.sh: dnswitness test lab recursive resolver. Everything it resolves
# comes from the lab's Knot (stub zones, and "." forwarded to Knot): no real root, no internet.
server:
    verbosity: 1
    use-syslog: no
    logfile: "$d/unbound.log"
    pidfile: "$d/unbound.pid"
    directory: "$d"
    chroot: ""
    username: ""
    num-threads: 1
    interface-automatic: no
    interface: 127.0.0.1@$UNBOUND_PORT
EOF
    ((LAB_IPV6)) && echo "    interface: ::1@$UNBOUND_PORT"
    unbound_doh_lines "$d"
    cat <<EOF
    port: $UNBOUND_PORT
    so-reuseport: no
    do-ip4: yes
    do-ip6: $( ((LAB_IPV6)) && echo yes || echo no)
    do-udp: yes
    do-tcp: yes
    access-control: 127.0.0.0/8 allow
    access-control: ::1/128 allow
    do-not-query-localhost: no
    # Outgoing query ports stay out of the range the lab's own ports are picked from.
    outgoing-port-avoid: 0-32767
    module-config: "iterator"
    minimal-responses: yes
    rrset-roundrobin: no
    qname-minimisation: no
    prefetch: no
    serve-expired: no
    edns-buffer-size: 1232
    max-udp-size: 1232
    # Small cache TTLs so that records changed live in Knot show through Unbound quickly.
    cache-max-ttl: $UNBOUND_CACHE_MAX_TTL
    cache-max-negative-ttl: $UNBOUND_CACHE_MAX_TTL
    infra-host-ttl: 10
    infra-keep-probing: yes
    msg-cache-size: 4m
    rrset-cache-size: 8m
    local-zone: "test." nodefault

remote-control:
    control-enable: no

forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$KNOT_PORT
EOF
    for z in "${LAB_ZONES[@]}"; do
      printf '\nstub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n' "$z" "$KNOT_PORT"
    done
    printf '\nstub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n' "$GEO_ZONE" "$GEO_KNOT_PORT"
  } >"$d/unbound.conf"
}

# ---------------------------------------------------------------------------------------------
# DNS over HTTPS: a lab CA, Unbound's https-port with a certificate from it, and dnsdist's DoH
# frontend with a self-signed certificate nobody trusts (the "bad certificate" endpoint).

# EC P-256 keys: the whole set takes a few milliseconds, so it is made fresh on every start.
make_lab_tls() {
  local t=$1/tls
  mkdir -p -- "$t" || return 1
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
      -keyout "$t/ca.key" -out "$t/ca.pem" -subj "/O=dnswitness lab/CN=dnswitness lab CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$t/doh.key" -out "$t/doh.csr" -subj "/O=dnswitness lab/CN=localhost" &&
      printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" "basicConstraints=CA:FALSE" \
        "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$t/doh.ext" &&
      openssl x509 -req -in "$t/doh.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
        -days 30 -extfile "$t/doh.ext" -out "$t/doh.pem" &&
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -keyout "$t/untrusted.key" -out "$t/untrusted.pem" -subj "/O=nobody trusts this/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
  } >"$t/openssl.log" 2>&1
}

unbound_doh_lines() {
  local d=$1
  echo "    interface: 127.0.0.1@$DOH_PORT"
  ((LAB_IPV6)) && echo "    interface: ::1@$DOH_PORT"
  # DNS over TLS (RFC 7858) with the same certificate: Unbound serves plain TLS on tls-port.
  echo "    interface: 127.0.0.1@$DOT_PORT"
  ((LAB_IPV6)) && echo "    interface: ::1@$DOT_PORT"
  cat <<EOF
    https-port: $DOH_PORT
    tls-port: $DOT_PORT
    http-endpoint: "/dns-query"
    tls-service-key: "$d/tls/doh.key"
    tls-service-pem: "$d/tls/doh.pem"
EOF
}

# dnsdist in front of the lab's Unbound; forced up (its health check would ask for the root).
write_dnsdist_conf() {
  local d=$1
  cat >"$d/dnsdist.conf" <<EOF
-- Generated by tests/lab/lab.sh: DoH with an untrusted certificate, in front of the lab's Unbound.
setSecurityPollSuffix("")
newServer{address="127.0.0.1:$UNBOUND_PORT", checkInterval=3600}
getServer(0):setUp()
addDOHLocal("127.0.0.1:$DOH_BAD_PORT", "$d/tls/untrusted.pem", "$d/tls/untrusted.key", "/dns-query")
addTLSLocal("127.0.0.1:$DOT_BAD_PORT", "$d/tls/untrusted.pem", "$d/tls/untrusted.key")
EOF
}

# True when "twitter.com A" over DNS over TLS to 127.0.0.1:PORT answers NOERROR (certificate not checked).
answers_dot() {
  kdig @127.0.0.1 -p "$1" +tls +timeout=1 +retry=0 twitter.com A 2>/dev/null | grep -q 'status: NOERROR'
}

# True when a DoH POST of "twitter.com A" to https://127.0.0.1:PORT/dns-query answers NOERROR.
answers_doh() {
  kdig @127.0.0.1 -p "$1" +https=/dns-query +timeout=1 +retry=0 twitter.com A 2>/dev/null |
    grep -q 'status: NOERROR'
}

write_env() {
  local d=$1
  cat >"$d/lab.env.tmp" <<EOF
LAB_DIR=$d
LAB_IPV6=$LAB_IPV6
KNOT_ADDR=127.0.0.1
KNOT_ADDR6=$( ((LAB_IPV6)) && echo ::1)
KNOT_PORT=$KNOT_PORT
KNOT_CONTROL=$KNOT_CONTROL
KNOT_ZONES_DIR=$d/zones
KNOT_PID=$(pid_of "$d" knotd)
UNBOUND_ADDR=127.0.0.1
UNBOUND_ADDR6=$( ((LAB_IPV6)) && echo ::1)
UNBOUND_PORT=$UNBOUND_PORT
UNBOUND_CACHE_MAX_TTL=$UNBOUND_CACHE_MAX_TTL
UNBOUND_PID=$(pid_of "$d" unbound)
ODD_ADDR=127.0.0.1
SILENT_PORT=$SILENT_PORT
GARBAGE_PORT=$GARBAGE_PORT
BADID_PORT=$BADID_PORT
REFUSED_PORT=$REFUSED_PORT
SERVFAIL_PORT=$SERVFAIL_PORT
MALFORMED_PORT=$MALFORMED_PORT
ODD_PID=$(pid_of "$d" odd_server)
CLOSED_PORT=$CLOSED_PORT
GEO_KNOT_PORT=$GEO_KNOT_PORT
GEO_ZONE=$GEO_ZONE
GEO_KNOT_PID=$(pid_of "$d" knotd-geo)
RESOLV_CONF=$d/resolv.conf
LAB_CA=$d/tls/ca.pem
DOH_PORT=$DOH_PORT
DOH_URL=https://localhost:$DOH_PORT/dns-query
DOH_CERT=$d/tls/doh.pem
DOH_BAD_PORT=$DOH_BAD_PORT
DOH_BAD_URL=https://127.0.0.1:$DOH_BAD_PORT/dns-query
DOH_BAD_CERT=$d/tls/untrusted.pem
DOT_PORT=$DOT_PORT
DOT_BAD_PORT=$DOT_BAD_PORT
DNSDIST_PID=$(pid_of "$d" dnsdist)
EOF
  tsa_env "$d" >>"$d/lab.env.tmp"
  mv -f -- "$d/lab.env.tmp" "$d/lab.env"
}

# ---------------------------------------------------------------------------------------------
# Readiness

# True when the server at PORT answers NOERROR for every lab zone and the 4 twitter.com addresses.
answers_lab_zones() {
  local port=$1 out args=() z
  for z in "${LAB_ZONES[@]}"; do args+=("$z" SOA); done
  out=$(kdig @127.0.0.1 -p "$port" +timeout=1 +retry=0 +notcp twitter.com A "${args[@]}" 2>/dev/null) || return 1
  (($(grep -c 'status: NOERROR' <<<"$out") == ${#LAB_ZONES[@]} + 1)) || return 1
  (($(grep -cE '^twitter\.com\.[[:space:]].*[[:space:]]A[[:space:]]+104\.244\.42\.' <<<"$out") == 4))
}

answers_refused() {
  kdig @127.0.0.1 -p "$1" +timeout=1 +retry=0 +notcp lab.test A 2>/dev/null | grep -q 'status: REFUSED'
}

# Waits until CHECK PORT succeeds; fails early if the process dies. Sets WAIT_FAILURE.
wait_ready() {
  local d=$1 name=$2 check=$3 port=$4 deadline=$5 pid owners owner
  pid=$(pid_of "$d" "$name")
  while :; do
    if ! is_lab_process "$pid" "$d"; then
      WAIT_FAILURE="$name exited during startup"
      return 1
    fi
    # Query only once the port is bound (a UDP query sent earlier is lost and costs a full
    # timeout), and only if nobody else shares it (SO_REUSEPORT would split the traffic).
    owners=$(port_owners "$port")
    if [[ -n $owners ]]; then
      for owner in $owners; do
        if [[ $owner != "$pid" ]]; then
          WAIT_FAILURE="port $port is shared with another process (pid $owner)"
          return 1
        fi
      done
      if "$check" "$port"; then return 0; fi
    fi
    if (($(now_ms) >= deadline)); then
      WAIT_FAILURE="$name did not answer on port $port within $((READY_TIMEOUT_MS / 1000)) s"
      return 1
    fi
    sleep 0.05
  done
}

show_logs() {
  local d=$1 f
  for f in "$d/knot.log" "$d/knot-geo.log" "$d/unbound.log" "$d/odd_server.log" "$d/tsa_server.log" \
    "$d/dnsdist.log" "$d/tls/openssl.log"; do
    [[ -s $f ]] || continue
    echo "----- $f (last 40 lines) -----" >&2
    tail -n 40 -- "$f" >&2
  done
}

# ---------------------------------------------------------------------------------------------
# Start

# One start attempt with fresh ports. Returns 0 when everything answers, 1 on failure and 2 when
# the failure looks like a port collision (worth retrying with other ports).
# (Called in an `||` list, where `set -e` does not apply: steps that can fail check explicitly.)
start_once() {
  local d=$1 deadline sockdir
  clean_dir "$d"
  mkdir -p -- "$d/run" "$d/knot/db" "$d/zones" || die "cannot create directories in $d"
  cp -- "$ZONES_SRC"/*.zone "$d/zones/" || die "cannot copy the zone files into $d/zones"
  build_odd_server "$d"

  LAB_IPV6=0
  have_ipv6_loopback && LAB_IPV6=1

  load_used_ports
  pick_port; KNOT_PORT=$PICKED
  pick_port; UNBOUND_PORT=$PICKED
  pick_port; SILENT_PORT=$PICKED
  pick_port; GARBAGE_PORT=$PICKED
  pick_port; BADID_PORT=$PICKED
  pick_port; REFUSED_PORT=$PICKED
  pick_port; SERVFAIL_PORT=$PICKED
  pick_port; MALFORMED_PORT=$PICKED
  pick_port; CLOSED_PORT=$PICKED
  pick_port; TSA_PORT=$PICKED
  pick_port; TSA_UNTRUSTED_PORT=$PICKED
  pick_port; TSA_ERROR_PORT=$PICKED
  pick_port; TSA_GARBAGE_PORT=$PICKED
  pick_port; GEO_KNOT_PORT=$PICKED
  pick_port; DOH_PORT=$PICKED
  pick_port; DOH_BAD_PORT=$PICKED
  pick_port; DOT_PORT=$PICKED
  pick_port; DOT_BAD_PORT=$PICKED

  # A unix socket path must fit in sun_path (108 bytes); deep build trees get a short one in /tmp.
  KNOT_CONTROL=$d/knot/knot.sock
  if ((${#KNOT_CONTROL} > 100)); then
    sockdir=$(mktemp -d /tmp/dnswitness-lab.XXXXXX) || die "cannot create a socket directory in /tmp"
    echo "$sockdir" >"$d/run/sockdir"
    KNOT_CONTROL=$sockdir/knot.sock
  fi

  write_knot_conf "$d" "$KNOT_CONTROL" || die "cannot write $d/knot.conf"
  make_lab_tls "$d" || { cat -- "$d/tls/openssl.log" >&2; die "cannot make the lab's TLS certificates"; }
  write_unbound_conf "$d" || die "cannot write $d/unbound.conf"
  write_geo_knot_conf "$d" || die "cannot write $d/geo/knot.conf"
  write_dnsdist_conf "$d" || die "cannot write $d/dnsdist.conf"
  printf 'nameserver 127.0.0.1\n' >"$d/resolv.conf" || die "cannot write $d/resolv.conf"

  deadline=$(($(now_ms) + READY_TIMEOUT_MS))
  WAIT_FAILURE=

  launch "$d" odd_server "$d/odd_server.log" "$d/odd_server" \
    "silent=$SILENT_PORT" "garbage=$GARBAGE_PORT" "badid=$BADID_PORT" \
    "refused=$REFUSED_PORT" "servfail=$SERVFAIL_PORT" "malformed=$MALFORMED_PORT"
  tsa_start "$d"
  launch "$d" dnsdist "$d/dnsdist.log" dnsdist --supervised --disable-syslog -C "$d/dnsdist.conf"
  launch "$d" knotd "$d/knot.log" knotd -c "$d/knot.conf"
  launch "$d" knotd-geo "$d/knot-geo.log" knotd -c "$d/geo/knot.conf"
  # Unbound starts only once Knot answers: otherwise it would mark Knot as down and back off.
  if wait_ready "$d" knotd answers_lab_zones "$KNOT_PORT" "$deadline" &&
    wait_ready "$d" knotd-geo answers_geo "$GEO_KNOT_PORT" "$deadline"; then
    launch "$d" unbound "$d/unbound.log" unbound -d -c "$d/unbound.conf"
    if wait_ready "$d" unbound answers_lab_zones "$UNBOUND_PORT" "$deadline" &&
      wait_ready "$d" odd_server answers_refused "$REFUSED_PORT" "$deadline" &&
      wait_ready "$d" tsa_server tsa_listens "$TSA_PORT" "$deadline" &&
      wait_ready "$d" unbound answers_doh "$DOH_PORT" "$deadline" &&
      wait_ready "$d" dnsdist answers_doh "$DOH_BAD_PORT" "$deadline" &&
      wait_ready "$d" unbound answers_dot "$DOT_PORT" "$deadline" &&
      wait_ready "$d" dnsdist answers_dot "$DOT_BAD_PORT" "$deadline"; then
      write_env "$d"
      return 0
    fi
  fi

  local rc=1
  if [[ $WAIT_FAILURE == *"shared with another process"* ]] ||
    grep -qis 'address already in use' "$d/knot.log" "$d/knot-geo.log" "$d/unbound.log" "$d/odd_server.log" \
      "$d/tsa_server.log" "$d/dnsdist.log"; then
    rc=2
  fi
  if ((rc == 1)); then
    log "start failed: $WAIT_FAILURE"
    show_logs "$d"
  else
    log "port collision ($WAIT_FAILURE); retrying with other ports"
  fi
  do_stop "$d" || true
  return $rc
}

do_start() {
  local d=$1 attempt rc t0
  t0=$(now_ms)
  for tool in knotd knotc kdig unbound dnsdist openssl g++ ss; do
    command -v "$tool" >/dev/null 2>&1 || export PATH="$PATH:/usr/sbin:/sbin"
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (run scripts/setup.sh)"
  done
  if [[ -d $d && -e $d/$MARKER ]]; then
    do_stop "$d" || die "cannot stop the previous lab in $d"
  fi
  # Interrupted half-way (Ctrl-C, a CTest timeout): leave nothing running behind.
  STARTING_DIR=$d
  trap 'log "interrupted, stopping"; do_stop "$STARTING_DIR" || true; exit 130' INT TERM HUP
  for attempt in 1 2 3; do
    rc=0
    start_once "$d" || rc=$?
    if ((rc == 0)); then
      trap - INT TERM HUP
      log "started in $(($(now_ms) - t0)) ms: knot 127.0.0.1@$KNOT_PORT, unbound 127.0.0.1@$UNBOUND_PORT," \
        "DoH $DOH_PORT (bad certificate $DOH_BAD_PORT), DoT $DOT_PORT (bad certificate $DOT_BAD_PORT), env $d/lab.env"
      return 0
    fi
    ((rc == 2)) || return 1
  done
  log "giving up after $attempt attempts"
  show_logs "$d"
  return 1
}

# ---------------------------------------------------------------------------------------------
# Status

do_status() {
  local d=$1 ok=1 name pid port
  if [[ ! -r $d/lab.env ]]; then
    echo "lab: not running in $d (no lab.env)"
    mapfile -t left < <(lab_pids "$d" 2>/dev/null)
    ((${#left[@]} == 0)) || echo "lab: but these lab processes are alive: ${left[*]}"
    return 1
  fi
  # shellcheck disable=SC1091
  source "$d/lab.env"
  for name in knotd knotd-geo unbound odd_server dnsdist; do
    pid=$(pid_of "$d" "$name" 2>/dev/null || true)
    if is_lab_process "$pid" "$d"; then
      echo "$name: running (pid $pid)"
    else
      echo "$name: NOT running"
      ok=0
    fi
  done
  for port in "$KNOT_PORT" "$UNBOUND_PORT"; do
    if answers_lab_zones "$port"; then
      echo "127.0.0.1@$port: answers the lab zones"
    else
      echo "127.0.0.1@$port: does NOT answer"
      ok=0
    fi
  done
  for port in "$DOH_PORT" "$DOH_BAD_PORT"; do
    if answers_doh "$port"; then
      echo "https://127.0.0.1:$port/dns-query: answers DoH"
    else
      echo "https://127.0.0.1:$port/dns-query: does NOT answer DoH"
      ok=0
    fi
  done
  if answers_refused "$REFUSED_PORT"; then
    echo "odd_server refused@$REFUSED_PORT: answers REFUSED"
  else
    echo "odd_server refused@$REFUSED_PORT: does NOT answer"
    ok=0
  fi
  echo "--- $d/lab.env"
  cat "$d/lab.env"
  ((ok))
}

# ---------------------------------------------------------------------------------------------

(($# == 2)) || usage
command=$1
dir=$(resolve_dir "$2")
case $command in
  start) do_start "$dir" ;;
  stop) do_stop "$dir" ;;
  status) do_status "$dir" ;;
  *) usage ;;
esac
