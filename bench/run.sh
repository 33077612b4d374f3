#!/bin/sh
# bench/run.sh - `make bench`: the benchmarks (see README.md).
#
#   BENCH=all     (default) bench/import.sh, bench/send.sh, bench/inbox.sh
#   BENCH=import  the contacts import benchmark only
#   BENCH=send    the SMTP send benchmark only
#   BENCH=inbox   the IMAP inbox benchmark only
#
# Benchmarks, not tests: a run fails only when a step fails (a command
# exits non-zero), never because something was slow.  With BENCH=all all
# run even if one fails; the exit status is then non-zero.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)

case "${BENCH:-all}" in
    import) exec sh "$DIR/import.sh" ;;
    send) exec sh "$DIR/send.sh" ;;
    inbox) exec sh "$DIR/inbox.sh" ;;
    all)
        rc=0
        sh "$DIR/import.sh" || rc=$?
        echo
        sh "$DIR/send.sh" || { r=$?; [ "$rc" -ne 0 ] || rc=$r; }
        echo
        sh "$DIR/inbox.sh" || { r=$?; [ "$rc" -ne 0 ] || rc=$r; }
        exit "$rc" ;;
    *)
        echo "bench: BENCH must be import, send, inbox or all, not '$BENCH'" >&2
        exit 64 ;;
esac
