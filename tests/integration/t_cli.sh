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
run "$MR" help mailbox test
check "help COMMAND SUBCOMMAND exits 0" 0 "$rc"
check "help mailbox test shows mailbox test's own usage" \
    "usage: mailrota mailbox test EMAIL | --all [--json]" "$(echo "$out" | head -n 1)"
run "$MR" import mailboxes roster.csv
check "import mailboxes exits 64" 64 "$rc"
check_contains "and points to mailbox import" "mailbox import" "$err"
run "$MR" import
check "import without contacts exits 64" 64 "$rc"
check_contains "and names what it can import" "contacts" "$err"

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

# The global options are also accepted after the command (SPEC: `mailrota
# run -q`), including after a subcommand and between its arguments.
run "$MR" init --db g.db -q
check "init --db PATH -q exits 0" 0 "$rc"
check "init --db creates that database" yes "$([ -f g.db ] && echo yes)"
check "init -q prints nothing" "" "$out"
run "$MR" --db g.db run
check_contains "run prints its summary line" "planned 0, sent 0" "$out"
run "$MR" --db g.db run -q
check "run -q exits 0" 0 "$rc"
check "run -q prints nothing" "" "$out$err"
run "$MR" run --quiet --db g.db --dry-run
check "run --quiet --db PATH --dry-run exits 0" 0 "$rc"
check "and prints nothing" "" "$out$err"
run "$MR" status --db g.db --json
check "status --db PATH exits 0" 0 "$rc"
check_contains "status --db reads that database" '"mailboxes"' "$out"
run "$MR" status --db nowhere.db
check "status --db a missing database exits 66" 66 "$rc"
check_contains "naming it" "nowhere.db" "$err"
run "$MR" mailbox list --db g.db -vv
check "mailbox list -vv (after a subcommand) exits 0" 0 "$rc"
check_contains "-vv after the command gives debug output" "debug:" "$err"
check_contains "and --db after it names the database" "g.db" "$err"
run "$MR" suppress add x@acme.example --db g.db -q --reason test
check "suppress add EMAIL --db PATH -q --reason R exits 0" 0 "$rc"
check "suppress add -q prints nothing" "" "$out"
check "and the command's own option still works" test \
    "$(DB=g.db q "select reason from suppressions")"
mkdir cfgdir
printf 'database: ./c.db\n' > cfgdir/c.yaml
run "$MR" init -c cfgdir/c.yaml
check "init -c CONFIG exits 0" 0 "$rc"
check "-c after the command is the config" yes \
    "$([ -f cfgdir/c.db ] && echo yes)"
run "$MR" mailbox list --config cfgdir/c.yaml --json
check "mailbox list --config CONFIG exits 0" 0 "$rc"
run "$MR" mailbox list -c /nonexistent/c.yaml
check "-c after the command with a missing file exits 78" 78 "$rc"
run "$MR" run -c
check "-c after the command without its value exits 64" 64 "$rc"
check_contains "naming the option" "'-c' needs a value" "$err"
run "$MR" run --db
check "--db after the command without its value exits 64" 64 "$rc"
check_contains "naming the option" "'--db' needs a value" "$err"
run "$MR" run -x
check "an unknown option after the command still exits 64" 64 "$rc"
# A command's own option of the same name keeps the command's meaning:
# plan -v lists the contacts not planned, import's --campaign is not -c.
run "$MR" --db g.db plan -v
check "plan -v (plan's own option) exits 0" 0 "$rc"
run "$MR" --db g.db import contacts /dev/null --campaign Nope -q
check "import --campaign is import's option, not --config" 65 "$rc"
check_contains "the unknown campaign is named" "Nope" "$err"

done_testing
