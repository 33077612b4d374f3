#!/bin/sh
# Mail an erased person sends later (`contact forget`, then `inbox`): it
# is read and counted like any stranger's, but its row keeps neither the
# sender's address nor the subject, and an unsubscribe request from the
# address adds no plain suppression (its sha256: row covers it).  The
# database file holds the address nowhere afterwards.  The private Dovecot
# of tests/servers/lib-imapd.sh, as in t_inbox.sh.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"
. "$ROOT/tests/servers/lib-imapd.sh"

D=$T/imap
setup_world 10 1
trap 'imapd_stop "$D"; smtpd_stop "$T/srv"; cleanup' EXIT
imapd_user "$D" m1@sender.example pw-m1
imapd_start "$D" || exit 1
cat >> "$T/config.yaml" <<YAML
inbound:
  imap: { host: $IMAPD_HOST, port: $IMAPD_TLS_PORT, security: implicit }
  lookback_days: 14
YAML
cmp -s "$D/ca.pem" "$T/srv/ca.pem" || cat "$D/ca.pem" >> "$T/srv/ca.pem"

"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt" || exit 1
printf 'email,first_name,company\nzed@two.example,Zed,Two\nkim@two.example,Kim,Two\n' > c.csv
"$MR" -q import contacts c.csv --campaign C1 || exit 1
export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run --no-inbox
check "both sent" "planned 2, sent 2" "$(echo "$out" | cut -d, -f1-2)"
mid=$(q "select trim(s.message_id, '<>') from sends s join contacts c
         on c.id = s.contact_id where c.email = 'zed@two.example'")
run "$MR" contact forget zed@two.example
check "forget exits 0" 0 "$rc"

put() { sed 's/\r*$/\r/' "$2" > "$T/put.eml" && imapd_save "$D" "$1" "$T/put.eml"; }
cat > reply.eml <<EOF2
From: Zed Zebulon <Zed@Two.example>
To: m1@sender.example
Subject: Re: hello Zed Zebulon
Message-ID: <reply-1@two.example>
In-Reply-To: <$mid>
Date: Fri, 20 Nov 2026 16:00:00 +0000

Sounds good.
EOF2
cat > unsub.eml <<EOF2
From: Zed Zebulon <zed@two.example>
To: m1@sender.example
Subject: Re: hello Zed Zebulon
Message-ID: <unsub-1@two.example>
In-Reply-To: <$mid>
Date: Fri, 20 Nov 2026 16:01:00 +0000

Please remove me from your list.
EOF2
for f in reply unsub; do put m1@sender.example $f.eml; done

export MAILROTA_NOW=2026-11-20T17:00:00Z
run "$MR" inbox
check "inbox exits 0" 0 "$rc"
check "both read" 2 "$(q "select count(*) from inbound")"
check "their rows keep no sender, subject or contact" "0 0 0" \
    "$(q "select count(from_addr) from inbound") $(q "select count(subject) from inbound") $(q "select count(contact_id) from inbound")"
check "no plain suppression of the address" "1 erased" \
    "$(q "select count(*) from suppressions") $(q "select reason from suppressions")"
sqlite3 mailrota.db 'pragma wal_checkpoint(truncate)' >/dev/null
check "the database holds the address nowhere" 0 \
    "$(cat mailrota.db mailrota.db-wal 2>/dev/null | grep -a -i -c -e 'zed@two' -e Zebulon)"

done_testing
