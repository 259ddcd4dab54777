#!/usr/bin/env bash
# Installs what building, testing and benchmarking kekkai needs on Debian 12.
# Run as root (or with sudo available). Safe to run again: apt-get skips what is
# already installed.
set -euo pipefail

if [[ $(id -u) == 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null; then
  SUDO=(sudo)
else
  echo "install-deps.sh: run as root (or install sudo)" >&2
  exit 1
fi

APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)

# Build: meson, ninja, the compilers and static glibc (the test guests are static).
# Libraries: libseccomp, Boost.Context, xxHash, GoogleTest/GoogleMock, Google
# Benchmark. Tests run Debian's static busybox in the sandbox.
PACKAGES=(
  meson ninja-build g++ gcc pkg-config libc6-dev
  libseccomp-dev libboost-context-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  busybox-static
  # Real programs the end-to-end tests run as guests (python3 scripts, sqlite3
  # with a write-ahead log).
  python3 sqlite3
)

"${APT[@]}" update
"${APT[@]}" install -y --no-install-recommends "${PACKAGES[@]}"

# gVisor's runsc is only needed by bench/compare.sh, for comparison.
"${APT[@]}" install -y --no-install-recommends runsc ||
  echo "install-deps.sh: runsc not installed (optional: only bench/compare.sh uses it)" >&2
