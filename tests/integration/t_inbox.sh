#!/bin/sh
# `inbox` against a real IMAP server (the private Dovecot of
# tests/servers/lib-imapd.sh): mail is first sent to contacts through the
# SMTP test server, then NDRs built from tests/data/inbound-samples (their
# recipient rewritten to a contact sent to), a reply, an unsubscribe
# reply, an auto-reply and a newsletter are put in the sender's INBOX.
# Checked: the inbound rows and their effects (send and contact status,
# suppression, attempts stage dsn), inbound_log, the summary line; a
# second pass reads nothing and applies nothing twice; flags and UIDs are
# unchanged (read-only); a new UIDVALIDITY re-reads without a second
# effect; a kill -9 in the middle of a read loses nothing and applies
# nothing twice; XOAUTH2; a mailbox whose login fails is warned about and
# the others are read.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"
. "$ROOT/tests/servers/lib-imapd.sh"

S=$ROOT/tests/data/inbound-samples
D=$T/imap
# The fake Entra ID issues Outlook tokens with IMAP.AccessAsApp too, and
# short ones: Dovecot's checkpassword passdb (lib-imapd.sh's XOAUTH2)
# takes at most 512 bytes of user and token, m365d pads to 1500 by default.
setup_m365 --roles-outlook SMTP.SendAsApp,IMAP.AccessAsApp --token-size 0
setup_world 10 2
trap 'imapd_stop "$D"; smtpd_stop "$T/srv"; m365d_stop "$M365_DIR"; cleanup' EXIT
imapd_user "$D" m1@sender.example pw-m1
imapd_user "$D" m2@sender.example not-m2s-password
# XOAUTH2 for x1 (the app's FullAccess), with m365d's signing key.
imapd_oauth "$D" "$M365_DIR/token.key" x1@sender.example
imapd_start "$D" || exit 1
cat >> "$T/config.yaml" <<YAML
inbound:
  imap: { host: $IMAPD_HOST, port: $IMAPD_TLS_PORT, security: implicit }
  lookback_days: 14
YAML
# The CA of the SMTP server is the IMAP server's too (lib-smtpd.sh's).
cmp -s "$D/ca.pem" "$T/srv/ca.pem" || cat "$D/ca.pem" >> "$T/srv/ca.pem"

# m2 sends nothing (admin), so that every send is m1's.
"$MR" -q mailbox set m2@sender.example --status admin
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
cat > c.csv <<'CSV'
email,first_name,company
gone@one.example,Ann,One
rep@two.example,Ben,Two
unsub@three.example,Cy,Three
auto@four.example,Di,Four
text@five.example,Ed,Five
late@six.example,Flo,Six
soft@seven.example,Gus,Seven
CSV
"$MR" -q import contacts c.csv --campaign C1
export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run
check "the sends went out" "planned 7, sent 7, deferred 0, bounced 0, failed 0, unknown 0" "$out"
mid() { q "select trim(s.message_id, '<>') from sends s join contacts c on c.id = s.contact_id where c.email = '$1'"; }

# put NAME FILE: saves FILE (LF line ends) into NAME's INBOX with CRLF.
put() { sed 's/\r*$/\r/' "$2" > "$T/put.eml" && imapd_save "$D" "$1" "$T/put.eml"; }
# An Exchange Online NDR with a delivery-status part: 5.1.0 for hard@.
sed 's/kijitora@example\.com/gone@one.example/g' "$S/lhost-office365-03.eml" > ndr1.eml
# One without (the code only in the text): 5.1.10 for text@.
sed 's/kijitora@example\.com/text@five.example/g' "$S/lhost-office365-01.eml" > ndr2.eml
# A delay (Gmail, 4.2.2 in the text) for late@.
sed 's/kijitora@example\.jp/late@six.example/g' "$S/lhost-gmail-06.eml" > delay.eml
# Postfix, Action failed with 4.3.2: the send bounces, the contact stays.
sed 's/kijitora@example\.ne\.jp/soft@seven.example/g' "$S/lhost-postfix-09.eml" > soft.eml
cat > reply.eml <<EOF2
From: Ben <rep@two.example>
To: m1@sender.example
Subject: Re: hello
Message-ID: <reply-1@two.example>
In-Reply-To: <$(mid rep@two.example)>
Date: Fri, 20 Nov 2026 16:00:00 +0000

