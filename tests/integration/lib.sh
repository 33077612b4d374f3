# Sourced by tests/integration/t_*.sh: a scratch directory, the binary, and
# TAP-style checks closing with "N passed, N failed".
set -u
MR=${MAILROTA_BIN:?run through make test}
ROOT=$(pwd)
T=$(mktemp -d /tmp/mailrota-test.XXXXXX)
_passed=0
_failed=0
_n=0
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
unset MAILROTA_CONFIG MAILROTA_NOW
cd "$T" || exit 1

# MAILROTA_TEST_SLOW: how many times slower than usual mailrota is (`make
# valgrind` sets 5).  A test that holds a server's reply so that mailrota's
# requests overlap scales the hold by it.
SLOW=${MAILROTA_TEST_SLOW:-1}

# MAILROTA_WRAP: a command put before the binary in every "$MR" call, e.g.
# "valgrind -q --log-file=DIR/%p.log ..." (split on spaces, so no quoting
# inside it); `make valgrind` sets it.  $MR becomes a script that execs it,
# so the tests' quoted "$MR" keeps working.  With MAILROTA_WRAP_CMDS=DIR,
# each call also writes "TEST ARGS" to DIR/PID.cmd (PID as valgrind's %p).
if [ -n "${MAILROTA_WRAP:-}" ]; then
    mkdir -p "$T/.wrap" || exit 1
    {
        echo '#!/bin/sh'
        printf '[ -z "${MAILROTA_WRAP_CMDS:-}" ] ||\n'
        printf '    echo "%s $*" > "$MAILROTA_WRAP_CMDS/$$.cmd"\n' \
            "$(basename "$0" .sh)"
        printf 'exec %s %s "$@"\n' "$MAILROTA_WRAP" "$MR"
    } > "$T/.wrap/mailrota"
    chmod 755 "$T/.wrap/mailrota"
    MR=$T/.wrap/mailrota
fi

ok() {
    _n=$((_n + 1)); _passed=$((_passed + 1)); echo "ok $_n - $1"
}
not_ok() {
    _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $1"
    [ $# -gt 1 ] && printf '#   %s\n' "$2"
}
# check DESC EXPECTED ACTUAL
check() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want [$2], got [$3]"; fi
}
# check_contains DESC NEEDLE HAYSTACK
check_contains() {
    case "$3" in
        *"$2"*) ok "$1" ;;
        *) not_ok "$1" "[$2] not in [$3]" ;;
    esac
}
check_not_contains() {
    case "$3" in
        *"$2"*) not_ok "$1" "[$2] found in [$3]" ;;
        *) ok "$1" ;;
    esac
}
# run CMD...: sets $out, $err and $rc
run() {
    "$@" >"$T/.out" 2>"$T/.err"
    rc=$?
    out=$(cat "$T/.out")
    err=$(cat "$T/.err")
}
q() { sqlite3 "${DB:-mailrota.db}" "$1"; }
done_testing() {
    echo "1..$_n"
    echo "$_passed passed, $_failed failed"
    [ $_failed -eq 0 ]
}
