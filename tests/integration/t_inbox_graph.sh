#!/bin/sh
# `inbox` through Microsoft Graph (tests/servers/m365d.py's inbox): mail is
# sent to contacts over Graph sendMail, then NDRs built from
# tests/data/inbound-samples, a reply and an unsubscribe reply are put in
# the sender's Graph inbox.  Checked: the effects, the cursor
# (receivedDateTime + id), paging across pages (@odata.nextLink), only
# GETs, a second pass applies nothing, a 429 with Retry-After is waited
# out, a kill -9 in the middle of a read applies nothing twice, and a
# token without Mail.Read is warned about with the fix.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

S=$ROOT/tests/data/inbound-samples
# Graph tokens carry Mail.Read; pages of 2 messages (Graph's are 10).
setup_m365 --roles-graph Mail.Send,Mail.Read --inbox-page-size 2 \
    --graph-deny m3@sender.example
setup_world 10 3
for i in 1 2 3; do
    "$MR" -q mailbox set "m$i@sender.example" --auth graph || exit 1
done
# m2 and m3 send nothing (admin), so that every send is m1's.
"$MR" -q mailbox set m2@sender.example --status admin
"$MR" -q mailbox set m3@sender.example --status admin
cat >> "$T/config.yaml" <<YAML
inbound:
  lookback_days: 14
YAML
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt"
cat > c.csv <<'CSV'
email,first_name,company
gone@one.example,Ann,One
rep@two.example,Ben,Two
unsub@three.example,Cy,Three
text@five.example,Ed,Five
CSV
"$MR" -q import contacts c.csv --campaign C1
export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run --no-inbox
check "the sends went out over Graph" "planned 4, sent 4, deferred 0, bounced 0, failed 0, unknown 0" "$out"
mid() { q "select trim(s.message_id, '<>') from sends s join contacts c on c.id = s.contact_id where c.email = '$1'"; }

sed 's/kijitora@example\.com/gone@one.example/g' "$S/lhost-office365-03.eml" > ndr1.eml
sed 's/kijitora@example\.com/text@five.example/g' "$S/lhost-office365-01.eml" > ndr2.eml
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
# put FILE WHEN: into m1's Graph inbox (CRLF), received at WHEN.
put() { sed 's/\r*$/\r/' "$1" > "$T/put.eml" && m365d_inbox_put "$M365_DIR" m1@sender.example "$T/put.eml" "$2"; }
# Older than lookback_days: never read.
put news.eml 2026-10-01T10:00:00Z
put ndr1.eml 2026-11-20T15:10:00Z
put ndr2.eml 2026-11-20T15:20:00Z
put reply.eml 2026-11-20T16:00:00Z
put unsub.eml 2026-11-20T16:01:00Z

export MAILROTA_NOW=2026-11-20T17:00:00Z
run "$MR" inbox --mailbox m1@sender.example
check "inbox exits 0" 0 "$rc"
check "the summary line" "read 4, bounces 2, replies 1, auto-replies 0, unsubscribes 1, other 0" "$out"
send_of() { q "select s.status || '|' || coalesce(s.smtp_enhanced, '') from sends s join contacts c on c.id = s.contact_id where c.email = '$1'"; }
contact() { q "select status from contacts where email = '$1'"; }
check "an Exchange Online NDR bounces its send with the code" "bounced|5.1.0 bounced" \
    "$(send_of gone@one.example) $(contact gone@one.example)"
check "one without a delivery-status part too" "bounced|5.1.10 bounced" \
    "$(send_of text@five.example) $(contact text@five.example)"
check "a reply: the contact replied" replied "$(contact rep@two.example)"
check "an unsubscribe reply: unsubscribed and suppressed" "unsubscribed unsubscribe-reply" \
    "$(contact unsub@three.example) $(q "select reason from suppressions where value = 'unsub@three.example'")"
check "the source id is the Graph id" "AAMkAGI2TG93AAA=000002" \
    "$(q "select source_id from inbound where status_code = '5.1.0'")"
check "received_at is Graph's receivedDateTime" 2026-11-20T15:10:00Z \
    "$(q "select received_at from inbound where status_code = '5.1.0'")"
