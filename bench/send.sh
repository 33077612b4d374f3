#!/bin/sh
# bench/send.sh - the SMTP send benchmark (`BENCH=send make bench`; see
# README.md).
#
# 10 mailboxes x 100 messages, no pacing, sent by `mailrota run` to the
# loopback test SMTP server (tests/servers/smtpd.py: STARTTLS, AUTH PLAIN),
# next to Python's smtplib sending the same bytes to a fresh instance of the
# same server over one connection and over one connection per mailbox.
# Each line runs BENCH_SEND_RUNS times (default 3) on fresh state; the
# table gives the medians.  A benchmark, not a test: it fails only when a
# step fails (or the server did not store every message), never on
# slowness.  Everything stays on 127.0.0.1; the work directories are
# removed on exit.
set -eu

posint() {
    case "$2" in
        '' | *[!0-9]* | 0*)
            echo "bench: $1 must be a positive integer, not '$2'" >&2
            exit 64 ;;
    esac
}
NMB=${BENCH_SEND_MAILBOXES:-10}
PER=${BENCH_SEND_PER_MAILBOX:-100}
RUNS=${BENCH_SEND_RUNS:-3}
posint BENCH_SEND_MAILBOXES "$NMB"
posint BENCH_SEND_PER_MAILBOX "$PER"
posint BENCH_SEND_RUNS "$RUNS"
if [ "$NMB" -gt 1000 ] || [ "$PER" -gt 10000 ]; then
    echo "bench: at most 1000 mailboxes and 10000 messages per mailbox" >&2
    exit 64
fi
N=$((NMB * PER))
# The clock mailrota runs at.  Fixed, so the plan and the Date: headers
# are the same every run.
NOW=2026-11-20T15:00:00Z
# A pause longer than this between two messages the server stored is
# reported as a stall: nothing here paces, so there should be none.
STALL=5

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2034  # read by lib-smtpd.sh
SMTPD_PYTHON=$PY
"$PY" -c 'import aiosmtpd.smtp' >/dev/null 2>&1 || {
    echo "bench: aiosmtpd is not importable by $PY" \
         "(Debian package python3-aiosmtpd; 'make deps' installs it)" >&2
    exit 1
}
command -v openssl >/dev/null 2>&1 ||
    { echo "bench: no openssl (Debian package openssl)" >&2; exit 1; }
# shellcheck source=tests/servers/lib-smtpd.sh
. "$ROOT/tests/servers/lib-smtpd.sh"

# $T: mailrota's homes and databases (a real disk, as in production: its
# fsyncs are part of what is measured).  $S: the servers' directories and
# the 2 files they write per message.  On ext4, creating thousands of
# files just after deleting thousands costs the kernel more and more
# (ext4's inode allocator skips recently deleted inodes), which would make
# the *server* slower from run to run; so $S is on tmpfs when there is one.
T=$(mktemp -d "${TMPDIR:-/tmp}/mailrota-bench-send.XXXXXX")
S=
SERVERS=
cleanup() {
    for d in $SERVERS; do smtpd_stop "$d"; done
    rm -rf "$T"
    [ -z "$S" ] || rm -rf "$S"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ -n "${BENCH_SMTPD_TMPDIR:-}" ]; then
    S=$(mktemp -d "$BENCH_SMTPD_TMPDIR/mailrota-bench-smtpd.XXXXXX")
elif [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
    S=$(mktemp -d /dev/shm/mailrota-bench-smtpd.XXXXXX)
else
    S=$T/servers
    mkdir "$S"
fi
unset MAILROTA_CONFIG MAILROTA_NOW
cd "$T"
bench_timer
TICK=$(getconf CLK_TCK)

# ---- shared inputs: certificate, users, roster, contacts
smtpd_cert "$T/cert" || { echo "bench: smtpd_cert failed" >&2; exit 1; }
: >"$T/users"
echo "email,display_name,status,daily_cap,auth,password_env" >"$T/roster.csv"
i=1
while [ "$i" -le "$NMB" ]; do
    echo "m$i@sender.example:pw-m$i" >>"$T/users"
    echo "m$i@sender.example,Sender $i,cold-ready,,plain,MR_PW_M$i" \
        >>"$T/roster.csv"
    export "MR_PW_M$i=pw-m$i"
    i=$((i + 1))
done
# One contact per company, so no company limit is near.  The local parts
# (c0001@...) start with none of the server's scripted prefixes.
awk -v n="$N" 'BEGIN {
    print "email,first_name,last_name,company"
    for (i = 1; i <= n; i++)
        printf "c%04d@co%04d.example,First%04d,Last%04d,Company %04d\n",
               i, i, i, i, i
}' >"$T/contacts.csv"

