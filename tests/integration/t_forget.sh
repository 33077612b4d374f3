#!/bin/sh
# `contact forget EMAIL` (SPEC "Contacts and erasure", issue 14): the
# contact, its fields and enrollments go; its sends, attempts and inbound
# rows stay but lose every value naming the person; a `sha256:` suppression
# (reason `erased`) makes import skip the address ("FILE:LINE: erased on
# DATE").  The company limit still counts the erased person.  Afterwards
# neither the database file nor its WAL holds the address in any case.
# Inbound rows are written with sqlite3 as `inbox` stores them (the reader
# itself is t_inbox.sh's business).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"

setup_world 20 2
"$MR" -q campaign add C1 --template "$ROOT/templates/intro.txt" || exit 1
"$MR" -q campaign add C2 --template "$ROOT/templates/intro.txt" || exit 1
ADDR=hardbob@acme.example          # the person; "hard": the server's 550
cat > c.csv <<'CSV'
email,first_name,last_name,company,title,city
a1@acme.example,Al,One,Acme,CTO,Paris
a2@acme.example,Amy,Two,Acme,CEO,Lyon
a3@acme.example,Abe,Three,Acme,COO,Nice
HardBob@ACME.example,Bob,Zebulon,ACME Inc.,Chief Llama,Springfield
ed@else.example,Ed,Else,Else,Dev,Rome
CSV
"$MR" -q import contacts c.csv --campaign C1 || exit 1
printf 'email,title\nhardbob@acme.example,Chief Yak Shaver\n' > c2.csv
"$MR" -q import contacts c2.csv --campaign C2 || exit 1

export MAILROTA_NOW=2026-11-20T15:00:00Z
run "$MR" run
check "the first night: 4 sent, Bob bounced" \
    "planned 5, sent 4, bounced 1" "$(echo "$out" | cut -d, -f1-2,4)"
check_contains "the 550 quotes the address" "HardBob@acme.example" \
    "$(q "select smtp_text from sends where smtp_code = 550")"
sid=$(q "select s.id from sends s join contacts c on c.id = s.contact_id
         where c.email = '$ADDR' and s.status = 'bounced'")
mb=$(q "select id from mailboxes where email = 'm1@sender.example'")
cid=$(q "select id from contacts where email = '$ADDR'")
# What `inbox` would have stored: his reply, a report naming him, and a
# stranger's message about him; a mailbox error and a suppression too.
q "insert into inbound(mailbox_id, source_id, message_id, received_at,
     from_addr, subject, kind, send_id, contact_id, effect, created_at)
   values ($mb, '1:1', 'r1@acme.example', '2026-11-20T16:00:00Z',
     'HardBob@Acme.Example', 'Re: Hello Bob Zebulon', 'reply', '$sid', $cid,
     'contact hardbob@acme.example replied', '2026-11-20T16:00:00Z');
   insert into inbound(mailbox_id, source_id, received_at, from_addr,
     subject, kind, status_code, diagnostic, send_id, effect, created_at)
   values ($mb, '1:2', '2026-11-20T16:01:00Z', 'MAILER-DAEMON@mx.example',
     'Undelivered Mail', 'bounce', '5.1.1',
     'smtp; 550 5.1.1 <HARDBOB@ACME.EXAMPLE>: unknown', '$sid',
     'send bounced', '2026-11-20T16:01:00Z');
   insert into inbound(mailbox_id, source_id, received_at, from_addr,
     subject, kind, created_at)
   values ($mb, '1:3', '2026-11-20T16:02:00Z', 'boss@else.example',
     'Fwd: about hardbob@acme.example', 'other', '2026-11-20T16:02:00Z');
   update mailboxes set last_error = 'rcpt: 550 <hardbob@acme.example>'
    where id = $mb" || exit 1
"$MR" -q suppress add HardBob@acme.example --reason asked || exit 1

# Acme has 4 people in C1 and Bob replied: a fifth is held back.
printf 'email,company\na5@acme.example,Acme\n' > a5.csv
"$MR" -q import contacts a5.csv --campaign C1 || exit 1
# reason EMAIL: a5's reason word in `plan -v`.
reason() { "$MR" plan -v 2>&1 | awk -v e="$1" '$1 == e { print $3 }'; }
check "before: a5 waits, as Bob replied" company_replied "$(reason a5@acme.example)"

