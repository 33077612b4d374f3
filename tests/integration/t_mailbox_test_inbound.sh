#!/bin/sh
# mailbox test covers the inbound reader too (SPEC `mailbox test`): after
# the send checks, IMAP login + EXAMINE of the folder against the private
# Dovecot (tests/servers/lib-imapd.sh), or a Graph read of the inbox
# against m365d.py; a refusal prints the server's reply and the fix, and
# the exit is 69.  Only with an inbound: section (as run).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"
. "$ROOT/tests/servers/lib-imapd.sh"

D=$T/imap
# m1 plain, IMAP ok      m2 plain, IMAP password wrong
# m3 graph, Mail.Read    m4 graph, outside the application access policy
setup_m365 --roles-graph Mail.Send,Mail.Read --graph-deny m4@sender.example
setup_world 5 4
trap 'imapd_stop "$D"; smtpd_stop "$T/srv"; m365d_stop "$M365_DIR"; cleanup' EXIT
"$MR" -q mailbox set m3@sender.example --auth graph || exit 1
"$MR" -q mailbox set m4@sender.example --auth graph || exit 1

# Without an inbound: section nothing inbound is tested (as run).
run "$MR" mailbox test m1@sender.example
check "no inbound: section: the send side only, ok" 0 "$rc"
check_not_contains "and no inbound line" "inbound" "$out"

imapd_user "$D" m1@sender.example pw-m1
imapd_user "$D" m2@sender.example not-m2s-password
imapd_start "$D" || exit 1
cat >> "$T/config.yaml" <<YAML
inbound:
  imap: { host: $IMAPD_HOST, port: $IMAPD_TLS_PORT, security: implicit }
YAML
cmp -s "$D/ca.pem" "$T/srv/ca.pem" || cat "$D/ca.pem" >> "$T/srv/ca.pem"
flags_before=$(imapd_flags "$D" m1@sender.example)

run "$MR" mailbox test m1@sender.example
check "IMAP login and EXAMINE pass: exit 0" 0 "$rc"
check_contains "the inbound line says EXAMINE" "inbound    ok: EXAMINE INBOX on $IMAPD_HOST:$IMAPD_TLS_PORT: UIDVALIDITY" "$out"
check "the send side still passes" "m1@sender.example (auth plain): ok" "$(printf '%s\n' "$out" | head -1)"
check "nothing changed in the mailbox" "$flags_before" "$(imapd_flags "$D" m1@sender.example)"

run "$MR" mailbox test m2@sender.example
check "IMAP login refused: exit 69" 69 "$rc"
check "the mailbox is FAILED though SMTP passed" "m2@sender.example (auth plain): FAILED" "$(printf '%s\n' "$out" | head -1)"
check_contains "the IMAP step and the server's reply" "inbound    FAILED (imap login):" "$out"
check_contains "with the fix" "check its password ('mailrota mailbox set m2@sender.example --password-env VAR')" "$out"

run "$MR" mailbox test m3@sender.example
check "a Graph read of the inbox passes: exit 0" 0 "$rc"
check_contains "the inbound line" "inbound    ok: Graph read of the inbox: HTTP 200" "$out"
check "one inbox list request, no message fetched" "1 0" \
    "$(m365d_inbox_requests "$M365_DIR" list 200) $(m365d_inbox_requests "$M365_DIR" value)"

run "$MR" mailbox test m4@sender.example --json
check "outside the access policy: exit 69" 69 "$rc"
check "JSON: the inbound object" "graph false graph" \
    "$(printf '%s' "$out" | python3 -c 'import json,sys; i=json.load(sys.stdin)[0]["inbound"]; print(i["reader"], i["ok"] and "true" or "false", i["failed_step"])')"
check_contains "the reply is Graph's" "AppOnly AccessPolicy" "$out"
check_contains "the fix: the application access policy" "not covered by the app's application access policy" "$out"

# A token without Mail.Read.
m365d_stop "$M365_DIR"
m365d_start "$M365_DIR" --cert "$T/srv/server.pem" --key "$T/srv/server.key" \
    --port "$M365D_PORT" --roles-graph Mail.Send || exit 1
q "delete from oauth_tokens"
run "$MR" mailbox test m3@sender.example
check "without Mail.Read: exit 69" 69 "$rc"
check_contains "403 from Graph" "HTTP 403 ErrorAccessDenied" "$out"
check_contains "the fix names Mail.Read and the access policy" "needs the Mail.Read application permission" "$out"
check_not_contains "no secret in the output" "eyJ" "$out$err"
check_not_contains "nor the password" "pw-m1" "$out$err"
done_testing