# server NAME: a fresh test server in $S/NAME with the shared certificate
# and users; sets SMTPD_PORT and SMTPD_PID.
server() {
    mkdir -p "$S/$1"
    cp "$T/cert/ca.pem" "$T/cert/server.pem" "$T/cert/server.key" \
        "$T/users" "$S/$1/"
    SERVERS="$SERVERS $S/$1"
    smtpd_start "$S/$1" || { echo "bench: the test server did not start" >&2
                             exit 1; }
}

# cpu PID: user + system CPU seconds the process has used so far.
cpu() {
    sed 's/^.*) //' "/proc/$1/stat" |
        awk -v hz="$TICK" '{ printf "%.2f\n", ($12 + $13) / hz }'
}

# mr DIR ARGS...: mailrota with DIR's config and HOME=DIR, quiet.
mr() {
    _d=$1
    shift
    HOME=$_d "$MR" -q -c "$_d/config.yaml" "$@"
}

# world NAME: a mailrota home in $T/NAME talking to a fresh server $S/NAME:
# config, database, key, the roster, campaign C1 and every contact in it.
world() {
    d=$T/$1
    mkdir -p "$d"
    server "$1"
    cat >"$d/config.yaml" <<YAML
database: ./mailrota.db
timezone: UTC
key_file: ./mailrota.key
tls:
  ca_file: $S/$1/ca.pem
smtp:
  host: 127.0.0.1
  port: $SMTPD_PORT
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

# received NAME: stops server $S/NAME, checks it stored N messages, and
# writes the CPU seconds it used during the timed part to $T/NAME.srv.
received() {
    c1=$(cpu "$SMTPD_PID")
    echo "$c1 $(cat "$T/$1.cpu0")" | awk '{ printf "%.2f\n", $1 - $2 }' \
        >"$T/$1.srv"
    smtpd_stop "$S/$1"
    got=$(smtpd_count "$S/$1")
    [ "$got" -eq "$N" ] || {
        echo "bench: $1: the server stored $got messages, not $N" >&2
        exit 1
    }
}

# figures NAME: "W s, client CPU C s, server CPU S s" of one run.
figures() {
    awk -v srv="$(cat "$T/$1.srv")" '{
        printf "%.2f s, client CPU %.2f s, server CPU %.2f s", $1, $3 + $4,
               srv }' "$T/$1.time"
}

SUMMARY_OK="planned $N, sent $N, deferred 0, bounced 0, failed 0, unknown 0"

# mailrota_run I: one `mailrota run` of all N on a fresh world.
mailrota_run() {
    world "mr$1"
    cpu "$SMTPD_PID" >"$T/mr$1.cpu0"
    measure "mr$1" env HOME="$T/mr$1" MAILROTA_NOW=$NOW \
        "$MR" -c "$T/mr$1/config.yaml" run || fail "mr$1"
    line=$(tail -n 1 "$T/mr$1.out")
    [ "$line" = "$SUMMARY_OK" ] || {
        echo "bench: mailrota run printed '$line'" >&2
        fail "mr$1"
    }
    received "mr$1"
    gaps=$("$PY" "$ROOT/bench/mailstats.py" gaps "$S/mr$1/mail")
    echo "  mailrota run $1 ($NMB connections): $(figures "mr$1");" \
         "sent $N, stored $N, $gaps"
    echo "$gaps" | awk -v max="$STALL" '{ if ($6 + 0 > max) exit 1 }' ||
        echo "  NOTE: a stall: nothing was stored for more than $STALL s" \
             "although nothing paces (see README.md)"
}

