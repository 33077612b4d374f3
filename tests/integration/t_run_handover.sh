#!/bin/sh
# A mailbox that fails before MAIL FROM hands its message on by the same
# rotation rule as the plan (SPEC "Rotation", src/core/dispatch.c): to the
# mailbox with the fewest sends today that has room, not to the one with
# the most room left.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 30 3
export MAILROTA_NOW=2026-11-20T15:00:00Z
# m1's password is wrong: AUTH 535, it is marked auth-failed and its
# message moves.
export MR_PW_M1=wrong-one
# m2: cap 10, 6 sent today (room 4); m3: cap 4, 1 sent today (room 3).
"$MR" -q mailbox set m2@sender.example --daily-cap 10 || exit 1
"$MR" -q mailbox set m3@sender.example --daily-cap 4 || exit 1
"$MR" -q campaign add C0 --template "$ROOT/templates/intro.txt"
{
    echo "email,company"
    for i in 1 2 3 4 5 6 7; do echo "earlier$i@e$i.example,E$i"; done
} > earlier.csv
"$MR" -q import contacts earlier.csv --campaign C0
q "insert into sends(id, campaign_id, contact_id, mailbox_id, status,
       attempts, day, created_at, last_attempt_at, sent_at)
   select 'earlier-' || c.id, ca.id, c.id,
       (select id from mailboxes where email =
           case when c.email = 'earlier7@e7.example' then 'm3@sender.example'
                else 'm2@sender.example' end),
       'sent', 1, '2026-11-20', '2026-11-20T14:00:00Z',
       '2026-11-20T14:00:00Z', '2026-11-20T14:00:00Z'
   from contacts c, campaigns ca where ca.name = 'C0'"
check "m2 has 6 sends today, m3 1" "m2@sender.example|6
m3@sender.example|1" \
    "$(q "select m.email || '|' || count(*) from sends s join mailboxes m on m.id = s.mailbox_id where s.day = '2026-11-20' group by m.email order by 1")"
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
printf 'email,company\nnew1@n.example,N\n' > new.csv
"$MR" -q import contacts new.csv --campaign C1

run "$MR" plan --json
check_contains "the plan gives it to m1 (no sends today)" '"m1@sender.example"' "$out"
run "$MR" run
check "it is sent" "0 planned 1, sent 1, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
check "m1 is auth-failed" auth-failed "$(q "select status from mailboxes where email = 'm1@sender.example'")"
check "it moved to m3, the fewest sends today with room (not m2, most room)" \
    "sent|m3@sender.example" \
    "$(q "select s.status || '|' || m.email from sends s join mailboxes m on m.id = s.mailbox_id join contacts c on c.id = s.contact_id where c.email = 'new1@n.example'")"
check "the server got it once" 1 "$(received_by new1@n.example)"
done_testing
