#!/bin/sh
# An unhealthy night is never silent, -q or not (SPEC "Command line"): under
# cron a roster whose mailboxes all failed authentication keeps saying so,
# with each mailbox, its cause and the fix, and exits 69 while contacts
# wait; a night whose only limit is the caps stays silent; failed sends
# are counted on stderr with their reason and where to look.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 2 2
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
printf 'email,company\na1@a.example,A\nb1@b.example,B\nc1@c.example,C\n' > c.csv
"$MR" -q import contacts c.csv --campaign C1

# Night 1: both passwords are wrong.
export MR_PW_M1=wrong-one MR_PW_M2=wrong-two
export MAILROTA_NOW=2026-11-20T08:00:00Z
run "$MR" -q run
check "night 1: every mailbox refused AUTH: exit 69" 69 "$rc"
check "-q: nothing on stdout" "" "$out"
check "both mailboxes auth-failed" 2 "$(q "select count(*) from mailboxes where status = 'auth-failed'")"
for m in m1 m2; do
    check_contains "night 1: $m named as auth-failed" "mailbox $m@sender.example is auth-failed" "$err"
    check_contains "night 1: $m with the fix" "mailrota mailbox test $m@sender.example" "$err"
done
check_contains "and how to put it back" "mailrota mailbox set m1@sender.example --status cold-ready" "$err"
e69=$(printf '%s\n' "$err" | grep 'error: nothing sent')
check_contains "the exit-69 message names each mailbox with its cause" \
    "m1@sender.example, m2@sender.example (auth-failed: auth: 535 5.7.139 " "$e69"
check_contains "the exit-69 message says how to check them" "mailrota mailbox test --all" "$e69"
check_not_contains "no password on stderr" "wrong-" "$err"

# Night 2: nothing changed.  Before, this printed nothing and exited 0.
export MAILROTA_NOW=2026-11-21T08:00:00Z
run "$MR" -q run --dry-run
check "night 2, dry run: exits 0, writes nothing" "0 0" "$rc $(q "select count(*) from runs where day = '2026-11-21'")"
check_contains "night 2, dry run: the dead roster is named" "mailbox m1@sender.example is auth-failed" "$err"
run "$MR" -q run
check "night 2: a dead roster still exits 69" 69 "$rc"
check "night 2: -q, nothing on stdout" "" "$out"
for m in m1 m2; do
    check_contains "night 2: $m still named" "mailbox $m@sender.example is auth-failed" "$err"
done
check_contains "night 2: its last error is shown" "535" "$(printf '%s\n' "$err" | grep 'm1@sender.example is auth-failed')"
check_contains "night 2: the waiting contacts are counted" "3 contacts wait but no mailbox can send" "$err"
e69=$(printf '%s\n' "$err" | grep 'error: nothing sent')
check_contains "night 2: the exit-69 message names each mailbox with its cause" \
    "m1@sender.example, m2@sender.example (auth-failed: auth: 535 5.7.139 " "$e69"
check "night 2: the runs row has 69" 69 "$(q "select exit_code from runs where day = '2026-11-21'")"

# The user fixes m1 and puts it back.
export MR_PW_M1=pw-m1
"$MR" -q mailbox set m1@sender.example --status cold-ready
check "cold-ready again clears last_error" "0|0" "$(q "select last_error is not null, last_error_at is not null from mailboxes where email = 'm1@sender.example'")"

# Night 3: m1 sends its cap (2), one contact waits, m2 is still auth-failed.
export MAILROTA_NOW=2026-11-22T08:00:00Z
run "$MR" -q run
check "night 3: m1 sent: exit 0" "0 2" "$rc $(q "select count(*) from sends where status = 'sent'")"
check_contains "night 3: m2 named while contacts wait" "mailbox m2@sender.example is auth-failed" "$err"
check_not_contains "night 3: m1 is healthy, not named" "m1@sender.example" "$err"
check_not_contains "night 3: a full cap is no alarm" "no mailbox can send" "$err"
check_not_contains "night 3: no error" "error:" "$err"

# The user parks m2 (a choice, not a failure): a night whose only limit is
# the cap is silent.
"$MR" -q mailbox set m2@sender.example --status paused
printf 'email,company\nd1@d.example,D\ne1@e.example,E\n' > d.csv
"$MR" -q import contacts d.csv --campaign C1
export MAILROTA_NOW=2026-11-23T08:00:00Z
run "$MR" -q run
check "night 4: m1 full, contacts wait, m2 paused by the user: silent" "0 2||" "$rc $(q "select count(*) from sends where day = '2026-11-23'")|$out|$err"

# Every mailbox parked by the user: one line, no error.
"$MR" -q mailbox set m1@sender.example --status paused
export MAILROTA_NOW=2026-11-24T08:00:00Z
run "$MR" -q run
check "night 5: all paused by the user: exit 0" 0 "$rc"
check_contains "night 5: the waiting contacts are counted" "1 contact waits but no mailbox can send" "$err"
check_not_contains "night 5: a user's pause is not named as a failure" "is paused" "$err"
check "night 5: one line" 1 "$(printf '%s\n' "$err" | grep -c .)"

# Failed sends: a template variable that only some contacts have.
set_rule daily_cap 10
"$MR" -q mailbox set m1@sender.example --status cold-ready
printf 'Subject: Hello\n\nHi {{first_name|there}} in {{city}}.\n' > city.txt
printf 'email,company,city\nf1@f.example,F,Paris\ng1@g.example,G,\nh1@h.example,H,\n' > city.csv
# campaign add wants {{city}} to be some contact's column: import first.
"$MR" -q import contacts city.csv
"$MR" -q campaign add C2 --template "$T/city.txt"
"$MR" -q import contacts city.csv --campaign C2
export MAILROTA_NOW=2026-11-25T08:00:00Z
run "$MR" -q run
check "night 6: failed sends are outcomes: exit 0" 0 "$rc"
check "night 6: f1 sent, g1 and h1 failed" "f1@f.example|sent g1@g.example|failed h1@h.example|failed" \
    "$(q "select c.email || '|' || s.status from sends s join contacts c on c.id = s.contact_id join campaigns ca on ca.id = s.campaign_id where ca.name = 'C2' order by c.email" | tr '\n' ' ' | sed 's/ $//')"
fl=$(printf '%s\n' "$err" | grep 'failed')
check_contains "night 6: -q still counts the failures with their reason" "2 messages failed" "$fl"
check_contains "night 6: the reason" "no value for {{city}}" "$fl"
check_contains "night 6: the campaign and its template" "C2" "$fl"
check_contains "night 6: the template file" "city.txt" "$fl"
check_contains "night 6: where to look" "send_log where status = 'failed'" "$err"
run "$MR" -q run --dry-run
check "a dry run with nothing to do is silent" "0||" "$rc|$out|$err"
done_testing
