#!/usr/bin/env bash
# Compares kekkai with native execution and gVisor's runsc, side by side in one
# run, each pinned to one vCPU (taskset -c 0). Loops run inside the guest and
# report per-call times; starts are the wall time of a whole run.
#   - getpid round trip (tests/guests/getpid_loop.c);
#   - stat of a host file, and open + read 4 KiB + close of one
#     (tests/guests/file_loop.c on /usr/bin/env);
#   - getdents64 of a 1,000-entry directory: one the guest makes in /dev/shm
#     (tmpfs everywhere), and one on the host (made by this script, served by
#     kekkai's gofer and runsc's);
#   - write + read back of a 100 MB file in /dev/shm (tmpfs everywhere);
#   - a metadata-heavy job on the root filesystem: create 10,000 empty files in a
#     new directory under /var/lib, stat each, delete each (kekkai: its overlay
#     rootfs; runsc: its own rootfs overlay; natively the host's disk, the
#     directory removed afterwards);
#   - the start of a static `true` (tests/guests/true.c), of the dynamically
#     linked /bin/true, and of `python3 -c pass`.
# Prints a markdown table with the ratios kekkai/native, kekkai/runsc, runsc/native.
#
# Usage: bench/compare.sh [BUILD_DIR]    (default: build; it builds nothing —
#        run `ninja -C build` first).
# Environment: NATIVE_ITERS (1000000 getpid, a tenth for files), SANDBOX_ITERS
#        (20000, a tenth for files), LOOP_RUNS (3, the median is kept), START_RUNS
#        (20), CPU (0), KEKKAI (the binary).
# runsc needs root; where it is missing or fails the script says
# `runsc: unavailable (<reason>)` and goes on.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${1:-build}
NATIVE_ITERS=${NATIVE_ITERS:-1000000}
SANDBOX_ITERS=${SANDBOX_ITERS:-20000}
LOOP_RUNS=${LOOP_RUNS:-${GETPID_RUNS:-3}}
START_RUNS=${START_RUNS:-20}
CPU=${CPU:-0}

die() { echo "compare.sh: $*" >&2; exit 1; }

GETPID_LOOP=$BUILD/tests/guests/getpid_loop
FILE_LOOP=$BUILD/tests/guests/file_loop
TRUE_BIN=$BUILD/tests/guests/true
[[ -x $GETPID_LOOP && -x $FILE_LOOP && -x $TRUE_BIN ]] ||
  die "guest programs are missing in $BUILD/tests/guests: build first (ninja -C $BUILD)"
GETPID_LOOP=$(realpath "$GETPID_LOOP")
FILE_LOOP=$(realpath "$FILE_LOOP")
TRUE_BIN=$(realpath "$TRUE_BIN")
HOST_FILE=/usr/bin/env
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