Sounds good, call me on Monday.
EOF2
cat > unsub.eml <<EOF2
From: Cy <unsub@three.example>
To: m1@sender.example
Subject: Re: hello
Message-ID: <unsub-1@three.example>
In-Reply-To: <$(mid unsub@three.example)>
Date: Fri, 20 Nov 2026 16:01:00 +0000

Please remove me from your list.

> Hi Cy,
EOF2
cat > auto.eml <<EOF2
From: Di <auto@four.example>
To: m1@sender.example
Subject: Automatic reply: hello
Message-ID: <auto-1@four.example>
Auto-Submitted: auto-replied
In-Reply-To: <$(mid auto@four.example)>
Date: Fri, 20 Nov 2026 16:02:00 +0000

I am out of the office until Monday.
EOF2
cat > news.eml <<'EOF2'
From: News <news@list.example>
To: m1@sender.example
Subject: This week's offers
Message-ID: <news-1@list.example>
Precedence: bulk
Date: Fri, 20 Nov 2026 16:03:00 +0000

Our offers.
EOF2
for f in ndr1 ndr2 delay soft reply unsub auto news; do put m1@sender.example $f.eml; done
flags_before=$(imapd_flags "$D" m1@sender.example)
check "eight messages in m1's INBOX" 8 "$(printf '%s\n' "$flags_before" | grep -c .)"

export MAILROTA_NOW=2026-11-20T17:00:00Z
run "$MR" inbox
check "inbox exits 0 though m2's login fails" 0 "$rc"
check "the summary line" "read 8, bounces 4, replies 1, auto-replies 1, unsubscribes 1, other 1" "$out"
check_contains "m2's failed login is warned about" "inbox of m2@sender.example" "$err"
check_contains "naming the fix" "password" "$err"

send_of() { q "select s.status || '|' || coalesce(s.smtp_enhanced, '') from sends s join contacts c on c.id = s.contact_id where c.email = '$1'"; }
contact() { q "select status from contacts where email = '$1'"; }
dsn_rows() { q "select count(*) from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id where c.email = '$1' and a.stage = 'dsn'"; }
check "8 inbound rows, all m1's" "8|8" "$(q "select count(*), sum(mailbox_id = (select id from mailboxes where email = 'm1@sender.example')) from inbound")"
check "the kinds" "auto_reply 1,bounce 3,delay 1,other 1,reply 1,unsubscribe 1" \
    "$(q "select group_concat(k, ',') from (select kind || ' ' || count(*) as k from inbound group by kind order by kind)")"
check "a 5.1.0 NDR bounces its send with the code" "bounced|5.1.0" "$(send_of gone@one.example)"
check "and the contact" bounced "$(contact gone@one.example)"
check "with an attempts row, stage dsn" 1 "$(dsn_rows gone@one.example)"
check "at the time the NDR arrived" "$(q "select received_at from inbound where status_code = '5.1.0'")" \
    "$(q "select a.at from attempts a join sends s on s.id = a.send_id join contacts c on c.id = s.contact_id where c.email = 'gone@one.example' and a.stage = 'dsn'")"
check "an NDR without a delivery-status part (5.1.10 in its text)" "bounced|5.1.10 bounced" \
    "$(send_of text@five.example) $(contact text@five.example)"
check "Action failed with 4.3.2: the send bounces, the contact stays" "bounced|4.3.2 active" \
    "$(send_of soft@seven.example) $(contact soft@seven.example)"
check "a delay: an attempts row, the send unchanged" "sent|2.0.0 1 active" \
    "$(send_of late@six.example) $(dsn_rows late@six.example) $(contact late@six.example)"
check "a reply: the contact replied" replied "$(contact rep@two.example)"
check "matched to its send" "$(q "select s.id from sends s join contacts c on c.id = s.contact_id where c.email = 'rep@two.example'")" \
    "$(q "select send_id from inbound where kind = 'reply'")"
