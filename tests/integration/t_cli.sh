#!/bin/sh
# The command line: help without a config, version, usage exit codes.
. "$(dirname "$0")/lib.sh"

run "$MR" --help
check "--help exits 0" 0 "$rc"
check_contains "--help lists commands" "mailbox" "$out"
check_contains "--help documents MAILROTA_NOW" "MAILROTA_NOW" "$out"

run "$MR" --version
check "--version exits 0" 0 "$rc"
check_contains "--version prints the version" "mailrota $(cat "$ROOT/VERSION")" "$out"

for c in init migrate "import contacts" "mailbox" "mailbox add" "mailbox import" \
         "mailbox list" "mailbox set" campaign "campaign add" "campaign list" \
         "campaign pause" "campaign resume"; do
    # shellcheck disable=SC2086
    run "$MR" -c /nonexistent/config.yaml $c --help
    check "$c --help exits 0 without a config" 0 "$rc"
    check_contains "$c --help prints usage" "usage: mailrota" "$out"
done
run "$MR" help --help
check "help --help exits 0" 0 "$rc"
run "$MR" help import
check "help COMMAND exits 0" 0 "$rc"
check_contains "help import shows import usage" "import contacts" "$out"

run "$MR"
check "no command exits 64" 64 "$rc"
run "$MR" frobnicate
check "unknown command exits 64" 64 "$rc"
check_contains "unknown command is named" "frobnicate" "$err"
run "$MR" --bogus init
check "unknown global option exits 64" 64 "$rc"
run "$MR" init --bogus
check "unknown command option exits 64" 64 "$rc"
run "$MR" mailbox add x@example.com --name X --daily-cap 10001
check "--daily-cap over 10000 exits 64" 64 "$rc"
run "$MR" mailbox add x@example.com --name X --daily-cap abc
check "non-numeric --daily-cap exits 64" 64 "$rc"
check_contains "the bad value is named" "abc" "$err"
run "$MR" mailbox add x@example.com
check "missing --name exits 64" 64 "$rc"
run "$MR" import contacts
check "missing FILE exits 64" 64 "$rc"
run "$MR" mailbox frob
check "unknown subcommand exits 64" 64 "$rc"

MAILROTA_NOW=yesterday run "$MR" init
check "bad MAILROTA_NOW exits 64" 64 "$rc"
check_contains "bad MAILROTA_NOW is explained" "MAILROTA_NOW" "$err"

run "$MR" mailbox list
check "a command before init exits 66" 66 "$rc"
check_contains "and says to run init" "mailrota init" "$err"

done_testing