# Runs a loop program LOOP_RUNS times: loop_us PREFIX... -- PROGRAM ARGS...; prints
# the median µs per call, or fails with the reason on stdout.
loop_us() {
  local prefix=() samples=() out err status
  while [[ $1 != -- ]]; do prefix+=("$1"); shift; done
  shift
  err=$(mktemp)
  for ((i = 0; i < LOOP_RUNS; i++)); do
    status=0
    out=$(pin "${prefix[@]}" "$@" 2>"$err") || status=$?
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

# Runs a command START_RUNS times: start_ms PREFIX... -- PROGRAM ARGS...; prints the
# median wall time in ms, or fails with the reason on stdout.
start_ms() {
  local prefix=() samples=() t0 t1 err status
  while [[ $1 != -- ]]; do prefix+=("$1"); shift; done
  shift
  err=$(mktemp)
  for ((i = 0; i < START_RUNS; i++)); do
    t0=$EPOCHREALTIME
    status=0
    pin "${prefix[@]}" "$@" >/dev/null 2>"$err" || status=$?
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

FILE_NATIVE_ITERS=$((NATIVE_ITERS / 10))
FILE_SANDBOX_ITERS=$((SANDBOX_ITERS / 10))
DIR_NATIVE_ITERS=$((NATIVE_ITERS / 1000))
DIR_SANDBOX_ITERS=$((SANDBOX_ITERS / 100))

# A 1,000-entry host directory for the getdents row, and a fresh tmpfs path per run.
HOST_DIR=$(mktemp -d "${TMPDIR:-/var/tmp}/kekkai-bench-XXXXXX")
# A fresh directory for the metadata row, made (and removed) by the guest; only
# the native run makes it on the host.
META_DIR=/var/lib/kekkai-bench-meta-$$
trap 'rm -rf "$HOST_DIR" "$SHM_DIR" "$META_DIR"' EXIT
for ((i = 0; i < 1000; i++)); do : >"$HOST_DIR/entry-$i"; done
SHM_DIR=/dev/shm/kekkai-bench-dir-$$

# The rows: name|kind|decimals|native iterations|sandbox iterations|program and args
# (ITERS stands for the iteration count).
ROWS=(
  "getpid round trip, µs/call|loop|2|$NATIVE_ITERS|$SANDBOX_ITERS|$GETPID_LOOP ITERS"
  "stat of a host file, µs/call|loop|2|$FILE_NATIVE_ITERS|$FILE_SANDBOX_ITERS|$FILE_LOOP stat $HOST_FILE ITERS"
  "open + read 4 KiB + close, µs|loop|2|$FILE_NATIVE_ITERS|$FILE_SANDBOX_ITERS|$FILE_LOOP open_read $HOST_FILE ITERS"
  "getdents of 1,000 entries in tmpfs, µs|loop|1|$DIR_NATIVE_ITERS|$DIR_SANDBOX_ITERS|$FILE_LOOP getdents $SHM_DIR ITERS"
  "getdents of 1,000 host entries, µs|loop|1|$DIR_NATIVE_ITERS|$DIR_SANDBOX_ITERS|$FILE_LOOP getdents $HOST_DIR ITERS"
  "write + read 100 MB in tmpfs, ms|pass|0|100|100|$FILE_LOOP write_read /dev/shm/kekkai-bench-file ITERS"
  "create + stat + delete 10,000 files on the rootfs, ms|pass|0|10000|10000|$FILE_LOOP metadata $META_DIR ITERS"
  "start of static \`true\`, ms|start|1|||$TRUE_BIN"
  "start of dynamic \`/bin/true\`, ms|start|1|||/bin/true"
  "start of \`python3 -c pass\`, ms|start|1|||/usr/bin/python3 -c pass"
)

# measure LAUNCHER_NAME ROW: prints the figure, or n/a (with the reason on stderr).
measure() {
  local launcher=$1 row=$2 name kind dec niters siters cmd iters out
  IFS='|' read -r name kind dec niters siters cmd <<<"$row"
  local prefix=()
  case $launcher in
    native) iters=$niters ;;
    kekkai) iters=$siters; prefix=("$KEKKAI" run --platform=ptrace --) ;;
    runsc) iters=$siters; prefix=(runsc --network=none --platform=ptrace do) ;;
  esac
  local argv=()
  read -r -a argv <<<"${cmd//ITERS/$iters}"
  if [[ $kind == loop || $kind == pass ]]; then
    out=$(loop_us "${prefix[@]}" -- "${argv[@]}") || { echo "$launcher: $name: $out" >&2; echo n/a; return; }
    # A pass is one long call: µs to ms.
    [[ $kind == pass ]] && out=$(awk -v v="$out" 'BEGIN { printf "%.6f\n", v / 1000 }')
  else
    out=$(start_ms "${prefix[@]}" -- "${argv[@]}") || { echo "$launcher: $name: $out" >&2; echo n/a; return; }
  fi
  echo "$out"
}

echo "# kekkai vs native vs runsc — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "host: $(uname -sr), $(nproc) vCPU, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "all runs pinned with taskset -c $CPU; loops: median of $LOOP_RUNS runs ($NATIVE_ITERS getpid calls natively, $SANDBOX_ITERS sandboxed; a tenth of that for files); starts: median of $START_RUNS runs (wall time of taskset + launcher + program)"

have_kekkai=1 have_runsc=1
if [[ ! -x $KEKKAI ]]; then
  echo "kekkai: unavailable ($KEKKAI not built)"; have_kekkai=0
fi
if ! command -v runsc >/dev/null; then
  echo "runsc: unavailable (not installed; apt-get install runsc)"; have_runsc=0
elif [[ $(id -u) != 0 ]]; then
  echo "runsc: unavailable (runsc do needs root)"; have_runsc=0
fi

echo
echo "| benchmark | native | kekkai (ptrace) | runsc (ptrace) | kekkai ÷ native | kekkai ÷ runsc | runsc ÷ native |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for row in "${ROWS[@]}"; do
  IFS='|' read -r name kind dec _ <<<"$row"
  n=$(measure native "$row")
  k=n/a r=n/a
  ((have_kekkai)) && k=$(measure kekkai "$row")
  ((have_runsc)) && r=$(measure runsc "$row")
  echo "| $name | $(fmt "$n" 3) | $(fmt "$k" "$dec") | $(fmt "$r" "$dec") | $(ratio "$k" "$n") | $(ratio "$k" "$r") | $(ratio "$r" "$n") |"
done
