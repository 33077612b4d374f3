#!/bin/sh
# Sequences (SPEC "Sequences") over simulated days (MAILROTA_NOW) against
# the SMTP test server, with the private Dovecot for the reply: step 1 to
# four contacts from two mailboxes; step 2 not due before its wait, then
# sent from the same mailbox in the same thread (In-Reply-To, References,
# "Re: " and step 1's subject); a reply placed in the inbox stops step 3
# for that contact; step 3 (its own Subject: line, the cooldown as its
# wait) goes to the others; a mailbox that cannot send holds its threads
# (sender_unavailable); `campaign step add` and `campaign steps`, their
# errors; send_log and mailbox_days show the step; migration 0010 on a
# database with sends.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/runlib.sh"
. "$ROOT/tests/servers/lib-imapd.sh"

D=$T/imap
# Output with runs of spaces squeezed: the columns, one space apart.
sq() { printf '%s\n' "$1" | tr -s ' '; }
setup_world 10 2
trap 'imapd_stop "$D"; smtpd_stop "$T/srv"; cleanup' EXIT
imapd_user "$D" m1@sender.example pw-m1
imapd_user "$D" m2@sender.example pw-m2
imapd_start "$D" || exit 1
cat >> "$T/config.yaml" <<YAML
inbound:
  imap: { host: $IMAPD_HOST, port: $IMAPD_TLS_PORT, security: implicit }
  lookback_days: 14
YAML
cmp -s "$D/ca.pem" "$T/srv/ca.pem" || cat "$D/ca.pem" >> "$T/srv/ca.pem"
set_rule cooldown_days 2

"$MR" -q campaign add C --template "$ROOT/templates/intro.txt"
cat > f2.txt <<'EOF'
Hi {{first_name|there}}, a quick follow-up on my note below.
EOF
cat > f3.txt <<'EOF'
Subject: Last note, {{first_name|there}}

Closing the loop: shall I stop writing?
EOF
run "$MR" campaign step add C --template f2.txt --after-days 3
check "step add: 2, three days after step 1" "0|campaign C: step 2 added (template $T/f2.txt), 3 days after step 1" "$rc|$out"
run "$MR" campaign step add C --template f3.txt
check "step add without --after-days: the cooldown" "0|campaign C: step 3 added (template $T/f3.txt), 2 days after step 2 (rules.cooldown_days)" "$rc|$out"
check "campaign_steps holds them" "2|$T/f2.txt|3 3|$T/f3.txt|" \
    "$(q "select group_concat(step || '|' || template_path || '|' || coalesce(after_days, ''), ' ') from campaign_steps")"

# The errors: each names what is wrong and exits as SPEC says.
run "$MR" campaign step add Nope --template f2.txt
check "an unknown campaign exits 65" 65 "$rc"
check_contains "and says so" "unknown campaign 'Nope'" "$err"
run "$MR" campaign step add C --template missing.txt
check "a missing template exits 66" 66 "$rc"
printf 'Hi {{nickname}}\n' > bad.txt
run "$MR" campaign step add C --template bad.txt
check "a variable no contact has exits 65" 65 "$rc"
check_contains "naming the file, line and variable" "bad.txt:1" "$err"
run "$MR" campaign step add C --template f2.txt --after-days soon
check "a bad --after-days exits 64" 64 "$rc"
run "$MR" campaign step C
check "'campaign step' without add exits 64" 64 "$rc"
run "$MR" campaign step add --help
check "step add --help" 0 "$rc"
check_contains "the help names --after-days" "--after-days" "$out"
run "$MR" campaign steps Nope
check "steps of an unknown campaign exits 65" 65 "$rc"
check "still two follow-ups" 2 "$(q "select count(*) from campaign_steps")"

cat > c.csv <<'CSV'
email,first_name,company
ann@one.example,Ann,One
ben@two.example,Ben,Two
cy@three.example,Cy,Three
di@four.example,Di,Four
CSV
"$MR" -q import contacts c.csv --campaign C

# Day 1: step 1 to everyone, from both mailboxes.
export MAILROTA_NOW=2026-11-02T15:00:00Z
run "$MR" run --no-inbox
check "day 1: step 1 goes out" "planned 4, sent 4, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "two per mailbox" "m1@sender.example 2,m2@sender.example 2" \
    "$(q "select group_concat(mailbox || ' ' || n) from (select m.email mailbox, count(*) n from sends s join mailboxes m on m.id = s.mailbox_id group by m.email order by m.email)")"

