#!/bin/sh
# The loopback test SMTP server (tests/servers/smtpd.py) proven with curl's
# command-line client: STARTTLS + AUTH, scripted replies, the refusals, the
# stored files and a clean stop; then its fault script (DIR/faults.json)
# with tests/servers/smtpprobe.py, a Python smtplib client that says where
# a session ended. Other integration tests rely on all of this.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/servers/lib-smtpd.sh"

if ! command -v curl >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get install -y -q curl >/dev/null 2>&1
    fi
    if ! command -v curl >/dev/null 2>&1; then
        echo "skip: no curl binary (apt-get install curl)"
        exit 77
    fi
fi

srv=$T/srv
plain=$T/plain
smtps=$T/smtps
flt=$T/flt
wrong=$T/wrong
mkdir -p "$srv" "$plain" "$smtps" "$flt" "$wrong"
printf 'sender@example.test:s3cret\nOther@Example.TEST:pw2\n' >"$srv/users"
printf 'blocked@example.test:pw3\n' >>"$srv/users"
cp "$srv/users" "$plain/users"
cp "$srv/users" "$smtps/users"
BLOCKED='535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant'

trap 'smtpd_stop "$srv"; smtpd_stop "$plain"; smtpd_stop "$smtps"; smtpd_stop "$flt"; smtpd_stop "$wrong"; cleanup' EXIT
trap 'exit 130' INT    # so the EXIT trap stops the servers on ^C too
trap 'exit 143' TERM
if smtpd_start "$srv" --fail-user "blocked@example.test:$BLOCKED" \
        --slow-seconds 0.5; then
    ok "smtpd starts (STARTTLS required) and writes DIR/port"
else
    not_ok "smtpd starts (STARTTLS required) and writes DIR/port"
    done_testing
    exit 1
fi
check "DIR/pid is the server's pid" "$SMTPD_PID" "$(cat "$srv/pid")"
port=$SMTPD_PORT

printf 'From: sender@example.test\r\nTo: ok@example.test\r\nSubject: hi\r\nMessage-ID: <1@example.test>\r\n\r\nHello.\r\n.leading dot\r\n' >msg.eml

# send URL FROM RCPT [curl args...]: one bounded curl run; sets rc/out/err
# (err holds curl's -v trace, so the server's replies).
send() {
    _url=$1 _from=$2 _rcpt=$3
    shift 3
    run curl -sS -v --max-time 5 --url "$_url" --mail-from "$_from" \
        --mail-rcpt "$_rcpt" --upload-file msg.eml "$@" </dev/null
}
URL="smtp://127.0.0.1:$port/client.test"
TLS="--ssl-reqd --cacert $srv/ca.pem"
AS_SENDER="--user sender@example.test:s3cret --login-options AUTH=PLAIN"

# --- success over STARTTLS + AUTH PLAIN -----------------------------------
# shellcheck disable=SC2086
send "$URL" sender@example.test ok@example.test $TLS $AS_SENDER
check "STARTTLS + AUTH PLAIN: curl succeeds" 0 "$rc"
check_contains "STARTTLS was used" "> STARTTLS" "$err"
check_contains "DATA accepted with a queue id" "250 2.0.0 Ok: queued as 000001" "$err"
check "one message stored" 1 "$(smtpd_count "$srv")"
check "stored .eml is byte-identical (CRLF, dots unstuffed)" 0 \
    "$(cmp -s msg.eml "$srv/mail/000001.eml"; echo $?)"
json=$(cat "$srv/mail/000001.json")
check_contains ".json auth_user" '"auth_user": "sender@example.test"' "$json"
check_contains ".json mail_from" '"mail_from": "sender@example.test"' "$json"
check_contains ".json rcpt_tos" '"rcpt_tos": ["ok@example.test"]' "$json"
check_contains ".json tls" '"tls": "starttls"' "$json"
check_contains ".json peer is loopback" '"peer": "127.0.0.1:' "$json"
check_contains ".json received_at" '"received_at": "' "$json"
check "smtpd_last names it" "$srv/mail/000001" "$(smtpd_last "$srv")"
check "auth.log records the login" "sender@example.test ok" \
    "$(tail -n 1 "$srv/auth.log" | cut -d' ' -f2-)"

