#!/bin/sh
# report (SPEC "Report"): the figures equal SQL over the same database,
# and the forecast equals what `run` day by day (MAILROTA_NOW) really does
# against the SMTP test server: 2 mailboxes with a cap of 2, 7 contacts,
# a 2-step campaign, a cooldown of 2 days, a company limit of 2 (one of
# the three contacts of Acme is never reached: company_limit).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 2 2
set_rule cooldown_days 2
set_rule max_contacts_per_company 2
PY=/usr/bin/python3

"$MR" -q campaign add C --template "$ROOT/templates/intro.txt"
printf 'Hi {{first_name|there}}, a quick follow-up.\n' > f2.txt
"$MR" -q campaign step add C --template f2.txt
cat > c.csv <<'CSV'
email,first_name,company
ann@acme.example,Ann,Acme
ben@acme.example,Ben,Acme
cy@acme.example,Cy,Acme
di@four.example,Di,Four
ed@five.example,Ed,Five
flo@six.example,Flo,Six
gus@seven.example,Gus,Seven
CSV
"$MR" -q import contacts c.csv --campaign C

run "$MR" report --help
check "--help exits 0" 0 "$rc"
check_contains "--help names --days" "--days N" "$out"
run "$MR" report --days 0
check "--days 0 exits 64" 64 "$rc"
run "$MR" report --days 367
check "--days 367 exits 64" 64 "$rc"
run "$MR" report --html x.html --json
check "--html with --json exits 64" 64 "$rc"

export MAILROTA_NOW=2026-11-02T15:00:00Z
run "$MR" report --json
check "report --json exits 0" 0 "$rc"
printf '%s\n' "$out" > fc.json
check "the output is one JSON object" ok \
    "$($PY -c 'import json,sys; json.load(open(sys.argv[1])); print("ok")' fc.json 2>&1)"
# jq-like: a Python expression over the forecast of campaign C.
fc() { $PY -c "import json,sys; d=json.load(open('fc.json')); f=d['campaigns'][0]['forecast']; print($1)"; }
check "forecast: one never reached, for the company limit" "{'company_limit': 1}" "$(fc "f['never']")"
check "forecast: it completes" "True" "$(fc "f['complete']")"
check "forecast: nobody waiting at the horizon" "0" "$(fc "f['waiting_at_horizon']")"
run "$MR" report
check "report exits 0" 0 "$rc"
check_contains "text: the forecast section" "Forecast (horizon 365 days)" "$out"
check_contains "text: never reached, company_limit" "company_limit=1" "$out"
check_contains "text: the day table" "MAILBOX" "$out"

# Reality: run once a day at the same time until nothing is left.
never=$(fc "sum(f['never'].values())")
real_days=""
real_done=""
d=0
while [ $d -lt 8 ]; do
    day=$(printf '2026-11-%02d' $((2 + d)))
    # half a minute later each day: a run takes some seconds, and the
    # cooldown ends to the second after the send, not after the run began
    MAILROTA_NOW=${day}T15:$(printf '%02d:%02d' $((d / 2)) $((d % 2 * 30)))Z \
        "$MR" -q run --no-inbox > /dev/null 2>&1
    sent=$(q "select count(*) from sends where day = '$day' and status = 'sent'")
    left=$(q "select (select count(*) from enrollments) - $never - (select count(distinct contact_id) from sends where step = 2 and status = 'sent')")
    [ "$sent" -gt 0 ] && real_days="$real_days $day:$sent:$left"
    [ "$sent" -gt 0 ] && real_done=$day
    d=$((d + 1))
done
fc_days=$(fc "' ' + ' '.join('%s:%d:%d' % (x['day'], x['sent'], x['remaining']) for x in f['days'] if x['sent'])")
check "the forecast's days (sent, remaining) are what run did" "$real_days" "$fc_days"
check "the forecast's completion date is the real one" "$real_done" "$(fc "f['complete_on']")"
check "everyone reachable had both steps" 6 \
    "$(q "select count(distinct contact_id) from sends where step = 2 and status = 'sent'")"

MAILROTA_NOW=2026-11-10T15:00:00Z "$MR" report --json > w.json
check "waiting reasons now: the company limit" "{'company_limit': 1}" \
    "$($PY -c 'import json; d=json.load(open("w.json")); print(d["campaigns"][0]["steps"][0]["waiting"])')"

# Figures: a bounce, a deferred send and a reply, then report vs SQL.
q "update sends set status = 'bounced' where id = (select id from sends where step = 1 order by id limit 1)"
q "update sends set status = 'deferred' where id = (select id from sends where step = 2 order by id limit 1)"
q "insert into inbound (mailbox_id, source_id, received_at, kind, send_id, contact_id, created_at) select mailbox_id, 'r1', '2026-11-05T16:00:00Z', 'reply', id, contact_id, '2026-11-05T16:00:00Z' from sends where step = 2 and status = 'sent' order by id limit 1"
export MAILROTA_NOW=2026-11-10T15:00:00Z
run "$MR" report --json --days 10
check "report --json --days 10 exits 0" 0 "$rc"
printf '%s\n' "$out" > fig.json
mine=$($PY -c '
import json
d = json.load(open("fig.json"))
for m in d["mailboxes"]:
    for x in m["days"]:
        if x["sent"] or x["bounced"] or x["deferred"] or x["replies"]:
            print(m["email"], x["day"], x["sent"], x["bounced"], x["deferred"], x["replies"], x["cap"])
')
sql=$(q "select m.email, s.day, sum(s.status in ('sent','bounced')), sum(s.status = 'bounced'), sum(s.status = 'deferred'), (select count(*) from inbound i join sends s2 on s2.id = i.send_id where i.kind = 'reply' and s2.mailbox_id = m.id and i.received_at like s.day || '%'), 2 from sends s join mailboxes m on m.id = s.mailbox_id group by m.email, s.day order by m.email, s.day" | tr '|' ' ')
check "per mailbox and day: equal to SQL" "$sql" "$mine"
check "days: 10 per mailbox (and admin)" "10 10 10" "$($PY -c 'import json; d=json.load(open("fig.json")); print(" ".join(str(len(m["days"])) for m in d["mailboxes"]))')"
mine=$($PY -c '
import json
d = json.load(open("fig.json"))
for s in d["campaigns"][0]["steps"]:
    print(s["step"], s["enrolled"], s["sent"], s["bounced"], s["replied"], s["unsubscribed"])
')
sql=$(q "select s.step, (select count(*) from enrollments), sum(s.status in ('sent','bounced')), sum(s.status = 'bounced'), sum(exists(select 1 from inbound i where i.send_id = s.id and i.kind = 'reply')), 0 from sends s group by s.step order by s.step" | tr '|' ' ')
check "per campaign and step: equal to SQL" "$sql" "$mine"
mine=$($PY -c '
import json
d = json.load(open("fig.json"))
for m in d["mailboxes"]:
    b = m["bounce_rate"]
    print(m["email"], b["messages"], b["bounced"], b["exceeded"])
')
sql=$(q "select m.email, count(s.id), coalesce(sum(s.status = 'bounced'), 0), 'False' from mailboxes m left join sends s on s.mailbox_id = m.id and s.status in ('sent','bounced') where m.email like 'm%' group by m.email order by m.id" | tr '|' ' ')
check "bounce rate window: equal to SQL" "$sql" \
    "$(printf '%s\n' "$mine" | grep '^m' | sed 's/True/True/;s/False/False/')"

done_testing