check "the cursor: the last receivedDateTime and id" "2026-11-20T16:01:00Z|AAMkAGI2TG93AAA=000005" \
    "$(q "select graph_received_at || '|' || graph_id from inbound_cursors c join mailboxes m on m.id = c.mailbox_id where m.email = 'm1@sender.example'")"
check "the list came in pages (2 a page)" 2 "$(m365d_inbox_requests "$M365_DIR" list 200)"
check "read-only: only GETs, the 4 messages' MIME" 4 "$(m365d_inbox_requests "$M365_DIR" value 200)"
check "no message was sent by reading" 4 "$(m365d_graph_count "$M365_DIR")"

state() { q "select (select count(*) from inbound) || '|' || (select group_concat(status, ',') from (select status from contacts order by email)) || '|' || (select group_concat(status, ',') from (select status from sends order by id)) || '|' || (select count(*) from attempts)"; }
before=$(state)
run "$MR" inbox --mailbox m1@sender.example
check "a second pass reads nothing" "read 0, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other 0" "$out"
check "and changes nothing" "$before" "$(state)"
check "nor fetches a message again" 4 "$(m365d_inbox_requests "$M365_DIR" value 200)"

# kill -9 in the middle of a read: the second message's transaction is
# never committed; the next pass applies it once, the first not again.
sed 's/news-1@/news-2@/' news.eml > news2.eml
sed 's/reply-1@/reply-2@/; s/Ben <rep@two.example>/Ann <gone@one.example>/' reply.eml > reply2.eml
put news2.eml 2026-11-20T17:10:00Z
put reply2.eml 2026-11-20T17:11:00Z
n0=$(q "select count(*) from inbound")
MAILROTA_TEST_CRASH=inbox.uncommitted:2 "$MR" -q inbox --mailbox m1@sender.example >/dev/null 2>&1
check "killed by SIGKILL in the middle of the read" 137 "$?"
check "the first message is recorded, the second is not" "$((n0 + 1)) 2026-11-20T17:10:00Z" \
    "$(q "select count(*) from inbound") $(q "select graph_received_at from inbound_cursors c join mailboxes m on m.id = c.mailbox_id where m.email = 'm1@sender.example'")"
run "$MR" inbox --mailbox m1@sender.example
check "the next pass reads the rest only" "read 1, bounces 0, replies 1, auto-replies 0, unsubscribes 0, other 0" "$out"
check "each message once" "$((n0 + 2)) 1 1" \
    "$(q "select count(*) from inbound") $(q "select count(*) from inbound where message_id = 'news-2@list.example'") $(q "select count(*) from inbound where message_id = 'reply-2@two.example'")"

# A 429 with Retry-After: waited out, then read.
put news.eml 2026-11-20T17:30:00Z
m365d_inbox_script "$M365_DIR" '{"status": 429, "times": 1, "retry_after": 1}'
export MAILROTA_NOW=2026-11-20T18:00:00Z
t0=$(date +%s)
run "$MR" inbox --mailbox m1@sender.example
t1=$(date +%s)
check "after a 429 the pass reads the new message" "read 1, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other 1" "$out"
check "the 429 was answered" 1 "$(m365d_inbox_requests "$M365_DIR" list 429)"
check "Retry-After was honoured (waited >= 1 s)" yes "$([ $((t1 - t0)) -ge 1 ] && echo yes)"
m365d_inbox_script "$M365_DIR" ''

# m3 is outside the application access policy: warned with the fix, the
# others are read.
run "$MR" inbox
check "a mailbox Graph refuses does not stop the pass" 0 "$rc"
check_contains "m3 is warned about" "inbox of m3@sender.example" "$err"
check_contains "with the fix: the access policy" "application access policy" "$err"

# A token without Mail.Read: 403, warned with the fix.
m365d_stop "$M365_DIR"
m365d_start "$M365_DIR" --cert "$T/srv/server.pem" --key "$T/srv/server.key" \
    --port "$M365D_PORT" --roles-graph Mail.Send || exit 1
q "delete from oauth_tokens"
run "$MR" inbox --mailbox m1@sender.example
check "no inbox could be read: 69" 69 "$rc"
check_contains "403 is warned about" "inbox of m1@sender.example" "$err"
check_contains "naming Mail.Read" "Mail.Read" "$err"
check_contains "and the application access policy" "application access policy" "$err"
check_not_contains "no token in the output" "eyJ" "$out$err"
done_testing