# AUTH LOGIN, user name in another case than the users file and MAIL FROM
# shellcheck disable=SC2086
send "$URL" other@example.test ok2@example.test $TLS \
    --user 'OTHER@example.test:pw2' --login-options AUTH=LOGIN
check "AUTH LOGIN, case-insensitive user: curl succeeds" 0 "$rc"
check "second message stored" 2 "$(smtpd_count "$srv")"

# host verification by name as well as by IP (no DNS: --connect-to)
# shellcheck disable=SC2086
send "smtp://localhost:$port/client.test" sender@example.test ok@example.test \
    --connect-to "localhost:$port:127.0.0.1:$port" $TLS $AS_SENDER
check "cert verifies for host name localhost" 0 "$rc"

# --- refusals ---------------------------------------------------------------
n=$(smtpd_count "$srv")
# shellcheck disable=SC2086
send "$URL" sender@example.test ok@example.test --ssl-reqd $AS_SENDER
check "no --cacert: curl refuses the cert (60)" 60 "$rc"

# shellcheck disable=SC2086
send "$URL" sender@example.test ok@example.test $TLS \
    --user 'sender@example.test:wrongpw' --login-options AUTH=PLAIN
check "wrong password: curl login denied (67)" 67 "$rc"
check_contains "wrong password: Exchange-like 535" \
    "535 5.7.139 Authentication unsuccessful, the user credentials were incorrect" "$err"
check "auth.log records the failure" "sender@example.test fail" \
    "$(tail -n 1 "$srv/auth.log" | cut -d' ' -f2-)"

# shellcheck disable=SC2086
send "$URL" blocked@example.test ok@example.test $TLS \
    --user 'blocked@example.test:pw3' --login-options AUTH=LOGIN
check "--fail-user: curl login denied (67)" 67 "$rc"
check_contains "--fail-user: scripted reply" "$BLOCKED" "$err"

# shellcheck disable=SC2086
send "$URL" other@example.test ok@example.test $TLS $AS_SENDER
check "sender mismatch: curl fails at MAIL (55)" 55 "$rc"
check_contains "sender mismatch: Exchange 5.7.60" \
    "550 5.7.60 SMTP; Client does not have permissions to send as this sender" "$err"

# shellcheck disable=SC2086
send "$URL" sender@example.test ok@example.test $TLS
check "no AUTH: curl fails at MAIL (55)" 55 "$rc"
check_contains "no AUTH: 530 5.7.0" "530 5.7.0 Authentication required" "$err"

# A client that does not ask for TLS: AUTH is not offered, MAIL is refused.
lines=$(wc -l <"$srv/auth.log")
# shellcheck disable=SC2086
send "$URL" sender@example.test ok@example.test $AS_SENDER
check "plaintext client: refused (55)" 55 "$rc"
check_contains "plaintext client: STARTTLS offered" "< 250-STARTTLS" "$err"
check_not_contains "plaintext client: AUTH not offered before TLS" \
    "AUTH LOGIN PLAIN" "$err"
check_contains "plaintext client: 530 STARTTLS first" \
    "530 Must issue a STARTTLS command first" "$err"
check "plaintext client: no AUTH reached the server" "$lines" \
    "$(wc -l <"$srv/auth.log")"
check "refusals stored nothing" "$n" "$(smtpd_count "$srv")"

# --- scripted recipients ----------------------------------------------------
# rcpt  curl-exit  reply
while read -r who want reply; do
    # shellcheck disable=SC2086
    send "$URL" sender@example.test "$who@example.test" $TLS $AS_SENDER
    check "$who@: curl exit $want" "$want" "$rc"
    check_contains "$who@: reply" \
        "$(printf '%s' "$reply" | sed "s/ADDR/$who@example.test/")" "$err"
