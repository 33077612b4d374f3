#!/bin/sh
# Send windows (SPEC "Schedule and ramp-up"): with schedule: days and
# hours in the configured zone (America/Chicago here), plan and run send
# nothing outside them and plan -v says outside_window with the opening
# time, across a DST change; inside, they send as before; spread: true
# gives each mailbox one message per turn over the window; zone:
# recipient uses each contact's zone (imported, checked); without a
# schedule: any time; bad schedule values exit 78 naming file, line and
# key.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

sq() { printf '%s\n' "$1" | tr -s ' '; }
setup_world 30 2
cat >> "$T/config.yaml" <<'YAML'
schedule:
  days: [mon, tue, wed, thu, fri]
  start: "08:30"
  end: 17:00
  zone: sender
YAML
"$MR" -q campaign add C --template "$ROOT/templates/intro.txt"
{
    echo "email,first_name,company"
    for i in 1 2 3 4 5 6; do echo "p$i@co$i.example,P$i,Co$i"; done
} > c.csv
"$MR" -q import contacts c.csv --campaign C

# Saturday 7 March 2026, noon in Chicago: closed until Monday 08:30,
# which is CDT after Sunday's change: 13:30Z, not 14:30Z.
export MAILROTA_NOW=2026-03-07T18:00:00Z
run "$MR" plan -v
check "Saturday: nothing planned" "" "$(printf '%s\n' "$out" | grep '@sender.example')"
check_contains "outside_window until Monday 08:30 CDT" "p1@co1.example C outside_window 2026-03-09T13:30:00Z" "$(sq "$out")"
run "$MR" run
check "a run on Saturday sends nothing" "0|planned 0, sent 0, deferred 0, bounced 0, failed 0, unknown 0" "$rc|$out"
run "$MR" plan --json -v
check_contains "plan --json -v: the reason and until" '"reason": "outside_window", "until": "2026-03-09T13:30:00Z"' "$out"

# Monday 08:00 CDT: half an hour early.
export MAILROTA_NOW=2026-03-09T13:00:00Z
run "$MR" plan -v
check_contains "Monday 08:00: opens at 08:30 the same day" "p2@co2.example C outside_window 2026-03-09T13:30:00Z" "$(sq "$out")"

# Monday 09:00 CDT: open.
export MAILROTA_NOW=2026-03-09T14:00:00Z
run "$MR" run
check "Monday 09:00: all six go" "planned 6, sent 6, deferred 0, bounced 0, failed 0, unknown 0" "$out"

# Friday 17:00 exactly: closed (the window ends at 17:00).
"$MR" -q campaign add D --template "$ROOT/templates/job-opening.txt"
printf 'email,first_name,company\nq1@new1.example,Q,New1\n' > d.csv
"$MR" -q import contacts d.csv --campaign D
export MAILROTA_NOW=2026-03-13T22:00:00Z
run "$MR" plan -v
check_contains "Friday 17:00: closed until Monday" "q1@new1.example D outside_window 2026-03-16T13:30:00Z" "$(sq "$out")"
export MAILROTA_NOW=2026-03-13T21:59:00Z
run "$MR" plan
check_contains "Friday 16:59: open" "q1@new1.example" "$out"

# spread: each mailbox over what is left of its window.  Caps of 4;
# Tuesday 09:00 CDT leaves 8 hours: one message each, then the next one
# (8 h / 4 = 2 h after the last) only; cron every few minutes spreads the
# day.
echo "  spread: true" >> "$T/config.yaml"
"$MR" -q mailbox set m1@sender.example --daily-cap 4
"$MR" -q mailbox set m2@sender.example --daily-cap 4
"$MR" -q campaign add E --template "$ROOT/templates/intro.txt"
{
    echo "email,first_name,company"
    for i in 1 2 3 4 5 6 7 8; do echo "e$i@eco$i.example,E$i,Eco$i"; done
} > e.csv
"$MR" -q import contacts e.csv --campaign E
export MAILROTA_NOW=2026-03-10T14:00:00Z
run "$MR" run
check "09:00: one message per mailbox" "planned 2, sent 2, deferred 0, bounced 0, failed 0, unknown 0" "$out"
export MAILROTA_NOW=2026-03-10T14:05:00Z
run "$MR" run
check "09:05: none, the next is hours away" "planned 0, sent 0, deferred 0, bounced 0, failed 0, unknown 0" "$out"
run "$MR" plan -v
check_contains "the rest wait: no_capacity" "no_capacity" "$out"
# The next is due when (17:00 - t) / 3 = t - 09:00: at 11:00.
export MAILROTA_NOW=2026-03-10T15:55:00Z
run "$MR" run
check "10:55: not yet (6 h 05 / 3 is 2 h 02 after 09:00)" "planned 0, sent 0, deferred 0, bounced 0, failed 0, unknown 0" "$out"
export MAILROTA_NOW=2026-03-10T16:05:00Z
run "$MR" run
check "11:05: the second of each (5 h 55 / 3 is 1 h 58)" "planned 2, sent 2, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "four sent on Tuesday, two per mailbox" "m1@sender.example 2,m2@sender.example 2" \
    "$(q "select group_concat(e || ' ' || n) from (select m.email e, count(*) n from sends s join mailboxes m on m.id = s.mailbox_id where s.day = '2026-03-10' group by m.email order by m.email)")"

