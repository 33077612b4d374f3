#!/bin/sh
# Runs libFuzzer targets for a bounded time each (make fuzz).
# usage: BUILD=build FUZZ_SECONDS=60 FUZZ_OPTS="..." sh fuzz/run.sh NAME...
# Each target works on a fresh copy of fuzz/corpus/NAME in
# $BUILD/fuzz/corpus/NAME, with fuzz/NAME.dict when there is one; a crash,
# leak, timeout or sanitizer report leaves its input in
# $BUILD/fuzz/artifacts/ and makes the run fail.  Ends with one line
# "N passed, N failed" (one per target).
set -u
BUILD=${BUILD:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_OPTS=${FUZZ_OPTS:--max_total_time=$FUZZ_SECONDS}
dir=$BUILD/fuzz
passed=0 failed=0
mkdir -p "$dir/artifacts" "$dir/logs"
for name in "$@"; do
    bin=$dir/fuzz_$name
    if [ ! -x "$bin" ]; then
        echo "FAIL fuzz_$name: $bin not built"
        failed=$((failed + 1))
        continue
    fi
    corpus=$dir/corpus/$name
    rm -rf "$corpus"
    mkdir -p "$corpus"
    [ -d "fuzz/corpus/$name" ] && cp -R "fuzz/corpus/$name/." "$corpus/"
    dict=""
    [ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"
    log=$dir/logs/$name.log
    # shellcheck disable=SC2086
    "$bin" $FUZZ_OPTS $dict -artifact_prefix="$dir/artifacts/$name-" \
        "$corpus" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        echo "ok   fuzz_$name: ${runs:-?} runs in ${FUZZ_SECONDS}s," \
             "$(ls "$corpus" | wc -l | tr -d ' ') inputs in the corpus"
        passed=$((passed + 1))
    else
        echo "FAIL fuzz_$name: exit $rc (log: $log)"
        grep -E 'ERROR: |SUMMARY: |property violated|Test unit written' \
            "$log" | head -n 10 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