sends_before=$(q "select count(*) from sends")
attempts_before=$(q "select count(*) from attempts")
enrol_before=$(q "select count(*) from enrollments")
capcount=$(q "select count(*) from sends where day = (select day from sends
              where id = '$sid') and mailbox_id = (select mailbox_id from sends
              where id = '$sid')")

# Killed before COMMIT: nothing changed.
MAILROTA_TEST_CRASH=forget.commit "$MR" -q contact forget $ADDR \
    >/dev/null 2>&1
check "killed at forget.commit" 137 "$?"
check "killed: the contact is still there" 1 \
    "$(q "select count(*) from contacts where email = '$ADDR'")"
check "killed: no send anonymised, no suppression" "0 0" \
    "$(q "select count(*) from sends where contact_id is null") $(q "select count(*) from suppressions where reason = 'erased'")"

run "$MR" contact forget hardbob@ACME.EXAMPLE
check "forget exits 0" 0 "$rc"
check "it says what it removed" \
"removed contact hardbob@acme.example, 5 fields, 2 enrollments
anonymised 1 send, 1 attempt, 2 inbound rows; address cut from 6 texts
replaced the suppression of hardbob@acme.example
suppressed sha256:$(printf %s $ADDR | sha256sum | cut -d' ' -f1) (reason erased)" \
    "$out"
check "nothing on stderr" "" "$err"

check "the contact is gone" 0 \
    "$(q "select count(*) from contacts where email = '$ADDR'")"
check "its enrollments are gone" $((enrol_before - 2)) \
    "$(q "select count(*) from enrollments")"
check "sends and attempts stay" "$sends_before $attempts_before" \
    "$(q "select count(*) from sends") $(q "select count(*) from attempts")"
check "the send keeps status, code and company, not the person" \
    "bounced|550||1|1" \
    "$(q "select s.status, s.smtp_code, s.contact_id, s.erased,
                 s.company_id = (select company_id from contacts
                                  where email = 'a1@acme.example')
            from sends s where s.id = '$sid'")"
check_contains "its text names no one" "5.1.1 <[erased]>" \
    "$(q "select smtp_text from sends where id = '$sid'")"
check_contains "nor its attempt's" "5.1.1 <[erased]>" \
    "$(q "select smtp_text from attempts where send_id = '$sid'")"
check "send_log shows it as erased at Acme" "erased|Acme|bounced" \
    "$(q "select contact, company, status from send_log
           where contact not like '%@%'")"
check "the cap still counts it" "$capcount" \
    "$(q "select count(*) from sends where day = (select day from sends
          where id = '$sid') and mailbox_id = (select mailbox_id from sends
          where id = '$sid')")"
check "his reply lost its sender, subject and link, kept its Message-ID" \
    "|||r1@acme.example|contact [erased] replied" \
    "$(q "select from_addr, subject, contact_id, message_id, effect
            from inbound where source_id = '1:1'")"
check "the report lost the address, kept its daemon" \
    "MAILER-DAEMON@mx.example|smtp; 550 5.1.1 <[erased]>: unknown" \
    "$(q "select from_addr, diagnostic from inbound where source_id = '1:2'")"
check "a stranger's subject lost it" "boss@else.example|Fwd: about [erased]" \
    "$(q "select from_addr, subject from inbound where source_id = '1:3'")"
check "the mailbox error lost it" "rcpt: 550 <[erased]>" \
    "$(q "select last_error from mailboxes where id = $mb")"
check "the company stays (others, and the send, count against it)" 1 \
    "$(q "select count(*) from companies where name = 'Acme'")"

hash=sha256:$(printf %s $ADDR | sha256sum | cut -d' ' -f1)
check "one suppression: the hash, reason erased" "$hash|erased" \
    "$(q "select value, reason from suppressions")"
run "$MR" suppress list
check_contains "suppress list shows the hash" "$hash" "$out"
check_not_contains "and never the address" "hardbob" "$(echo "$out" | tr A-Z a-z)"