done <<'EOF'
hard 55 550 5.1.1 <ADDR>: Recipient address rejected: User unknown
hard1 55 550 5.1.1 <ADDR>: Recipient address rejected: User unknown
defer 55 451 4.7.1 Try again later
policy 55 550 5.7.1 Message rejected as spam by Content Filtering
tenantblock 55 550 5.7.705 Access denied, tenant has exceeded threshold
quota 8 554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException
dataerr 8 451 4.3.0 Error processing message
EOF
# shellcheck disable=SC2086
send "$URL" sender@example.test DROP@example.test $TLS $AS_SENDER
check "drop@: connection closed after the body, curl recv error (56)" 56 "$rc"
check "rejections stored nothing" "$n" "$(smtpd_count "$srv")"

# shellcheck disable=SC2086
send "$URL" sender@example.test slow@example.test $TLS $AS_SENDER \
    --max-time 0.2
check "slow@: a short client timeout fires (28)" 28 "$rc"
# curl 7.88 then sends QUIT and waits for its reply, which comes after the
# (stored) DATA reply; a client that just hangs up cancels the message. The
# outcome is "unknown" to the client either way, so do not count on it here.
n=$(smtpd_count "$srv")
# shellcheck disable=SC2086
send "$URL" sender@example.test slow@example.test $TLS $AS_SENDER
check "slow@: accepted after --slow-seconds" 0 "$rc"
n=$((n + 1))
check "slow@ stored" "$n" "$(smtpd_count "$srv")"

# shellcheck disable=SC2086
send "$URL" sender@example.test deferonce@example.test $TLS $AS_SENDER
check "deferonce@: first attempt refused (55)" 55 "$rc"
check_contains "deferonce@: first attempt 451" "451 4.7.1 Try again later" "$err"
# shellcheck disable=SC2086
send "$URL" sender@example.test deferonce@example.test $TLS $AS_SENDER
check "deferonce@: second attempt accepted" 0 "$rc"
n=$((n + 1))
check "deferonce@ stored once" "$n" "$(smtpd_count "$srv")"
check_contains "state.json remembers it" '"deferonce@example.test"' \
    "$(cat "$srv/state.json")"

# --- 10 concurrent clients ----------------------------------------------------
pids=
for i in 0 1 2 3 4 5 6 7 8 9; do
    # shellcheck disable=SC2086
    curl -sS --max-time 5 --url "$URL" --mail-from sender@example.test \
        --mail-rcpt "par$i@example.test" --upload-file msg.eml \
        $TLS $AS_SENDER >/dev/null 2>"par$i.err" &
    pids="$pids $!"
done
fails=0
for p in $pids; do
    wait "$p" || fails=$((fails + 1))
done
check "10 concurrent clients all succeed" 0 "$fails"
n=$((n + 10))
check "10 concurrent messages stored" "$n" "$(smtpd_count "$srv")"

# --- logs keep no secrets -------------------------------------------------------
b64=$(printf '\000sender@example.test\000s3cret' | base64)
logs=$(cat "$srv/smtpd.log" "$srv/auth.log")
check_not_contains "logs hold no password" "s3cret" "$logs"
check_not_contains "logs hold no wrong password" "wrongpw" "$logs"
check_not_contains "logs hold no AUTH PLAIN payload" "$b64" "$logs"
check_contains "smtpd.log has the transactions" \
    "RCPT TO:<hard@example.test> -> 550 5.1.1" "$logs"

# --- clean stop, restart remembers deferonce, numbering continues ---------------
spid=$SMTPD_PID
smtpd_stop "$srv"
check "SIGTERM: server exits 0" 0 "$SMTPD_EXIT"
if kill -0 "$spid" 2>/dev/null; then alive=yes; else alive=no; fi
check "server process is gone" no "$alive"
check "pid and port files removed" "no no" \
    "$([ -e "$srv/pid" ] && echo yes || echo no) $([ -e "$srv/port" ] && echo yes || echo no)"
check_contains "smtpd.log says stopped" "smtpd stopped" "$(tail -n 1 "$srv/smtpd.log")"
smtpd_stop "$srv"
check "smtpd_stop is idempotent" 0 "$?"

