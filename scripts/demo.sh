#!/bin/sh
# make demo: a demo database from examples/ in build/demo/, a local SMTP
# server on 127.0.0.1 (STARTTLS with a certificate made now, AUTH with a
# password per mailbox), a real `mailrota run` against it, then the send
# log and the status.  Loopback only; the server is stopped at the end.
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
say mailrota run
"$MR" run
say "sqlite3 demo.db 'select at, mailbox, contact, company, status, smtp_code, smtp_text from send_log limit 15'"
sqlite3 -column -header demo.db \
    'select at, mailbox, contact, company, status, smtp_code, smtp_text
       from send_log limit 15'
say mailrota status
"$MR" status
say mailrota -v plan
"$MR" -v plan | tail -n 6
printf '\nThe server stored %s messages in %s/srv/mail/.\n' \
    "$(smtpd_count "$DEMO/srv")" "$DEMO"
printf 'The demo database is %s/demo.db\n' "$DEMO"
