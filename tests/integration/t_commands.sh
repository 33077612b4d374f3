#!/bin/sh
# The command table is the contract (SPEC.md, "Command line"): every command
# and subcommand that exists today is listed by `mailrota --help`, has a
# `--help` of its own that needs no configuration and names each of its
# options that is implemented, and has a section in mailrota(1) that names
# those options and gives the same numeric limits as the program.
#
# CONTRACT holds SPEC's rows for the commands implemented today.  An option
# a row names that the program does not know yet is reported as a note, not
# a failure; a command that `mailrota --help` lists without a row here
# fails: add its SPEC row when you add a command.
. "$(dirname "$0")/lib.sh"

CONTRACT='init
migrate
import contacts FILE.csv [--campaign NAME] [--strict] [--dry-run]
mailbox add EMAIL --name NAME [--status S] [--daily-cap N] [--auth plain|login|xoauth2|graph] [--password-env VAR|--password-cmd CMD|--password-stdin] [--fallback graph] [--ramp START:STEP] [--inbound imap|graph|none]
mailbox import FILE.csv
mailbox list [--json]
mailbox set EMAIL [--name N] [--status S] [--daily-cap N] [--auth A] [--password-env V|--password-cmd C|--password-stdin] [--fallback graph|none] [--ramp START:STEP|none] [--inbound imap|graph|none]
mailbox test EMAIL|--all [--json]
campaign add NAME --template PATH [--subject TEXT]
campaign list
campaign pause NAME
campaign resume NAME
campaign set NAME [--template PATH] [--subject TEXT]
campaign enroll NAME (EMAIL... | --file CSV | --all-active)
contact show EMAIL [--json]
contact set EMAIL [--status active|unsubscribed|suppressed] [--field KEY=VALUE]...
inbox [--mailbox EMAIL] [--json]
plan [--max N] [--json] [-v]
report [--days N] [--html FILE] [--json]
run [--dry-run] [--max N] [--no-inbox] [--until-done]
retry [--campaign NAME] [--mailbox EMAIL] [--unknown] [--dry-run]
status [--date YYYY-MM-DD] [--json]
suppress add EMAIL|@DOMAIN [--reason R]
suppress list
suppress remove X
contact forget EMAIL'

MAN=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$ROOT/man/mailrota.1")
# man_section NAME: the text of the mailrota(1) subsection whose heading
# names the command NAME (".SS campaign pause, campaign resume").
man_section() {
    printf '%s\n' "$MAN" | awk -v want="$1" '
        /^\.S[HS] / { on = 0 }
        /^\.SS / { h = substr($0, 5); n = split(h, part, /, */)
                   for (i = 1; i <= n; i++) if (part[i] == want) on = 1 }
        on'
}
# opt_ranges OPT: the ranges ("from 0 to 10000") that the manual's
# descriptions of option OPT (a .TP paragraph tagged with it) give.
opt_ranges() {
    printf '%s\n' "$MAN" | awk -v o="$1" '
        /^\.(TP|PP|SS|SH|RS|IP)/ { if (on) print ""; on = 0 }
        prev == ".TP" && /^\.[BI][RI]? / && index($0, o) { on = 1 }
        on { printf "%s ", $0 }
        { prev = $0 }
        END { if (on) print "" }' |
        grep -oE 'from -?[0-9]+ to [0-9]+' | sort -u
}
# A database that does not exist: no command below can do anything.
NODB="--db $T/nothing/here.db"

run "$MR" --help
check "mailrota --help exits 0" 0 "$rc"
HELP=$(cat "$T/.out")

printf '%s\n' "$CONTRACT" > contract
while IFS= read -r row; do
    # The command: the leading lowercase words (mailbox test, plan).
    cmd=$(printf '%s\n' "$row" | awk '{ c = $1; if ($2 ~ /^[a-z]+$/) c = c " " $2; print c }')
    # mailrota --help lists it at the start of a line.
    check "mailrota --help lists '$cmd' at the start of a line" yes \
        "$(printf '%s\n' "$HELP" | grep -q "^  $cmd " && echo yes)"
    # shellcheck disable=SC2086
    run "$MR" -c /nonexistent/config.yaml $cmd --help
    check "'$cmd --help' exits 0 without a config" 0 "$rc"
    check_contains "'$cmd --help' prints its usage" "mailrota $cmd" "$out"
    usage=$out
    section=$(man_section "$cmd")
    check "mailrota(1) has a section for '$cmd'" yes \
        "$([ -n "$section" ] && echo yes)"
    for opt in $(printf '%s\n' "$row" | grep -oE '(^|[ [|])--?[a-z][a-z-]*' |
                 sed 's/^[ [|]//'); do
        # shellcheck disable=SC2086
        run "$MR" $NODB $cmd "$opt" </dev/null
        case "$err" in
            *"unknown option '$opt'"*)
                echo "# note: '$cmd $opt' (SPEC) is not implemented yet"
                continue ;;
        esac
        check_contains "'$cmd --help' names $opt" "$opt" "$usage"
        check_contains "mailrota(1) '$cmd' names $opt" "$opt" "$section"
        # A count option says its range when given a word: the manual must
        # give the same range.
        # shellcheck disable=SC2086
        run "$MR" $NODB $cmd "$opt" notanumber </dev/null
        range=$(printf '%s\n' "$err" | grep -oE 'from -?[0-9]+ to [0-9]+' | head -n 1)
        [ -z "$range" ] && continue
        check "mailrota(1) gives $opt the range of '$cmd $opt', and no other" \
            "$range" "$(opt_ranges "$opt")"
    done
done < contract

# The other way: every command --help lists has a row above (help aside).
printf '%s\n' "$HELP" | sed -n '/^Commands:/,/^$/p' | grep '^  [a-z]' |
    while read -r word rest; do
        sub=$(printf '%s\n' "$rest" | awk '{ print $1 }')
        [ "$word" = help ] && continue
        if grep -q "^$word $sub\\b" contract; then echo "$word $sub"
        elif grep -q "^$word\\b" contract; then echo "$word"
        else echo "UNKNOWN $word"
        fi
    done > listed
check "every command mailrota --help lists has a SPEC row in this test" "" \
    "$(grep UNKNOWN listed)"

# README names every command too.
awk '{ c = $1; if ($2 ~ /^[a-z]+$/) c = c " " $2; print c }' contract |
    while IFS= read -r cmd; do
        grep -q "$cmd" "$ROOT/README.md" || echo "$cmd"
    done > unnamed
check "README.md names every command" "" "$(cat unnamed)"
done_testing
