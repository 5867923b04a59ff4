#!/usr/bin/env bash
# The hostile-input and fault attacks of issue 15, tried again on every CI run.
#
#   tests/attack/attack.sh DNSWITNESS_BINARY LAB_ENV
#
# Each case runs one dnswitness command against a scratch folder and checks what a user must get:
#   - the exit code (2 for bad input, 4 for a ledger that contradicts its signed tree heads...);
#   - one plain sentence on stderr matching the case's pattern, never "internal error", never a raw
#     control character (ESC, BEL...) from the input;
#   - nothing written: the scratch folder (ledger, outputs) is byte for byte what it was, unless
#     the case says otherwise.
# Every case is tried even when one fails; the script exits 1 if any failed and prints each
# failure with the command's stderr. Network: only the lab's Knot on loopback (LAB_ENV).
set -uo pipefail

bin=${1:?usage: attack.sh DNSWITNESS_BINARY LAB_ENV}
lab_env=${2:?usage: attack.sh DNSWITNESS_BINARY LAB_ENV}
# shellcheck disable=SC1090
. "$lab_env"
bin=$(realpath "$bin")

work=$(mktemp -d /tmp/dnswitness-attack.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/home" "$work/xdg"
# Nothing from this machine: no system or user config, no real crontab, no NTP server off the box.
export HOME=$work/home XDG_CONFIG_HOME=$work/xdg XDG_DATA_HOME=$work/home/data
export DNSWITNESS_SYSTEM_CONFIG= DNSWITNESS_NTP=none DNSWITNESS_CRONTAB_FILE=$work/crontab
export DNSWITNESS_HOME=$work/ledger
# Under AddressSanitizer (CI), LeakSanitizer lists the suppressions it used on stderr at exit; the
# cases check stderr, so that list is switched off (the leak check itself stays on).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0"
lab=(--resolver "$KNOT_ADDR:$KNOT_PORT" --ntp none)
s=$work/scratch  # each case's own folder, made fresh
mkdir -p "$s"

cases=0
failed=()

# A listing of every file under the scratch folder and the ledger with size, mode and contents hash.
# Left out: SQLite's shared-memory index (-shm) and an empty write-ahead log, which SQLite itself
# makes when any reader opens a WAL database, read-only included; they hold no ledger data.
state() {
  (cd "$work" && find scratch ledger \( -name '*-shm' -o \( -name '*-wal' -empty \) \) -prune -o \
     -printf '%p %y %m %s\n' 2>/dev/null | sort
   find scratch ledger \( -name '*-shm' -o \( -name '*-wal' -empty \) \) -prune -o -type f \
     -exec sha256sum {} + 2>/dev/null | sort)
}

# attempt NAME CODE PATTERN [--writes] -- COMMAND...
#   Runs COMMAND (dnswitness with its arguments) in $s with a 20 s limit and checks the exit code,
#   that stderr matches the extended regular expression PATTERN (empty: stderr must be empty), and (without --writes) that
#   nothing under the scratch folder or the ledger changed.
attempt() {
  local name=$1 code=$2 pattern=$3 writes=0
  shift 3
  [[ $1 == --writes ]] && writes=1 && shift
  [[ $1 == -- ]] && shift
  ((cases++))
  local before after rc problems=()
  before=$(state)
  (cd "$s" && timeout -k 5 20 "$@" >"$work/out" 2>"$work/err" </dev/null)
  rc=$?
  after=$(state)
  ((rc == code)) || problems+=("exit code $rc, expected $code")
  if [[ -z $pattern ]]; then
    [[ -s $work/err ]] && problems+=("stderr is not empty")
  else
    grep -Eq -- "$pattern" "$work/err" || problems+=("stderr does not match /$pattern/")
  fi
  grep -q "internal error" "$work/err" && problems+=("stderr reports an internal error")
  LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$work/err" && problems+=("stderr holds a raw control character")
  ((writes == 0)) && [[ $before != "$after" ]] && problems+=("files were written or changed")
  if ((${#problems[@]})); then
    failed+=("$name")
    printf 'FAIL %s: %s\n  command: %s\n  stderr: %s\n' "$name" "$(IFS=';'; echo "${problems[*]}")" \
      "$(printf '%q ' "$@" | cut -c1-300)" "$(head -c 600 "$work/err" | cat -v)" >&2
  else
    printf 'ok   %-48s exit %d: %s\n' "$name" "$rc" "$(head -n1 "$work/err" | cut -c1-150)"
  fi
}

# A ledger with one run in it, for the cases that need one.
"$bin" resolve-snapshot "${lab[@]}" --domains x.com,t.co >/dev/null 2>"$work/err" ||
  { echo "attack.sh: the first snapshot against the lab failed: $(cat "$work/err")" >&2; exit 1; }
resolver="$KNOT_ADDR#$KNOT_PORT"
window=(--from 2000-01-01T00:00:00Z --until 2100-01-01T00:00:00Z)

echo "== bad input: exit 2, one sentence, nothing written"
attempt report-resolver-typo 2 "names no resolver of this ledger; it has .*$resolver" \
  -- "$bin" report --resolver typo --out "$s/r" "${window[@]}"
# A word after --domains is a name to resolve (as dig takes names), so it must be one.
attempt domains-extra-word 2 "'ty po' is not a valid domain name" \
  -- "$bin" resolve-snapshot "${lab[@]}" --domains x.com 'ty po'
printf '{"domains": []}\n' >"$work/empty-domains.json"
attempt config-empty-domains 2 "'domains' is an empty list" \
  -- "$bin" resolve-snapshot "${lab[@]}" --config "$work/empty-domains.json"
printf '{"resolvers": []}\n' >"$work/empty-resolvers.json"
attempt config-empty-resolvers 2 "'resolvers' is an empty list" \
  -- "$bin" resolve-snapshot --ntp none --config "$work/empty-resolvers.json"
printf '{"domains": ["x.com"], "domains": ["t.co"]}\n' >"$work/twice.json"
attempt config-duplicate-key 2 "gives the setting 'domains' more than once" \
  -- "$bin" resolve-snapshot "${lab[@]}" --config "$work/twice.json"
attempt config-folder 2 "is a folder" -- "$bin" resolve-snapshot "${lab[@]}" --config /tmp
mkfifo "$work/fifo.json"
attempt config-fifo 2 "not a regular file" -- "$bin" resolve-snapshot "${lab[@]}" --config "$work/fifo.json"
attempt empty-origin 2 "^--origin: (the value is empty|The origin cannot name a ledger)" -- "$bin" resolve-snapshot "${lab[@]}" --origin ""
attempt empty-out 2 "^--out: the value is empty" -- "$bin" resolve-snapshot "${lab[@]}" --json --out ""
attempt empty-verifier-key 2 "^--verifier-key: the value is empty" -- "$bin" verify-ledger --verifier-key ""
attempt empty-tz 2 "^--tz: the value is empty" -- "$bin" report --tz "" --at 2026-01-01T00:00:00Z --out "$s/r"
attempt empty-interval 2 "^--interval: the value is empty" -- "$bin" status --interval ""
attempt empty-ledger 2 "^--ledger: the value is empty" -- "$bin" history --ledger "" x.com
long_origin=$(head -c 100000 /dev/zero | tr '\0' a)
attempt origin-100kb 2 "100000 bytes long; .* at most 255 bytes" \
  -- "$bin" resolve-snapshot "${lab[@]}" --origin "$long_origin" --ledger "$s/new"
attempt origin-invalid-creates-nothing 2 "cannot name a ledger" \
  -- "$bin" resolve-snapshot "${lab[@]}" --origin "bad origin" --ledger "$s/new"
attempt keygen-origin-invalid 2 "cannot name a ledger" -- "$bin" keygen --origin "a+b" --ledger "$s/new"
attempt reindex-ledger-typo 2 "no ledger" -- "$bin" reindex --ledger "$s/TYPO"
attempt case-not-utf8 2 "^--case: .*not UTF-8 \(shown escaped: \\\\xFF\)" \
  -- "$bin" report --case $'\xff' --out "$s/r" "${window[@]}"
attempt case-control-chars 2 "^--case: holds a control character" \
  -- "$bin" report --case $'Case \e[2J\a1' --out "$s/r" "${window[@]}"
attempt logins-dev-zero 2 "/dev/zero is not a regular file" -- "$bin" logins /dev/zero
attempt report-logins-dev-zero 2 "/dev/zero is not a regular file" -- "$bin" report --logins /dev/zero --out "$s/r"
attempt domains-file-dev-zero 2 "/dev/zero is not a regular file" \
  -- "$bin" resolve-snapshot "${lab[@]}" --domains-file /dev/zero
head -c $((8 * 1024 * 1024 + 1)) /dev/zero | tr '\0' '\n' >"$work/huge.txt"
attempt logins-over-8mib 2 "larger than 8192 KiB" -- "$bin" logins "$work/huge.txt"
printf '{\n  "loginIp" : "192.0.2.17",\n  "createdAt" : "2023-11-01T03:25:06.8\n}\n' >"$work/cut.txt"
attempt createdat-cut-off 2 "createdAt value '2023-11-01T03:25:06.8' has no closing quote" -- "$bin" logins "$work/cut.txt"
printf '{\n  "loginIp" : "192.0.2.1\n  "createdAt" : "2023-11-01T03:25:06.000Z"\n}\n' >"$work/cut-ip.txt"
attempt loginip-cut-off 2 "loginIp value '192.0.2.1' has no closing quote" -- "$bin" logins "$work/cut-ip.txt"
printf 'time,created_at,ip\n2023-11-01T03:25:06Z,2023-01-02T00:00:00Z,192.0.2.1\n' >"$work/two-times.csv"
attempt csv-two-time-columns 2 "two time columns, 'time' \(column 1\) and 'created_at' \(column 2\)" \
  -- "$bin" logins "$work/two-times.csv"
printf 'time,ip,loginIp\n2023-11-01T03:25:06Z,192.0.2.1,192.0.2.2\n' >"$work/two-ips.csv"
attempt csv-two-ip-columns 2 "two source IP columns" -- "$bin" logins "$work/two-ips.csv"
printf '2023-11-01T03:25:06Z\n\e]0;title\aline\e[31m\n' >"$work/escape.txt"
attempt logins-line-escapes 2 "line 2: .*\\\\x1B\]0;title\\\\x07line\\\\x1B\[31m" -- "$bin" logins "$work/escape.txt"
attempt name-escaped 2 "'\\\\x1B\[2Jx' is not a valid domain name" -- "$bin" resolve-snapshot "${lab[@]}" $'\e[2Jx'

echo "== control characters from a login file never reach people's outputs raw"
printf 'time,ip,account\n%s,192.0.2.1,"evil\e[2J\u202eacct"\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/accounts.csv"
attempt logins-account-escaped 0 "" -- "$bin" logins "$work/accounts.csv"
if LC_ALL=C grep -q $'\e' "$work/out" || ! grep -q 'evil\\x1B\[2J\\u{202E}acct' "$work/out"; then
  failed+=(logins-account-table); echo "FAIL logins-account-table: the table shows the account raw" >&2
fi
cp "$work/accounts.csv" "$work/"$'bad\e[1mname.csv'
attempt report-escapes 0 "" --writes \
  -- "$bin" report --logins "$work/"$'bad\e[1mname.csv' --case 'Case 1' --out "$s/report"
for f in "$s/report/evidence-description.txt" "$s/report/report.json"; do
  LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$f" && { failed+=("raw-control-in-$(basename "$f")"); echo "FAIL: $f holds a raw control character" >&2; }
done
pdf=$(find "$s/report" -name '*.pdf' | head -n1)
if [[ -z $pdf ]]; then
  failed+=(report-pdf-missing); echo "FAIL: no PDF written" >&2
else
  text=$(pdftotext "$pdf" - 2>/dev/null; pdfinfo "$pdf" 2>/dev/null)
  LC_ALL=C grep -q $'[\x01-\x08\x0b\x0e-\x1f\x7f]' <<<"$text" && { failed+=(report-pdf-control); echo "FAIL: the PDF holds a raw control character" >&2; }
  grep -q 'evil\\x1B\[2J\\u{202E}acct' <<<"$text" || { failed+=(report-pdf-account); echo "FAIL: the PDF does not show the account escaped" >&2; }
fi
rm -rf "$s/report"

echo "== schedule status reads the ledger the installed entry writes to"
mkdir -p "$work/other"
"$bin" schedule install --cron --every 10m --ledger "$work/other/led%ger" "${lab[@]}" >/dev/null 2>&1
"$bin" resolve-snapshot "${lab[@]}" --domains x.com --ledger "$work/other/led%ger" >/dev/null 2>&1
attempt schedule-status-ledger 0 "" -- "$bin" schedule status
grep -q "ledger $work/other/led%ger\$" "$work/out" ||
  { failed+=(schedule-status-which-ledger); echo "FAIL schedule-status-which-ledger: $(grep 'last run' "$work/out")" >&2; }
"$bin" schedule remove >/dev/null 2>&1

echo "== a planted symlink is replaced, never written through"
echo "victim" >"$work/victim"
ln -s "$work/victim" "$s/out.json"
attempt symlink-json 0 "recorded in the ledger" --writes -- "$bin" resolve-snapshot "${lab[@]}" --domains x.com --json --out "$s/out.json"
[[ $(cat "$work/victim") == victim && -f $s/out.json && ! -L $s/out.json ]] ||
  { failed+=(symlink-json-victim); echo "FAIL symlink-json-victim: the file behind the symlink changed" >&2; }
rm -f "$s/out.json"

echo "== the ledger's guard: never a second tree under the same key"
cp -a "$DNSWITNESS_HOME" "$work/guarded"
: >"$work/guarded/ledger.sqlite"
rm -f "$work/guarded/ledger.sqlite-wal" "$work/guarded/ledger.sqlite-shm"
mv "$work/guarded" "$s/guarded"
attempt guard-emptied-db 4 "signed .*tree head.* is empty" -- "$bin" resolve-snapshot "${lab[@]}" --ledger "$s/guarded"
rm -f "$s/guarded/ledger.sqlite"
attempt guard-deleted-db 4 "does not exist" -- "$bin" resolve-snapshot "${lab[@]}" --ledger "$s/guarded"
rm -rf "$s/guarded"

echo "== keys readable by others are named"
cp -a "$DNSWITNESS_HOME" "$s/open"
chmod 0644 "$s/open/keys/ledger.key"
attempt key-mode-0644 0 "has mode 0644, so other users may read it" --writes -- "$bin" resolve-snapshot "${lab[@]}" --domains x.com --ledger "$s/open"
rm -rf "$s/open"

echo "== a clock outside 2000..2262 is refused before anything is recorded"
faketime_lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
if [[ -e $faketime_lib ]]; then
  for at in "1970-01-02 00:00:00" "2263-01-01 00:00:00"; do
    # ASAN_OPTIONS: under AddressSanitizer (CI) the preloaded library comes before ASan's runtime.
    attempt "clock-${at%% *}" 1 "clock" -- env LD_PRELOAD=$faketime_lib FAKETIME="@$at" DONT_FAKE_MONOTONIC=1 \
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0" \
      "$bin" resolve-snapshot "${lab[@]}" --domains x.com
  done
else
  failed+=(libfaketime-missing); echo "FAIL: libfaketime is missing (scripts/setup.sh --dev installs it)" >&2
fi

echo "== $cases cases, ${#failed[@]} failed"
((${#failed[@]} == 0)) || { printf 'failed: %s\n' "${failed[*]}" >&2; exit 1; }