# python_run NAME I MODE LABEL: smtplib resends what mailrota run 1 sent,
# byte for byte, to a fresh server; checks the stored bytes are the same.
python_run() {
    server "$1$2"
    cpu "$SMTPD_PID" >"$T/$1$2.cpu0"
    measure "$1$2" "$PY" "$ROOT/bench/smtp-client.py" --port "$SMTPD_PORT" \
        --ca "$S/$1$2/ca.pem" --users "$T/users" --mail "$S/mr1/mail" \
        --connections "$3" || fail "$1$2"
    received "$1$2"
    same=$("$PY" "$ROOT/bench/mailstats.py" digest "$S/$1$2/mail")
    [ "$same" = "$DIGEST" ] || {
        echo "bench: $1$2: the server stored other bytes than mailrota sent" \
             "($same, want $DIGEST)" >&2
        exit 1
    }
    rm -rf "$S/$1$2/mail"
    echo "  smtplib $2 ($4): $(figures "$1$2"); stored $N, the bytes" \
         "mailrota sent; it says: $(tail -n 1 "$T/$1$2.out")"
}

VERSIONS=$("$PY" -c 'import sys, aiosmtpd
print("python %d.%d.%d," % sys.version_info[:3],
      "aiosmtpd", aiosmtpd.__version__)')
echo "bench: $("$MR" --version 2>/dev/null | head -n 1), $VERSIONS," \
     "timer: $TIMER"
echo "bench: work directory $T, servers in $S ($(stat -f -c %T "$S"))"
echo "bench: $N messages ($NMB mailboxes x $PER), $RUNS runs of each," \
     "a fresh server and database every run"

i=1
while [ "$i" -le "$RUNS" ]; do
    echo "bench: round $i of $RUNS"
    mailrota_run "$i"
    if [ "$i" -eq 1 ]; then
        DIGEST=$("$PY" "$ROOT/bench/mailstats.py" digest "$S/mr1/mail")
        echo "  message bytes: $(cat "$S"/mr1/mail/*.eml | wc -c |
            tr -d ' ') in $N messages (from mailrota run 1, resent by smtplib)"
    else
        rm -rf "$S/mr$i/mail"
    fi
    python_run py1c "$i" 1 "1 connection"
    python_run pync "$i" per-mailbox "$NMB connections"
    i=$((i + 1))
done

# ---- the table: medians over the runs, column by column
# median PREFIX EXT COL: the median of column COL of $T/PREFIX{1..RUNS}.EXT
median() {
    j=1
    while [ "$j" -le "$RUNS" ]; do
        awk -v c="$3" '{ print $c }' "$T/$1$j.$2"
        j=$((j + 1))
    done | sort -n | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]
              else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# cpu_median PREFIX: the median of user + system of $T/PREFIX{1..RUNS}.time
cpu_median() {
    j=1
    while [ "$j" -le "$RUNS" ]; do
        awk '{ printf "%.2f\n", $3 + $4 }' "$T/$1$j.time"
        j=$((j + 1))
    done | sort -n | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]
              else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
row() {
    awk -v l="$1" -v w="$(median "$2" time 1)" -v k="$(median "$2" time 2)" \
        -v c="$(cpu_median "$2")" -v srv="$(median "$2" srv 1)" \
        -v n="$N" 'BEGIN {
        rate = w > 0 ? sprintf("%.0f", n / w) : "-"
        printf "%-40s %7.2f %8s %11.2f %11.2f %8.1f\n", l, w, rate, c, srv,
               k / 1024 }'
}
echo
echo "send of $N messages, $NMB mailboxes x $PER, no pacing," \
     "STARTTLS + AUTH PLAIN, loopback"
echo "median of $RUNS runs; CPU s = user + system;" \
     "server = tests/servers/smtpd.py"
printf "%-40s %7s %8s %11s %11s %8s\n" client "wall s" "msg/s" "client CPU" \
    "server CPU" "RSS MiB"
row "mailrota run ($NMB parallel connections)" mr
row "python smtplib, 1 connection" py1c
row "python smtplib, $NMB connections" pync