check "an unsubscribe reply: unsubscribed and suppressed" "unsubscribed unsubscribe-reply" \
    "$(contact unsub@three.example) $(q "select reason from suppressions where value = 'unsub@three.example'")"
check "an auto-reply changes nothing" "active sent|2.0.0" "$(contact auto@four.example) $(send_of auto@four.example)"
# Migration 0007: each status the inbox changes records its time; a
# bounce's is the NDR's arrival, the time the send's record takes.
check "a reply's and an unsubscribe's status time" \
    "replied 2026-11-20T17:00|unsubscribed 2026-11-20T17:00|active -" \
    "$(q "select group_concat(status || ' ' || coalesce(substr(status_changed_at, 1, 16), '-'), '|') from (select * from contacts where email in ('rep@two.example', 'unsub@three.example', 'auto@four.example') order by email = 'auto@four.example', email)")"
check "a bounce's status time is the NDR's arrival" \
    "$(q "select received_at from inbound where status_code = '5.1.0'")" \
    "$(q "select status_changed_at from contacts where email = 'gone@one.example'")"
check "a newsletter is other, matched to nobody" "other||" "$(q "select kind, contact_id, send_id from inbound where message_id = 'news-1@list.example'")"
check "inbound_log, newest first, names contact and campaign" "news-1|other||" \
    "$(q "select 'news-1', kind, coalesce(contact, ''), coalesce(campaign, '') from inbound_log limit 1")"
check "inbound_log shows the bounce with its campaign and effect" "bounce|gone@one.example|C1|5.1.0|send bounced, contact bounced" \
    "$(q "select kind, contact, campaign, status_code, effect from inbound_log where contact = 'gone@one.example'")"
check "send_log shows the NDR's outcome" "bounced|5.1.0" "$(q "select status, smtp_enhanced from send_log where contact = 'gone@one.example'")"
check "read-only: flags and UIDs unchanged" "$flags_before" "$(imapd_flags "$D" m1@sender.example)"
check_not_contains "nothing is \\Seen" 'Seen' "$(imapd_flags "$D" m1@sender.example)"

# A second pass reads nothing new and applies nothing twice.
state() { q "select (select count(*) from inbound), (select count(*) from attempts), (select group_concat(status) from contacts), (select count(*) from suppressions)"; }
before=$(state)
run "$MR" -q inbox
check "a second pass exits 0" 0 "$rc"
run "$MR" inbox --mailbox m1@sender.example
check "a second pass reads nothing" "read 0, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other 0" "$out"
check "and changes nothing" "$before" "$(state)"
check "--json" '{"read": 0, "bounces": 0, "replies": 0, "auto_replies": 0, "unsubscribes": 0, "other": 0}' \
    "$("$MR" inbox --mailbox m1@sender.example --json 2>/dev/null)"
run "$MR" inbox --mailbox nobody@sender.example
check "an unknown --mailbox exits 65" 65 "$rc"

# A contact that replied, unsubscribed or bounced is not planned again;
# a colleague of the one who replied gets no first email in that campaign
# (rules.stop_company_on_reply), but does in another.
"$MR" -q campaign add C2 --template "$ROOT/templates/intro.txt"
printf 'email,first_name,company\ncol@two.example,Cat,Two\n' > col.csv
"$MR" -q import contacts col.csv --campaign C1
"$MR" -q import contacts c.csv --campaign C2
"$MR" -q import contacts col.csv --campaign C2
plan=$("$MR" plan -v 2>&1)
for c in rep@two.example unsub@three.example gone@one.example; do
    check "$c is not planned" "" "$(printf '%s\n' "$plan" | grep "^m1@sender.example *$c")"
done
check "plan -v says replied" "rep@two.example C1 replied" \
    "$(printf '%s\n' "$plan" | awk '$1 == "rep@two.example" && $2 == "C1" { print $1, $2, $3 }')"
