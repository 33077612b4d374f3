#!/bin/sh
# bench/inbox.sh - the inbox benchmark (`BENCH=inbox make bench`; see
# README.md).
#
# BENCH_INBOX_MSGS (default 10,000) generated messages -- delivery
# reports, auto-replies, replies, unsubscribes, newsletters -- in one
# mailbox of a private Dovecot (tests/servers/lib-imapd.sh), read by
# `mailrota inbox` twice: pass 1 (all new: msg/s, peak RSS) and pass 2
# (nothing new: wall time).  Next to it, in the same run and against the
# same mailbox, bench/imap-reader.py: Python's imaplib fetching every
# message over one TLS connection and parsing each with the email
# package.  A benchmark, not a test: it fails only when a step fails or a
# check of what was done does not hold, never on slowness.  Everything
# stays on loopback; the work directory is removed on exit.
set -eu

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
N=${BENCH_INBOX_MSGS:-10000}
bench_posint BENCH_INBOX_MSGS "$N"
[ "$N" -le 200000 ] ||
    { echo "bench: at most 200000 messages (BENCH_INBOX_MSGS)" >&2; exit 64; }
# Contacts sent to: the messages refer to these sends.
NC=$(( (N * 6 + 9) / 10 ))
# The clock mailrota runs at; the messages arrived in the 3 days before.
NOW=2026-11-20T17:00:00Z
NOW_EPOCH=1795194000
# The issue's goals.
GOAL_RATE=500
GOAL_RSS_MIB=32
GOAL_PASS2_S=1
USER=m1@sender.example

command -v openssl >/dev/null 2>&1 ||
    { echo "bench: no openssl (Debian package openssl)" >&2; exit 1; }
# shellcheck source=tests/servers/lib-imapd.sh
. "$ROOT/tests/servers/lib-imapd.sh"
# shellcheck disable=SC2034  # read by lib-imapd.sh
IMAPD_PYTHON=$PY

T=$(mktemp -d "${TMPDIR:-/tmp}/mailrota-bench-inbox.XXXXXX")
D=$T/imap
# set +e: imapd_stop reads /proc, where a process can vanish between the
# listing and the read; under set -e that ended the trap before Dovecot
# was stopped.
cleanup() {
    set +e
    imapd_stop "$D"
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
unset MAILROTA_CONFIG MAILROTA_NOW
cd "$T"
bench_timer

# ---- the server
imapd_user "$D" "$USER" pw-m1
export MR_PW_M1=pw-m1
( imapd_start "$D" ) >"$T/imapd.out" 2>&1 || {
    rc=$?
    cat "$T/imapd.out" >&2
    [ "$rc" -eq 77 ] && echo "bench: the inbox benchmark needs Dovecot" \
        "(Debian package dovecot-imapd; 'make deps')" >&2
    exit 1
}
# imapd_start ran in a subshell (its exit 77 must not end this script
# silently): read the address and port it chose.
IMAPD_HOST=$(grep -m1 '^listen = ' "$D/dovecot.conf" | sed 's/^listen = //')
IMAPD_TLS_PORT=$(awk '/inet_listener imaps/ { f = 1 }
    f && /port = / { print $3; exit }' "$D/dovecot.conf")

# ---- mailrota's home: config, database, the sender, contacts, campaign
cat >"$T/config.yaml" <<YAML
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
chmod 600 "$T/config.yaml"
cat >"$T/roster.csv" <<CSV
email,display_name,status,daily_cap,auth,password_env
$USER,Sender,cold-ready,,plain,MR_PW_M1
CSV
awk -v n="$NC" 'BEGIN {
    print "email,first_name,last_name,company"
    for (i = 1; i <= n; i++)
        printf "c%05d@co%05d.example,First%05d,Last%05d,Company %05d\n",
               i, i, i, i, i
}' >"$T/contacts.csv"
mr() { HOME=$T "$MR" -q -c "$T/config.yaml" "$@"; }
{
    mr init &&
    mr mailbox import "$T/roster.csv" &&
    mr campaign add C1 --template "$ROOT/templates/intro.txt" &&
    mr import contacts "$T/contacts.csv" --campaign C1
} >"$T/world.out" 2>"$T/world.err" || fail world

# ---- the mail: sends in the database, messages in the Maildir, indexed
MD=$D/mail/$USER
"$PY" "$ROOT/bench/gen-inbox.py" "$N" "$T/mailrota.db" "$MD" "$USER" \
    "$NOW_EPOCH" >"$T/gen.out" 2>"$T/gen.err" || fail gen
[ "$(id -u)" = 0 ] && chown -R "$(id -u nobody):$(id -g nobody)" "$MD"
# Dovecot indexes the new files now (UIDs, sizes), outside the timing.
got=$("$IMAPD_DOVEADM" -c "$D/dovecot.conf" mailbox status -u "$USER" \
    messages INBOX 2>"$T/index.err" | sed -n 's/.*messages=\([0-9]*\).*/\1/p')
[ "$got" = "$N" ] || {
    echo "bench: Dovecot sees '$got' messages in INBOX, not $N" >&2
    fail index
}
BYTES=$(awk '{ print $5 }' "$T/gen.out")

echo "bench: $("$MR" --version 2>/dev/null | head -n 1)," \
     "$("$IMAPD_DOVECOT" --version 2>/dev/null | head -n 1 |
        sed 's/^/dovecot /; s/ (.*//'), python" \
     "$("$PY" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')," \
     "timer: $TIMER"
echo "bench: work directory $T; $N messages, $BYTES bytes" \
     "($(awk -v b="$BYTES" -v n="$N" 'BEGIN { printf "%.1f", b / n / 1024 }')" \
     "KiB average) in one Dovecot INBOX over IMAPS on $IMAPD_HOST;" \
     "$NC contacts sent to"

# ---- pass 1 and 2: mailrota inbox
# inbox NAME [WRAPPER...]: one timed `mailrota inbox`; prints its last line.
inbox() {
    _n=$1
    shift
    measure "$_n" env HOME="$T" MAILROTA_NOW=$NOW \
        "$@" "$MR" -c "$T/config.yaml" inbox || fail "$_n"
    tail -n 1 "$T/$_n.out"
}
q() { sqlite3 "$T/mailrota.db" "$1" 2>/dev/null ||
      "$PY" -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]): print(*r, sep="|")' \
          "$T/mailrota.db" "$1"; }

