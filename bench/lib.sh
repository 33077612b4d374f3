# shellcheck shell=sh
# bench/lib.sh - sourced by every bench/*.sh script (POSIX sh,
# after `set -eu`): the paths, the timer, measure and fail.
#
#   ROOT, BUILD, MR, PY     the repository, the build directory, the binary,
#                           the Python interpreter (BENCH_PYTHON)
#   bench_timer             after T (the work directory) is set: picks GNU
#                           time (installing Debian's `time` when root and
#                           missing), else a Python fork/wait4 wrapper
#                           (BENCH_TIMER=rusage forces the wrapper); sets TIMER
#   measure NAME CMD...     runs CMD with stdout/stderr in $T/NAME.out/.err
#                           and "wall-s peak-RSS-KiB user-s sys-s" in
#                           $T/NAME.time; stdin passes through
#   fail NAME               a step failed: shows $T/NAME.err, exits 1
#   bench_posint NAME VALUE exits 64 unless VALUE (of the setting NAME) is
#                           a positive integer

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in
    /*) ;;
    *) BUILD=$ROOT/$BUILD ;;
esac
MR=$BUILD/mailrota
PY=${BENCH_PYTHON:-/usr/bin/python3}

[ -x "$MR" ] || { echo "bench: no $MR: run 'make' first" >&2; exit 1; }
[ -x "$PY" ] || { echo "bench: no $PY (Debian package python3)" >&2; exit 1; }

bench_timer() {
    if [ ! -x /usr/bin/time ] && [ "$(id -u)" = 0 ] &&
        command -v apt-get >/dev/null 2>&1; then
        echo "bench: installing GNU time (apt-get install -y time)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time \
            >/dev/null 2>&1 || true
    fi
    if [ "${BENCH_TIMER:-}" != rusage ] &&
        /usr/bin/time -f '%e %M' -o "$T/probe" true >/dev/null 2>&1; then
        TIMER="GNU time"
    else
        TIMER="python3 getrusage"
        # fork + wait4 rather than subprocess: the child's ru_maxrss
        # includes what it had before exec (here a forked python, a few
        # MiB), and this keeps that floor low.  GNU time's own floor is
        # about 1 MiB.
        cat >"$T/timer.py" <<'PYEOF'
import os, sys, time
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
with open(sys.argv[1], "w") as f:
    f.write("%.3f %d %.2f %.2f\n" % (wall, ru.ru_maxrss,  # KiB on Linux
                                     ru.ru_utime, ru.ru_stime))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
PYEOF
    fi
}

measure() {
    name=$1
    shift
    sync
    if [ "$TIMER" = "GNU time" ]; then
        /usr/bin/time -f '%e %M %U %S' -o "$T/$name.time" "$@" \
            >"$T/$name.out" 2>"$T/$name.err"
    else
        "$PY" -I -S "$T/timer.py" "$T/$name.time" "$@" \
            >"$T/$name.out" 2>"$T/$name.err"
    fi
}

fail() {
    echo "bench: $1 failed:" >&2
    tail -n 20 "$T/$1.err" >&2 2>/dev/null || true
    exit 1
}

# bench_sqlite3: SQLITE, the sqlite3 shell (BENCH_SQLITE3, default
# sqlite3), or exit 1 saying which package has it.
bench_sqlite3() {
    SQLITE=${BENCH_SQLITE3:-sqlite3}
    command -v "$SQLITE" >/dev/null 2>&1 ||
        { echo "bench: no sqlite3 shell (Debian package sqlite3)" >&2; exit 1; }
}

# bench_workdir: T, a new work directory under TMPDIR, removed on exit
# (INT and TERM exit 130 and 143 through it).
bench_workdir() {
    T=$(mktemp -d "${TMPDIR:-/tmp}/mailrota-bench.XXXXXX")
    trap 'rm -rf "$T"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

bench_posint() {
    case "$2" in
        '' | *[!0-9]* | 0*)
            echo "bench: $1 must be a positive integer, not '$2'" >&2
            exit 64 ;;
    esac
}
