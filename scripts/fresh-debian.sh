#!/usr/bin/env bash
# Checks the README's promises on a pristine Debian 12, not on a machine set up by hand:
#
#   ci    debootstrap a minbase bookworm root, clone this repository's committed HEAD into it
#         (plus ../shared when it sits beside the clone, as in CI), chroot, run `.ci/run`.
#   deb   in that root, build the Debian package (scripts/package.sh); then in a second pristine
#         root install it with apt, run `dnswitness --version` and a snapshot against the test lab
#         as the dnswitness user, verify the ledger, remove and purge the package, and check that
#         the ledger is still there.
#
# Usage (as root): scripts/fresh-debian.sh [prepare|ci|deb|all] [WORKDIR]   (prepare: only debootstrap)
#   default: all, WORKDIR /var/tmp/dnswitness-fresh (reused: the pristine root is debootstrapped
#   once and copied for each check; remove WORKDIR to start over). DNSWITNESS_MIRROR overrides the
#   Debian mirror (default: http://deb.debian.org/debian). Logs: WORKDIR/ci.log, WORKDIR/deb.log.
#
# Network: apt downloads packages from the mirror; the tests and the snapshot only talk to the lab
# on loopback (a chroot shares the host's network, so nothing else may listen on the lab's ports).
set -euo pipefail

