#!/bin/sh
# run --until-done over a simulated day (MAILROTA_NOW with
# MAILROTA_CLOCK_SCALE=1800: one real second is half an hour): started at
# 08:00 in Chicago before the 08:30 window, it sleeps until the window
# opens, spreads each mailbox's two messages over the window (the second
# at 12:45, when the time left over the one left equals the time since
# the first), and ends once the caps are met; its summary line adds up its
# runs.  SIGTERM while it sleeps ends it at once with exit 75 and the
# summary.  The waits are sleeps: it uses almost no CPU.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 2 2
cat >> "$T/config.yaml" <<'YAML'
schedule:
  days: [mon, tue, wed, thu, fri]
  start: "08:30"
  end: "17:00"
  spread: true
YAML
"$MR" -q campaign add C --template "$ROOT/templates/intro.txt"
{
    echo "email,first_name,company"
    for i in 1 2 3 4 5 6; do echo "p$i@co$i.example,P$i,Co$i"; done
} > c.csv
"$MR" -q import contacts c.csv --campaign C

# Tuesday 17 March 2026, 08:00 CDT (13:00Z).
export MAILROTA_NOW=2026-03-17T13:00:00Z MAILROTA_CLOCK_SCALE=1800
t0=$(date +%s)
/usr/bin/time -f '%U %S' -o cpu.txt "$MR" run --until-done > out.txt 2> err.txt
rc=$?
t1=$(date +%s)
check "exit 0" 0 "$rc"
check "one summary line, the runs added up" "planned 4, sent 4, deferred 0, bounced 0, failed 0, unknown 0" "$(cat out.txt)"
check "four sent, two per mailbox (their caps)" "m1@sender.example 2,m2@sender.example 2" \
    "$(q "select group_concat(e || ' ' || n) from (select m.email e, count(*) n from sends s join mailboxes m on m.id = s.mailbox_id group by m.email order by m.email)")"
# hour:minute of each send, Chicago time (UTC-5 after the change)
times=$(q "select group_concat(strftime('%H:%M', sent_at, '-5 hours'), ' ') from (select sent_at from sends order by sent_at)")
first=$(echo "$times" | cut -d' ' -f1-2)
second=$(echo "$times" | cut -d' ' -f3-4)
in_range() {   # in_range HH:MM LO HI (minutes after midnight)
    m=$(( $(echo "$1" | cut -d: -f1 | sed 's/^0//') * 60 + $(echo "$1" | cut -d: -f2 | sed 's/^0//') ))
    [ "$m" -ge "$2" ] && [ "$m" -le "$3" ]
}
ok_first=yes; for x in $first; do in_range "$x" 510 540 || ok_first="no ($times)"; done
check "the first two when the window opens (08:30-09:00)" yes "$ok_first"
ok_second=yes; for x in $second; do in_range "$x" 765 800 || ok_second="no ($times)"; done
check "the next two spread to about 12:45" yes "$ok_second"
check "it slept, a simulated morning in seconds" yes \
    "$([ $((t1 - t0)) -ge 8 ] && [ $((t1 - t0)) -le 60 ] && echo yes || echo "no: $((t1 - t0)) s")"
check "and did not busy-wait (under 3 s of CPU)" yes \
    "$(awk '{ print ($1 + $2 < 3) ? "yes" : "no: " $1 + $2 " s" }' cpu.txt)"
check "the caps are met: nothing more" "planned 0" "$(MAILROTA_NOW=2026-03-17T19:00:00Z "$MR" run | cut -d, -f1)"

# SIGTERM while it waits for the window: exit 75 at once, with the summary.
export MAILROTA_NOW=2026-03-18T10:00:00Z MAILROTA_CLOCK_SCALE=1
"$MR" run --until-done > out2.txt 2> err2.txt &
pid=$!
sleep 2
kill -TERM $pid
t0=$(date +%s)
wait $pid
rc=$?
t1=$(date +%s)
check "SIGTERM while it sleeps: exit 75" 75 "$rc"
check "at once" yes "$([ $((t1 - t0)) -le 3 ] && echo yes || echo no)"
check "with the summary line" "planned 0, sent 0, deferred 0, bounced 0, failed 0, unknown 0" "$(cat out2.txt)"
check_contains "saying why" "stopped by SIGTERM while waiting for 2026-03-18T13:30:00Z" "$(cat err2.txt)"

run "$MR" run --until-done --dry-run
check "--dry-run with --until-done exits 64" 64 "$rc"
MAILROTA_CLOCK_SCALE=0 run "$MR" plan
check "a bad MAILROTA_CLOCK_SCALE exits 64" 64 "$rc"

done_testing
