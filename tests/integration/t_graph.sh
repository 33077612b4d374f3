#!/bin/sh
# graph mailboxes against a local Graph sendMail (HTTPS, a CA made at test
# time): 202 is sent and the MIME arrives; 429 and 503 are deferred and
# wait for Retry-After; 400 ErrorInvalidRecipients bounces the contact; a
# connection lost after the request is unknown; 403 marks the mailbox
# auth-failed; at most 4 requests at once per mailbox; and an SMTP mailbox
# with fallback: graph refused with 5.7.139 sends through Graph.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

# Each sendMail takes 0.3 s (times $SLOW), so a mailbox's requests overlap.
setup_m365 --min-request-seconds "$(awk -v s="$SLOW" 'BEGIN { print 0.3 * s }')" \
    --retry-after 30 --graph-deny m3@sender.example
setup_world 20 4
# m4's SMTP AUTH is refused as Security Defaults refuse it.
smtpd_stop "$T/srv"
# shellcheck disable=SC2086
smtpd_start "$T/srv" $SMTPD_ARGS --fail-user "m4@sender.example:535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator." || exit 1
sed -i "s|^  port: .*|  port: $SMTPD_PORT|" config.yaml
for i in 1 2 3; do
    "$MR" -q mailbox set "m$i@sender.example" --auth graph || exit 1
done
"$MR" -q mailbox set m4@sender.example --fallback graph || exit 1
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
{
    echo "email,first_name,company"
    for i in $(seq 1 12); do echo "ok$i@co$i.example,P$i,Co$i"; done
    echo "throttleonce1@t.example,Tim,T"
    echo "unavail1@u.example,Una,U"
    echo "invalid1@i.example,Ivy,I"
    echo "drop1@d.example,Dot,D"
} > c.csv
"$MR" -q import contacts c.csv --campaign C1
contact() { q "select s.status || '|' || coalesce(s.smtp_code, '') || '|' || s.attempts || '|' || s.transport from sends s join contacts c on c.id = s.contact_id where c.email = '$1'"; }