# Migration 0010 on a database made before it, holding sends and their
# attempts: each send becomes step 1, nothing is lost or left dangling.
sqlite3 mailrota.db ".backup old.db"
{
    # sends as 0001 to 0009 left it: 0001's table, contact_id nullable and
    # 0008's two columns
    undo_0013_sql
    echo "drop view send_people; drop view send_log; drop view mailbox_days; drop view mailbox_today; drop view inbound_log; drop table campaign_steps;"
    sed -n '/^CREATE TABLE sends (/,/^);/p' "$ROOT/migrations/0001_init.sql" |
        sed -e 's/^CREATE TABLE sends (/CREATE TABLE sends_old (/' \
            -e 's/contact_id      INTEGER NOT NULL REFERENCES/contact_id      INTEGER REFERENCES/' \
            -e 's/^    UNIQUE (campaign_id, contact_id)$/    erased INTEGER, company_id INTEGER, UNIQUE (campaign_id, contact_id)/'
    echo "insert into sends_old select id, run_id, campaign_id, contact_id, mailbox_id, transport, status, attempts, smtp_code, smtp_enhanced, smtp_text, message_id, day, created_at, last_attempt_at, sent_at, retry_after, erased, company_id from sends; drop table sends; alter table sends_old rename to sends;"
    grep '^CREATE INDEX sends_' "$ROOT/migrations/0001_init.sql"
    echo "alter table mailboxes drop column ramp_start; alter table mailboxes drop column ramp_step; alter table contacts drop column timezone; delete from schema_migrations where version >= 10; pragma user_version = 9;"
} | sqlite3 old.db || exit 1
check "the old database has no step" "" "$(sqlite3 old.db "select name from pragma_table_info('sends') where name = 'step'")"
# A row someone left pointing at nothing (sqlite3 by hand, foreign keys
# off): the migration checks only for dangling rows of its own making.
sqlite3 old.db "insert into attempts(send_id, at, stage) values ('no-such-send', '2026-11-01T00:00:00Z', 'data')" || exit 1
run "$MR" --db old.db migrate
check "migrate applies 0010 and 0011" "0" "$rc"
check "its sends are step 1, with their attempts; the old dangling row only" "4|4|5|1" \
    "$(sqlite3 old.db "select count(*), sum(step = 1), (select count(distinct send_id) from attempts), (select count(*) from pragma_foreign_key_check) from sends")"
check "the same rows as before" "$(q "select group_concat(id || status || message_id) from (select * from sends order by id)")" \
    "$(sqlite3 old.db "select group_concat(id || status || message_id) from (select * from sends order by id)")"
check "and the views work" "4|1" "$(sqlite3 old.db "select count(*), min(step) from send_log")"

# Day 2: step 2 waits for its three days (the cooldown, two, ends first).
export MAILROTA_NOW=2026-11-03T15:00:00Z
run "$MR" plan -v
check "day 2: nothing to send" "" "$(printf '%s\n' "$out" | grep '@sender.example')"
check_contains "plan -v: not_due, until step 1 + 3 days" "ben@two.example C not_due 2026-11-05T15:00" "$(sq "$out")"

# Day 4: step 2 from the mailbox of step 1, in the thread.
export MAILROTA_NOW=2026-11-05T16:00:00Z
run "$MR" run --no-inbox
check "day 4: step 2 goes out" "planned 4, sent 4, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "each from the mailbox that sent step 1" 0 \
    "$(q "select count(*) from sends a join sends b on b.campaign_id = a.campaign_id and b.contact_id = a.contact_id and b.step = 2 where a.step = 1 and a.mailbox_id <> b.mailbox_id")"
