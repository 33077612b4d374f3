#!/bin/sh
# bench/send.sh - the SMTP send benchmark (`BENCH=send make bench`; see
# README.md).
#
# K mailboxes x M messages (BENCH_SEND_MAILBOXES, default 3, and
# BENCH_SEND_PER_MAILBOX, default 334), no pacing, sent into a private
# Postfix on loopback (tests/servers/lib-postfix.sh: STARTTLS required,
# AUTH PLAIN; every recipient domain goes to Postfix's discard transport,
# its queue on tmpfs, so the server is not the bottleneck) by
#   - `mailrota run` (one connection per mailbox: K connections), and
#   - the anchor, build/smtp-anchor (bench/smtp-anchor.c): raw libcurl,
#     one reused connection per thread, the same K, the same CA trust.
# Each runs BENCH_SEND_RUNS times (default 3), mailrota on a fresh
# database each time (on $TMPDIR, a real disk: its fsyncs are measured);
# the figures are medians.  CPU = user + system of the client process.
# BENCH_SEND_WRAP="perf record -g -o F --" (words) runs mailrota under it.
# A benchmark, not a test: it fails only when a step fails.  Needs root
# (Postfix's master); everything stays on 127.0.0.1.
# Last line:
# RESULT send | mailrota N msg/s, N ms CPU/msg | anchor N msg/s, N ms CPU/msg | ratio N.NNx, CPU N.NNx
set -eu

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
NMB=${BENCH_SEND_MAILBOXES:-3}
PER=${BENCH_SEND_PER_MAILBOX:-334}
RUNS=${BENCH_SEND_RUNS:-3}
bench_posint BENCH_SEND_MAILBOXES "$NMB"
bench_posint BENCH_SEND_PER_MAILBOX "$PER"
bench_posint BENCH_SEND_RUNS "$RUNS"
if [ "$NMB" -gt 100 ] || [ "$PER" -gt 10000 ]; then
    echo "bench: at most 100 mailboxes and 10000 messages per mailbox" >&2
    exit 64
fi
N=$((NMB * PER))
NOW=2026-11-20T15:00:00Z

ANCHOR=${ANCHOR:-$BUILD/smtp-anchor}
[ -x "$ANCHOR" ] || {
    echo "bench: no $ANCHOR (make bench builds it)" >&2
    exit 1
}
# shellcheck source=tests/servers/lib-postfix.sh
. "$ROOT/tests/servers/lib-postfix.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/mailrota-bench-send.XXXXXX")
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    P=$(mktemp -d /dev/shm/mailrota-bench-pf.XXXXXX)
else
    P=$T/postfix
fi
cleanup() {
    postfix_stop "$P/pf" >/dev/null 2>&1 || true
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$T" "$P"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
unset MAILROTA_CONFIG MAILROTA_NOW
cd "$T"
bench_timer

# ---- Postfix, users, roster, contacts, the anchor's message
mkdir -p "$P/pf"
: >"$T/users"
echo "email,display_name,status,daily_cap,auth,password_env" >"$T/roster.csv"
i=1
while [ "$i" -le "$NMB" ]; do
    echo "m$i@sender.example:pw-m$i" >>"$T/users"
    echo "m$i@sender.example,Sender $i,cold-ready,,plain,MR_PW_M$i" \
        >>"$T/roster.csv"
    export "MR_PW_M$i=pw-m$i"
    postfix_user "$P/pf" "m$i@sender.example" "pw-m$i" ||
        { echo "bench: saslpasswd2 failed" >&2; exit 1; }
    i=$((i + 1))
done
awk -v n="$N" 'BEGIN {
    print "email,first_name,last_name,company"
    for (i = 1; i <= n; i++)
        printf "c%04d@co%04d.example,First%04d,Last%04d,Company %04d\n",
               i, i, i, i, i
}' >"$T/contacts.csv"
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
    printf "co%04d.example discard:\n", i }' >"$P/pf/transport"
postfix_start "$P/pf" >"$T/postfix.out" 2>&1 || {
    cat "$T/postfix.out" >&2
    exit 1
}
MR_DONE=0

# delivered: how many messages Postfix has discarded so far.
delivered() {
    grep -c 'postfix/discard.*status=sent' "$P/pf/maillog" 2>/dev/null || true
}
# settle WANT: waits (up to 60 s) until Postfix has discarded WANT.
settle() {
    _j=0
    while [ "$(delivered)" -lt "$1" ] && [ $_j -lt 600 ]; do
        sleep 0.1
        _j=$((_j + 1))
    done
    [ "$(delivered)" -ge "$1" ] || {
        echo "bench: Postfix discarded $(delivered) messages, not $1" >&2
        exit 1
    }
}

mr() {
    _d=$1
    shift
    HOME=$_d "$MR" -q -c "$_d/config.yaml" "$@"
}

