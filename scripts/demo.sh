#!/bin/sh
# make demo: a demo database from examples/ in build/demo/, a local SMTP
# server on 127.0.0.1 (STARTTLS with a certificate made now, AUTH with a
# password per mailbox), a two-step campaign run over two simulated days
# (MAILROTA_NOW): step 1 on day 1, step 2 in the same thread on day 4;
# then the send log and the status.  Loopback only; the server is stopped
# at the end.
set -eu
ROOT=$(pwd)
export ROOT
MR="$ROOT/${BUILD:-build}/mailrota"
DEMO="$ROOT/${BUILD:-build}/demo"
rm -rf "$DEMO"
mkdir -p "$DEMO/srv"
cd "$DEMO"
unset MAILROTA_CONFIG MAILROTA_NOW
. "$ROOT/tests/servers/lib-smtpd.sh"

# The example roster reads passwords from MAILROTA_PW_<NAME>: give each
# mailbox one, and the server the same list.
for email in $(tail -n +2 "$ROOT/examples/mailboxes.csv" | cut -d, -f1); do
    name=$(echo "${email%@*}" | tr 'a-z' 'A-Z')
    pw="demo-$name-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
    echo "$email:$pw" >> srv/users
    export "MAILROTA_PW_$name=$pw"
done
trap 'smtpd_stop "$DEMO/srv"' EXIT
smtpd_start "$DEMO/srv" >/dev/null
cat > config.yaml <<YAML
database: ./demo.db
timezone: America/Chicago
key_file: ./demo.key
tls:
  ca_file: ./srv/ca.pem          # the demo server's certificate authority
smtp:
  host: 127.0.0.1
  port: $SMTPD_PORT
rules:
  max_per_minute: 1000
  cooldown_days: 2               # short: step 2 (3 days on) goes on day 4
unsubscribe:
  mailto: unsubscribe@exzelon.example
YAML
chmod 600 config.yaml

say() { printf '\n$ %s\n' "$*"; }
say mailrota init
"$MR" init
say mailrota campaign add Intro --template templates/intro.txt
"$MR" campaign add Intro --template "$ROOT/templates/intro.txt"
say mailrota import contacts examples/contacts.csv --campaign Intro
"$MR" import contacts "$ROOT/examples/contacts.csv" --campaign Intro
say mailrota mailbox import examples/mailboxes.csv
"$MR" mailbox import "$ROOT/examples/mailboxes.csv"
say mailrota campaign step add Intro --template templates/follow-up.txt --after-days 3
"$MR" campaign step add Intro --template "$ROOT/templates/follow-up.txt" \
    --after-days 3
export MAILROTA_NOW=2026-12-01T14:00:00Z
say "MAILROTA_NOW=$MAILROTA_NOW mailrota run      # day 1, 08:00 in Chicago"
"$MR" run
say "sqlite3 demo.db 'select at, mailbox, contact, company, step, status, smtp_code, smtp_text from send_log limit 5'"
sqlite3 -column -header demo.db \
    'select at, mailbox, contact, company, step, status, smtp_code, smtp_text
       from send_log limit 5'
export MAILROTA_NOW=2026-12-02T14:00:00Z
say "MAILROTA_NOW=$MAILROTA_NOW mailrota -v plan  # day 2: step 2 waits"
"$MR" -v plan | head -n 6
export MAILROTA_NOW=2026-12-04T14:00:00Z
say "MAILROTA_NOW=$MAILROTA_NOW mailrota run      # day 4: step 2"
"$MR" run
say "sqlite3 demo.db 'select at, mailbox, contact, step, status from send_log where step = 2 limit 5'"
sqlite3 -column -header demo.db \
    'select at, mailbox, contact, step, status from send_log
      where step = 2 limit 5'
mid=$(sqlite3 demo.db "select message_id from sends where step = 2 limit 1")
say "the headers of one step-2 message ($mid)"
grep -l "^Message-ID: $mid" srv/mail/*.eml | head -n 1 | xargs cat |
    tr -d '\r' | grep -E '^(From|To|Subject|Message-ID|In-Reply-To|References):'
say mailrota campaign steps Intro
"$MR" campaign steps Intro
say mailrota status
"$MR" status
say mailrota -v plan
"$MR" -v plan | tail -n 6
say mailrota report --html report.html
"$MR" report --html "$DEMO/report.html"
if command -v chromium >/dev/null 2>&1 &&
    chromium --headless --no-sandbox --disable-gpu --window-size=1280,800 \
        --screenshot="$DEMO/report.png" "file://$DEMO/report.html" \
        >/dev/null 2>&1 && [ -s "$DEMO/report.png" ]; then
    printf 'The report is %s/report.html, its screenshot %s/report.png\n' \
        "$DEMO" "$DEMO"
else
    printf 'The report is %s/report.html (skipped the PNG: chromium is not '\
'available)\n' "$DEMO"
fi
printf '\nThe server stored %s messages in %s/srv/mail/.\n' \
    "$(smtpd_count "$DEMO/srv")" "$DEMO"
printf 'The demo database is %s/demo.db\n' "$DEMO"