what=${1:-all}
case $what in prepare | ci | deb | all) ;; *) echo "usage: scripts/fresh-debian.sh [prepare|ci|deb|all] [WORKDIR]" >&2; exit 2 ;; esac
work=${2:-/var/tmp/dnswitness-fresh}
mirror=${DNSWITNESS_MIRROR:-http://deb.debian.org/debian}
repo=$(cd "$(dirname "$0")/.." && pwd)

say() { echo "fresh-debian: $*" >&2; }
die() { say "$*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot and mounts); run it with sudo."
[[ -z $(git -C "$repo" status --porcelain --untracked-files=no) ]] ||
  say "note: uncommitted changes in $repo are NOT tested; only the committed HEAD is cloned."
command -v debootstrap >/dev/null || {
  say "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}
mkdir -p "$work"

mounted=()
mount_into() {  # ROOT: what a chroot needs to build and test (processes, devices, ptys, /dev/shm)
  local r=$1
  # The root a mount point of its own, as on a real machine: `unshare -m` (the fault tests) makes
  # the mounts of / private and fails on a plain folder.
  mount --bind "$r" "$r" && mounted+=("$r")
  mount -t proc proc "$r/proc" && mounted+=("$r/proc")
  mount -t sysfs sysfs "$r/sys" && mounted+=("$r/sys")
  mount --bind /dev "$r/dev" && mounted+=("$r/dev")
  mount --bind /dev/pts "$r/dev/pts" && mounted+=("$r/dev/pts")
  mount -t tmpfs tmpfs "$r/dev/shm" && mounted+=("$r/dev/shm")
  mount -t tmpfs tmpfs "$r/run" && mounted+=("$r/run")
  cp /etc/resolv.conf "$r/etc/resolv.conf"  # apt reaches the mirror by name
}
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT

# A command in ROOT, as a fresh login would have it: no variables of this shell leak in.
in_root() {
  local r=$1
  shift
  chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin bash -c "cd /work/main 2>/dev/null || cd /; $*"
}

pristine=$work/pristine
if [[ ! -e $pristine/.complete ]]; then
  rm -rf "$pristine"
  say "debootstrap --variant=minbase bookworm from $mirror (a few minutes)"
  debootstrap --variant=minbase bookworm "$pristine" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $work/debootstrap.log"
  # The same suites a Debian 12 installation has: bookworm, its updates, its security fixes.
  cat >"$pristine/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
  touch "$pristine/.complete"
fi

fresh_root() {  # NAME: a new copy of the pristine root
  local r=$work/$1
  # Never delete through a mount left behind (the host's /dev or /proc would go with it).
  if awk -v r="$r" '$2 == r || index($2, r "/") == 1 {found = 1} END {exit !found}' /proc/mounts; then
    die "something is still mounted under $r; unmount it (umount -R $r) and try again."
  fi
  rm -rf --one-file-system "$r"
  cp -a "$pristine" "$r"
  rm -f "$r/.complete"
  echo "$r"
}

ci_root=$work/ci
run_ci() {
  ci_root=$(fresh_root ci)
  mkdir -p "$ci_root/work"
  git clone -q --no-local "$repo" "$ci_root/work/main"
  if [[ -d $repo/../shared ]]; then cp -a "$repo/../shared" "$ci_root/work/shared"; fi
  say "commit $(git -C "$ci_root/work/main" rev-parse --short HEAD) cloned into $ci_root/work/main"
  mount_into "$ci_root"
  # A pristine Debian has no git or sudo yet: .ci/run must install everything itself.
  say ".ci/run in the pristine root (log: $work/ci.log)"
  local t0=$SECONDS
  if in_root "$ci_root" ".ci/run" >"$work/ci.log" 2>&1; then
    say ".ci/run passed in $((SECONDS - t0)) s"
    touch "$ci_root/.ci-passed"
  else
    tail -60 "$work/ci.log" >&2
    die ".ci/run FAILED after $((SECONDS - t0)) s; see $work/ci.log"
  fi
}

run_deb() {
  # The package is built in a root where .ci/run passed (every package it needs is installed there).
  if [[ ! -e $ci_root/.ci-passed ]]; then
    say "the deb check builds in the ci root; running ci first"
    run_ci
  fi
  [[ -e $ci_root/proc/self ]] || mount_into "$ci_root"
  local r
  r=$(fresh_root deb)
  mount_into "$r"
  say "package check (log: $work/deb.log)"
  deb_steps "$r" 2>&1 | tee "$work/deb.log"
  say "package check passed"
}

# Runs under set -e (not in an || list, which would switch it off): the first failure stops it.
deb_steps() {
  local r=$1
  (
    say "building the package in $ci_root"
    in_root "$ci_root" "scripts/package.sh"
    local deb
    deb=$(cd "$ci_root/work/main/build-deb" && ls dnswitness_*_amd64.deb)
    say "package: $deb"
    dpkg-deb --info "$ci_root/work/main/build-deb/$deb"
    dpkg-deb --contents "$ci_root/work/main/build-deb/$deb"

    cp "$ci_root/work/main/build-deb/$deb" "$r/tmp/"
    say "installing $deb into a pristine root with apt"
    in_root "$r" "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/$deb"
    in_root "$r" "dnswitness --version"
    in_root "$r" "id dnswitness && stat -c '%U %a %n' /var/lib/dnswitness && man -w dnswitness 2>/dev/null || ls /usr/share/man/man1/dnswitness.1.gz"
    in_root "$r" "ls /usr/share/doc/dnswitness /usr/share/dnswitness/presets /lib/systemd/system/dnswitness.* /etc/cron.d/dnswitness"

    say "starting the test lab (in the ci root, on loopback)"
    trap 'in_root "$ci_root" "tests/lab/lab.sh stop /tmp/lab" >/dev/null 2>&1 || true' EXIT
    in_root "$ci_root" "tests/lab/lab.sh start /tmp/lab"
    local knot
    knot=$(in_root "$ci_root" ". /tmp/lab/lab.env && echo \$KNOT_PORT")
    say "a snapshot as the dnswitness user into /var/lib/dnswitness, against the lab's Knot on port $knot"
    in_root "$r" "runuser -u dnswitness -- env DNSWITNESS_HOME=/var/lib/dnswitness dnswitness resolve-snapshot \
      --resolver knot=127.0.0.1:$knot --ntp none --domains x.com,t.co --types A"
    in_root "$r" "runuser -u dnswitness -- env DNSWITNESS_HOME=/var/lib/dnswitness dnswitness verify-ledger"
    # The libraries opened on first use (src/ondemand/) are in the package's Depends by name, which
    # dpkg-shlibdeps cannot check: a report with its PDF opens pango and cairo.
    say "a report with its PDF from that ledger (pango and cairo, opened on first use)"
    in_root "$r" "runuser -u dnswitness -- env DNSWITNESS_HOME=/var/lib/dnswitness dnswitness report \
      --at \$(date -u +%Y-%m-%dT%H:%M:%SZ) --domains x.com,t.co --out /tmp/report-check && ls /tmp/report-check/*.pdf"
    in_root "$r" "runuser -u dnswitness -- dnswitness verify /tmp/report-check/report.json"

    say "removing, then purging the package: the ledger must stay"
    in_root "$r" "DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq dnswitness"
    in_root "$r" "test ! -e /usr/bin/dnswitness && test -s /var/lib/dnswitness/ledger.sqlite"
    in_root "$r" "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq dnswitness"
    in_root "$r" "test -s /var/lib/dnswitness/ledger.sqlite && test -d /var/lib/dnswitness/keys && ls -l /var/lib/dnswitness"
  )
}

case $what in
  prepare) ;;
  ci) run_ci ;;
  deb) run_deb ;;
  all)
    run_ci
    run_deb
    ;;
esac
