#!/bin/sh
# `inbox` on a DSN that a real Postfix wrote (issue 13): mailrota sends
# through a private Postfix 3.7 (tests/servers/lib-postfix.sh; STARTTLS,
# AUTH PLAIN against Cyrus sasldb); Postfix delivers one recipient and
# bounces another itself (5.1.1, unknown user in a virtual domain) and
# defers a third (4.4.1), and delivers its DSNs (multipart/report,
# message/delivery-status, the original as message/rfc822 or its headers:
# a bounce and a delay warning) into the sender's Maildir, which the
# private Dovecot (tests/servers/lib-imapd.sh) serves over IMAPS.
# Checked: the send bounced with Postfix's code, an attempts row with
# stage dsn, the contact bounced, the inbound row matched to that send,
# the delay leaving its send and contact alone, the summary line; a
# second pass reads nothing new; flags and UIDs are unchanged (read-only).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"
. "$ROOT/tests/servers/lib-imapd.sh"
. "$ROOT/tests/servers/lib-postfix.sh"

D=$T/imap
P=$T/pf
# Postfix cannot run here (not installed, not root): skip with a reason.
_pf_can_run
setup_world 10 1
trap 'postfix_stop "$P"; imapd_stop "$D"; smtpd_stop "$T/srv"; cleanup' EXIT
imapd_user "$D" m1@sender.example pw-m1
imapd_start "$D" || exit 1
# One CA for all three servers: Postfix takes smtpd.py's certificate.
mkdir -p "$P"
cp "$T/srv/server.pem" "$T/srv/server.key" "$T/srv/ca.pem" "$P/"
cmp -s "$D/ca.pem" "$T/srv/ca.pem" || cat "$D/ca.pem" >> "$T/srv/ca.pem"
M1=$D/mail/m1@sender.example
postfix_user "$P" m1@sender.example pw-m1 || { not_ok "saslpasswd2"; done_testing; exit 1; }
postfix_mailbox "$P" m1@sender.example "$M1"
postfix_mailbox "$P" ok@two.example "$T/sink"
postfix_domain "$P" one.example
postfix_defer "$P" three.example
postfix_start "$P" || { not_ok "postfix starts"; done_testing; exit 1; }
ok "postfix starts on 127.0.0.1:$POSTFIX_PORT"

# mailrota submits to Postfix, not to smtpd.py.
sed -i "s/^  port: $SMTPD_PORT\$/  port: $POSTFIX_PORT/" "$T/config.yaml"
cat >> "$T/config.yaml" <<YAML
inbound:
  imap: { host: $IMAPD_HOST, port: $IMAPD_TLS_PORT, security: implicit }
  lookback_days: 14
YAML
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
cat > c.csv <<'CSV'
email,first_name,company
gone@one.example,Ann,One
ok@two.example,Ben,Two
later@three.example,Cy,Three
CSV
"$MR" -q import contacts c.csv --campaign C1
export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run
check "the sends accepted by Postfix" "planned 3, sent 3, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "none reached smtpd.py" 0 "$(smtpd_count "$T/srv")"
check "Postfix authenticated m1 (AUTH PLAIN after STARTTLS)" 3 \
    "$(grep -c 'sasl_method=PLAIN, sasl_username=m1@sender.example' "$P/maillog")"

# Postfix delivers ok@ and bounces gone@; its DSN goes to m1's Maildir.
postfix_wait "$P" "$T/sink" 1 30
check "ok@two.example delivered by Postfix" 1 "$(find "$T/sink/new" -type f | wc -l)"
postfix_wait "$P" "$M1" 2 30
check "Postfix bounced gone@ itself" 1 \
    "$(grep -c 'to=<gone@one.example>.*dsn=5\.1\.1, status=bounced' "$P/maillog")"
check "and deferred later@" 1 \
    "$(grep -c 'to=<later@three.example>.*dsn=4\.4\.1, status=deferred' "$P/maillog" | sed 's/^[1-9][0-9]*$/1/')"
