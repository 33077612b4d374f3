#!/bin/sh
# Outcomes recorded with the server's reply: 550 5.1.1 bounces and marks
# the contact, 451 defers and a later run retries and sends, a wrong
# password marks that mailbox auth-failed while the others take its share,
# a variable with no value fails that message only.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 10 3
# m2's password is wrong.
export MR_PW_M2=wrong-password
printf 'Subject: Hello {{first_name|there}}\n\nHi {{first_name|there}}, about {{project}}.\n' > needs.txt
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
# campaign add wants {{project}} to be some contact's column: import first.
printf 'email,first_name,project\nok5@seven.example,Gus,Apollo\nok6@eight.example,Hal,\n' > p.csv
"$MR" -q import contacts p.csv
"$MR" -q campaign add Proj --template needs.txt
cat > c1.csv <<'CSV'
email,first_name,company
ok1@one.example,Ann,One
ok2@two.example,Ben,Two
ok3@three.example,Cy,Three
hard1@four.example,Di,Four
deferonce1@five.example,Ed,Five
ok4@six.example,Flo,Six
CSV
"$MR" -q import contacts c1.csv --campaign C1
"$MR" -q import contacts p.csv --campaign Proj

export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run
check "run exits 0 (bounces are outcomes)" 0 "$rc"
check "summary" "planned 8, sent 5, deferred 1, bounced 1, failed 1, unknown 0" "$out"
check "550 5.1.1 is bounced with its code" "bounced|550|5.1.1|1" \
    "$(q "select s.status, smtp_code, smtp_enhanced, attempts from sends s join contacts c on c.id = s.contact_id where c.email = 'hard1@four.example'")"
check "the hard-bounced contact is marked bounced" bounced "$(q "select status from contacts where email = 'hard1@four.example'")"
check "451 is deferred with its code" "deferred|451|4.7.1|1" \
    "$(q "select s.status, smtp_code, smtp_enhanced, attempts from sends s join contacts c on c.id = s.contact_id where c.email = 'deferonce1@five.example'")"
check "no value and no default: failed with the reason" "failed|no value for {{project}}" \
    "$(q "select s.status, smtp_text from sends s join contacts c on c.id = s.contact_id where c.email = 'ok6@eight.example'")"
check "the value was used where present" 1 "$(grep -l 'about Apollo' "$T"/srv/mail/*.eml | wc -l | tr -d ' ')"
check "the wrong password marks m2 auth-failed" auth-failed "$(q "select status from mailboxes where email = 'm2@sender.example'")"
check_contains "with the server's reply in last_error" "535" "$(q "select last_error from mailboxes where email = 'm2@sender.example'")"
check "m2 sent nothing" 0 "$(q "select count(*) from sends s join mailboxes m on m.id = s.mailbox_id where m.email = 'm2@sender.example' and s.status = 'sent'")"
check "the others took its share" 5 "$(q "select count(*) from sends where status = 'sent'")"
check "an auth attempt row for m2" "auth|535" "$(q "select a.stage, a.smtp_code from attempts a join mailboxes m on m.id = a.mailbox_id where m.email = 'm2@sender.example' limit 1")"
check "auth failures use no attempt" 0 "$(q "select count(*) from sends where smtp_code = 535 and attempts > 0")"
check_contains "the auth failure is reported" "m2@sender.example" "$err"
check "every try has an attempts row" "$(q "select sum(attempts) from sends") $(q "select count(*) from sends where status = 'failed' and attempts = 0")" \
    "$(q "select count(*) from attempts where stage in ('mail', 'rcpt', 'data')") $(q "select count(*) from sends where status = 'failed' and attempts = 0")"
check "send_log shows the bounce" "bounced|550|5.1.1" "$(q "select status, smtp_code, smtp_enhanced from send_log where contact = 'hard1@four.example'")"

# The next run retries the deferred message and sends it.
export MAILROTA_NOW=2026-11-21T15:00:00Z
run "$MR" run
check "retry run" "planned 1, sent 1, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "the deferred message is sent on its second try" "sent|2|250" \
    "$(q "select s.status, attempts, smtp_code from sends s join contacts c on c.id = s.contact_id where c.email = 'deferonce1@five.example'")"