mid() { q "select s.message_id from sends s join contacts c on c.id = s.contact_id where c.email = '$1' and s.step = $2"; }
# eml MESSAGE-ID: the stored message with that Message-ID, unfolded.
eml() {
    f=$(grep -l "^Message-ID: $1" "$T"/srv/mail/*.eml | head -n 1)
    [ -n "$f" ] && tr -d '\r' < "$f" | awk '/^$/ { exit } { print }' |
        sed -e ':a' -e '$!N;s/\n[ \t]\+/ /;ta' -e 'P;D'
}
hdr2=$(eml "$(mid ben@two.example 2)")
check_contains "In-Reply-To step 1's Message-ID" "In-Reply-To: $(mid ben@two.example 1)" "$hdr2"
check_contains "References step 1's" "References: $(mid ben@two.example 1)" "$hdr2"
check_contains "the subject: Re: step 1's" "Subject: Re: Hiring support for Two" "$hdr2"
check_contains "from the same sender" "m$(q "select substr(m.email, 2, 1) from sends s join mailboxes m on m.id = s.mailbox_id join contacts c on c.id = s.contact_id where c.email = 'ben@two.example' and s.step = 1")@sender.example" \
    "$(printf '%s\n' "$hdr2" | grep '^From:')"
check "send_log shows the step" "2|sent" "$(q "select step || '|' || status from send_log where contact = 'ben@two.example' limit 1")"
check "mailbox_days counts the follow-ups" "4" "$(q "select sum(follow_ups) from mailbox_days")"

# Ann answers step 2; a reply in her sender's inbox ends her sequence.
ann_mb=$(q "select m.email from sends s join mailboxes m on m.id = s.mailbox_id join contacts c on c.id = s.contact_id where c.email = 'ann@one.example' and s.step = 1")
cat > reply.eml <<EOF
From: Ann <ann@one.example>
To: $ann_mb
Subject: Re: Hiring support for One
Message-ID: <ann-reply-1@one.example>
In-Reply-To: $(mid ann@one.example 2)

Yes, let us talk next week.
EOF
sed 's/\r*$/\r/' reply.eml > reply.crlf && imapd_save "$D" "$ann_mb" reply.crlf

# Day 6: a mailbox that cannot send holds its threads.
export MAILROTA_NOW=2026-11-07T17:00:00Z
"$MR" -q mailbox set m2@sender.example --status paused
run "$MR" plan -v
m2_contact=$(q "select c.email from sends s join mailboxes m on m.id = s.mailbox_id join contacts c on c.id = s.contact_id where m.email = 'm2@sender.example' and s.step = 1 and c.email <> 'ann@one.example' limit 1")
check_contains "its threads wait: sender_unavailable" "$m2_contact C sender_unavailable" "$(sq "$out")"
check_not_contains "never from the other mailbox" "m1@sender.example $m2_contact" "$(sq "$out")"
"$MR" -q mailbox set m2@sender.example --status cold-ready

# Step 3: its own subject, both earlier steps in References; not to Ann.
run "$MR" run
check "day 6: step 3 to the three who did not reply" "planned 3, sent 3, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "the reply was read first" "replied" "$(q "select status from contacts where email = 'ann@one.example'")"
check "no step 3 to Ann" 0 "$(q "select count(*) from sends s join contacts c on c.id = s.contact_id where c.email = 'ann@one.example' and s.step = 3")"
hdr3=$(eml "$(mid cy@three.example 3)")
check_contains "step 3's own Subject: line" "Subject: Last note, Cy" "$hdr3"
check_contains "In-Reply-To step 2" "In-Reply-To: $(mid cy@three.example 2)" "$hdr3"
check_contains "References both earlier steps" "References: $(mid cy@three.example 1) $(mid cy@three.example 2)" "$hdr3"
run "$MR" plan -v
check_contains "plan -v: Ann replied" "ann@one.example C replied" "$(sq "$out")"

# Day 9: the sequence is over.
export MAILROTA_NOW=2026-11-10T17:00:00Z
run "$MR" run --no-inbox
check "nothing is left to send" "planned 0, sent 0, deferred 0, bounced 0, failed 0, unknown 0" "$out"
check "one message per contact and step" "11|11" \
    "$(q "select count(*), count(distinct campaign_id || ':' || contact_id || ':' || step) from sends")"
check "the server received 11" 11 "$(ls "$T"/srv/mail/*.eml | wc -l | tr -d ' ')"
run "$MR" campaign steps C
check "campaign steps exits 0" 0 "$rc"
check_contains "step 1: sent 4" "1 $ROOT/templates/intro.txt - 4 0 0" "$(sq "$out")"
check_contains "step 2: sent 4, a reply" "2 $T/f2.txt 3 days 4 0 1" "$(sq "$out")"
check_contains "step 3: sent 3, the cooldown's wait" "3 $T/f3.txt 2 days (cooldown) 3 0 0" "$(sq "$out")"

check_plan_state "at the end"
done_testing
