#!/bin/sh
# Runs started at once: two, ten times, then five, six times, each round on
# a new day (so the caps start again), with recipients the server answers
# slowly so that the runs overlap.  Each round exactly one run sends and
# the others exit 75 naming the lock; no mailbox goes past its cap on any
# day; no recipient receives two messages; the sent rows are the delivered
# messages; one runs row per round.  Then a sqlite3 session holding a read
# transaction for a whole run does not break it, and status and plan work
# while a run is going.  (The lock is flock() on <database>.lock, taken in
# cmd_run.c before anything is written; the database is in WAL mode with a
# busy timeout, db.c.)
. "$(dirname "$0")/lib.sh"
SMTPD_ARGS="--slow-seconds 1"
. "$ROOT/tests/integration/runlib.sh"

CAP=2
MBOXES=3
PER_DAY=$((CAP * MBOXES))
setup_world $CAP $MBOXES
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt" || exit 1
# Every recipient answers after 1 s: a run sends 2 per mailbox in turn,
# so it holds the lock for 2 s or more.
{
    echo "email,company"
    i=1
    while [ $i -le $((PER_DAY * 17)) ]; do
        echo "slow$i@co$i.example,Co$i"
        i=$((i + 1))
    done
} > contacts.csv
"$MR" -q import contacts contacts.csv --campaign C1 || exit 1

round=0
# start_runs N: N `mailrota run` that wait for one signal and start
# together; their outputs go to $T/r.K.out/.err, their exit codes to
# $T/r.K.rc.
start_runs() {
    rm -f "$T/go" "$T"/r.*
    _pids=""
    _k=1
    while [ $_k -le "$1" ]; do
        (
            while [ ! -e "$T/go" ]; do sleep 0.01; done
            "$MR" run > "$T/r.$_k.out" 2> "$T/r.$_k.err"
            echo $? > "$T/r.$_k.rc"
        ) &
        _pids="$_pids $!"
        _k=$((_k + 1))
    done
    sleep 0.3
    : > "$T/go"
}
# over_cap: mailbox/day pairs with more counted sends than the cap.
OVER_CAP="select m.email || ' ' || s.day || ' ' || count(*) from sends s
         join mailboxes m on m.id = s.mailbox_id
        where s.status in ('sent', 'bounced', 'sending', 'unknown')
        group by s.mailbox_id, s.day having count(*) > coalesce(m.daily_cap, $CAP)"