smtpd_start "$srv"
check "restart in the same DIR" 0 "$?"
URL="smtp://127.0.0.1:$SMTPD_PORT/client.test"
# shellcheck disable=SC2086
send "$URL" sender@example.test deferonce@example.test $TLS $AS_SENDER
check "restarted server remembers deferonce@ (state.json)" 0 "$rc"
n=$((n + 1))
check "numbering continues after restart" \
    "$srv/mail/$(printf '%06d' "$n")" "$(smtpd_last "$srv")"
smtpd_stop "$srv"

# --- --tls none: a TLS-requiring client refuses it ---------------------------------
smtpd_start "$plain" --tls none
check "plaintext server starts" 0 "$?"
PURL="smtp://127.0.0.1:$SMTPD_PORT/client.test"
# shellcheck disable=SC2086
send "$PURL" sender@example.test ok@example.test --ssl-reqd \
    --cacert "$plain/ca.pem" $AS_SENDER
check "--tls none + curl --ssl-reqd: refused (64)" 64 "$rc"
check "--tls none: password never reached the server" 0 \
    "$(wc -l <"$plain/auth.log")"
# shellcheck disable=SC2086
send "$PURL" sender@example.test ok@example.test $AS_SENDER
check "--tls none: a careless client can AUTH in plaintext" 0 "$rc"
check_contains "--tls none: AUTH offered without TLS" "250-AUTH" "$err"
check "--tls none: stored" 1 "$(smtpd_count "$plain")"
smtpd_stop "$plain"

# --- --tls implicit (smtps://) ---------------------------------------------------
smtpd_start "$smtps" --tls implicit
check "implicit-TLS server starts" 0 "$?"
# shellcheck disable=SC2086
send "smtps://127.0.0.1:$SMTPD_PORT/client.test" sender@example.test \
    ok@example.test --cacert "$smtps/ca.pem" $AS_SENDER
check "smtps:// + AUTH PLAIN: curl succeeds" 0 "$rc"
check_not_contains "implicit TLS: no STARTTLS offered" "STARTTLS" "$err"
check_contains "implicit TLS: .json tls" '"tls": "implicit"' \
    "$(cat "$smtps/mail/000001.json" 2>/dev/null)"
# shellcheck disable=SC2086
send "smtps://127.0.0.1:$SMTPD_PORT/client.test" sender@example.test \
    ok@example.test $AS_SENDER
check "implicit TLS without --cacert: refused (60)" 60 "$rc"
smtpd_stop "$smtps"
check "implicit-TLS server exits 0" 0 "$SMTPD_EXIT"

