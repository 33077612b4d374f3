#!/bin/sh
# Never twice: a second run while one holds the lock exits 75 without
# sending; a run killed with SIGKILL mid-way and run again delivers no
# message twice; a connection lost before the reply to DATA is `unknown`
# and never resent; pacing keeps its gap per mailbox while mailboxes send
# in parallel.
. "$(dirname "$0")/lib.sh"
SMTPD_ARGS="--slow-seconds 1"
. "$ROOT/tests/integration/runlib.sh"

setup_world 20 2
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
{
    echo "email,company"
    for i in 1 2 3 4 5 6 7 8 9 10; do echo "slow$i@co$i.example,Co$i"; done
} > slow.csv
"$MR" -q import contacts slow.csv --campaign C1
export MAILROTA_NOW=2026-11-20T15:00:00Z

# Each message takes about 1 s at the server: the first run holds the lock
# for about 5 s (two mailboxes in parallel).
"$MR" run > first.out 2> first.err &
first=$!
sleep 1.5
run "$MR" run
check "a second run while the first holds the lock exits 75" 75 "$rc"
check_contains "and says why" "lock" "$err"
check "it sent nothing and wrote no runs row" 1 "$(q 'select count(*) from runs')"
wait $first
check "the first run finishes" "planned 10, sent 10, deferred 0, bounced 0, failed 0, unknown 0" "$(cat first.out)"
check "each recipient received exactly one" 10 "$(smtpd_count "$T/srv")"

