#!/bin/sh
# make demo: a demo database from examples/ in build/demo/, then what a
# user sees of it.  Loopback only; nothing is sent by this version.
set -eu
ROOT=$(pwd)
MR="$ROOT/${BUILD:-build}/mailrota"
DEMO="$ROOT/${BUILD:-build}/demo"
rm -rf "$DEMO"
mkdir -p "$DEMO"
cd "$DEMO"
unset MAILROTA_CONFIG MAILROTA_NOW
cat > config.yaml <<YAML
database: ./demo.db
timezone: America/Chicago
key_file: ./demo.key
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
say mailrota mailbox list
"$MR" mailbox list
say mailrota campaign list
"$MR" campaign list
say "sqlite3 demo.db 'select co.name, count(*) from contacts c left join companies co on co.id = c.company_id group by 1 order by 2 desc'"
sqlite3 -column -header demo.db \
    'select coalesce(co.name, "(free mail)") as company, count(*) as contacts
       from contacts c left join companies co on co.id = c.company_id
      group by 1 order by 2 desc, 1'
printf '\nThe demo database is %s/demo.db\n' "$DEMO"