check "after: Bob's reply still holds his company back" company_replied \
    "$(reason a5@acme.example)"
q "update inbound set kind = 'other' where source_id = '1:1'"
check "and Bob still counts for the company limit" company_limit \
    "$(reason a5@acme.example)"
check "and is not planned" 0 "$("$MR" plan 2>&1 | grep -c a5@acme.example)"

# Not a byte of him left, in the file or the WAL, in any case.
leaks() {
    for f in mailrota.db mailrota.db-wal; do
        [ -f "$f" ] || continue
        for w in hardbob Zebulon Springfield "Yak Shaver" "ACME Inc"; do
            grep -a -i -q -F "$w" "$f" && echo "$f:$w"
        done
    done
}
check "the WAL was emptied" empty "$([ -s mailrota.db-wal ] || echo empty)"
check "no trace in the database file or its WAL" "" "$(leaks)"
sqlite3 mailrota.db 'pragma wal_checkpoint(truncate)' >/dev/null
check "nor after another checkpoint" "" "$(leaks)"
check "nor in a dump" 0 "$(sqlite3 mailrota.db .dump | grep -c -i hardbob)"
check "the database is sound" ok "$(q 'pragma integrity_check')"
check "and its keys too" "" "$(q 'pragma foreign_key_check')"

# Import skips the address, in any spelling, as erased (not a bad row).
export MAILROTA_NOW=2026-11-23T10:00:00Z
run "$MR" import contacts c.csv --campaign C1 --strict
check "re-import with --strict exits 0" 0 "$rc"
check "the erased row is skipped with the date" \
    "c.csv:5: erased on 2026-11-20" "$err"
check "and counted" "imported 0, updated 4, skipped 1" "$out"
check "he is not back" 0 \
    "$(q "select count(*) from contacts where email like 'hardbob%'")"
printf 'email\nbad-address\nHARDBOB@acme.example\n' > bad.csv
run "$MR" import contacts bad.csv --strict
check "--strict still fails on a bad row" 65 "$rc"
check_contains "counting only the bad one" "1 bad row:" "$err"

# Errors.
run "$MR" contact forget $ADDR
check "forgetting him again exits 65" 65 "$rc"
check_contains "saying when he was erased" "erased on 2026-11-20" "$err"
run "$MR" contact forget nobody@acme.example
check "an unknown address exits 65" 65 "$rc"
check_contains "naming it and the fix" \
    "no contact nobody@acme.example in the database: check the spelling" "$err"
run "$MR" contact forget not-an-address
check "not an address exits 65" 65 "$rc"
run "$MR" contact forget
check "no address exits 64" 64 "$rc"
run "$MR" contact forget a1@acme.example a2@acme.example
check "two addresses exit 64" 64 "$rc"
run "$MR" contact forget --help
check "--help exits 0" 0 "$rc"
check_contains "--help says what stays" "sha256:HEX" "$out"
flock mailrota.db.lock sleep 3 &
holder=$!
sleep 0.5
run "$MR" contact forget a1@acme.example
check "while a run holds the lock: exit 75" 75 "$rc"
check_contains "naming the lock" "mailrota.db.lock" "$err"
wait $holder
check "and a1 is still there" 1 \
    "$(q "select count(*) from contacts where email = 'a1@acme.example'")"
run "$MR" -q contact forget a2@acme.example
check "-q: nothing said" "0 " "$rc $out"
check "a second erasure gets a number of its own" "1 2" \
    "$(q "select group_concat(erased, ' ') from (select distinct erased
           from sends where erased is not null order by erased)")"

# Taking the erasure off the list lets the address be imported again.
run "$MR" suppress remove "$hash"
check "suppress remove takes the sha256: row" "0 removed $hash" "$rc $out"
run "$MR" import contacts c.csv
check "then import takes him again (a2, still erased, is skipped)" \
    "c.csv:3: erased on 2026-11-23" "$err"
check "he is back" 1 \
    "$(q "select count(*) from contacts where email = 'HardBob@acme.example'")"

check_plan_state "at the end"
done_testing
