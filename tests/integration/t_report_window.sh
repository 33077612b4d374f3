#!/bin/sh
# report's forecast with a send window and a ramp, checked against
# reality: mon-fri 09:00-17:00 America/Chicago, m1 ramping 1:1 (cap 10),
# m2 at 2 a day, 8 contacts, a 2-step campaign (step 2 one day after),
# cooldown 1 day. The forecast is made on a Friday before the window
# opens; then `run` every day at 09:00 local (15:00Z), weekends included
# (the window keeps them empty), until nothing is left.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 2 2
set_rule cooldown_days 1
cat >> "$T/config.yaml" <<YAML
schedule:
  days: [mon, tue, wed, thu, fri]
  start: "09:00"
  end: "17:00"
  zone: sender
YAML
PY=/usr/bin/python3
"$MR" -q mailbox set m1@sender.example --daily-cap 10 --ramp 1:1 || exit 1
"$MR" -q campaign add C --template "$ROOT/templates/intro.txt"
printf 'Hi {{first_name|there}}, a quick follow-up.\n' > f2.txt
"$MR" -q campaign step add C --template f2.txt --after-days 1
{
    echo "email,first_name,company"
    for n in a b c d e f g h; do echo "$n@$n.example,$n,Co$n"; done
} > c.csv
"$MR" -q import contacts c.csv --campaign C

# Friday 2026-11-06, 07:00 in Chicago: before the window.
MAILROTA_NOW=2026-11-06T13:00:00Z "$MR" report --json > fc.json
rc=$?
check "report --json exits 0" 0 "$rc"
fc() { $PY -c "import json,sys; d=json.load(open('fc.json')); f=d['campaigns'][0]['forecast']; print($1)"; }
check "the forecast completes" "True" "$(fc "f['complete']")"

real_days=""
real_done=""
d=0
while [ $d -lt 16 ]; do
    day=$($PY -c "import datetime; print(datetime.date(2026, 11, 6) + datetime.timedelta(days=$d))")
    # half a minute later each day: a run takes some seconds, and the
    # cooldown ends to the second after the send, not after the run began
    MAILROTA_NOW=${day}T15:$(printf '%02d:%02d' $((d / 2)) $((d % 2 * 30)))Z \
        "$MR" -q run --no-inbox > /dev/null 2>&1
    sent=$(q "select count(*) from sends where day = '$day' and status = 'sent'")
    left=$(q "select (select count(*) from enrollments) - (select count(distinct contact_id) from sends where step = 2 and status = 'sent')")
    [ "$sent" -gt 0 ] && real_days="$real_days $day:$sent:$left"
    [ "$sent" -gt 0 ] && real_done=$day
    d=$((d + 1))
done
fc_days=$(fc "' ' + ' '.join('%s:%d:%d' % (x['day'], x['sent'], x['remaining']) for x in f['days'] if x['sent'])")
check "the forecast's days (sent, remaining) are what run did" "$real_days" "$fc_days"
check "the forecast's completion date is the real one" "$real_done" "$(fc "f['complete_on']")"
check "everyone had both steps" 8 \
    "$(q "select count(distinct contact_id) from sends where step = 2 and status = 'sent'")"
check "nothing went out on the weekend" 0 \
    "$(q "select count(*) from sends where day in ('2026-11-07', '2026-11-08', '2026-11-14', '2026-11-15')")"

done_testing
