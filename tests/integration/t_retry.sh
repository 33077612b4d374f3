#!/bin/sh
# retry: failed sends (and unknown ones with --unknown) become plannable
# again; the next run tries the same send row, adding attempts, with a
# fresh rules.max_attempts budget; sent and bounced sends are never
# touched; --dry-run changes nothing; filters name what they do not know.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 10 1
# A database made before 0009 (already at 0010 and later): migrate adds it
# and keeps user_version at the newest.
newest=$(ls "$ROOT"/migrations/*.sql | sed -n 's|.*/0*\([0-9]*\)_[^/]*$|\1|p' | sort -n | tail -n 1)
sqlite3 mailrota.db "drop table send_retries; delete from schema_migrations where version = 9; pragma user_version = $newest"
run "$MR" migrate
check "0009 applies after 0010" "0 1 $newest" \
    "$rc $(q "select count(*) from sqlite_master where name = 'send_retries'") $(q 'pragma user_version')"
"$MR" -q campaign add C --template "$ROOT/templates/intro.txt"
cat > c.csv <<'CSV'
email,first_name,company
ok1@one.example,Ann,One
stuck@two.example,Ben,Two
hard1@three.example,Cy,Three
lost@four.example,Di,Four
CSV
"$MR" -q import contacts c.csv --campaign C

# send_of EMAIL: status|attempts|smtp_code of its send.
send_of() {
    q "select s.status, s.attempts, coalesce(s.smtp_code, '') from sends s join contacts c on c.id = s.contact_id where c.email = '$1'"
}
tries_of() {
    q "select count(*) from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id where c.email = '$1'"
}

# stuck@ is refused 451 four times: three runs use its max_attempts (3).
# lost@'s connection drops after the final dot once: unknown.
smtpd_faults "$T/srv" '{"recipients": {
  "stuck@two.example": {"rcpt": "451 4.7.1 Try again later", "times": 4},
  "lost@four.example": {"drop": "data-reply", "times": 1}}}'
export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run
check "first run" "planned 4, sent 1, deferred 1, bounced 1, failed 0, unknown 1" "$out"
MAILROTA_NOW=2026-11-21T15:00:00Z "$MR" -q run
MAILROTA_NOW=2026-11-22T15:00:00Z "$MR" -q run
check "after max_attempts tries: failed" "failed|3|451" "$(send_of stuck@two.example)"
stuck_id=$(q "select s.id from sends s join contacts c on c.id = s.contact_id where c.email = 'stuck@two.example'")
MAILROTA_NOW=2026-11-23T15:00:00Z run "$MR" plan -v
check "a failed send is not planned (already_sent)" 1 \
    "$(printf '%s\n' "$out" | grep stuck@two.example | grep -c already_sent)"

before=$(q "select group_concat(status || attempts, ',') from (select status, attempts from sends order by id)")
run "$MR" retry --dry-run
check "retry --dry-run exits 0" 0 "$rc"
check_contains "--dry-run prints the count" "retry: 1 send would be made plannable again (failed 1, unknown 0)" "$out"
check_contains "--dry-run mentions the unknown one left" "1 unknown send left as it is" "$out"
check "--dry-run changes no send" "$before" "$(q "select group_concat(status || attempts, ',') from (select status, attempts from sends order by id)")"
check "--dry-run records no retry" 0 "$(q 'select count(*) from send_retries')"

run "$MR" retry --campaign Nope
check "unknown campaign exits 65" 65 "$rc"
check_contains "names the campaign" "unknown campaign 'Nope'" "$err"
run "$MR" retry --mailbox nobody@sender.example
check "unknown mailbox exits 65" 65 "$rc"
check_contains "names the mailbox" "nobody@sender.example is not on the roster" "$err"
run "$MR" retry --mailbox not-an-address
check "an invalid mailbox exits 65" 65 "$rc"
run "$MR" retry extra
check "an argument exits 64" 64 "$rc"

run "$MR" retry --campaign C --mailbox M1@Sender.Example
check "retry exits 0" 0 "$rc"
check_contains "retry prints how many" "retry: 1 send made plannable again (failed 1, unknown 0)" "$out"
check "the send is deferred, due now, its history kept" "deferred|3|451|" \
    "$(q "select status, attempts, smtp_code, coalesce(retry_after, '') from sends where id = '$stuck_id'")"