# SIGKILL mid-way, then run again: nothing delivered twice.
{
    echo "email,company"
    for i in 1 2 3 4 5 6 7 8 9 10; do echo "slow$i@ko$i.example,Ko$i"; done
} > kill.csv
"$MR" -q campaign add C2 --template "$ROOT/templates/intro.txt"
"$MR" -q import contacts kill.csv --campaign C2
export MAILROTA_NOW=2026-11-20T16:00:00Z
before=$(smtpd_count "$T/srv")
"$MR" -q run &
victim=$!
sleep 2.5
kill -9 $victim
wait $victim 2>/dev/null
mid=$(smtpd_count "$T/srv")
check "the killed run had sent some but not all" yes "$([ "$mid" -gt "$before" ] && [ "$mid" -lt $((before + 10)) ] && echo yes || echo "no ($before -> $mid)")"
sleep 1.5   # let the server finish a message in flight
run "$MR" run
check "the next run exits 0" 0 "$rc"
check_contains "it reports the interrupted claims" "marked 'unknown'" "$err"
dups=$(for j in "$T"/srv/mail/*.json; do /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rcpt_tos"][0].lower())' "$j"; done | sort | uniq -d)
check "no recipient received a message twice" "" "$dups"
check "every C2 message is accounted for" 10 "$(q "select count(*) from sends s join campaigns c on c.id = s.campaign_id where c.name = 'C2' and s.status in ('sent', 'unknown')")"
missing=0
for mid in $(q "select message_id from sends where status = 'sent'"); do
    grep -q -l -F "Message-ID: $mid" "$T"/srv/mail/*.eml || missing=$((missing + 1))
done
check "every sent row was received" 0 "$missing"
check "received = sent + unknown that did arrive (never more)" yes \
    "$([ "$(smtpd_count "$T/srv")" -le "$(q "select count(*) from sends where status in ('sent', 'unknown')")" ] && echo yes)"
check "no send left 'sending'" 0 "$(q "select count(*) from sends where status = 'sending'")"
check "integrity after SIGKILL" ok "$(q 'pragma integrity_check')"

# Connection dropped before the reply to DATA: unknown, counted, not resent.
printf 'email,company\ndrop1@dr.example,Dr\n' > drop.csv
"$MR" -q import contacts drop.csv --campaign C1
export MAILROTA_NOW=2026-11-21T15:00:00Z
run "$MR" run
check "a lost DATA reply is unknown; nothing sent exits 75" "75 planned 1, sent 0, deferred 0, bounced 0, failed 0, unknown 1" "$rc $out"
check "unknown is recorded at stage data" "unknown|data" "$(q "select s.status, a.stage from sends s join attempts a on a.send_id = s.id join contacts c on c.id = s.contact_id where c.email = 'drop1@dr.example'")"
export MAILROTA_NOW=2026-11-22T15:00:00Z
run "$MR" -v plan
check_contains "unknown is never resent (already_sent)" "drop1@dr.example" "$(printf '%s\n' "$out" | grep already_sent)"
run "$MR" status --date 2026-11-21
check_contains "status points at unknown sends" "unknown outcome" "$out"

# Killed, then the -wal file deleted: the claims it held are gone, but
# their mail went out.  The next run refuses (74) rather than send it
# again; with the -wal file put back, it goes on, and nothing is twice.
{
    echo "email,company"
    for i in 1 2 3 4 5 6; do echo "ok$i@wal$i.example,Wal$i"; done
} > wal.csv
"$MR" -q campaign add W --template "$ROOT/templates/intro.txt"
"$MR" -q import contacts wal.csv --campaign W
export MAILROTA_NOW=2026-11-22T16:00:00Z
before=$(smtpd_count "$T/srv")
runs=$(q 'select count(*) from runs')
MAILROTA_TEST_CRASH=reply.sent:3 "$MR" -q run
check "a run killed after its third delivery" 137 "$?"
# The other mailbox's message may still be landing at the server (its
# client died with the run, after the final dot): count once it settles.
mid=$(smtpd_count "$T/srv")
for _ in 1 2 3 4 5; do
    sleep 1
    [ "$(smtpd_count "$T/srv")" = "$mid" ] && break
    mid=$(smtpd_count "$T/srv")
done
mv mailrota.db-wal saved-wal
rm -f mailrota.db-shm
check "the database, without its -wal, has lost that run" "$runs" "$(q 'select count(*) from runs')"
run "$MR" run
check "the next run refuses: 74" 74 "$rc"
check_contains "it says writes were lost and why" "lost writes of the run started 2026-11-22T16:00:00Z" "$err"
check_contains "and how to go on" "remove './mailrota.db.lock' to accept the loss" "$err"
check "it sent nothing" "$mid" "$(smtpd_count "$T/srv")"
check "and wrote no runs row" "$runs" "$(q 'select count(*) from runs')"
mv saved-wal mailrota.db-wal
run "$MR" run
check "with the -wal file back, the next run goes on" 0 "$rc"
check "no recipient received a message twice, after all" "" "$(for j in "$T"/srv/mail/*.json; do /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rcpt_tos"][0].lower())' "$j"; done | sort | uniq -d)"
check "every W message is accounted for" 6 "$(q "select count(*) from sends s join campaigns c on c.id = s.campaign_id where c.name = 'W' and s.status in ('sent', 'unknown')")"

# Pacing: min_gap_seconds per mailbox, mailboxes in parallel.
sed -i 's/  max_attempts: 3/  max_attempts: 3\n  min_gap_seconds: 2/' config.yaml
{
    echo "email,company"
    for i in 1 2 3 4; do echo "ok$i@pace$i.example,Pace$i"; done
} > pace.csv
"$MR" -q campaign add Pace --template "$ROOT/templates/intro.txt"
"$MR" -q import contacts pace.csv --campaign Pace
export MAILROTA_NOW=2026-11-23T15:00:00Z
"$MR" -q run
gaps=$(q "select m.email, min(strftime('%s', b.sent_at) - strftime('%s', a.sent_at)) from sends a join sends b on a.mailbox_id = b.mailbox_id and b.sent_at > a.sent_at join mailboxes m on m.id = a.mailbox_id join campaigns c on c.id = a.campaign_id where c.name = 'Pace' group by m.email")
check "two mailboxes each sent two paced messages" 2 "$(printf '%s\n' "$gaps" | grep -c .)"
check "every gap is at least min_gap_seconds" "" "$(printf '%s\n' "$gaps" | awk -F'|' '$2 < 2')"
check "the mailboxes started together (parallel)" 1 "$(q "select count(distinct substr(min_at, 1, 19)) from (select min(a.sent_at) as min_at from sends a join campaigns c on c.id = a.campaign_id where c.name = 'Pace' group by a.mailbox_id)" | awk '{ print ($1 <= 2) ? 1 : 0 }')"
check "the run recorded its jitter seed" 1 "$(q 'select seed is not null from runs order by started_at desc limit 1')"

# A new database in the old one's place: the lock file's claim belongs to
# the old one, and init forgets it.
mv mailrota.db old.db
"$MR" -q init && "$MR" -q mailbox import "$T/roster.csv" || exit 1
run "$MR" run
check "a run on a database init has just made goes on" "0 planned 0" "$rc $(printf '%s' "$out" | cut -d, -f1)"

done_testing