# --- the fault script: DIR/faults.json ---------------------------------------------
printf 'sender@example.test:s3cret\n' >"$flt/users"
smtpd_start "$flt"
check "fault server starts" 0 "$?"
FPORT=$SMTPD_PORT
SMTPPROBE_PASSWORD=s3cret
export SMTPPROBE_PASSWORD
# probe [RCPT [smtpprobe args...]]: one session as sender@example.test with
# a 1 s client timeout; sets pr ("STAGE RESULT") and pe (seconds).
probe() {
    _r=${1:-ok@example.test}
    [ $# -gt 0 ] && shift
    _p=$(/usr/bin/python3 "$ROOT/tests/servers/smtpprobe.py" --port "$FPORT" \
        --ca "$flt/ca.pem" --user sender@example.test --rcpt "$_r" \
        --timeout 1 "$@")
    pr=${_p% *}
    pe=${_p##* }
}
faults() { smtpd_faults "$flt" "$1"; }
stored() { smtpd_count "$flt"; }
# slow_enough DESC: the probe waited out its timeout (1 s), not much more.
slow_enough() {
    check "$1: the client's timeout ended it" yes \
        "$(awk -v e="$pe" 'BEGIN { print (e >= 0.9 && e < 5) ? "yes" : "no: " e }')"
}
MB=sender@example.test

probe
check "no faults.json: accepted" "done 250" "$pr"
n=$(stored)

# connection faults, before the client is known
faults '{"connection": {"greeting": "421 4.3.2 Service not available"}}'
probe
check "greeting 421: refused, then the server hangs up" "greeting 421,closed" "$pr"
faults '{"connection": {"drop": "greeting"}}'
probe
check "drop at greeting: closed before any reply" "greeting closed" "$pr"
faults '{"connection": {"stall": "greeting"}}'
probe
check "stall at greeting: no banner" "greeting timeout" "$pr"
slow_enough "stall at greeting"
sleep 0.3
check_contains "stall at greeting: the server saw the client go" \
    "stall at greeting: the client went away after" "$(cat "$flt/smtpd.log")"
faults '{"connection": {"stall": "ehlo"}}'
probe
check "stall at ehlo: no EHLO reply" "ehlo timeout" "$pr"
faults '{"connection": {"stall": "starttls"}}'
probe
check "stall after EHLO: no reply to STARTTLS" "starttls timeout" "$pr"
slow_enough "stall after EHLO"
faults '{"connection": {"tls": "garbage"}}'
probe
check "tls garbage: 220, then a broken handshake" "tls tls" "$pr"
faults '{"connection": {"tls": "close"}}'
probe
case $pr in "tls tls" | "tls closed") pr="tls failed" ;; esac
check "tls close: 220, then the connection closes" "tls failed" "$pr"
faults '{"connection": {"tls": "stall"}}'
probe
check "tls stall: 220, then no handshake" "tls timeout" "$pr"
check "no connection fault reached AUTH" 1 "$(wc -l <"$flt/auth.log")"

# "times": counted from the file's last change
faults '{"connection": {"greeting": "421 4.3.2 Service not available", "times": 1}}'
probe
r1=$pr
probe
check "times 1: the first connection only" "greeting 421,closed + done 250" "$r1 + $pr"
faults '{"connection": {"greeting": "421 4.3.2 Service not available", "times": 1}, "note": "again"}'
probe
check "times: a changed file counts again" "greeting 421,closed" "$pr"
faults '{"connection": {"delay": 0.5}}'
probe
check "connection delay 0.5: the banner comes late, then all is well" "done 250" "$pr"
check "connection delay 0.5: took at least 0.5 s" yes \
    "$(awk -v e="$pe" 'BEGIN { print (e >= 0.45) ? "yes" : "no: " e }')"
n=$((n + 2))
check "stored only the good ones" "$n" "$(stored)"

# mailbox faults (the AUTH user, any case)
faults '{"mailboxes": {"Sender@Example.TEST": {"auth": "454 4.7.0 Temporary authentication failure"}}}'
probe
check "mailbox auth 454: refused at AUTH, connection kept" "auth 454" "$pr"
check "mailbox auth: auth.log says fail" "sender@example.test fail" \
    "$(tail -n 1 "$flt/auth.log" | cut -d' ' -f2-)"
faults '{"mailboxes": {"sender@example.test": {"mail": "432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"}}}'
probe
check "mailbox mail 432: refused, connection kept" "mail 432" "$pr"
faults '{"mailboxes": {"sender@example.test": {"mail": "421 4.3.2 Service not available, closing transmission channel"}}}'
probe
check "mailbox mail 421: refused, then the server hangs up" "mail 421,closed" "$pr"
faults '{"mailboxes": {"sender@example.test": {"stall": "mail"}}}'
probe
check "mailbox stall at mail" "mail timeout" "$pr"
faults '{"mailboxes": {"sender@example.test": {"rcpt": "421 4.3.2 Service not available, closing transmission channel"}}}'
probe
check "mailbox rcpt 421" "rcpt 421,closed" "$pr"
faults '{"mailboxes": {"sender@example.test": {"stall": "data"}}}'
probe
check "mailbox stall at DATA: no 354" "data timeout" "$pr"
faults '{"mailboxes": {"sender@example.test": {"data": "421 4.7.0 Temporary server error, closing connection"}}}'
probe
check "mailbox data 421: the message refused, then a hang-up" "data-reply 421,closed" "$pr"
faults '{"mailboxes": {"other@example.test": {"mail": "432 4.3.2 not you"}}}'
probe
check "another mailbox's entry does not apply" "done 250" "$pr"
n=$((n + 1))
check "stored: the good one only" "$n" "$(stored)"

# recipient faults
faults '{"recipients": {"x51@example.test": {"rcpt": "550 5.1.10 RESOLVER.ADR.RecipientNotFound"}, "x56@example.test": {"data": "554 5.6.0 Corrupt message content"}, "slow@example.test": {"rcpt": "550 5.7.1 not this one", "delay": 0.5}}}'
probe x51@example.test
check "recipient rcpt 550 5.1.10" "rcpt 550" "$pr"
probe X56@example.test
check "recipient data 554 (address in any case)" "data-reply 554" "$pr"
probe slow@example.test
check "a recipient entry wins over its local-part script; delay 0.5" "rcpt 550" "$pr"
check "delay 0.5: took at least 0.5 s" yes \
    "$(awk -v e="$pe" 'BEGIN { print (e >= 0.45) ? "yes" : "no: " e }')"
probe ok@example.test
check "other recipients unaffected" "done 250" "$pr"
n=$((n + 1))

faults '{"recipients": {"ok@example.test": {"drop": "mid-data"}}}'
probe ok@example.test --pause 0.5
check "drop mid-data: closed while the client sends the body" "body closed" "$pr"
check_contains "drop mid-data: after the header block" "drop mid-data (after" \
    "$(cat "$flt/smtpd.log")"
faults '{"recipients": {"ok@example.test": {"stall": "mid-data"}}}'
probe
check "stall mid-data: the body is never answered" "data-reply timeout" "$pr"
faults '{"recipients": {"ok@example.test": {"drop": "data-reply"}}}'
probe
check "drop at the DATA reply: closed after the final dot" "data-reply closed" "$pr"
faults '{"recipients": {"ok@example.test": {"stall": "data-reply"}}}'
probe
check "stall at the DATA reply" "data-reply timeout" "$pr"
slow_enough "stall at the DATA reply"
check "no lost or refused message was stored" "$n" "$(stored)"

# A stall holds its own connection only.
faults '{"recipients": {"hang@example.test": {"stall": "rcpt"}}}'
/usr/bin/python3 "$ROOT/tests/servers/smtpprobe.py" --port "$FPORT" \
    --ca "$flt/ca.pem" --user "$MB" --rcpt hang@example.test --timeout 3 \
    >hang.out &
hang=$!
sleep 0.5
probe
wait $hang
check "a stalled session does not hold up another" "done 250 / rcpt timeout" \
    "$pr / $(cut -d' ' -f1-2 hang.out)"
n=$((n + 1))

# "auth": "none": EHLO offers no AUTH (after STARTTLS too) and the server
# takes mail without it, as an open relay would.
faults '{"connection": {"auth": "none"}}'
probe
check "auth none: no AUTH offered after STARTTLS" "auth no-auth" "$pr"
_p=$(/usr/bin/python3 "$ROOT/tests/servers/smtpprobe.py" --port "$FPORT" \
    --ca "$flt/ca.pem" --rcpt ok@example.test --timeout 1)
check "auth none: a client that does not authenticate is served" "done 250" "${_p% *}"
n=$((n + 1))
check_contains "auth none: stored without an AUTH user" '"auth_user": null' \
    "$(cat "$(smtpd_last "$flt").json")"
# libcurl given a user and a password skips AUTH when none is offered and
# sends anyway (even with AUTH=PLAIN): the trap mailrota must not fall in.
run curl -sS -v --max-time 5 --url "smtp://127.0.0.1:$FPORT/client.test" \
    --ssl-reqd --cacert "$flt/ca.pem" --user "$MB:s3cret" \
    --login-options AUTH=PLAIN --mail-from "$MB" --mail-rcpt ok@example.test \
    --upload-file msg.eml </dev/null
check "auth none: curl with credentials sends unauthenticated (exit 0)" 0 "$rc"
check_not_contains "auth none: curl sent no AUTH" "> AUTH" "$err"
n=$((n + 1))
check_contains "auth none: smtpd.log says so" "FAULT connection: no AUTH offered" \
    "$(cat "$flt/smtpd.log")"

# "pad": a reply text made N bytes long (libcurl reads a 20 KB one, not a
# megabyte: mailrota reads replies itself)
faults '{"recipients": {"ok@example.test": {"data": "550 5.1.1 no such user", "pad": 20000}, "big@example.test": {"rcpt": "550 5.1.1 no such user", "pad": 1100000}}}'
run curl -sS -v --max-time 5 --url "smtp://127.0.0.1:$FPORT/client.test" \
    --ssl-reqd --cacert "$flt/ca.pem" --user "$MB:s3cret" \
    --login-options AUTH=PLAIN --mail-from "$MB" --mail-rcpt ok@example.test \
    --upload-file msg.eml </dev/null
check "pad 20000 at DATA: refused, curl exit 8" 8 "$rc"
check_contains "pad: the reply starts with its code and text" "< 550 5.1.1 no such user and" "$err"
check_contains "pad: smtpd.log gives its length, not its text" \
    "550 5.1.1 no such user and the server goes on" "$(grep 'FAULT recipient ok@example.test: reply at data-reply' "$flt/smtpd.log")"
check_contains "pad: ... (20000 bytes)" "(20000 bytes)" "$(cat "$flt/smtpd.log")"
probe big@example.test
check "pad 1100000 at RCPT: smtplib finds the line too long and gives up" "rcpt 500,closed" "$pr"
check_contains "pad: smtpd.log (1100000 bytes)" "(1100000 bytes)" "$(cat "$flt/smtpd.log")"
check "pad: nothing stored" "$n" "$(stored)"
faults '{"recipients": {"ok@example.test": {"data": "550 5.1.1 x", "pad": -1}}}'
probe
check "pad must be a length: 421" "greeting 421,closed" "$pr"
faults '{"connection": {"auth": "sometimes"}}'
probe
check "auth must be none: 421" "greeting 421,closed" "$pr"

# a bad fault script is loud: 421 for everyone, the reason in smtpd.log
faults '{"recipients": {"ok@example.test": {"stall": "forever"}}}'
probe
check "bad faults.json: every connection gets 421" "greeting 421,closed" "$pr"
check_contains "bad faults.json: smtpd.log says why" \
    'recipients["ok@example.test"].stall: want one of rcpt|data|mid-data|data-reply' \
    "$(cat "$flt/smtpd.log")"
faults '{"connection": '
probe
check "faults.json not JSON: 421 too" "greeting 421,closed" "$pr"
faults ''
probe
check "faults.json removed: back to normal" "done 250" "$pr"
n=$((n + 1))
check "stored in all" "$n" "$(stored)"
check_not_contains "fault logs hold no password" "s3cret" \
    "$(cat "$flt/smtpd.log" "$flt/auth.log")"
smtpd_stop "$flt"
check "fault server exits 0" 0 "$SMTPD_EXIT"

# --- a certificate for the wrong name (smtpd_cert_named) ---------------------------
smtpd_cert_named "$flt" wrong.example
check "smtpd_cert_named makes a cert for DNS:wrong.example only" \
    "DNS:wrong.example" \
    "$(openssl x509 -in "$flt/wrong.example.pem" -noout -ext subjectAltName | tail -n 1 | tr -d ' ')"
cp "$flt/users" "$wrong/users"
smtpd_start "$wrong" --cert "$flt/wrong.example.pem" --key "$flt/wrong.example.key"
check "wrong-name server starts" 0 "$?"
FPORT=$SMTPD_PORT
probe
check "wrong name: the client refuses the certificate" "tls cert" "$pr"
check "wrong name: no AUTH reached the server" 0 "$(wc -l <"$wrong/auth.log")"
probe ok@example.test --host-name wrong.example
check "the same cert verifies for wrong.example (the same CA)" "done 250" "$pr"
smtpd_stop "$wrong"

done_testing