check "the retry is recorded" "failed|3" "$(q "select status_before, attempts_before from send_retries where send_id = '$stuck_id'")"
check "sent, bounced and unknown are untouched" "sent|1|250 bounced|1|550 unknown|1|" \
    "$(send_of ok1@one.example) $(send_of hard1@three.example) $(send_of lost@four.example)"
run "$MR" retry
check "a second retry finds nothing" "retry: 0 sends made plannable again (failed 0, unknown 0)" "$(printf '%s\n' "$out" | head -n 1)"

# The fourth 451: with a fresh budget it stays deferred, not failed.
export MAILROTA_NOW=2026-11-23T15:00:00Z
run "$MR" plan -v
check "plan now has the retried send" 1 "$(printf '%s\n' "$out" | grep stuck@two.example | grep -c m1@sender.example)"
run "$MR" run
check "the retried send is tried again" "planned 1, sent 0, deferred 1, bounced 0, failed 0, unknown 0" "$out"
check "one more try does not fail it (budget counted from the retry)" "deferred|4|451" "$(send_of stuck@two.example)"
export MAILROTA_NOW=2026-11-24T15:00:00Z
run "$MR" run
check "then it is sent" "planned 1, sent 1, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "the same row, sent, every try counted" "sent|5|250|$stuck_id" \
    "$(q "select s.status, s.attempts, s.smtp_code, s.id from sends s join contacts c on c.id = s.contact_id where c.email = 'stuck@two.example'")"
check "one send row for the contact" 1 "$(q "select count(*) from sends s join contacts c on c.id = s.contact_id where c.email = 'stuck@two.example'")"
check "attempts keeps both tries' history" "5 451,451,451,451,250" \
    "$(tries_of stuck@two.example) $(q "select group_concat(smtp_code, ',') from (select a.smtp_code from attempts a where a.send_id = '$stuck_id' order by a.id)")"
check "received once" 1 "$(received_by stuck@two.example)"
check "nothing sent twice" "1 0" "$(received_by ok1@one.example) $(received_by hard1@three.example)"

# --unknown: the message may have gone out; only on request.
run "$MR" retry
check "without --unknown the unknown send stays" "unknown" "$(q "select s.status from sends s join contacts c on c.id = s.contact_id where c.email = 'lost@four.example'")"
run "$MR" retry --unknown
check_contains "--unknown counts it" "retry: 1 send made plannable again (failed 0, unknown 1)" "$out"
check "the unknown send is deferred" "deferred|1" "$(q "select s.status, s.attempts from sends s join contacts c on c.id = s.contact_id where c.email = 'lost@four.example'")"
check "and its retry recorded from unknown" "unknown|1" "$(q "select r.status_before, r.attempts_before from send_retries r join sends s on s.id = r.send_id join contacts c on c.id = s.contact_id where c.email = 'lost@four.example'")"
export MAILROTA_NOW=2026-11-25T15:00:00Z
run "$MR" run
check "the next run sends it" "planned 1, sent 1, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "sent on its second try" "sent|2|250" "$(send_of lost@four.example)"

# A send that failed for its data: fix the campaign, retry, run.
printf 'Subject: Hello {{first_name|there}}\n\nHi, about {{project}}.\n' > needs.txt
printf 'email,first_name,project\np1@five.example,Ed,Apollo\np2@six.example,Flo,\n' > p.csv
"$MR" -q import contacts p.csv
"$MR" -q campaign add P --template needs.txt
"$MR" -q campaign enroll P p2@six.example
export MAILROTA_NOW=2026-11-26T15:00:00Z
run "$MR" run
check "no value and no default: failed" "failed|0|" "$(send_of p2@six.example)"
printf 'Subject: Hello again {{first_name|there}}\n\nHi, about {{project|our project}}.\n' > fixed.txt
"$MR" -q campaign set P --template fixed.txt
run "$MR" retry --campaign C
check "another campaign's failed send is not retried" "retry: 0 sends made plannable again (failed 0, unknown 0)" "$out"
run "$MR" -q retry --campaign P
check "-q prints nothing" "0|" "$rc|$out"
run "$MR" run
check "the fixed campaign sends it" "planned 1, sent 1, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "with the new text" 1 "$(grep -l 'about our project' "$T"/srv/mail/*.eml | wc -l | tr -d ' ')"

run "$MR" retry --help
check "--help exits 0" 0 "$rc"
check_contains "--help shows the usage" "mailrota retry [--campaign NAME]" "$out"
check_plan_state "at the end"
done_testing
