#!/bin/sh
# bench/report.sh - the report benchmark (`BUILD=build sh bench/report.sh`;
# see README.md, "The report benchmark").
#
# Builds, in a temporary directory, a database of BENCH_REPORT_CONTACTS
# (default 100,000) contacts made by bench/gen-contacts.py (fixed seed),
# all enrolled in a 2-step campaign, 10 mailboxes with a cap of 50, a
# company limit of 3, and BENCH_REPORT_DAYS (default 14) days of step-1
# send history (bench/gen-report.py, fixed seed).  Then times, with peak
# RSS:
#   1. `mailrota report --json` (figures and the forecast; goal < 2 s),
#   2. the anchor: the sqlite3 shell running the report's per-mailbox-day
#      aggregation query alone over the same database,
# and prints the ratio and a RESULT line.  A benchmark, not a test: it
# fails only when a step fails, never on slowness.  Nothing touches the
# network; the directory is removed on exit.
set -eu

ROWS=${BENCH_REPORT_CONTACTS:-100000}
DAYS=${BENCH_REPORT_DAYS:-14}

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_posint BENCH_REPORT_CONTACTS "$ROWS"
bench_posint BENCH_REPORT_DAYS "$DAYS"
bench_sqlite3
bench_workdir
unset MAILROTA_CONFIG
cd "$T"
bench_timer
NOW_DAY=2026-11-16
export MAILROTA_NOW=${NOW_DAY}T15:00:00Z

cat > config.yaml <<YAML
database: ./mailrota.db
timezone: America/Chicago
key_file: ./mailrota.key
smtp:
  host: 127.0.0.1
  port: 2525
rules:
  daily_cap: 50
  cooldown_days: 3
  max_contacts_per_company: 3
unsubscribe:
  mailto: unsubscribe@sender.example
YAML
chmod 600 config.yaml
{
    echo "email,display_name,status,daily_cap,auth,password_env"
    i=1
    while [ $i -le 10 ]; do
        echo "m$i@sender.example,Sender $i,cold-ready,50,plain,MR_PW_M$i"
        i=$((i + 1))
    done
} > roster.csv
printf 'Subject: A short note\n\nHi {{first_name|there}}, a short note.\n' > s1.txt
printf 'Hi {{first_name|there}}, a quick follow-up.\n' > s2.txt

echo "bench: $("$MR" --version 2>/dev/null | head -n 1), $("$SQLITE" --version | cut -d' ' -f1-2 | sed 's/^/sqlite3 shell /'), timer: $TIMER"
echo "bench: work directory $T"
echo "bench: generating $ROWS contacts (fixed seed) ..."
"$PY" "$ROOT/bench/gen-contacts.py" "$ROWS" c.csv >/dev/null 2>&1
step() { name=$1; shift; "$@" >"$T/$name.out" 2>"$T/$name.err" || fail "$name"; }
step init env HOME="$T" "$MR" -q init
step roster env HOME="$T" "$MR" -q mailbox import roster.csv
step camp env HOME="$T" "$MR" -q campaign add C --template s1.txt
step step2 env HOME="$T" "$MR" -q campaign step add C --template s2.txt
echo "bench: importing and enrolling ..."
step import env HOME="$T" "$MR" -q import contacts c.csv --campaign C
step history "$PY" "$ROOT/bench/gen-report.py" mailrota.db "$DAYS" "$NOW_DAY"
q() { "$SQLITE" mailrota.db "$1"; }
echo "  database: $(q 'SELECT count(*) FROM enrollments') enrolled, $(q 'SELECT count(DISTINCT company_id) FROM contacts') companies, $(q 'SELECT count(*) FROM sends') sends ($(cat "$T/history.out"))"

echo "bench: mailrota report --json ..."
measure report env HOME="$T" "$MR" report --json || fail report
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["campaigns"][0]["forecast"]; print("  forecast: complete_on %s, waiting at horizon %s, never %s" % (f.get("complete_on"), f.get("waiting_at_horizon"), f.get("never")))' "$T/report.out" ||
    { echo "bench: report --json printed no forecast" >&2; exit 1; }

# The anchor: the per-mailbox-day counts of the report's day table, in
# one query, by the sqlite3 shell over the same database.
echo "bench: sqlite3 per-mailbox-day aggregation ..."
measure anchor "$SQLITE" -bail mailrota.db <<'SQL' || fail anchor
SELECT s.mailbox_id, s.day, SUM(s.status IN ('sent', 'bounced')),
       SUM(s.status = 'bounced'), SUM(s.status = 'deferred')
  FROM sends s WHERE s.day >= date('2026-11-16', '-13 days')
 GROUP BY s.mailbox_id, s.day ORDER BY s.mailbox_id, s.day;
SQL
echo "  anchor: $(wc -l <"$T/anchor.out" | tr -d ' ') mailbox-day rows"

read -r mw mk _ <"$T/report.time"
read -r aw ak _ <"$T/anchor.time"
echo
echo "report over $ROWS enrolled contacts, 10 mailboxes x 50, 2 steps, company limit 3"
printf "%-36s %8s %14s\n" tool "wall s" "peak RSS MiB"
printf "%-36s %8.2f %14.1f\n" "mailrota report --json" "$mw" "$(echo "$mk" | awk '{ print $1 / 1024 }')"
printf "%-36s %8.2f %14.1f\n" "sqlite3 per-mailbox-day query" "$aw" "$(echo "$ak" | awk '{ print $1 / 1024 }')"
awk -v m="$mw" -v k="$mk" -v a="$aw" 'BEGIN {
    r = a > 0 ? m / a : m / 0.01
    printf "RESULT report | mailrota %.2f s, RSS %.1f MiB | anchor %.2f s | ratio %.2fx\n",
           m, k / 1024, a, r
}'
