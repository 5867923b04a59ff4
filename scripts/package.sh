#!/usr/bin/env bash
# Builds the Debian package build-deb/dnswitness_<version>_amd64.deb: a Release build without
# tests, installed under /usr, packed by CPack (cmake/Package.cmake). Needs dpkg-dev (dpkg-shlibdeps)
# and file, which `scripts/setup.sh --dev` installs. Install the result with
#   sudo apt install ./build-deb/dnswitness_*_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-deb
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DDNSWITNESS_TESTS=OFF >/dev/null
cmake --build "$dir" -j"$(nproc)"
(cd "$dir" && cpack -G DEB >/dev/null)
ls "$dir"/dnswitness_*_amd64.deb
