#!/bin/sh
# init and migrate: idempotent, key file mode 0600, WAL, schema recorded.
. "$(dirname "$0")/lib.sh"

umask 022
run "$MR" init
check "init exits 0" 0 "$rc"
check "database created" yes "$([ -f mailrota.db ] && echo yes)"
check "key file mode 0600" 600 "$(stat -c %a mailrota.key)"
check "database mode 0600, whatever the umask" 600 "$(stat -c %a mailrota.db)"
# SQLite gives -wal and -shm the database's mode: look while a session
# holds them open.
{ echo 'begin immediate; create table t(x);'; sleep 1; echo 'rollback;'; } |
    sqlite3 mailrota.db &
sleep 0.5
check "its -wal and -shm too" "600 600" "$(stat -c %a mailrota.db-wal mailrota.db-shm 2>&1 | tr '\n' ' ' | sed 's/ $//')"
wait
check "key file has 32 bytes" 32 "$(stat -c %s mailrota.key)"
check "WAL mode" wal "$(q 'pragma journal_mode')"
check "migration recorded" 1 "$(q 'select count(*) from schema_migrations where version = 1')"
# the highest number, not the count: a branch may hold 0008 before 0007
nmig=$(ls "$ROOT"/migrations/*.sql | sed -n '$s|.*/0*\([0-9]*\)_[^/]*$|\1|p')
check "user_version is the newest migration" "$nmig" "$(q 'pragma user_version')"
for t in mailboxes companies contacts campaigns enrollments sends attempts runs oauth_tokens \
         suppressions schema_migrations; do
    check "table $t exists" 1 "$(q "select count(*) from sqlite_master where type='table' and name='$t'")"
done
for v in send_log mailbox_days mailbox_today; do
    check "view $v exists" 1 "$(q "select count(*) from sqlite_master where type='view' and name='$v'")"
done
check "send_log columns" "at|mailbox|contact|company|campaign|status|attempts|smtp_code|smtp_enhanced|smtp_text|transport|message_id" \
    "$(q "select group_concat(name, '|') from pragma_table_info('send_log')")"
check "mailbox_today columns" "mailbox|status|day|sent_today|daily_cap|remaining" \
    "$(q "select group_concat(name, '|') from pragma_table_info('mailbox_today')")"
check "mailbox_days columns" "mailbox|day|sent|bounced|deferred|failed|unknown" \
    "$(q "select group_concat(name, '|') from pragma_table_info('mailbox_days')")"

key_before=$(od -An -tx1 mailrota.key)
run "$MR" init
check "second init exits 0" 0 "$rc"
check "second init keeps the key" "$key_before" "$(od -An -tx1 mailrota.key)"
check "second init applies nothing" "$(ls "$ROOT"/migrations/*.sql | wc -l)" "$(q 'select count(*) from schema_migrations')"
run "$MR" migrate
check "migrate on a current database exits 0" 0 "$rc"
check_contains "migrate says none applied" "0 migrations applied" "$out"

chmod 644 mailrota.key
run "$MR" init
check "init with a readable key file exits 78" 78 "$rc"
check_contains "the message says chmod 600" "chmod 600" "$err"
chmod 600 mailrota.key

mkdir ro && chmod 555 ro
if [ "$(id -u)" != 0 ]; then
    run "$MR" --db ro/x.db init
    check "unwritable database directory exits 73" 73 "$rc"
fi
run "$MR" --db nodir/sub/x.db init
check "missing database directory exits 73" 73 "$rc"
: > afile
run "$MR" --db afile/x.db init
check "a file where the database's folder should be exits 73" 73 "$rc"
check_contains "and says so" "afile/x.db': a folder on its path is a file" "$err"
run "$MR" --db afile/x.db status
check "other commands call that database missing (66)" 66 "$rc"
printf 'key_file: afile/k.key\n' > keyunderfile.yaml
run "$MR" -c keyunderfile.yaml --db k.db init
check "a file where the key file's folder should be exits 73" 73 "$rc"

# The key file lost: init makes no new key that would orphan the stored
# passwords; cached OAuth tokens are only a cache and are dropped.
mkdir lost && cd lost || exit 1
"$MR" -q init || exit 1
printf 'pw-one\n' | "$MR" -q mailbox add one@sender.example --name One --password-stdin
printf 'pw-two\n' | "$MR" -q mailbox add two@sender.example --name Two --password-stdin
"$MR" -q mailbox add three@sender.example --name Three --password-env MR_PW_THREE
mv mailrota.key ../lost.key
run "$MR" init
check "init with stored passwords and no key file exits 78" 78 "$rc"
check_contains "it names the mailboxes that hold them" "one@sender.example, two@sender.example" "$err"
check_not_contains "and only those" "three@" "$err"
check_contains "it says how to restore the key" "restore the key file" "$err"
check_contains "or re-enter them" "mailbox set EMAIL --password-stdin" "$err"
check "it made no key file" no "$([ -e mailrota.key ] && echo yes || echo no)"
mv ../lost.key mailrota.key
run "$MR" init
check "with the key restored, init exits 0" 0 "$rc"
sqlite3 mailrota.db "insert into oauth_tokens values ('t', 'c', 's', 'v1:AAAA', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
rm mailrota.key
sqlite3 mailrota.db "update mailboxes set secret = null where secret is not null"
run "$MR" init
check "passwords cleared, init makes a new key" "0 yes" "$rc $([ -f mailrota.key ] && echo yes)"
check "and drops the tokens the old key sealed" 0 "$(q 'select count(*) from oauth_tokens')"
check_contains "saying so" "dropped 1 cached OAuth token" "$out"
cd "$T" || exit 1

# --db and a config in another directory: relative paths follow the config.
mkdir -p cfg
printf 'database: data.db\nkey_file: secret.key\n' > cfg/config.yaml
run "$MR" -c cfg/config.yaml init
check "config-relative init exits 0" 0 "$rc"
check "database relative to the config" yes "$([ -f cfg/data.db ] && echo yes)"
check "key file relative to the config" yes "$([ -f cfg/secret.key ] && echo yes)"
MAILROTA_CONFIG=cfg/config.yaml run "$MR" mailbox list
check "MAILROTA_CONFIG is used" 0 "$rc"
MAILROTA_CONFIG=cfg/missing.yaml run "$MR" mailbox list
check "a missing MAILROTA_CONFIG exits 78" 78 "$rc"

# A migration half applied is rolled back: simulate with a conflicting table.
rm -f half.db
sqlite3 half.db 'create table runs(x)'
run "$MR" --db half.db migrate
check "a failing migration exits non-zero" 70 "$rc"
check "it leaves no schema_migrations row" 0 "$(DB=half.db q 'select count(*) from schema_migrations')"
check "and no table from the failed migration" 0 "$(DB=half.db q "select count(*) from sqlite_master where name='mailboxes'")"

done_testing
