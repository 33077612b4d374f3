#!/bin/sh
# Ramp-up (SPEC "Schedule and ramp-up"): a mailbox with --ramp START:STEP
# sends START + STEP x k a day, k being the earlier local days on which it
# sent, up to its cap; plan, run, status, mailbox list and the
# mailbox_today view agree on that cap day by day (MAILROTA_NOW, real
# sends to the SMTP test server); rules.ramp is the ramp of a mailbox
# added without --ramp (by add or import), never of one already there;
# --ramp none ends it; bad values exit 64 (options) or 78 (config).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 30 2
"$MR" -q mailbox set m2@sender.example --status admin
run "$MR" mailbox set m1@sender.example --ramp 2:3
check "mailbox set --ramp" "0|2|3" "$rc|$(q "select ramp_start || '|' || ramp_step from mailboxes where email = 'm1@sender.example'")"

"$MR" -q campaign add C --template "$ROOT/templates/intro.txt"
{
    echo "email,first_name,company"
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do
        echo "p$i@co$i.example,P$i,Co$i"
    done
} > c.csv
"$MR" -q import contacts c.csv --campaign C

# cap_of: what status, mailbox list (text and JSON) and mailbox_today say
# of m1's cap, and what plan would send.
cap_of() {
    st=$("$MR" status --json | /usr/bin/python3 -c 'import json,sys; print([m["cap"] for m in json.load(sys.stdin)["mailboxes"] if m["mailbox"] == "m1@sender.example"][0])')
    ls=$("$MR" mailbox list --json | /usr/bin/python3 -c 'import json,sys; print([m["daily_cap"] for m in json.load(sys.stdin) if m["email"] == "m1@sender.example"][0])')
    pl=$("$MR" plan | grep -c '^m1@sender.example')
    echo "$st $ls $pl"
}
view_cap() { q "select daily_cap from mailbox_today where mailbox = 'm1@sender.example'"; }

export MAILROTA_NOW=2026-11-02T15:00:00Z
check "day 1: START, everywhere" "2 2 2" "$(cap_of)"
run "$MR" plan -v
check_contains "the rest wait: no_capacity" "no_capacity" "$out"
run "$MR" run
check "day 1: 2 sent" "planned 2, sent 2, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "mailbox_today says 2 too" 2 "$(view_cap)"

export MAILROTA_NOW=2026-11-03T15:00:00Z
check "day 2: START + STEP" "5 5 5" "$(cap_of)"
run "$MR" run
check "day 2: 5 sent" "planned 5, sent 5, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "mailbox_today says 5" 5 "$(view_cap)"

# Day 3 has no run: day 4 counts two earlier sending days, not three.
export MAILROTA_NOW=2026-11-05T15:00:00Z
check "day 4 after a day without sends: START + 2 STEP" "8 8 7" "$(cap_of)"
run "$MR" run
check "day 4: the 7 left" "planned 7, sent 7, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "mailbox_today says 8" 8 "$(view_cap)"
check "nobody twice, 14 in all" "14|14" "$(q "select count(*), count(distinct contact_id) from sends")"

run "$MR" mailbox set m1@sender.example --ramp none
check "--ramp none ends it: the cap again" "0 30" "$rc $(view_cap)"
check "stored as no ramp" "1" "$(q "select ramp_start is null and ramp_step is null from mailboxes where email = 'm1@sender.example'")"

# Bad ramps.
for bad in 0:1 5 5:x -1:2 5:2:1 10001:1; do
    run "$MR" mailbox set m1@sender.example --ramp "$bad"
    check "--ramp $bad exits 64" 64 "$rc"
done
check_contains "and says what a ramp is" "START:STEP" "$err"

# rules.ramp: the ramp of a mailbox added without --ramp, by add or import.
set_rule ramp '"4:1"'
"$MR" -q mailbox add new1@sender.example --name New1
"$MR" -q mailbox add new2@sender.example --name New2 --ramp 10:5
printf 'email,display_name,status,daily_cap,auth\nnew3@sender.example,New3,admin,,plain\nm1@sender.example,Sender1 from Sender Co,cold-ready,,plain\n' > r.csv
"$MR" -q mailbox import r.csv
check "rules.ramp for new mailboxes; --ramp wins; an import changes none already there" \
    "m1@sender.example: new1@sender.example:4|1 new2@sender.example:10|5 new3@sender.example:4|1" \
    "$(q "select group_concat(email || ':' || coalesce(ramp_start || '|' || ramp_step, ''), ' ') from (select * from mailboxes where email like 'new%' or email = 'm1@sender.example' order by email)")"
set_rule ramp '"0:1"'
run "$MR" mailbox list
check "a bad rules.ramp exits 78" 78 "$rc"
check_contains "naming the key" "rules.ramp" "$err"

done_testing