check "two DSNs in m1's Maildir" 2 "$(find "$M1/new" -type f | wc -l)"
dsn=$(grep -l '^Status: 5\.1\.1' "$M1"/new/* | head -n 1)
delay=$(grep -l '^Action: delayed' "$M1"/new/* | head -n 1)
check_contains "one a delay warning for later@" "Final-Recipient: rfc822; later@three.example" "$(cat "$delay")"
check_contains "it is a multipart/report" "report-type=delivery-status" "$(cat "$dsn")"
check_contains "with a delivery-status part" "Status: 5.1.1" "$(cat "$dsn")"
mid=$(q "select trim(s.message_id, '<>') from sends s join contacts c on c.id = s.contact_id where c.email = 'gone@one.example'")
check_contains "returning the original" "Message-ID: <$mid>" "$(cat "$dsn")"
flags_before=$(imapd_flags "$D" m1@sender.example)
check "Dovecot sees both" 2 "$(printf '%s\n' "$flags_before" | grep -c .)"

export MAILROTA_NOW=2026-11-20T17:00:00Z
run "$MR" inbox
check "inbox exits 0" 0 "$rc"
check "the summary line (a delay counts with the bounces)" "read 2, bounces 2, replies 0, auto-replies 0, unsubscribes 0, other 0" "$out"
send_of() { q "select s.status || '|' || coalesce(s.smtp_enhanced, '') from sends s join contacts c on c.id = s.contact_id where c.email = '$1'"; }
check "the send bounced with Postfix's 5.1.1" "bounced|5.1.1" "$(send_of gone@one.example)"
check "an attempts row, stage dsn" 1 \
    "$(q "select count(*) from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id where c.email = 'gone@one.example' and a.stage = 'dsn'")"
check "the contact bounced" bounced "$(q "select status from contacts where email = 'gone@one.example'")"
check "an inbound bounce, 5.1.1, matched to that send and contact" \
    "1|5.1.1|$(q "select s.id || '|' || s.contact_id from sends s join contacts c on c.id = s.contact_id where c.email = 'gone@one.example'")" \
    "$(q "select count(*), status_code, send_id, contact_id from inbound where kind = 'bounce'")"
check "from Postfix's MAILER-DAEMON, with its diagnostic" \
    "MAILER-DAEMON@mx.postfix.test|Undelivered Mail Returned to Sender|1" \
    "$(q "select from_addr, subject, diagnostic like '%unknown user%' from inbound where kind = 'bounce'")"
check "the attempts row at the time the DSN arrived" \
    "$(q "select received_at from inbound where kind = 'bounce'")" \
    "$(q "select a.at from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id where c.email = 'gone@one.example' and a.stage = 'dsn'")"
check "inbound_log names contact, campaign and effect" \
    "gone@one.example|C1|5.1.1|send bounced, contact bounced" \
    "$(q "select contact, campaign, status_code, effect from inbound_log where kind = 'bounce'")"
check "the delay: 4.4.1, matched, the send and contact unchanged" \
    "1|4.4.1|later@three.example sent|2.0.0 active" \
    "$(q "select count(*), status_code, (select email from contacts where id = inbound.contact_id) from inbound where kind = 'delay'") $(send_of later@three.example) $(q "select status from contacts where email = 'later@three.example'")"
check "the delivered contact is untouched" "sent|2.0.0 active" \
    "$(send_of ok@two.example) $(q "select status from contacts where email = 'ok@two.example'")"

export MAILROTA_NOW=2026-11-20T18:00:00Z
run "$MR" inbox
check "a second inbox reads nothing new" "0|read 0, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other 0" "$rc|$out"
check "and adds no row" "2 2" \
    "$(q "select count(*) from inbound") $(q "select count(*) from attempts where stage = 'dsn'")"
check "flags and UIDs unchanged (read-only)" "$flags_before" "$(imapd_flags "$D" m1@sender.example)"

postfix_stop "$P"
check "postfix stopped" "" "$(_pf_master_pid "$P")"
done_testing
