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
# The quota hit lowers its effective cap for that day, for every reader.
run "$MR" status --json
check "status: its cap is lowered to what it had sent (0)" "0 0" \
    "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); m=[x for x in d["mailboxes"] if x["mailbox"] == sys.argv[1]][0]; print(m["cap"], m["remaining"])' "$full")"
run "$MR" mailbox list --json
check "mailbox list agrees" 0 \
    "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print([x for x in json.load(sys.stdin) if x["email"] == sys.argv[1]][0]["daily_cap"])' "$full")"
check "mailbox_today agrees" "0|0" "$(q "select daily_cap, remaining from mailbox_today where mailbox = '$full'")"
check "a mailbox without a quota hit keeps its cap" "5|5" "$(q "select daily_cap, remaining from mailbox_today where mailbox = 'admin@sender.example'")"
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

# The server's certificate from an unknown CA: TLS fails, no AUTH is sent.
mkdir other && smtpd_cert other >/dev/null 2>&1
sed -i "s|ca_file: ./srv/ca.pem|ca_file: ./other/ca.pem|" config.yaml
"$MR" -q mailbox set m1@sender.example --status cold-ready
"$MR" -q mailbox set m2@sender.example --status cold-ready
auth_before=$(wc -l < "$T/srv/auth.log")
printf 'email,company
ok7@g.example,G
' > g.csv
"$MR" -q import contacts g.csv --campaign C1
att_before=$(q 'select sum(attempts) from sends')
export MAILROTA_NOW=2026-11-23T15:00:00Z
run "$MR" run
check "an untrusted certificate: nothing sent, exit 69" 69 "$rc"
check_contains "the exit-69 message names each mailbox and its TLS failure" \
    "m1@sender.example, m2@sender.example (tls: " "$(printf '%s\n' "$err" | grep 'error: nothing sent')"
check "this run's tries stopped at stage tls" tls "$(q "select group_concat(distinct stage) from attempts where at >= '2026-11-23'")"
check "TLS failures use no attempt" "$att_before" "$(q 'select sum(attempts) from sends')"
check "tried messages wait, deferred" "2" "$(q "select count(*) from sends where last_attempt_at >= '2026-11-23' and status = 'deferred'")"
check "no AUTH reached the server" "$auth_before" "$(wc -l < "$T/srv/auth.log")"
check "the mailboxes stay cold-ready (a TLS problem is not a bad password)" 2 "$(q "select count(*) from mailboxes where status = 'cold-ready'")"

# Nothing listening: connect fails, exit 69, the message waits.
sed -i "s|ca_file: ./other/ca.pem|ca_file: ./srv/ca.pem|" config.yaml
smtpd_stop "$T/srv"
export MAILROTA_NOW=2026-11-24T15:00:00Z
run "$MR" run
check "nothing listening: exit 69" 69 "$rc"
e69=$(printf '%s\n' "$err" | grep 'error: nothing sent')
# libcurl's text holds the milliseconds it took, so the two causes are not
# always the same words, and grouping them is not part of the promise.
for m in m1 m2; do
    check_contains "the exit-69 message names $m and its cause" \
        "$m@sender.example" "$e69"
done
check_contains "... the cause is the connection" "(connect: " "$e69"
check_contains "... and says how to check them" "mailrota mailbox test --all" "$e69"
check "this run's tries stopped at stage connect" connect "$(q "select group_concat(distinct stage) from attempts where at >= '2026-11-24'")"
check "no message was sent or lost" "0 0" "$(q "select count(*) from sends where status = 'sent' and sent_at >= '2026-11-23'") $(q "select count(*) from sends where status = 'sending'")"
done_testing
