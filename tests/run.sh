#!/bin/sh
# Runs the unit test binaries and/or the integration scripts, and closes
# with one line "N passed, N failed" summed over all of them.
# usage: BUILD=build tests/run.sh unit|integration|all
#        BUILD=build tests/run.sh integration t_run t_oauth ...  (only those)
set -u
BUILD=${BUILD:-build}
what=${1:-all}
[ $# -gt 0 ] && shift
export MAILROTA_BIN="$(pwd)/$BUILD/mailrota"
export BUILD
passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
    name=$1; shift
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ $rc -eq 77 ]; then
        echo "SKIP $name: $(tail -n 1 "$log")"
        skipped=$((skipped + 1))
        return
    fi
    if [ -z "$line" ]; then
        echo "FAIL $name: exit $rc, no summary line"
        sed 's/^/    /' "$log" | tail -n 30
        failed=$((failed + 1))
        return
    fi
    p=$(echo "$line" | sed 's/^\([0-9]*\) passed.*/\1/')
    f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ] || [ $rc -ne 0 ]; then
        [ "$f" -eq 0 ] && failed=$((failed + 1))
        echo "FAIL $name: $line (exit $rc)"
        grep -E '^not ok|^#' "$log" | sed 's/^/    /' | head -n 40
    else
        echo "ok   $name: $line"
    fi
}

if [ "$what" = unit ] || [ "$what" = all ]; then
    for t in "$BUILD"/tests/test_*; do
        [ -x "$t" ] || continue
        run_one "unit/$(basename "$t")" "$t"
    done
fi
if [ "$what" = integration ] || [ "$what" = all ]; then
    if [ $# -gt 0 ]; then
        list=$(for n in "$@"; do echo "tests/integration/${n%.sh}.sh"; done)
    else
        list=$(ls tests/integration/t_*.sh)
    fi
    for t in $list; do
        [ -f "$t" ] || { echo "FAIL $t: no such test"; failed=$((failed + 1)); continue; }
        run_one "integration/$(basename "$t" .sh)" sh "$t"
    done
fi
[ $skipped -gt 0 ] && echo "($skipped suites skipped)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