over_cap() { q "$OVER_CAP"; }
# twice [DIR]: recipients the server (or DIR) received more than once.
twice() {
    cat "${1:-$T/srv/mail}"/*.json 2>/dev/null | /usr/bin/python3 -c '
import collections, json, sys
c = collections.Counter(r for l in sys.stdin for r in json.loads(l)["rcpt_tos"])
print(" ".join(sorted(r for r, n in c.items() if n > 1)))'
}

# concurrent N ROUNDS: ROUNDS rounds of N runs at once.
concurrent() {
    _cc_n=$1
    _r=1
    _bad=""
    while [ $_r -le "$2" ]; do
        round=$((round + 1))
        MAILROTA_NOW=$(printf '2026-10-%02dT15:00:00Z' $round)
        export MAILROTA_NOW
        start_runs "$_cc_n"
        # shellcheck disable=SC2086  # pids
        wait $_pids
        _zero=0 _locked=0 _other=""
        _k=1
        while [ $_k -le "$_cc_n" ]; do
            _rc=$(cat "$T/r.$_k.rc" 2>/dev/null)
            if [ "$_rc" = 0 ]; then
                _zero=$((_zero + 1))
                _sum=$(cat "$T/r.$_k.out")
            elif [ "$_rc" = 75 ] && grep -q "another run holds the lock" "$T/r.$_k.err" &&
                ! [ -s "$T/r.$_k.out" ]; then
                _locked=$((_locked + 1))
            else
                _other="$_other [rc=$_rc: $(cat "$T/r.$_k.out" "$T/r.$_k.err" 2>/dev/null | tr '\n' ' ')]"
            fi
            _k=$((_k + 1))
        done
        _day=$(q "select day from runs order by started_at desc, rowid desc limit 1")
        _state="$_zero|$_locked|$_other|$_sum|$(q "select count(*) from runs")|$(q "select count(*) from sends where day = '$_day' and status = 'sent'")|$(smtpd_count "$T/srv")|$(q "select count(*) from sends where status = 'sent'")|$(over_cap)|$(twice)"
        _want="1|$((_cc_n - 1))||planned $PER_DAY, sent $PER_DAY, deferred 0, bounced 0, failed 0, unknown 0|$round|$PER_DAY|$((round * PER_DAY))|$((round * PER_DAY))||"
        [ "$_state" = "$_want" ] || _bad="$_bad
round $round ($_cc_n runs): want [$_want], got [$_state]"
        _r=$((_r + 1))
    done
    if [ -z "$_bad" ]; then
        ok "$_cc_n runs at once, $2 rounds: one sends, the others exit 75 (lock); caps, one delivery each, sent rows = delivered, one runs row"
    else
        not_ok "$_cc_n runs at once, $2 rounds: one sends, the others exit 75 (lock); caps, one delivery each, sent rows = delivered, one runs row" \
            "(state: zero|locked|others|summary|runs|sent today|delivered|sent rows|over cap|twice)$_bad"
    fi
}

concurrent 2 10
concurrent 5 6
check "no mailbox over its cap on any day" "" "$(over_cap)"
check "no recipient received two messages" "" "$(twice)"
check "every delivered message has its sent row" "$(smtpd_count "$T/srv")" \
    "$(q "select count(*) from sends where status = 'sent'")"
check "no message left sending or unknown" 0 \
    "$(q "select count(*) from sends where status in ('sending', 'unknown')")"

# --- a sqlite3 reader holding a read transaction for a whole run -------------
round=$((round + 1))
MAILROTA_NOW=$(printf '2026-10-%02dT15:00:00Z' $round)
export MAILROTA_NOW
before=$(q "select count(*) from sends")
mkfifo "$T/reader.fifo"
sqlite3 mailrota.db < "$T/reader.fifo" > "$T/reader.out" 2>&1 &
reader=$!
exec 3> "$T/reader.fifo"
# .once writes one answer to its own file and closes it, so the answer can
# be read while the session holds the transaction (no stdio buffering).
printf 'BEGIN;\n.once %s\nSELECT count(*) FROM sends;\n' "$T/reader.1" >&3
i=0
while [ ! -s "$T/reader.1" ] && [ $i -lt 600 ]; do
    sleep 0.1
    i=$((i + 1))
done
check "the reader is in its read transaction" "$before" "$(cat "$T/reader.1" "$T/reader.out" 2>/dev/null)"
"$MR" run > "$T/held.out" 2> "$T/held.err" &
held=$!
sleep 0.5
run "$MR" status
check "status while a run is going exits 0" 0 "$rc"
check_contains "and shows the day" "m1@sender.example" "$out"
run "$MR" plan
check "plan while a run is going exits 0" 0 "$rc"
wait $held
held_rc=$?
check "the run under a reader's transaction exits 0" 0 "$held_rc"
check "and sends its plan" "planned $PER_DAY, sent $PER_DAY, deferred 0, bounced 0, failed 0, unknown 0" \
    "$(cat "$T/held.out")"
check "nothing on its stderr" "" "$(cat "$T/held.err")"
check "it recorded every send" "$PER_DAY" \
    "$(q "select count(*) from sends where day = '$(printf '2026-10-%02d' $round)' and status = 'sent'")"
check "and its runs row, finished" "$round|0|$PER_DAY" \
    "$(q "select (select count(*) from runs), exit_code, sent from runs order by started_at desc, rowid desc limit 1")"
# The reader still sees its snapshot, then the new rows after COMMIT.
printf '.once %s\nSELECT count(*) FROM sends;\nCOMMIT;\n.once %s\nSELECT count(*) FROM sends;\n' \
    "$T/reader.2" "$T/reader.3" >&3
exec 3>&-
wait $reader
check "the reader kept its snapshot through the run, then saw the run's rows" \
    "$before $before $((before + PER_DAY))" \
    "$(cat "$T/reader.1" "$T/reader.2" "$T/reader.3" "$T/reader.out" | tr '\n' ' ' | sed 's/ $//')"
check "delivered = sent rows at the end" "$(smtpd_count "$T/srv")" \
    "$(q "select count(*) from sends where status = 'sent'")"
check "integrity" ok "$(q 'pragma integrity_check')"

# The checks above see what they look for: a third counted send of m1 on
# a day (rolled back), a recipient stored twice.
check "control: over_cap sees a mailbox past its cap" "m1@sender.example 2026-10-01 3" \
    "$(q "BEGIN; INSERT INTO sends(id, campaign_id, contact_id, mailbox_id, status, day, created_at)
          SELECT 'control', campaign_id, -1, mailbox_id, 'unknown', day, created_at FROM sends
           WHERE day = '2026-10-01' AND mailbox_id = (SELECT id FROM mailboxes WHERE email = 'm1@sender.example') LIMIT 1;
          $OVER_CAP; ROLLBACK;")"
mkdir "$T/control"
f=$(smtpd_last "$T/srv").json
cp "$f" "$T/control/1.json"
cp "$f" "$T/control/2.json"
check "control: twice sees a recipient stored twice" \
    "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rcpt_tos"][0])' "$f")" "$(twice "$T/control")"

done_testing