export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run
check "graph run exits 0" 0 "$rc"
check "summary" "planned 16, sent 12, deferred 2, bounced 1, failed 0, unknown 1" "$out"
check "202 is sent, through graph" "sent|202|1|graph" "$(contact ok1@co1.example)"
check "every sent message went through Graph" "graph|12" "$(q "select transport, count(*) from sends where status = 'sent' group by transport")"
check "Graph stored 12 messages" 12 "$(m365d_graph_count "$M365_DIR")"
ids_db=$(q "select message_id from sends where status = 'sent' order by 1")
ids_graph=$(grep -h -i '^Message-ID:' "$M365_DIR"/graph/*.eml | sed 's/^[^:]*: *//' | tr -d '\r' | sort)
check "the MIME Graph received carries each sent Message-ID" "$ids_db" "$ids_graph"
check "one token request, for the Graph scope" "1 https://graph.microsoft.com/.default" \
    "$(token_requests) $(sed -n 's/.*"scope": *"\([^"]*\)".*/\1/p' "$M365_DIR/token-requests.log" | sort -u)"
check "429 is deferred" "deferred|429|1|graph" "$(contact throttleonce1@t.example)"
check_contains "with Graph's error code" "ApplicationThrottled" "$(q "select smtp_text from sends s join contacts c on c.id = s.contact_id where c.email = 'throttleonce1@t.example'")"
check "and not retried before Retry-After (30 s)" 30 \
    "$(q "select cast(strftime('%s', retry_after) - strftime('%s', last_attempt_at) as int) from sends s join contacts c on c.id = s.contact_id where c.email = 'throttleonce1@t.example'")"
check "503 is deferred" "deferred|503|1|graph" "$(contact unavail1@u.example)"
check "400 ErrorInvalidRecipients bounces" "bounced|400|1|graph" "$(contact invalid1@i.example)"
check "and marks the contact" bounced "$(q "select status from contacts where email = 'invalid1@i.example'")"
check "a connection lost after the request is unknown" "unknown||1|graph" "$(contact drop1@d.example)"
check "403 marks the denied mailbox auth-failed" auth-failed "$(q "select status from mailboxes where email = 'm3@sender.example'")"
check_contains "with the fix in last_error" "Test-ApplicationAccessPolicy -Identity m3@sender.example" \
    "$(q "select last_error from mailboxes where email = 'm3@sender.example'")"
check "its message went to another mailbox" 0 "$(q "select count(*) from sends s join mailboxes m on m.id = s.mailbox_id where m.email = 'm3@sender.example'")"
check "the fallback mailbox stays cold-ready" cold-ready "$(q "select status from mailboxes where email = 'm4@sender.example'")"
check_contains "its last_error says why it used Graph" "security defaults" "$(q "select last_error from mailboxes where email = 'm4@sender.example'")"
check_contains "and that Graph took over" "sending through Graph" "$(q "select last_error from mailboxes where email = 'm4@sender.example'")"
check "m4 tried SMTP once, then Graph" "smtp|auth|535" \
    "$(q "select a.transport || '|' || a.stage || '|' || a.smtp_code from attempts a join mailboxes m on m.id = a.mailbox_id where m.email = 'm4@sender.example' order by a.id limit 1")"
check "m4's messages went through Graph" yes \
    "$([ "$(q "select count(*) from sends s join mailboxes m on m.id = s.mailbox_id where m.email = 'm4@sender.example' and s.status = 'sent' and s.transport = 'graph'")" -ge 3 ] && echo yes)"
check "send_log shows the transport" graph "$(q "select distinct transport from send_log where status = 'sent'")"
check "SMTP stored nothing" 0 "$(smtpd_count "$T/srv")"
stats=$(cat "$M365_DIR/graph-stats.json")
maxes=$(printf '%s' "$stats" | /usr/bin/python3 -c 'import json,sys; print(" ".join(str(v) for v in sorted(json.load(sys.stdin)["max_inflight"].values())))')
check "at most 4 requests at once per mailbox, and 4 reached" 4 "${maxes##* }"

# --- right after: Retry-After holds the deferred ones back ----------------
export MAILROTA_NOW=2026-11-20T15:00:10Z
run "$MR" plan -v
check_contains "plan says why the throttled one waits" "retry_wait" "$out"
run "$MR" run
check "nothing due yet" "planned 0, sent 0, deferred 0, bounced 0, failed 0, unknown 0" "$out"

# --- later: the deferred ones go out; the unknown one never again ----------
"$MR" -q mailbox set m3@sender.example --status paused
export MAILROTA_NOW=2026-11-20T16:00:00Z
run "$MR" run
check "the retry run" "planned 2, sent 1, deferred 1, bounced 0, failed 0, unknown 0" "$out"
check "the throttled message is sent on its second try" "sent|202|2|graph" "$(contact throttleonce1@t.example)"
check "the unknown message was not resent" 1 "$(q "select count(*) from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id where c.email = 'drop1@d.example'")"

# --- Graph unreachable: nothing can go out, exit 69 -------------------------
sed -i "s|^  base_url: .*|  base_url: https://127.0.0.1:9/v1.0|" config.yaml
printf 'email,first_name,company\nlate1@l.example,Lee,L\n' > l.csv
"$MR" -q import contacts l.csv --campaign C1
export MAILROTA_NOW=2026-11-21T16:00:00Z
run "$MR" run
check "Graph unreachable: exit 69" 69 "$rc"
check "the message is deferred without using an attempt" "deferred|0" \
    "$(q "select s.status || '|' || s.attempts from sends s join contacts c on c.id = s.contact_id where c.email = 'late1@l.example'")"
check "recorded at stage connect" connect "$(q "select stage from attempts order by id desc limit 1")"

done_testing