check "a colleague in that campaign: company_replied" "col@two.example C1 company_replied" \
    "$(printf '%s\n' "$plan" | awk '$1 == "col@two.example" && $2 == "C1" { print $1, $2, $3 }')"
check_contains "in another campaign it is planned" "col@two.example" \
    "$(printf '%s\n' "$plan" | grep '^m1@sender.example' | grep C2)"
set_rule stop_company_on_reply false
check_contains "with stop_company_on_reply: false it is planned in C1 too" "col@two.example" \
    "$("$MR" plan 2>&1 | grep '^m1@sender.example' | grep C1)"
set_rule stop_company_on_reply true

# A message without a Message-ID: keyed by the digest of its bytes too
# (checked after the new UIDVALIDITY below).  A hostile message: lines
# that start like every tag libcurl can give its commands (A000 to Z999),
# which end libcurl's reading of the FETCH response early, then a fake
# FETCH of the next UID: it is recorded as other, read in part, and the
# next message is read whole, on a new connection.
cat > noid.eml <<EOF2
From: Someone <someone@elsewhere.example>
To: m1@sender.example
Subject: a note without an id
Date: Fri, 04 Dec 2026 10:00:00 +0000

Just a note.
EOF2
next_uid=$(($(imapd_flags "$D" m1@sender.example | tail -n 1 | cut -d' ' -f1) + 3))
{
    printf 'From: X <x@hostile.example>\nTo: m1@sender.example\n'
    printf 'Subject: tags\nMessage-ID: <tags-1@hostile.example>\n\n'
    for l in A B C D E F G H I J K L M N O P Q R S T U V W X Y Z; do
        seq -f "$l%03g OK done" 0 999
    done
    printf '* 1 FETCH (UID %s BODY[] {40}\n' "$next_uid"
    printf 'From: <rep@two.example>\nSubject: fake\n\n)\n'
} > tags.eml
sed 's/news-1@/news-4@/' news.eml > news4.eml
for f in noid tags news4; do put m1@sender.example $f.eml; done
flags_before=$(imapd_flags "$D" m1@sender.example)
run "$MR" inbox --mailbox m1@sender.example
check "the note, the hostile message and the next one are read" "0 read 3, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other 3" "$rc $out"
check "a message without Message-ID is keyed by its digest" "sha256:$(sed 's/\r*$/\r/' noid.eml | sha256sum | cut -d' ' -f1)" \
    "$(q "select message_id from inbound where subject = 'a note without an id'")"
check_contains "the hostile message: other, read in part" "other|a line of it ended the IMAP reply early" \
    "$(q "select kind || '|' || diagnostic from inbound where message_id = 'tags-1@hostile.example'")"
check "the message after it is read whole, under its own UID" "other|news-4@list.example|$(q "select uidvalidity from inbound_cursors c join mailboxes m on m.id = c.mailbox_id where m.email = 'm1@sender.example'"):$next_uid" \
    "$(q "select kind || '|' || message_id || '|' || source_id from inbound where subject = (select subject from inbound where message_id = 'news-1@list.example') and message_id like 'news-4%'")"
check "the fake FETCH matched nobody" "" "$(q "select id from inbound where subject = 'fake'")"
check "still read-only" "$flags_before" "$(imapd_flags "$D" m1@sender.example)"

# A new UIDVALIDITY (the folder recreated): the lookback is read again,
# but no message is processed twice (by Message-ID); a new one is.
before=$(state)
uidv=$(imapd_uidvalidity "$D" m1@sender.example)
"$IMAPD_DOVEADM" -c "$D/dovecot.conf" mailbox update -u m1@sender.example \
    --uid-validity $((uidv + 1000)) INBOX
check "the test changed the UIDVALIDITY" $((uidv + 1000)) "$(imapd_uidvalidity "$D" m1@sender.example)"
sed 's/news-1@/news-2@/' news.eml > news2.eml
put m1@sender.example news2.eml
run "$MR" inbox --mailbox m1@sender.example
check "after a new UIDVALIDITY only the new message counts" "read 1, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other 1" "$out"
check "nothing else was applied again" "$(($(echo "$before" | cut -d'|' -f1) + 1))|$(echo "$before" | cut -d'|' -f2-)" "$(state)"
check "the cursor has the new UIDVALIDITY" "$((uidv + 1000))|$((next_uid + 1))" "$(q "select uidvalidity, last_uid from inbound_cursors c join mailboxes m on m.id = c.mailbox_id where m.email = 'm1@sender.example'")"

