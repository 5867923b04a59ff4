#!/bin/sh
# Writes the dnswitness(1) man page from the binary's own --help texts: help2man for the main
# page (when installed), plus one section holding every command's --help, so the page never
# disagrees with the program, and the hand-written EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES and
# SEE ALSO sections of cmake/dnswitness.h2m. Usage: cmake/man_page.sh BINARY OUTPUT
set -eu
bin=$1
out=$2
sections=$(dirname "$0")/dnswitness.h2m
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
commands=$("$bin" --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {on = 0} on && /^  [a-z]/ {print $1}')
{
  echo '[COMMANDS IN DETAIL]'
  for c in $commands; do
    echo '.SS'" $c"
    echo '.nf'
    "$bin" "$c" --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"
    echo '.fi'
  done
  cat "$sections"
} >"$tmp/include"
if command -v help2man >/dev/null 2>&1; then
  help2man --no-info --name='record and prove what DNS said about X domains' \
    --section=1 --include="$tmp/include" --output="$tmp/page" "$bin"
else
  # Without help2man: the same texts in a plain page.
  {
    echo '.TH DNSWITNESS 1'
    echo '.SH NAME'
    echo 'dnswitness \- record and prove what DNS said about X domains'
    echo '.SH DESCRIPTION'
    echo '.nf'
    "$bin" --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./'
    echo '.fi'
    sed -e 's/^\[\(.*\)\]$/.SH \1/' "$tmp/include"
  } >"$tmp/page"
fi
mv -f "$tmp/page" "$out"
