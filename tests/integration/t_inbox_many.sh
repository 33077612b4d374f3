#!/bin/sh
# `inbox` over a mailbox of many messages (the private Dovecot of
# tests/servers/lib-imapd.sh): 1,200 small messages, written straight into
# the Maildir, are all read in one pass and recorded once; a second pass
# reads nothing.  Debian's libcurl 7.88 refuses a command's reply once the
# untagged lines it has counted pass 300 KiB, and counts them more than
# once: a listing of 500 UIDs per UID FETCH failed ("Too large response
# headers") on any mailbox with some 300 new messages, and a UID SEARCH
# whose one "* SEARCH" line passes 300 KiB (some 45,000 UIDs) fails too:
# T_INBOX_MANY_N=60000 checks the search windows (about a minute).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/servers/lib-imapd.sh"

# T_INBOX_MANY_N: more messages by hand (60000 checks the UID SEARCH windows)
N=${T_INBOX_MANY_N:-1200}
D=$T/imap
trap 'imapd_stop "$D"; cleanup' EXIT
imapd_user "$D" m1@sender.example pw-m1
export MR_PW_M1=pw-m1
imapd_start "$D" || exit 1
cat > config.yaml <<YAML
database: ./mailrota.db
timezone: UTC
key_file: ./mailrota.key
tls:
  ca_file: $D/ca.pem
smtp:
  host: 127.0.0.1
  port: 25
inbound:
  imap: { host: $IMAPD_HOST, port: $IMAPD_TLS_PORT, security: implicit }
  lookback_days: 14
YAML
export MAILROTA_CONFIG=$T/config.yaml
"$MR" -q init
printf '%s\n' "email,display_name,status,daily_cap,auth,password_env" \
    "m1@sender.example,Sender,cold-ready,,plain,MR_PW_M1" > roster.csv
"$MR" -q mailbox import roster.csv

# N newsletters in m1's Maildir, received in the day before now.
MD=$D/mail/m1@sender.example
mkdir -p "$MD/cur" "$MD/new" "$MD/tmp"
awk -v n="$N" -v dir="$MD/cur" 'BEGIN {
    for (i = 1; i <= n; i++) {
        f = sprintf("%s/%d.M%dP1.many:2,", dir, 1795190000 + i, i)
        printf "From: News <news@list.example>\nTo: m1@sender.example\n" \
               "Subject: Issue %d\nMessage-ID: <n%d@list.example>\n" \
               "Precedence: bulk\n\nThis week, %d.\n", i, i, i > f
        close(f)
    }
}'
[ "$(id -u)" = 0 ] && chown -R "$(id -u nobody):$(id -g nobody)" "$MD"
export MAILROTA_NOW=2026-11-20T17:00:00Z

run "$MR" inbox
check "inbox exits 0" 0 "$rc"
check "all $N are read in one pass" \
    "read $N, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other $N" "$out"
check "no warning" "" "$err"
check "$N inbound rows, one per message" "$N $N" \
    "$(q "select count(*) || ' ' || count(distinct message_id) from inbound")"
run "$MR" inbox
check "a second pass reads nothing" \
    "0 read 0, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other 0" \
    "$rc $out"
check "and records nothing" "$N" "$(q "select count(*) from inbound")"

done_testing
