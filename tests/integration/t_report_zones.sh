#!/bin/sh
# report's forecast with zone: recipient (and then spread: true), checked
# against reality: mon-fri 09:00-17:00, the sender in America/Chicago,
# 3 contacts in Asia/Tokyo and 4 with no zone (the sender's), 2 mailboxes
# at 2 a day, a 2-step campaign (step 2 one day after), cooldown 1 day.
# The forecast plans the Tokyo contacts at Tokyo's openings (00:00Z, the
# evening before in Chicago, sharing the sender's day caps), the others
# at Chicago's (15:00Z); `run` is then started at both openings every day
# until nothing is left, and the days must match.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 2 2
set_rule cooldown_days 1
cat >> "$T/config.yaml" <<YAML
schedule:
  days: [mon, tue, wed, thu, fri]
  start: "09:00"
  end: "17:00"
  zone: recipient
YAML
PY=/usr/bin/python3
"$MR" -q campaign add C --template "$ROOT/templates/intro.txt"
printf 'Hi {{first_name|there}}, a quick follow-up.\n' > f2.txt
"$MR" -q campaign step add C --template f2.txt --after-days 1
{
    echo "email,first_name,company,Time Zone"
    for n in a b c; do echo "$n@$n.example,$n,Co$n,Asia/Tokyo"; done
    for n in d e f g; do echo "$n@$n.example,$n,Co$n,"; done
} > c.csv
"$MR" -q import contacts c.csv --campaign C || exit 1

# reality DAYS [TIMES]: run at Tokyo's opening then Chicago's (TIMES,
# "00:00 15:00" by default: the HH:MM Z of the runs), every day from
# Monday 2026-11-09 (half a minute later each day: a run takes some
# seconds, and the waits end to the second after the send).
reality() {
    real_days=""
    real_done=""
    d=0
    while [ $d -lt "$1" ]; do
        for at in ${2:-00:00 15:00}; do
            MAILROTA_NOW=$($PY -c "import datetime as t; print((t.datetime(2026, 11, 9, int('${at%:*}'), int('${at#*:}')) + t.timedelta(days=$d, seconds=30 * $d)).strftime('%Y-%m-%dT%H:%M:%SZ'))") \
                "$MR" -q run --no-inbox > /dev/null 2>&1
        done
        d=$((d + 1))
    done
    for day in $(q "select distinct day from sends where status = 'sent' order by day"); do
        sent=$(q "select count(*) from sends where day = '$day' and status = 'sent'")
        left=$(q "select (select count(*) from enrollments) - (select count(distinct contact_id) from sends where step = 2 and status = 'sent' and day <= '$day')")
        real_days="$real_days $day:$sent:$left"
        real_done=$day
    done
}
fc() { $PY -c "import json,sys; d=json.load(open('fc.json')); f=d['campaigns'][0]['forecast']; print($1)"; }
fc_days() { fc "' ' + ' '.join('%s:%d:%d' % (x['day'], x['sent'], x['remaining']) for x in f['days'] if x['sent'])"; }

# Sunday 2026-11-08 12:00 in Chicago (18:00Z): every window is shut.
MAILROTA_NOW=2026-11-08T18:00:00Z "$MR" report --json > fc.json
check "report --json exits 0" 0 "$?"
check "the forecast completes" "True" "$(fc "f['complete']")"
reality 8
check "recipient zones: the forecast's days (sent, remaining) are what run did" \
    "$real_days" "$(fc_days)"
check "recipient zones: the completion date is the real one" "$real_done" \
    "$(fc "f['complete_on']")"
check "everyone had both steps" 7 \
    "$(q "select count(distinct contact_id) from sends where step = 2 and status = 'sent'")"
check "Tokyo contacts were sent at Tokyo's opening (00:xxZ)" 6 \
    "$(q "select count(*) from sends s join contacts c on c.id = s.contact_id where c.timezone = 'Asia/Tokyo' and substr(s.sent_at, 12, 2) = '00'")"

# spread: true on a fresh database: in Chicago's window each mailbox
# sends one at the opening and its next at its turn, half way to the
# close (13:00 local, 19:00Z; run a minute after, the turn being to the
# second after the first send); at Tokyo's opening (Chicago's window
# shut) no spreading.
rm -f mailrota.db mailrota.db-wal mailrota.db-shm
printf '  spread: true\n' >> "$T/config.yaml"
"$MR" -q init && "$MR" -q mailbox import "$T/roster.csv" || exit 1
"$MR" -q campaign add C --template "$ROOT/templates/intro.txt"
"$MR" -q campaign step add C --template f2.txt --after-days 1
"$MR" -q import contacts c.csv --campaign C || exit 1
MAILROTA_NOW=2026-11-08T18:00:00Z "$MR" report --json > fc.json
check "spread: report --json exits 0" 0 "$?"
reality 8 "00:00 15:00 19:01"
check "spread: the forecast's days (sent, remaining) are what run did" \
    "$real_days" "$(fc_days)"
check "spread: the completion date is the real one" "$real_done" \
    "$(fc "f['complete_on']")"
check "spread: a Chicago contact was sent at the turn (19:0xZ)" yes \
    "$(q "select case when count(*) > 0 then 'yes' else 'no' end from sends where substr(sent_at, 12, 2) = '19'")"

done_testing
