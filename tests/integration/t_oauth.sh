#!/bin/sh
# xoauth2 mailboxes against a local Entra ID token endpoint (HTTPS, a CA
# made at test time) and an SMTP server that takes AUTH XOAUTH2 only with a
# valid token: one token request per tenant per run, the token kept
# encrypted in the database for the next run, a refresh in the middle of a
# run, a stored token the server refuses replaced once, and token errors
# recorded as stage `token` with a fix a tenant admin can act on.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_m365
setup_world 5 4
for i in 1 2 3 4; do
    "$MR" -q mailbox set "m$i@sender.example" --auth xoauth2 || exit 1
done
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
# contacts N FIRST: N contacts at different companies, enrolled in C1
contacts() {
    {
        echo "email,first_name,company"
        _c=$2
        while [ "$_c" -lt $(($2 + $1)) ]; do
            echo "ok$_c@co$_c.example,P$_c,Co$_c"
            _c=$((_c + 1))
        done
    } > c.csv
    "$MR" -q import contacts c.csv --campaign C1
}
xoauth_ok() { grep -c ' ok xoauth2 ' "$T/srv/auth.log"; }

# --- one token for the whole tenant, four mailboxes ------------------------
contacts 8 1
export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run
check "xoauth2 run exits 0" 0 "$rc"
check "all sent" "planned 8, sent 8, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "one token request for the tenant, for four mailboxes" 1 "$(token_requests)"
check "the request used the SMTP scope" "https://outlook.office365.com/.default" \
    "$(sed -n 's/.*"scope": *"\([^"]*\)".*/\1/p' "$M365_DIR/token-requests.log" | sort -u)"
check "each mailbox authenticated once with XOAUTH2" 4 "$(xoauth_ok)"
check "every stored message came through XOAUTH2" 8 \
    "$(grep -l '"auth_mech": "xoauth2"' "$T"/srv/mail/*.json | wc -l | tr -d ' ')"
check "the envelope sender is the mailbox" 0 \
    "$(grep -L '"mail_from": "m[1-4]@sender.example"' "$T"/srv/mail/*.json | wc -l | tr -d ' ')"
check "transport smtp on every send" "smtp|8" "$(q "select transport, count(*) from sends group by transport")"
check "the token is cached, encrypted" "1|v1:" "$(q "select count(*), substr(token, 1, 3) from oauth_tokens")"
jti=$(sed -n 's/.* jti=\([^ ]*\).*/\1/p' "$T/srv/auth.log" | head -n 1)
check "a token was seen" yes "$([ -n "$jti" ] && echo yes)"
check "the token is nowhere in the database in clear" 0 \
    "$(cat mailrota.db mailrota.db-wal 2>/dev/null | grep -c "$jti")"
check_not_contains "nor in the output" "$jti" "$out$err"

# --- the next run uses the stored token ------------------------------------
contacts 4 20
export MAILROTA_NOW=2026-11-20T15:30:00Z
run "$MR" run
check "second run" "planned 4, sent 4, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "the stored token served the second run: no new request" 1 "$(token_requests)"

# --- a short-lived token is refreshed in the middle of a run ---------------
m365d_script "$M365_DIR" '{"expires_in": 2}'
# The gap is counted from the start of a mailbox's first send, which
# includes the token request: 5 s leaves room for a slow one (valgrind).
set_rule min_gap_seconds 5
contacts 8 40
export MAILROTA_NOW=2026-11-20T18:00:00Z
before=$(token_requests)
authed_before=$(xoauth_ok)
run "$MR" run
check "refresh run" "planned 8, sent 8, deferred 0, bounced 0, failed 0, unknown 0" "$out"
new=$(( $(token_requests) - before ))
# The stored token expired at 16:00: one request; each mailbox's second
# message, 5 s later, finds the 2 s token past its last tenth: another.
check "an expired stored token, then a 2 s token refreshed mid-run" yes \
    "$([ "$new" -ge 2 ] && echo yes || echo "no: $new requests")"
check "the new tokens opened new authenticated connections" yes \
    "$([ $(( $(xoauth_ok) - authed_before )) -gt 4 ] && echo yes)"
check "no AUTH was refused" 0 "$(grep -c ' fail xoauth2 ' "$T/srv/auth.log")"
m365d_script "$M365_DIR" ''
set_rule min_gap_seconds 0

# --- a stored token the server refuses is replaced once --------------------
# New signing keys: the cached token no longer verifies.
smtpd_stop "$T/srv"
m365d_stop "$M365_DIR"
rm -f "$M365_DIR/token.key"
m365d_start "$M365_DIR" --cert "$T/srv/server.pem" --key "$T/srv/server.key" || exit 1
# shellcheck disable=SC2086
smtpd_start "$T/srv" $SMTPD_ARGS || exit 1
sed -i "s|^  token_url: .*|  token_url: $M365D_TOKEN_URL|; s|^  port: .*|  port: $SMTPD_PORT|" config.yaml
contacts 4 60
export MAILROTA_NOW=2026-11-21T13:00:00Z
before=$(token_requests)
run "$MR" run
check "a refused stored token is replaced" "planned 4, sent 4, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "with one new request" 1 $(( $(token_requests) - before ))
check "no mailbox marked" "cold-ready" "$(q "select distinct status from mailboxes where auth = 'xoauth2'")"

# --- a mailbox the app may not use: 535 5.7.3 --------------------------------
"$MR" -q mailbox add outsider@sender.example --name Outsider --auth xoauth2
contacts 3 80
export MAILROTA_NOW=2026-11-21T15:00:00Z
run "$MR" run
check "the others send its share" "planned 3, sent 3, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "535 5.7.3 marks it auth-failed" auth-failed "$(q "select status from mailboxes where email = 'outsider@sender.example'")"
check_contains "its last_error names the fix" "Add-MailboxPermission -Identity outsider@sender.example" \
    "$(q "select last_error from mailboxes where email = 'outsider@sender.example'")"
"$MR" -q mailbox set outsider@sender.example --status paused

# --- token errors: wrong client secret -----------------------------------------
m365d_script "$M365_DIR" '{"fail": "invalid_client"}'
q "delete from oauth_tokens"
contacts 3 100
export MAILROTA_NOW=2026-11-22T15:00:00Z
run "$MR" run
check "no token: exit 69" 69 "$rc"
check "nothing sent, all deferred" "planned 3, sent 0, deferred 3, bounced 0, failed 0, unknown 0" "$out"
check "every xoauth2 mailbox auth-failed" "auth-failed|4" \
    "$(q "select status, count(*) from mailboxes where email like 'm_@sender.example' group by status")"
check "the token error is an attempt at stage token, with the HTTP status" "token|401" \
    "$(q "select distinct stage, smtp_code from attempts where stage = 'token'")"
check "token failures use no attempt" 0 "$(q "select count(*) from sends where day = '2026-11-22' and attempts > 0")"
le=$(q "select last_error from mailboxes where email = 'm1@sender.example'")
check_contains "last_error has Entra's code" "AADSTS7000215" "$le"
check_contains "and what to do" "Certificates & secrets" "$le"
check_contains "the error names the mailboxes" "mailbox list" "$err"
check_not_contains "the secret is not in the output" "$MAILROTA_CLIENT_SECRET" "$out$err"
check "nor in the database" 0 "$(cat mailrota.db mailrota.db-wal 2>/dev/null | grep -c -F "$MAILROTA_CLIENT_SECRET")"
check "nor in the server's request log" 0 "$(grep -c -F "$MAILROTA_CLIENT_SECRET" "$M365_DIR/token-requests.log")"

# --- the token endpoint unreachable ------------------------------------------
# A network failure, not a refusal: like a failed connect, the mailbox
# rests for the run and stays cold-ready; the message moves, no attempt
# used.  The token URL is a loopback port nothing listens on.
m365d_script "$M365_DIR" ''
for i in 1 2 3 4; do "$MR" -q mailbox set "m$i@sender.example" --status cold-ready; done
GONE=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s|^  token_url: .*|  token_url: https://127.0.0.1:$GONE/{tenant}/oauth2/v2.0/token|" config.yaml
# m4 on its password meanwhile: the messages of m1..m3 move to it.
# (The three messages the wrong secret deferred are the ones planned.)
"$MR" -q mailbox set m4@sender.example --auth plain --password-env MR_PW_M4
export MAILROTA_NOW=2026-11-23T15:00:00Z
run "$MR" run
check "token endpoint unreachable: m4 sends what the others could not" \
    "0 planned 3, sent 3, deferred 0, bounced 0, failed 0, unknown 0" "$rc $out"
check "the xoauth2 mailboxes stay cold-ready" "cold-ready|3" \
    "$(q "select status, count(*) from mailboxes where auth = 'xoauth2' and email like 'm_@sender.example' group by status")"
tries=$(q "select count(*) from attempts where stage = 'token' and at like '2026-11-23%'")
check "each failed token request is an attempt at stage token" yes \
    "$([ "$tries" -ge 1 ] && echo yes || echo "no: $tries")"
check "no attempt used by them: every message sent at its first counted try" "1|3" \
    "$(q "select distinct attempts, count(*) from sends where day = '2026-11-23'")"
check "all three sent by m4" 3 \
    "$(q "select count(*) from sends s join mailboxes m on m.id = s.mailbox_id where s.day = '2026-11-23' and m.email = 'm4@sender.example' and s.status = 'sent'")"
check_contains "last_error says the endpoint could not be reached" "token endpoint unreachable" \
    "$(q "select last_error from mailboxes m where exists (select 1 from attempts a where a.mailbox_id = m.id and a.stage = 'token' and a.at like '2026-11-23%') limit 1")"
check_contains "stderr says the mailbox rests for the run" "rests for this run" "$err"
"$MR" -q mailbox set m4@sender.example --auth xoauth2
contacts 2 130
export MAILROTA_NOW=2026-11-23T16:00:00Z
run "$MR" run
check "an unreachable token endpoint for every mailbox: exit 69" 69 "$rc"
check_contains "recorded as a token failure" "token endpoint unreachable" \
    "$(q "select smtp_text from attempts where stage = 'token' order by id desc limit 1")"
check "and still no mailbox marked auth-failed" "cold-ready" \
    "$(q "select distinct status from mailboxes where email like 'm_@sender.example'")"

# --- no client secret: the mailboxes do not start, nothing is marked ----------
for i in 1 2 3 4; do "$MR" -q mailbox set "m$i@sender.example" --status cold-ready; done
sed -i "s|^  token_url: .*|  token_url: $M365D_TOKEN_URL|" config.yaml
MAILROTA_CLIENT_SECRET= run "$MR" run
check "no client secret: exit 69" 69 "$rc"
check_contains "the error names the variable" "MAILROTA_CLIENT_SECRET" "$err"
check "the mailboxes stay cold-ready" "cold-ready" "$(q "select distinct status from mailboxes where email like 'm_@sender.example'")"

done_testing