check "the bounced contact is never tried again" 1 "$(q "select count(*) from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id where c.email = 'hard1@four.example'")"
check "nor the failed one, automatically" 0 "$(received_by ok6@eight.example)"

# A deferral that never clears fails after max_attempts (3).
printf 'email\ndefer9@nine.example\n' > d.csv
"$MR" -q import contacts d.csv --campaign C1
for day in 22 23 24; do
    MAILROTA_NOW=2026-11-${day}T15:00:00Z "$MR" -q run
done
check "after max_attempts tries: failed" "failed|3|451" \
    "$(q "select s.status, attempts, smtp_code from sends s join contacts c on c.id = s.contact_id where c.email = 'defer9@nine.example'")"
MAILROTA_NOW=2026-11-25T15:00:00Z run "$MR" run
check "and not tried again" "planned 0, sent 0, deferred 0, bounced 0, failed 0, unknown 0" "$out"

# Suppressions.
printf 'email\nsup1@ten.example\nsup2@sub.eleven.example\nfine@twelve.example\n' > s.csv
"$MR" -q import contacts s.csv --campaign C1
"$MR" -q suppress add sup1@TEN.example --reason "asked"
"$MR" -q suppress add @eleven.example
run "$MR" suppress list
check_contains "suppress list" "@eleven.example" "$out"
MAILROTA_NOW=2026-11-25T16:00:00Z run "$MR" plan -v
check_contains "address suppressed" "sup1@ten.example" "$(printf '%s\n' "$out" | grep suppressed)"
check_contains "subdomain suppressed by @domain" "sup2@sub.eleven.example" "$(printf '%s\n' "$out" | grep suppressed)"
MAILROTA_NOW=2026-11-25T16:00:00Z run "$MR" run
check "only the unsuppressed one is sent" "planned 1, sent 1, deferred 0, bounced 0, failed 0, unknown 0" "$out"
run "$MR" suppress remove sup1@ten.example
check "suppress remove" 0 "$rc"
run "$MR" suppress remove nobody@ten.example
check "removing what is not there exits 65" 65 "$rc"

# Every mailbox failing authentication: exit 69.
printf 'email\nlast@thirteen.example\n' > l.csv
"$MR" -q import contacts l.csv --campaign C1
export MR_PW_M1=bad MR_PW_M3=bad
MAILROTA_NOW=2026-11-26T15:00:00Z run "$MR" run
check "no mailbox can authenticate: exit 69" 69 "$rc"
check_contains "the summary still prints" "planned 2, sent 0, deferred 2" "$out"
check "the message waits, deferred without an attempt" "deferred|0" \
    "$(q "select s.status, attempts from sends s join contacts c on c.id = s.contact_id where c.email = 'last@thirteen.example'")"
check "runs records the exit code" 69 "$(q 'select exit_code from runs order by started_at desc limit 1')"

# No password at all (the variable is unset): also exit 69, and said so.
unset MR_PW_M1 MR_PW_M3
"$MR" -q mailbox set m1@sender.example --status cold-ready
"$MR" -q mailbox set m3@sender.example --status cold-ready
MAILROTA_NOW=2026-11-27T15:00:00Z run "$MR" run
check "mailboxes without a password: exit 69" 69 "$rc"
check_contains "the missing variable is named" "MR_PW_M1" "$err"
check_contains "and recorded on the mailbox" "MR_PW_M1" "$(q "select last_error from mailboxes where email = 'm1@sender.example'")"

# Every message failing to compose is not a connection problem: exit 0.
"$MR" -q campaign add Only --template needs.txt
printf 'email,first_name
noproj@fourteen.example,Ivy
' > np.csv
"$MR" -q import contacts np.csv --campaign Only
"$MR" -q campaign pause C1
export MR_PW_M1=pw-m1 MR_PW_M3=pw-m3
MAILROTA_NOW=2026-11-28T15:00:00Z run "$MR" run
check "only compose failures: exit 0" "0 planned 1, sent 0, deferred 0, bounced 0, failed 1, unknown 0" "$rc $out"

check "integrity" ok "$(q 'pragma integrity_check')"
done_testing