# zone: recipient: each contact's own window.  Thursday 12 March 2026,
# 04:00 in Chicago (10:00 in Berlin): a Berlin contact is open, a Chicago
# one and one without a zone (the sender's) are not.  An unknown zone is
# said at import and the sender's is used.
sed -i 's/^  zone: sender$/  zone: recipient/; /^  spread: true$/d' "$T/config.yaml"
"$MR" -q campaign add Z --template "$ROOT/templates/intro.txt"
cat > z.csv <<'CSV'
email,first_name,company,Time Zone
ber@zber.example,B,Zber,Europe/Berlin
chi@zchi.example,C,Zchi,America/Chicago
none@znone.example,N,Znone,
mars@zmars.example,M,Zmars,Mars/Olympus_Mons
CSV
run "$MR" import contacts z.csv --campaign Z
check "the zones import" "0|imported 4, updated 0, skipped 0" "$rc|$out"
check_contains "an unknown zone is said, with its line" "z.csv:5: unknown time zone 'Mars/Olympus_Mons'" "$err"
check "stored: the known zones only" "ber@zber.example:Europe/Berlin chi@zchi.example:America/Chicago mars@zmars.example: none@znone.example:" \
    "$(q "select group_concat(email || ':' || coalesce(timezone, ''), ' ') from (select * from contacts where email like '%@z%' order by email)")"
export MAILROTA_NOW=2026-03-12T09:00:00Z
run "$MR" plan -v
check_contains "Berlin, 10:00: planned" "ber@zber.example" "$(printf '%s\n' "$out" | grep '@sender.example')"
check_contains "Chicago, 04:00: opens at 08:30 CDT" "chi@zchi.example Z outside_window 2026-03-12T13:30:00Z" "$(sq "$out")"
check_contains "no zone: the sender's" "none@znone.example Z outside_window 2026-03-12T13:30:00Z" "$(sq "$out")"
check_contains "an unknown zone: the sender's" "mars@zmars.example Z outside_window 2026-03-12T13:30:00Z" "$(sq "$out")"
sed -i 's/^  zone: recipient$/  zone: sender/' "$T/config.yaml"
run "$MR" plan -v
check_contains "zone: sender: Berlin waits for Chicago's 08:30 too" "ber@zber.example Z outside_window 2026-03-12T13:30:00Z" "$(sq "$out")"

# Without a schedule: any time.
sed -i '/^schedule:/,$d' "$T/config.yaml"
export MAILROTA_NOW=2026-03-14T18:00:00Z
run "$MR" plan
check_contains "no schedule: Saturday is fine" "@eco" "$out"

# Bad values: exit 78, naming the file, the line and the key.
bad() {
    sed -i '/^schedule:/,$d' "$T/config.yaml"
    printf 'schedule:\n%s\n' "$2" >> "$T/config.yaml"
    run "$MR" plan
    check "$1: exit 78" 78 "$rc"
    check_contains "$1: names the key" "$3" "$err"
}
# The line of the schedule's last key in config.yaml.
last_line() { wc -l < "$T/config.yaml" | tr -d ' '; }
bad "end before start" '  start: "10:00"
  end: "09:00"' "schedule.end"
check_contains "end before start: at the line of end:" "config.yaml:$(last_line): key 'schedule.end'" "$err"
bad "a day that is not one" '  days: [mon, funday]' "schedule.days"
bad "a time that is not one" '  start: "8:30"' "schedule.start"
bad "25:00" '  end: "25:00"' "schedule.end"
bad "a zone mode that is not one" '  zone: Europe/Berlin' "schedule.zone"
bad "no day at all" '  days: []' "schedule.days"

done_testing
