#!/bin/sh
# Mailbox-level outcomes: 554 5.2.0 quota full rests the mailbox for the
# rest of the local day (later runs too); 5.7.705 blocks the mailbox and
# stops every mailbox of its domain for the run.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 5 2
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
printf 'email,company\nquota1@q.example,Q\n' > q.csv
"$MR" -q import contacts q.csv --campaign C1
export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run
check "quota: deferred, nothing sent, exit 75" "75 planned 1, sent 0, deferred 1, bounced 0, failed 0, unknown 0" "$rc $out"
full=$(q "select m.email from sends s join mailboxes m on m.id = s.mailbox_id")
check "the mailbox is full for the local day" 2026-11-20 "$(q "select full_day from mailboxes where email = '$full'")"
check "it stays cold-ready" cold-ready "$(q "select status from mailboxes where email = '$full'")"
printf 'email,company\nok1@a.example,A\nok2@b.example,B\nok3@c.example,C\n' > ok.csv
"$MR" -q import contacts ok.csv --campaign C1
export MAILROTA_NOW=2026-11-20T18:00:00Z
run "$MR" plan --json
check "later the same day it gets nothing" 0 "$(printf '%s' "$out" | grep -c "\"$full\"")"
export MAILROTA_NOW=2026-11-21T15:00:00Z
run "$MR" plan --json
check "the next local day it sends again" yes "$(printf '%s' "$out" | grep -q "\"$full\"" && echo yes)"
"$MR" -q run 2>/dev/null

# A tenant block stops the whole domain for the run.
printf 'email,company\ntenantblock1@t.example,T\nok4@d.example,D\nok5@e.example,E\nok6@f.example,F\n' > t.csv
"$MR" -q import contacts t.csv --campaign C1
export MAILROTA_NOW=2026-11-22T15:00:00Z
run "$MR" run
check "the blocked message fails" "failed|550|5.7.705" \
    "$(q "select s.status, s.smtp_code, s.smtp_enhanced from sends s join contacts c on c.id = s.contact_id where c.email = 'tenantblock1@t.example'")"
check "its mailbox is blocked" 1 "$(q "select count(*) from mailboxes where status = 'blocked'")"
check_contains "blocked with the reply in last_error" "5.7.705" "$(q "select last_error from mailboxes where status = 'blocked'")"
check "the other mailbox of the domain stopped too: not everything was sent" yes \
    "$([ "$(q "select count(*) from sends s join contacts c on c.id = s.contact_id where c.email in ('ok4@d.example', 'ok5@e.example', 'ok6@f.example') and s.status = 'sent'")" -lt 3 ] && echo yes)"
check "no message was lost: unsent ones wait for a later run" 0 "$(q "select count(*) from sends where status in ('sending')")"
done_testing