# world NAME: a mailrota home in $T/NAME: config, database, roster,
# campaign C1 and every contact in it.
world() {
    d=$T/$1
    mkdir -p "$d"
    cat >"$d/config.yaml" <<YAML
database: ./mailrota.db
timezone: UTC
key_file: ./mailrota.key
tls:
  ca_file: $P/pf/ca.pem
smtp:
  host: 127.0.0.1
  port: $POSTFIX_PORT
  security: starttls
  timeout_seconds: 30
rules:
  daily_cap: $PER
  cooldown_days: 10
  max_contacts_per_company: 1000
  min_gap_seconds: 0
  gap_jitter_seconds: 0
  max_per_minute: 10000
YAML
    chmod 600 "$d/config.yaml"
    {
        mr "$d" init &&
        mr "$d" mailbox import "$T/roster.csv" &&
        mr "$d" campaign add C1 --template "$ROOT/templates/intro.txt" &&
        mr "$d" import contacts "$T/contacts.csv" --campaign C1
    } >"$T/world.out" 2>"$T/world.err" || fail world
}

SUMMARY_OK="planned $N, sent $N, deferred 0, bounced 0, failed 0, unknown 0"

mailrota_run() {
    world "mr$1"
    # shellcheck disable=SC2086  # BENCH_SEND_WRAP: words, e.g. a profiler
    measure "mr$1" env HOME="$T/mr$1" MAILROTA_NOW=$NOW \
        ${BENCH_SEND_WRAP:-} "$MR" -c "$T/mr$1/config.yaml" run || fail "mr$1"
    line=$(tail -n 1 "$T/mr$1.out")
    [ "$line" = "$SUMMARY_OK" ] || {
        echo "bench: mailrota run printed '$line'" >&2
        fail "mr$1"
    }
    MR_DONE=$((MR_DONE + N))
    settle "$MR_DONE"
    echo "  mailrota run $1: $(line_of "mr$1")"
    rm -rf "$T/mr$1"
}

anchor_run() {
    measure "an$1" "$ANCHOR" "$POSTFIX_PORT" "$P/pf/ca.pem" "$T/users" \
        "$NMB" "$N" "$T/message.eml" || fail "an$1"
    MR_DONE=$((MR_DONE + N))
    settle "$MR_DONE"
    echo "  anchor run $1: $(line_of "an$1")"
}

# line_of NAME: "W s, R msg/s, C ms CPU/msg" of one run.
line_of() {
    awk -v n="$N" '{ printf "%.2f s, %.0f msg/s, %.3f ms CPU/msg",
        $1, ($1 > 0 ? n / $1 : 0), ($3 + $4) * 1000 / n }' "$T/$1.time"
}

# The anchor sends what mailrota sends: a message of the same shape and
# size (mailrota's first run writes none to disk, Postfix discards).
message() {
    {
        printf 'From: Sender 1 <m1@sender.example>\r\n'
        printf 'To: First0001 Last0001 <c0001@co0001.example>\r\n'
        printf 'Subject: A quick question, First0001\r\n'
        printf 'Date: Fri, 20 Nov 2026 15:00:00 +0000\r\n'
        printf 'Message-ID: <anchor.0001@sender.example>\r\n'
        printf 'MIME-Version: 1.0\r\n'
        printf 'Content-Type: text/plain; charset=utf-8\r\n'
        printf 'Content-Transfer-Encoding: 8bit\r\n\r\n'
        awk 'BEGIN { for (i = 0; i < 12; i++) printf "%s\r\n",
            "Hello First0001, a line of the body of the benchmark message." }'
    } >"$T/message.eml"
}
message

echo "bench: $("$MR" --version 2>/dev/null | head -n 1)," \
     "Postfix $("$POSTFIX_SBIN/postconf" -d -h mail_version 2>/dev/null)," \
     "timer: $TIMER"
echo "bench: $N messages ($NMB connections x $PER), $RUNS runs of each," \
     "Postfix on 127.0.0.1:$POSTFIX_PORT (discard transport)"
i=1
while [ "$i" -le "$RUNS" ]; do
    echo "bench: round $i of $RUNS"
    mailrota_run "$i"
    anchor_run "$i"
    i=$((i + 1))
done

# median PREFIX EXPR: the median over the runs of an awk expression on
# $T/PREFIX{1..RUNS}.time ($1 wall s, $3 user s, $4 sys s).
median() {
    j=1
    while [ "$j" -le "$RUNS" ]; do
        awk -v n="$N" "{ printf \"%.6f\\n\", $2 }" "$T/$1$j.time"
        j=$((j + 1))
    done | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]
              else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
MR_RATE=$(median mr '($1 > 0 ? n / $1 : 0)')
MR_CPU=$(median mr '($3 + $4) * 1000 / n')
AN_RATE=$(median an '($1 > 0 ? n / $1 : 0)')
AN_CPU=$(median an '($3 + $4) * 1000 / n')
echo
echo "send of $N messages over $NMB connections into Postfix," \
     "STARTTLS + AUTH PLAIN, loopback; medians of $RUNS runs"
awk -v mr="$MR_RATE" -v mc="$MR_CPU" -v ar="$AN_RATE" -v ac="$AN_CPU" \
    'BEGIN {
    printf "RESULT send | mailrota %.0f msg/s, %.3f ms CPU/msg |" \
           " anchor %.0f msg/s, %.3f ms CPU/msg | ratio %.2fx, CPU %.2fx\n",
           mr, mc, ar, ac, (ar > 0 ? mr / ar : 0), (ac > 0 ? mc / ac : 0) }'