# shellcheck disable=SC2086  # BENCH_INBOX_WRAP is a command and arguments
line1=$(inbox pass1 ${BENCH_INBOX_WRAP:-})
case "$line1" in
    "read $N, bounces "*) ;;
    *) echo "bench: pass 1 printed '$line1', not 'read $N, ...'" >&2
       fail pass1 ;;
esac
sum=$(echo "$line1" | tr -c '0-9\n' ' ' |
      awk '{ print $2 + $3 + $4 + $5 + $6 }')
[ "$sum" = "$N" ] || {
    echo "bench: pass 1's counts add up to $sum, not $N: '$line1'" >&2
    exit 1
}
rows=$(q "select count(*) from inbound")
[ "$rows" = "$N" ] || {
    echo "bench: the inbound table has $rows rows after pass 1, not $N" >&2
    exit 1
}
matched=$(q "select count(*) from inbound where send_id is not null")
line2=$(inbox pass2)
case "$line2" in
    "read 0, bounces 0, replies 0, auto-replies 0, unsubscribes 0, other 0") ;;
    *) echo "bench: pass 2 printed '$line2', not 'read 0, ...'" >&2
       fail pass2 ;;
esac
rows=$(q "select count(*) from inbound")
[ "$rows" = "$N" ] || {
    echo "bench: the inbound table has $rows rows after pass 2, not $N" >&2
    exit 1
}

# ---- the anchor: imaplib + email over the same mailbox
measure anchor "$PY" "$ROOT/bench/imap-reader.py" "$IMAPD_HOST" \
    "$IMAPD_TLS_PORT" "$D/ca.pem" "$USER" MR_PW_M1 || fail anchor
aline=$(tail -n 1 "$T/anchor.out")
case "$aline" in
    "read $N messages, "*) ;;
    *) echo "bench: the anchor printed '$aline', not 'read $N messages," \
            "...'" >&2
       fail anchor ;;
esac

# ---- the table
echo "  mailrota pass 1: $line1"
echo "  mailrota: $matched of $N matched to a send"
echo "  mailrota pass 2: $line2"
echo "  anchor (imaplib + email): $aline"
awk -v n="$N" -v gr="$GOAL_RATE" -v gm="$GOAL_RSS_MIB" -v g2="$GOAL_PASS2_S" \
    -v p1="$(cat "$T/pass1.time")" -v p2="$(cat "$T/pass2.time")" \
    -v an="$(cat "$T/anchor.time")" 'BEGIN {
    split(p1, a, " "); split(p2, b, " "); split(an, c, " ")
    r1 = (a[1] > 0 ? n / a[1] : 0); rc = (c[1] > 0 ? n / c[1] : 0)
    m1 = a[2] / 1024; mc = c[2] / 1024
    printf "\ninbox pass 1: mailrota %.0f msg/s, RSS %.1f MiB | anchor %.0f" \
           " msg/s, RSS %.1f MiB | ratio %.2fx\n", r1, m1, rc, mc,
           (rc > 0 ? r1 / rc : 0)
    printf "  wall s: mailrota %.2f (CPU %.2f) | anchor %.2f (CPU %.2f)\n",
           a[1], a[3] + a[4], c[1], c[3] + c[4]
    printf "inbox pass 2 (nothing new): %.2f s, RSS %.1f MiB\n", b[1],
           b[2] / 1024
    printf "goals: >= %d msg/s %s; RSS < %d MiB %s; pass 2 < %d s %s\n",
           gr, (r1 >= gr ? "met" : "NOT met"), gm,
           (m1 < gm ? "met" : "NOT met"), g2, (b[1] < g2 ? "met" : "NOT met")
    printf "\nRESULT inbox | mailrota %.0f msg/s, RSS %.1f MiB | anchor" \
           " %.0f msg/s, RSS %.1f MiB | ratio %.2fx\n", r1, m1, rc, mc,
           (rc > 0 ? r1 / rc : 0)
    printf "RESULT inbox pass 2 | mailrota %.2f s, RSS %.1f MiB\n", b[1],
           b[2] / 1024
}'
