#!/bin/sh
# Runs integration tests with every mailrota command under valgrind
# (memcheck): `make valgrind`.  Fails on any memory error and on any
# definitely or indirectly lost block, in any command of any test, even one
# whose exit status the test does not look at: each command writes its
# valgrind report to a file of its own (--log-file=.../PID.log, empty when
# clean, -q), and every non-empty one is printed, with the test and the
# command that wrote it, and counted.
# Suppressions, for library noise only: tests/valgrind.supp.
# usage: BUILD=build sh tests/valgrind.sh [t_run t_oauth ...]
set -u
BUILD=${BUILD:-build}
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind: not installed (MAILROTA_EXTRA_PKGS=valgrind sh scripts/deps.sh)" >&2
    exit 1
fi
[ $# -gt 0 ] || set -- t_init t_config t_cli t_mailbox t_import t_campaign \
    t_run t_run_outcomes t_retry t_run_blocks t_oauth t_graph t_mailbox_test t_secrets \
    t_inbox t_inbox_graph t_mailbox_test_inbound t_contact t_inbox_postfix \
    t_sequence t_forget t_forget_inbox t_ramp t_schedule t_plan_stream
logs=$(mktemp -d /tmp/mailrota-valgrind.XXXXXX) || exit 1
trap 'rm -rf "$logs"' EXIT

# 99: valgrind found an error; the logs below catch it even where a test
# ignores the exit status.
MAILROTA_WRAP="valgrind -q --error-exitcode=99 --leak-check=full"
MAILROTA_WRAP="$MAILROTA_WRAP --show-leak-kinds=definite,indirect"
MAILROTA_WRAP="$MAILROTA_WRAP --errors-for-leak-kinds=definite,indirect"
MAILROTA_WRAP="$MAILROTA_WRAP --track-fds=no --num-callers=30"
MAILROTA_WRAP="$MAILROTA_WRAP --suppressions=$(pwd)/tests/valgrind.supp"
MAILROTA_WRAP="$MAILROTA_WRAP --log-file=$logs/%p.log"
MAILROTA_WRAP_CMDS=$logs
export MAILROTA_WRAP MAILROTA_WRAP_CMDS
# mailrota is about five times slower under valgrind (tests/integration/lib.sh).
MAILROTA_TEST_SLOW=5
export MAILROTA_TEST_SLOW

BUILD=$BUILD sh tests/run.sh integration "$@"
tests_rc=$?

n=0 bad=0
for f in "$logs"/*.log; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    [ -s "$f" ] || continue
    bad=$((bad + 1))
    echo "valgrind: errors in: $(cat "${f%.log}.cmd" 2>/dev/null || basename "$f")"
    sed 's/^/    /' "$f" | head -n 80
done
echo "valgrind: $n mailrota commands, $bad with errors or leaks"
if [ "$n" -eq 0 ]; then
    echo "valgrind: no command ran under valgrind" >&2
    exit 1
fi
[ "$bad" -eq 0 ] && [ "$tests_rc" -eq 0 ]
