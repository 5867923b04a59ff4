#!/usr/bin/env bash
# Serves a published dnswitness log folder with nginx (Debian nginx-light) on a loopback port, using
# the server block docs/public-log.md documents (the same one the tests run), for trying the public
# log on one machine. A real deployment puts that block into /etc/nginx/sites-available instead.
#
#   scripts/serve-log.sh start FOLDER PORT     # nginx in the background; prints the log's URL
#   scripts/serve-log.sh stop PORT
#
# nginx's config, pid file and logs live in ${TMPDIR:-/tmp}/dnswitness-serve-PORT/. Listens on
# 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: scripts/serve-log.sh start FOLDER PORT | stop PORT" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
case $1 in
  start)
    [[ $# -eq 3 ]] || usage
    folder=$(realpath -- "$2"); port=$3 ;;
  stop)
    [[ $# -eq 2 ]] || usage
    port=$2 ;;
  *) usage ;;
esac
[[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || { echo "serve-log: '$port' is not a TCP port" >&2; exit 2; }
work=${TMPDIR:-/tmp}/dnswitness-serve-$port
nginx=/usr/sbin/nginx
[[ -x $nginx ]] || nginx=$(command -v nginx || true)

if [[ $1 == stop ]]; then
  if [[ -f $work/nginx.pid ]]; then
    kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [[ -f $work/nginx.pid ]] || break; sleep 0.1; done
  fi
  echo "stopped the log server on port $port"
  exit 0
fi

[[ -n $nginx ]] || { echo "serve-log: nginx is not installed; run scripts/setup.sh --dev (it installs nginx-light)" >&2; exit 1; }
[[ -f $folder/checkpoint ]] || { echo "serve-log: $folder holds no checkpoint; run 'dnswitness publish --to $folder' first" >&2; exit 2; }
[[ $folder != *[\"\;\ ]* ]] || { echo "serve-log: the folder name may not contain spaces, quotes or ';'" >&2; exit 2; }
mkdir -p "$work/tmp"
block=$(sed -n '/<!-- BEGIN nginx server block (tested) -->/,/<!-- END nginx server block (tested) -->/p' docs/public-log.md |
  sed '1,2d;$d' | sed '$d')
block=${block/    listen 80;/    listen 127.0.0.1:$port;}
block=${block/    root \/var\/www\/dnswitness-log;/    root \"$folder\";}
user_line=""
[[ $(id -u) -eq 0 ]] && user_line="user root;"   # the workers must read the folder as its owner does
cat > "$work/nginx.conf" <<CONF
$user_line
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 64; }
http {
  access_log $work/access.log;
  client_body_temp_path $work/tmp/body;
  proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi;
  scgi_temp_path $work/tmp/scgi;
$block
}
CONF
"$nginx" -p "$work/" -e "$work/error.log" -c "$work/nginx.conf"
echo "serving $folder at http://127.0.0.1:$port (nginx; logs in $work; stop: scripts/serve-log.sh stop $port)"
