#!/bin/sh
# Bounce-rate protection (SPEC): after each send, a mailbox of whose last
# 50 sent or bounced messages at least 20 exist and more than 3% bounced
# is paused, with the figures and the fix in last_error, said on stderr
# even with -q, and sends no more that run.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 100 1
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
# csv FROM TO [EXTRA]: contacts okFROM..okTO at companies of their own.
csv() {
    echo "email,first_name,company"
    i=$1
    while [ $i -le $2 ]; do
        echo "ok$i@c$i.example,N$i,Co$i"
        i=$((i + 1))
    done
}
csv 1 19 > a.csv
"$MR" -q import contacts a.csv --campaign C1
export MAILROTA_NOW=2026-11-20T15:00:00Z
# 19 good messages first: no bounce, nothing paused.
run "$MR" -q run
check "19 sent, nothing said" "0 19 " "$rc $(q "select count(*) from sends where status = 'sent'") $err"
check "still cold-ready" cold-ready "$(q "select status from mailboxes where email = 'm1@sender.example'")"
# Then a bounce (550 5.1.1 from the test server), enrolled before ten
# more: 1 of 20 is 5%, more than 3%: paused at once.
printf 'email,first_name,company\nhard1@zz.example,H,Zz\n' > h.csv
"$MR" -q import contacts h.csv --campaign C1
csv 20 30 > b.csv
"$MR" -q import contacts b.csv --campaign C1
# On a copy, with max_bounce_rate 0.05 (5% is not more than 5%), it is
# not paused and sends them all.
cp mailrota.db copy.db
set_rule max_bounce_rate 0.05
"$MR" -q --db copy.db run 2>/dev/null
check "max_bounce_rate 0.05: not paused, all sent" "cold-ready 31" \
    "$(DB=copy.db q "select status from mailboxes where email = 'm1@sender.example'") $(DB=copy.db q "select count(*) from sends where status in ('sent', 'bounced')")"
set_rule max_bounce_rate 0.03
run "$MR" -q run
check "m1 is paused" paused "$(q "select status from mailboxes where email = 'm1@sender.example'")"
check_contains "last_error gives the figures and the fix" \
    "bounce rate 1 of its last 20 messages (5.0%, more than 3.0%): paused" \
    "$(q "select last_error from mailboxes where email = 'm1@sender.example'")"
check_contains "stderr says so even with -q" "m1@sender.example" "$err"
check_contains "with the fix" "--status cold-ready" "$err"
check "it sent no more after the pause" 20 "$(q "select count(*) from sends where status in ('sent', 'bounced')")"
done_testing
