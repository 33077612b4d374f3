#!/bin/sh
# The roster: add, duplicates, set, import, list --json, stored passwords.
. "$(dirname "$0")/lib.sh"

"$MR" -q init || exit 1

run "$MR" mailbox add Brian@Exzelon.example --name "Brian from Exzelon"
check "mailbox add exits 0" 0 "$rc"
check "defaults: cold-ready, plain, no own cap" "cold-ready|plain||none" \
    "$(q "select status, auth, daily_cap, fallback from mailboxes")"
run "$MR" mailbox add brian@exzelon.example --name "Again"
check "duplicate (any case) exits 65" 65 "$rc"
check_contains "duplicate is named" "brian@exzelon.example" "$err"
run "$MR" mailbox add bad-address --name X
check "invalid address exits 64" 64 "$rc"
run "$MR" mailbox add x@exzelon.example --name X --status sending-ish
check "unknown status exits 64" 64 "$rc"
run "$MR" mailbox add x@exzelon.example --name X --auth kerberos
check "unknown auth exits 64" 64 "$rc"
run "$MR" mailbox add x@exzelon.example --name X --password-env A --password-cmd b
check "two password sources exit 64" 64 "$rc"
# Control characters in a display name, C1 (U+0085 NEXT LINE) included:
# a mail client may show any of them as a line break in From.
for n in "$(printf 'A\r\nBcc: x@evil.example')" "$(printf 'A\tB')" "$(printf 'A\302\205B')"; do
    run "$MR" mailbox add x@exzelon.example --name "$n"
    check "a control character in --name exits 64" 64 "$rc"
done
check_contains "and the display name is blamed" "display name contains control" "$err"
printf 'email,display_name\nx@exzelon.example,"A\302\205B"\n' > c1.csv
run "$MR" mailbox import c1.csv
check "a C1 control in a roster name exits 65" 65 "$rc"
check_contains "naming file and line" "c1.csv:2: display name contains control" "$err"
check "nothing added on errors" 1 "$(q 'select count(*) from mailboxes')"

run "$MR" mailbox add admin@exzelon.example --name "Admin" --status admin --daily-cap 0 --auth login --password-env ADMIN_PW
check "add with options" "admin|0|login|ADMIN_PW" "$(q "select status, daily_cap, auth, password_env from mailboxes where email = 'admin@exzelon.example'")"
check_contains "unset password variable warned" "ADMIN_PW" "$err"

run "$MR" mailbox set brian@exzelon.example --daily-cap 25 --status paused --fallback graph
check "set exits 0" 0 "$rc"
check "set changes fields" "paused|25|graph|Brian from Exzelon" "$(q "select status, daily_cap, fallback, display_name from mailboxes where email like 'brian%'")"
run "$MR" mailbox set nobody@exzelon.example --status paused
check "set on an unknown mailbox exits 65" 65 "$rc"

# --password-stdin: stored encrypted, never in the database bytes.
PW='correct horse battery staple 7'
printf '%s\n' "$PW" > pw.txt
run "$MR" mailbox set brian@exzelon.example --password-stdin < pw.txt
check "password-stdin exits 0" 0 "$rc"
check_not_contains "password not printed" "horse" "$out$err"
check "secret stored as ciphertext" "v1:" "$(q "select substr(secret, 1, 3) from mailboxes where email like 'brian%'")"
sqlite3 mailrota.db 'pragma wal_checkpoint(truncate)' >/dev/null
for f in mailrota.db mailrota.db-wal; do
    [ -f "$f" ] || continue
    if grep -a -q -e 'correcthorse' -e 'horse battery' "$f"; then
        not_ok "password absent from $f bytes"
    else
        ok "password absent from $f bytes"
    fi
done
run "$MR" mailbox list
check_contains "list shows a stored password as 'stored'" "stored" "$out"
check_not_contains "list never shows the password" "horse" "$out"
check_not_contains "list never shows ciphertext" "v1:" "$out"

run "$MR" mailbox set brian@exzelon.example --password-env BRIAN_PW
check "switching source clears the stored secret" "|BRIAN_PW|" "$(q "select coalesce(secret, ''), password_env, coalesce(password_cmd, '') from mailboxes where email like 'brian%'" | tr -d '\n' | sed 's/^|/|/')"

chmod 640 mailrota.key
run "$MR" mailbox set brian@exzelon.example --password-stdin < pw.txt
check "readable key file refused with 78" 78 "$rc"
check_contains "refusal says chmod 600" "chmod 600" "$err"
chmod 600 mailrota.key

# A fix clears the mailbox's last error: new credentials, another auth, or
# cold-ready again.  Other changes keep it.
le() { q "select status || '|' || coalesce(last_error, '-') || '|' || coalesce(last_error_at, '-') from mailboxes where email like 'brian%'"; }
fail_brian() {
    q "update mailboxes set status = 'auth-failed', last_error = 'auth: 535 5.7.139 Authentication unsuccessful', last_error_at = '2026-11-20T02:00:00Z' where email like 'brian%'"
}
old_err="auth: 535 5.7.139 Authentication unsuccessful|2026-11-20T02:00:00Z"
fail_brian
"$MR" -q mailbox set brian@exzelon.example --name "Brian B" --daily-cap 20
check "a new name or cap keeps last_error" "auth-failed|$old_err" "$(le)"
"$MR" -q mailbox set brian@exzelon.example --password-env BRIAN_PW
check "the same password source again keeps it" "auth-failed|$old_err" "$(le)"
"$MR" -q mailbox set brian@exzelon.example --status paused
check "another status than cold-ready keeps it" "paused|$old_err" "$(le)"
fail_brian
"$MR" -q mailbox set brian@exzelon.example --password-env BRIAN_PW_NEW
check "a new password variable clears it (the status waits for mailbox test)" "auth-failed|-|-" "$(le)"
fail_brian
"$MR" -q mailbox set brian@exzelon.example --password-stdin < pw.txt
check "a newly stored password clears it" "auth-failed|-|-" "$(le)"
fail_brian
"$MR" -q mailbox set brian@exzelon.example --password-cmd 'pass show brian'
check "a password command clears it" "auth-failed|-|-" "$(le)"
fail_brian
"$MR" -q mailbox set brian@exzelon.example --auth login
check "another auth clears it" "auth-failed|-|-" "$(le)"
fail_brian
"$MR" -q mailbox set brian@exzelon.example --status cold-ready
check "cold-ready again clears it" "cold-ready|-|-" "$(le)"
"$MR" -q mailbox set brian@exzelon.example --name "Brian from Exzelon" --auth plain --password-env BRIAN_PW

