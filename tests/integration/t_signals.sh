#!/bin/sh
# SIGTERM and SIGINT during run (SPEC "Signals and stopping"): no new
# message is started, the messages in flight finish and are recorded, the
# runs row is closed with its counts, the summary is printed, exit 75; the
# rest waits for the next run.  A second signal ends the run at once: its
# messages in flight stay `sending` and the next run marks them `unknown`.
# A pacing wait does not outlast the signal.
. "$(dirname "$0")/lib.sh"
# Every message takes 2 s at the server (slow@), so messages are in flight
# whenever a signal comes.
SMTPD_ARGS="--slow-seconds 2"
. "$ROOT/tests/integration/runlib.sh"

setup_world 50 2
"$MR" -q campaign add C --template "$ROOT/templates/intro.txt" || exit 1
export MAILROTA_NOW=2026-11-20T15:00:00Z

# contacts TAG LOCAL N: N contacts LOCALi@TAGi.example (one company each),
# enrolled in C.
contacts() {
    {
        echo "email,company"
        _i=1
        while [ $_i -le "$3" ]; do
            echo "$2$_i@$1$_i.example,$1$_i"
            _i=$((_i + 1))
        done
    } > "$1.csv"
    "$MR" -q import contacts "$1.csv" --campaign C || exit 1
}
now_ms() { date +%s%3N; }
# until_received N: waits (up to 60 s) until the server holds N messages.
until_received() {
    _k=0
    while [ "$(smtpd_count "$T/srv")" -lt "$1" ] && [ $_k -lt 600 ]; do
        sleep 0.1
        _k=$((_k + 1))
    done
}
planned() {
    "$MR" plan --json | grep -o '"contact"' | wc -l | tr -d ' '
}
dups() {
    for _j in "$T"/srv/mail/*.json; do
        /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rcpt_tos"][0].lower())' "$_j"
    done | sort | uniq -d
}
last_run() {
    q "select finished_at is not null, sent, unknown, exit_code from runs order by rowid desc limit 1"
}

# stop_test NAME SIGNAL TAG [LAUNCHER...]: a run of 8 slow messages gets
# SIGNAL once, when each mailbox has delivered one and has the next in
# flight.
stop_test() {
    _name=$1 _sig=$2 _tag=$3
    shift 3
    contacts "$_tag" slow 8
    before=$(smtpd_count "$T/srv")
    "$@" "$MR" run > "$_tag.out" 2> "$_tag.err" &
    _pid=$!
    until_received $((before + 2))
    sleep 0.5
    at_signal=$(smtpd_count "$T/srv")
    kill -"$_sig" $_pid
    wait $_pid
    check "$_name: exit 75" 75 "$?"
    sent=$(q "select count(*) from sends s join contacts c on c.id = s.contact_id where c.email like '%@$_tag%' and s.status = 'sent'")
    got=$(($(smtpd_count "$T/srv") - before))
    check "$_name: the messages in flight were delivered" yes \
        "$([ "$got" -gt $((at_signal - before)) ] && [ "$got" -lt 8 ] && echo yes || echo "no: $((at_signal - before)) at the signal, $got in the end")"
    check "$_name: each delivered message is recorded sent" "$got" "$sent"
    check "$_name: none unknown, none left sending" 0 \
        "$(q "select count(*) from sends where status in ('unknown', 'sending')")"
    check "$_name: the summary line is printed" \
        "planned 8, sent $sent, deferred 0, bounced 0, failed 0, unknown 0" \
        "$(cat "$_tag.out")"
    check_contains "$_name: it says why and how many wait" \
        "stopped by SIG$_sig: $((8 - sent)) messages not started" "$(cat "$_tag.err")"
    check "$_name: the runs row is closed with its counts" "1|$sent|0|75" "$(last_run)"
    check "$_name: the rest is still planned" $((8 - sent)) "$(planned)"
    run "$MR" run
    check "$_name: the next run sends the rest" \
        "0 planned $((8 - sent)), sent $((8 - sent))" "$rc $(printf '%s' "$out" | cut -d, -f1-2)"
    check "$_name: no recipient received two" "" "$(dups)"
}

stop_test SIGTERM TERM ta
# A background job of a non-interactive shell ignores SIGINT: start this
# one with SIGINT at its default, as from a terminal.
stop_test SIGINT INT tb env --default-signal=INT

# A second signal: at once, its messages in flight stay `sending`.
contacts tc slow 8
before=$(smtpd_count "$T/srv")
"$MR" run > tc.out 2> tc.err &
pid=$!
until_received $((before + 2))
sleep 0.5
kill -TERM $pid
sleep 0.5
kill -TERM $pid
wait $pid
check "a second SIGTERM ends the run at once, by SIGTERM" 143 "$?"
inflight=$(q "select count(*) from sends where status = 'sending'")
check "its messages in flight stay sending" yes "$([ "$inflight" -ge 1 ] && echo yes || echo "no: $inflight")"
check "its runs row stays open" 0 "$(q "select finished_at is not null from runs order by rowid desc limit 1")"
run "$MR" run
check_contains "the next run marks them unknown" "$inflight messages left 'sending' by an interrupted run marked 'unknown'" "$err"
check "so they are" "$inflight" "$(q "select count(*) from sends s join contacts c on c.id = s.contact_id where c.email like '%@tc%' and s.status = 'unknown'")"
check "and sends the rest" 0 "$(q "select count(*) from sends s join contacts c on c.id = s.contact_id where c.email like '%@tc%' and s.status not in ('sent', 'unknown')")"
check "no recipient received two" "" "$(dups)"

# A user's sqlite3 session holds the write lock longer than the busy
# timeout (10 s) while a reply comes in, and SIGTERM comes meanwhile: the
# reply is recorded once the session lets go (SPEC: never lost to a busy
# database), and the run stops after it.
contacts te slow 1
"$MR" run > te.out 2> te.err &
pid=$!
while [ "$(q "select count(*) from sends where status = 'sending'")" = 0 ]; do
    sleep 0.1
done
{ echo 'begin immediate;'; sleep 14; echo 'commit;'; } | sqlite3 mailrota.db &
locker=$!
sleep 5
kill -TERM $pid
wait $pid
rc=$?
wait $locker
check "a reply that waited out a busy database, through SIGTERM: exit 75" 75 "$rc"
check "it is recorded sent, with its code" "sent|250" "$(q "select s.status, s.smtp_code from sends s join contacts c on c.id = s.contact_id where c.email like '%@te%'")"
check "the summary counts it" "planned 1, sent 1, deferred 0, bounced 0, failed 0, unknown 0" "$(cat te.out)"
check_contains "the wait is said" "is busy" "$(cat te.err)"

# A long pacing wait ends at the signal.
set_rule min_gap_seconds 600
contacts td ok 4
before=$(smtpd_count "$T/srv")
"$MR" run > td.out 2> td.err &
pid=$!
until_received $((before + 2))
sleep 0.5
t0=$(now_ms)
kill -TERM $pid
wait $pid
rc=$?
ms=$(($(now_ms) - t0))
check "a run waiting out min_gap_seconds exits 75 at SIGTERM" 75 "$rc"
check "within 2 s" yes "$([ "$ms" -lt $((2000 * SLOW)) ] && echo yes || echo "no: $ms ms")"
check "after its first message from each mailbox" "planned 4, sent 2, deferred 0, bounced 0, failed 0, unknown 0" "$(cat td.out)"

done_testing