# kill -9 in the middle of a read: the second message's transaction is
# never committed; the next pass applies it, and nothing twice.
sed 's/001636b2ad2a854c6b04893db72b@/second-delay@/' delay.eml > delay2.eml
cat > reply2.eml <<EOF2
From: Di <auto@four.example>
To: m1@sender.example
Subject: Re: hello
Message-ID: <reply-2@four.example>
In-Reply-To: <$(mid auto@four.example)>

Yes, let us talk.
EOF2
sed 's/news-1@/news-3@/' news.eml > news3.eml
for f in news3 delay2 reply2; do put m1@sender.example $f.eml; done
n0=$(q "select count(*) from inbound")
MAILROTA_TEST_CRASH=inbox.uncommitted:2 "$MR" -q inbox --mailbox m1@sender.example >/dev/null 2>&1
check "killed by SIGKILL in the middle of the read" 137 "$?"
check "the first message is recorded, the second is not" "$((n0 + 1)) 1" \
    "$(q "select count(*) from inbound") $(dsn_rows late@six.example)"
run "$MR" inbox --mailbox m1@sender.example
check "the next pass reads the rest" "read 2, bounces 1, replies 1, auto-replies 0, unsubscribes 0, other 0" "$out"
check "each effect once: a second dsn row, the reply" "$((n0 + 3)) 2 replied" \
    "$(q "select count(*) from inbound") $(dsn_rows late@six.example) $(contact auto@four.example)"
MAILROTA_TEST_CRASH=inbox.committed:1 "$MR" -q inbox --mailbox m1@sender.example >/dev/null 2>&1
check "a pass with nothing new never reaches a commit" 0 "$?"

# XOAUTH2: the client-credentials token, AUTHENTICATE XOAUTH2.
"$MR" -q mailbox add x1@sender.example --name X1 --auth xoauth2 --status admin
put x1@sender.example news.eml
run "$MR" inbox --mailbox x1@sender.example
check "an xoauth2 mailbox is read with its token" "0 read 1, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other 1" "$rc $out"
check_contains "Dovecot logged it in with XOAUTH2" "x1@sender.example" "$(grep -i 'login' "$D/dovecot.log" | grep -i 'xoauth2\|oauthbearer')"
check "still read-only" "1 " "$(imapd_flags "$D" x1@sender.example)"

# --inbound none: not read at all.
"$MR" -q mailbox set m2@sender.example --inbound none
run "$MR" inbox
check_not_contains "a mailbox with --inbound none is not read" "m2@sender.example" "$err"
check "mailbox set --inbound stores it" "none" "$(q "select inbound from mailboxes where email = 'm2@sender.example'")"

# run reads the inboxes first (unless --no-inbox); a mailbox whose inbox
# cannot be read is said on stderr even with -q, and run goes on.
cat > reply3.eml <<EOF2
From: Flo <late@six.example>
To: m1@sender.example
Subject: Re: hello
Message-ID: <reply-3@six.example>
In-Reply-To: <$(mid late@six.example)>

Interested, send details.
EOF2
put m1@sender.example reply3.eml
n0=$(q "select count(*) from inbound")
run "$MR" run -q --no-inbox
check "run --no-inbox reads nothing" "$n0 active" "$(q "select count(*) from inbound") $(contact late@six.example)"
run "$MR" run -q
check "run reads the inbox first" "$((n0 + 1)) replied" "$(q "select count(*) from inbound") $(contact late@six.example)"
check_contains "a mailbox it cannot read is said even with -q" "inbox of admin@sender.example" "$err"
check "and run goes on (its summary row is written)" 3 "$(q "select count(*) from runs")"

check_plan_state "at the end"
done_testing
