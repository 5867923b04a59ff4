#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for trying the fleet collector on one machine (docs/fleet.md): initdb and
# pg_ctl in FOLDER, as the unprivileged postgres user when run as root (PostgreSQL refuses root),
# listening only on a Unix socket in FOLDER (no TCP port), with fsync off. Not for real data: a
# real collector uses the system's PostgreSQL cluster, its backups and its replica.
#
#   scripts/pg-lab.sh start FOLDER    # prints the --db string to give dnswitness collector
#   scripts/pg-lab.sh stop FOLDER
set -euo pipefail
usage() { echo "usage: scripts/pg-lab.sh start FOLDER | stop FOLDER" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
bin=/usr/lib/postgresql/15/bin
[[ -x $bin/initdb ]] || { echo "pg-lab: PostgreSQL 15 is missing; run scripts/setup.sh --dev" >&2; exit 1; }
as_owner=()
if [[ $(id -u) -eq 0 ]]; then as_owner=(runuser -u postgres --); fi
dir=$(realpath -m -- "$2")
case $1 in
  start)
    if [[ ! -d $dir/data ]]; then
      mkdir -p -- "$dir"
      [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
      "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
    fi
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-k '$dir' -c listen_addresses='' -c fsync=off" start >/dev/null
    echo "host=$dir user=postgres dbname=postgres"
    ;;
  stop)
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  *) usage ;;
esac