# mailbox import: the example roster.
run "$MR" mailbox import "$ROOT/examples/mailboxes.csv"
check "roster import exits 0" 0 "$rc"
check "roster import adds new and updates known" "added 9, updated 2" "$out"
check "ten cold-ready senders" 10 "$(q "select count(*) from mailboxes where status = 'cold-ready'")"
check "one admin in the roster" 1 "$(q "select count(*) from mailboxes where status = 'admin'")"
check "display names read '<first> from <Company>'" 10 "$(q "select count(*) from mailboxes where display_name glob '* from Exzelon'")"
run "$MR" mailbox import "$ROOT/examples/mailboxes.csv"
check "re-import updates" "added 0, updated 11" "$out"

# Runs mark mailboxes auth-failed/blocked: a roster import keeps that.
q "update mailboxes set status = 'blocked' where email = 'sarah@exzelon.example'"
run "$MR" mailbox import "$ROOT/examples/mailboxes.csv"
check "blocked survives a roster import" blocked "$(q "select status from mailboxes where email = 'sarah@exzelon.example'")"
check_contains "and the import says so" "sarah@exzelon.example stays blocked" "$err"
run "$MR" mailbox set sarah@exzelon.example --status cold-ready
check "set clears it" cold-ready "$(q "select status from mailboxes where email = 'sarah@exzelon.example'")"

# A bad roster writes nothing.
cat > roster.csv <<'CSV'
email,display_name,status,daily_cap,auth
new1@exzelon.example,New One,cold-ready,30,plain
new2@exzelon.example,New Two,cold-ready,lots,plain
new3@exzelon.example,New Three,sleeping,30,plain
new1@exzelon.example,Dup,cold-ready,30,plain
CSV
run "$MR" mailbox import roster.csv
check "bad roster exits 65" 65 "$rc"
check_contains "bad cap reported with line" "roster.csv:3:" "$err"
check_contains "bad status reported with line" "roster.csv:4:" "$err"
check_contains "duplicate reported with line" "roster.csv:5:" "$err"
check "bad roster writes nothing" 0 "$(q "select count(*) from mailboxes where email like 'new%'")"
printf 'email,display_name,password\nz@exzelon.example,Z,secret123\n' > pwcol.csv
run "$MR" mailbox import pwcol.csv
check "a password column is refused" 65 "$rc"
check_not_contains "its value is not echoed" "secret123" "$err"
run "$MR" mailbox import nothere.csv
check "missing roster file exits 66" 66 "$rc"

# list --json.
run "$MR" mailbox list --json
check "list --json exits 0" 0 "$rc"
check "list --json is an array with every mailbox" 11 "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
check "list --json keys" "auth,daily_cap,display_name,email,last_error,sent_today,status" \
    "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(",".join(sorted(k for k in d if k in ("email","display_name","status","daily_cap","sent_today","auth","last_error"))))')"
check "list --json uses the config cap" 30 "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print([m for m in json.load(sys.stdin) if m["email"]=="grace@exzelon.example"][0]["daily_cap"])')"
printf 'rules:\n  daily_cap: 12\n' > config.yaml
run "$MR" mailbox list --json
q "update mailboxes set daily_cap = null where email = 'grace@exzelon.example'"
run "$MR" mailbox list --json
check "config daily_cap applies without an own cap" 12 "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print([m for m in json.load(sys.stdin) if m["email"]=="grace@exzelon.example"][0]["daily_cap"])')"
check "list --json with the own cap" 30 "$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print([m for m in json.load(sys.stdin) if m["email"]=="emma@exzelon.example"][0]["daily_cap"])')"
rm config.yaml
check "mailbox_today view lists the roster" 11 "$(q 'select count(*) from mailbox_today')"

# The roster import prepares its statements once, not once per row.
roster_prepares() {  # N PREFIX
    awk -v n="$1" -v p="$2" 'BEGIN { print "email,display_name,status,daily_cap,auth";
        for (i = 1; i <= n; i++)
            printf "%s%d@exzelon.example,Bulk %d,cold-ready,20,plain\n", p, i, i }' > bulk.csv
    MAILROTA_TEST_PREPARES=1 "$MR" -q mailbox import bulk.csv 2>&1 >/dev/null |
        sed -n 's/^db: \([0-9]*\) statements prepared$/\1/p'
}
roster_prepares 1 warm >/dev/null  # settings brought up to the config first
few=$(roster_prepares 5 few)
many=$(roster_prepares 200 many)
check "a roster import prepares statements" yes "$([ -n "$few" ] && [ "$few" -gt 0 ] && echo yes)"
check "200 roster rows prepare no more statements than 5" "$few" "$many"

done_testing
