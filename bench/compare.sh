#!/usr/bin/env bash
# Compares kekkai with native execution and gVisor's runsc, side by side in one
# run, each pinned to one vCPU (taskset -c 0):
#   - the getpid round trip: a plain C loop of raw getpid syscalls in the guest
#     (tests/guests/getpid_loop.c), reported in µs per call;
#   - the start of a static `true` (tests/guests/true.c): wall time of a whole
#     run, median of START_RUNS runs, in ms.
# Prints a markdown table with the ratios kekkai/native and kekkai/runsc.
#
# Usage: bench/compare.sh [BUILD_DIR]    (default: build; it builds nothing —
#        run `ninja -C build` first).
# Environment: NATIVE_ITERS (1000000), SANDBOX_ITERS (20000), GETPID_RUNS (3,
#        the median is kept), START_RUNS (20), CPU (0), KEKKAI (the binary).
# runsc needs root; where it is missing or fails the script says
# `runsc: unavailable (<reason>)` and goes on.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${1:-build}
NATIVE_ITERS=${NATIVE_ITERS:-1000000}
SANDBOX_ITERS=${SANDBOX_ITERS:-20000}
GETPID_RUNS=${GETPID_RUNS:-3}
START_RUNS=${START_RUNS:-20}
CPU=${CPU:-0}

die() { echo "compare.sh: $*" >&2; exit 1; }

GETPID_LOOP=$BUILD/tests/guests/getpid_loop
TRUE_BIN=$BUILD/tests/guests/true
[[ -x $GETPID_LOOP && -x $TRUE_BIN ]] ||
  die "$GETPID_LOOP or $TRUE_BIN is missing: build first (ninja -C $BUILD)"
GETPID_LOOP=$(realpath "$GETPID_LOOP")
TRUE_BIN=$(realpath "$TRUE_BIN")
command -v taskset >/dev/null || die "taskset is missing (package util-linux)"

if [[ -z ${KEKKAI:-} ]]; then
  for candidate in "$BUILD/kekkai" "$BUILD/runtime/kekkai"; do
    if [[ -x $candidate ]]; then KEKKAI=$candidate; break; fi
  done
fi
KEKKAI=${KEKKAI:-$BUILD/kekkai}

pin() { taskset -c "$CPU" "$@"; }

# Prints the median of the numbers on stdin.
median() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) exit 1
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Runs a getpid loop GETPID_RUNS times with the given launcher prefix; prints the
# median µs per call, or fails with the reason on stdout.
getpid_us() {
  local iters=$1; shift
  local samples=() out err status
  err=$(mktemp)
  for ((i = 0; i < GETPID_RUNS; i++)); do
    status=0
    out=$(pin "$@" "$GETPID_LOOP" "$iters" 2>"$err") || status=$?
    if ((status != 0)); then
      echo "exit $status: $(tail -n 1 "$err")"; rm -f "$err"; return 1
    fi
    local ns
    ns=$(awk '$1 == "ns_per_call" { print $2 }' <<<"$out")
    if [[ -z $ns ]]; then
      echo "no ns_per_call in output: ${out:0:80} $(tail -n 1 "$err")"; rm -f "$err"; return 1
    fi
    samples+=("$(awk -v ns="$ns" 'BEGIN { printf "%.6f\n", ns / 1000 }')")
  done
  rm -f "$err"
  printf '%s\n' "${samples[@]}" | median
}

# Starts the static true START_RUNS times with the given launcher prefix; prints
# the median wall time in ms, or fails with the reason on stdout.
start_ms() {
  local samples=() t0 t1 err status
  err=$(mktemp)
  for ((i = 0; i < START_RUNS; i++)); do
    t0=$EPOCHREALTIME
    status=0
    pin "$@" "$TRUE_BIN" >/dev/null 2>"$err" || status=$?
    t1=$EPOCHREALTIME
    if ((status != 0)); then
      echo "exit $status: $(tail -n 1 "$err")"; rm -f "$err"; return 1
    fi
    samples+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }')")
  done
  rm -f "$err"
  printf '%s\n' "${samples[@]}" | median
}

# Prints a/b as "12.3×", or n/a.
ratio() {
  if [[ $1 == n/a || $2 == n/a ]]; then echo "n/a"; return; fi
  awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else if (a / b >= 10) printf "%.0f×\n", a / b; else printf "%.2f×\n", a / b }'
}

fmt() {
  if [[ $1 == n/a ]]; then echo "n/a"; else awk -v v="$1" -v d="$2" 'BEGIN { printf "%.*f\n", d, v }'; fi
}

echo "# kekkai vs native vs runsc — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "host: $(uname -sr), $(nproc) vCPU, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "all runs pinned with taskset -c $CPU; getpid: $NATIVE_ITERS calls native, $SANDBOX_ITERS sandboxed, median of $GETPID_RUNS runs; start: median of $START_RUNS runs (wall time of taskset + launcher + program)"

native_getpid=$(getpid_us "$NATIVE_ITERS") || die "native getpid loop failed: $native_getpid"
native_start=$(start_ms) || die "native true failed: $native_start"

kekkai_getpid=n/a kekkai_start=n/a
if [[ ! -x $KEKKAI ]]; then
  echo "kekkai: unavailable ($KEKKAI not built)"
elif ! kekkai_getpid=$(getpid_us "$SANDBOX_ITERS" "$KEKKAI" run --platform=ptrace --); then
  echo "kekkai: unavailable (getpid loop: $kekkai_getpid)"
  kekkai_getpid=n/a
elif ! kekkai_start=$(start_ms "$KEKKAI" run --platform=ptrace --); then
  echo "kekkai: unavailable (true: $kekkai_start)"
  kekkai_start=n/a
fi

runsc_getpid=n/a runsc_start=n/a
RUNSC=(runsc --network=none --platform=ptrace do)
if ! command -v runsc >/dev/null; then
  echo "runsc: unavailable (not installed; apt-get install runsc)"
elif [[ $(id -u) != 0 ]]; then
  echo "runsc: unavailable (runsc do needs root)"
elif ! runsc_getpid=$(getpid_us "$SANDBOX_ITERS" "${RUNSC[@]}"); then
  echo "runsc: unavailable (getpid loop: $runsc_getpid)"
  runsc_getpid=n/a
elif ! runsc_start=$(start_ms "${RUNSC[@]}"); then
  echo "runsc: unavailable (true: $runsc_start)"
  runsc_start=n/a
fi

echo
echo "| benchmark | native | kekkai (ptrace) | runsc (ptrace) | kekkai ÷ native | kekkai ÷ runsc | runsc ÷ native |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| getpid round trip, µs/call | $(fmt "$native_getpid" 3) | $(fmt "$kekkai_getpid" 2) | $(fmt "$runsc_getpid" 2) | $(ratio "$kekkai_getpid" "$native_getpid") | $(ratio "$kekkai_getpid" "$runsc_getpid") | $(ratio "$runsc_getpid" "$native_getpid") |"
echo "| start of static \`true\`, ms | $(fmt "$native_start" 2) | $(fmt "$kekkai_start" 1) | $(fmt "$runsc_start" 1) | $(ratio "$kekkai_start" "$native_start") | $(ratio "$kekkai_start" "$runsc_start") | $(ratio "$runsc_start" "$native_start") |"
