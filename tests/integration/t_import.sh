#!/bin/sh
# import contacts: counts, bad rows with line numbers, --strict, --dry-run,
# re-import updates, stdin, BOM/CRLF, companies, free mail, fields_json.
. "$(dirname "$0")/lib.sh"

"$MR" -q init || exit 1

# The README's quick start file.
run "$MR" import contacts "$ROOT/examples/contacts.csv"
check "examples/contacts.csv imports" 0 "$rc"
n=$(($(wc -l < "$ROOT/examples/contacts.csv") - 1))
check "summary line" "imported $n, updated 0, skipped 0" "$out"
check "all contacts stored" "$n" "$(q 'select count(*) from contacts')"
check "Acme Inc. and ACME are one company" 1 "$(q "select count(*) from companies where name_key = 'acme'")"
check "ACME contacts share Acme Inc." 1 "$(q "select count(distinct company_id) from contacts where email like '%acme-industrial%'")"
check "free-mail contacts have no company" 2 "$(q "select count(*) from contacts where company_id is null")"
check "no free-mail company" 0 "$(q "select count(*) from companies where domain in ('gmail.com','outlook.com')")"
check "City kept in fields_json" Denver "$(q "select json_extract(fields_json, '\$.city') from contacts where email = 'alice.smith@acme-industrial.example'")"
check "Job Title is the title" "Head of Talent" "$(q "select title from contacts where email = 'alice.smith@acme-industrial.example'")"
check "and {{job_title}} as SPEC folds it" "Head of Talent" "$(q "select json_extract(fields_json, '\$.job_title') from contacts where email = 'alice.smith@acme-industrial.example'")"

# Re-import: updates, never duplicates, never clears.
run "$MR" import contacts "$ROOT/examples/contacts.csv"
check "re-import updates" "imported 0, updated $n, skipped 0" "$out"
check "no duplicates" "$n" "$(q 'select count(*) from contacts')"

printf 'email,first_name,title\nALICE.SMITH@acme-industrial.example,,CTO\n' > upd.csv
run "$MR" import contacts upd.csv
check "case-insensitive update" "imported 0, updated 1, skipped 0" "$out"
check "empty cell does not clear" Alice "$(q "select first_name from contacts where email = 'alice.smith@acme-industrial.example'")"
check "non-empty cell updates" CTO "$(q "select title from contacts where email = 'alice.smith@acme-industrial.example'")"
check "fields_json kept on update" Denver "$(q "select json_extract(fields_json, '\$.city') from contacts where email = 'alice.smith@acme-industrial.example'")"

# Pipes into `run` would run it in a subshell: stdin comes from files.

# Bad rows: FILE:LINE with the physical start line, others imported.
cat > bad.csv <<'CSV'
Email,First Name,Notes
good1@firm-one.example,Ann,"multi
line
note"
not-an-email,Bob,x
good2@firm-one.example,"Cara, Jr.",y
,Dan,no email
bad@nodot,Eve,z
good1@firm-one.example,Ann B,
CSV
run "$MR" import contacts bad.csv
check "import with bad rows exits 0" 0 "$rc"
check "summary counts" "imported 2, updated 1, skipped 3" "$out"
check_contains "bad email reported on its line" "bad.csv:5: invalid email 'not-an-email'" "$err"
check_contains "missing email reported" "bad.csv:7: missing email" "$err"
check_contains "domain without dot reported" "bad.csv:8:" "$err"
check "embedded newline kept" "multi
line
note" "$(q "select json_extract(fields_json, '\$.notes') from contacts where email = 'good1@firm-one.example'")"
check "embedded comma kept" "Cara, Jr." "$(q "select first_name from contacts where email = 'good2@firm-one.example'")"
check "in-file duplicate updated" "Ann B" "$(q "select first_name from contacts where email = 'good1@firm-one.example'")"

# --strict: nothing written, exit 65.
before=$(q 'select count(*) from contacts')
printf 'email\nstrict1@firm-two.example\nbroken\n' > strict.csv
run "$MR" import contacts --strict strict.csv
check "--strict with a bad row exits 65" 65 "$rc"
check_contains "--strict reports the row" "strict.csv:3:" "$err"
check "--strict writes nothing" "$before" "$(q 'select count(*) from contacts')"
check "--strict leaves no company" 0 "$(q "select count(*) from companies where domain = 'firm-two.example'")"

# --dry-run: counts, writes nothing.
printf 'email\ndry1@firm-three.example\ndry2@firm-three.example\n' > dry.csv
run "$MR" import contacts --dry-run dry.csv
check "--dry-run exits 0" 0 "$rc"
check "--dry-run summary" "imported 2, updated 0, skipped 0" "$out"
check "--dry-run writes nothing" "$before" "$(q 'select count(*) from contacts')"

# stdin, BOM and CRLF.
printf '\357\273\277E-mail,Company Name\r\nstdin1@firm-four.example,"Four, Inc."\r\n' > bom.csv
run "$MR" import contacts - < bom.csv
check "stdin with BOM and CRLF" "imported 1, updated 0, skipped 0" "$out"
check "company from stdin" "Four, Inc." "$(q "select co.name from contacts c join companies co on co.id = c.company_id where c.email = 'stdin1@firm-four.example'")"
printf 'email,company\nstdin2@other.example,FOUR\n' > four.csv
run "$MR" import contacts - < four.csv
check "FOUR matches Four, Inc." 1 "$(q "select count(distinct company_id) from contacts where email like 'stdin%'")"

# No company column: the email domain is the company, not for free mail.
printf 'email\nx1@domainco.example\nx2@DomainCo.example\nx3@yahoo.com\n' > dom.csv
run "$MR" import contacts dom.csv
check "same domain, one company" 1 "$(q "select count(distinct company_id) from contacts where email like 'x_@domainco.example'")"
check "domain company named by domain" domainco.example "$(q "select co.name from contacts c join companies co on co.id = c.company_id where c.email = 'x1@domainco.example'")"
check "yahoo.com is free mail" "" "$(q "select company_id from contacts where email = 'x3@yahoo.com'")"

# Config free_mail_domains extends the built-in list.
printf 'free_mail_domains: [corpmail.example]\n' > config.yaml
printf 'email\ny1@corpmail.example\n' > corp.csv
run "$MR" import contacts - < corp.csv
check "configured free-mail domain" "" "$(q "select company_id from contacts where email = 'y1@corpmail.example'")"
rm config.yaml

# Empty cells are NULL.
check "empty cells stored as NULL" 1 "$(q "select count(*) from contacts where email = 'x1@domainco.example' and first_name is null and fields_json is null")"

# --campaign: unknown exits 65 before reading; known enrols.
run "$MR" import contacts --campaign nope /nonexistent.csv
check "unknown campaign exits 65 before reading" 65 "$rc"
check_contains "unknown campaign is named" "nope" "$err"
"$MR" -q campaign add Intro --template "$ROOT/templates/intro.txt"
run "$MR" import contacts dom.csv --campaign Intro
check "--campaign import exits 0" 0 "$rc"
check "contacts enrolled" 3 "$(q "select count(*) from enrollments e join campaigns c on c.id = e.campaign_id where c.name = 'Intro'")"
run "$MR" import contacts dom.csv --campaign Intro
check "enrolment is idempotent" 3 "$(q 'select count(*) from enrollments')"

# Missing file, missing email column, empty file, overlong field, bad UTF-8.
run "$MR" import contacts missing.csv
check "missing file exits 66" 66 "$rc"
check_contains "missing file named" "missing.csv" "$err"
printf 'name,company\nx,y\n' > noemail.csv
run "$MR" import contacts noemail.csv
check "no email column exits 65" 65 "$rc"
check_contains "no email column explained" "noemail.csv:1:" "$err"
: > empty.csv
run "$MR" import contacts empty.csv
check "empty file exits 65" 65 "$rc"
{ printf 'email,notes\nlong@firm-five.example,'; head -c 70000 /dev/zero | tr '\0' a; printf '\nok@firm-five.example,x\n'; } > long.csv
run "$MR" import contacts long.csv
check "overlong field skipped, rest imported" "imported 1, updated 0, skipped 1" "$out"
check_contains "overlong field reported" "long.csv:2:" "$err"
printf 'email,first_name\nutf@firm-six.example,\377bad\nfine@firm-six.example,Zo\303\253\n' > utf.csv
run "$MR" import contacts utf.csv
check "bad UTF-8 row skipped" "imported 1, updated 0, skipped 1" "$out"
check_contains "bad UTF-8 reported" "utf.csv:2:" "$err"
check "UTF-8 names kept" "Zoë" "$(q "select first_name from contacts where email = 'fine@firm-six.example'")"

# A line break in a name is refused (it would reach a header).
printf 'email,first_name\nnl@firm-seven.example,"Evil\nBcc: x@y.example"\n' > nl.csv
run "$MR" import contacts nl.csv
check "line break in a name is a bad row" "imported 0, updated 0, skipped 1" "$out"

# No column is dropped: Role beside Title is kept under its own name, said
# once; a known column is also a variable under its own header name.
printf 'email,Title,Company Name,Role\nr1@roleco.example,CTO,RoleCo,Buyer\nr2@roleco.example,CEO,RoleCo,Signer\n' > role.csv
run "$MR" import contacts role.csv
check "Role beside Title imports" "imported 2, updated 0, skipped 0" "$out"
check "Title fills title" CTO "$(q "select title from contacts where email = 'r1@roleco.example'")"
check "Role kept in fields_json as role" Buyer "$(q "select json_extract(fields_json, '\$.role') from contacts where email = 'r1@roleco.example'")"
check "Company Name also as {{company_name}}" RoleCo "$(q "select json_extract(fields_json, '\$.company_name') from contacts where email = 'r2@roleco.example'")"
check_contains "the import says so" "role.csv:1: column 'Role'" "$err"
check "and says so once" 1 "$(printf '%s\n' "$err" | grep -c "'Role'")"
printf 'email,Title,Role,Role\nr3@roleco.example,CTO,Buyer,Signer\n' > role2.csv
run "$MR" import contacts role2.csv
check "a second Role is kept as role_2" Signer "$(q "select json_extract(fields_json, '\$.role_2') from contacts where email = 'r3@roleco.example'")"
check_contains "and the warning names that key" "kept as {{role_2}} only" "$err"
printf 'email,notes,Notes\nn1@noteco.example,a,b\n' > notes.csv
run "$MR" import contacts notes.csv
check "a repeated extra column is kept too" b "$(q "select json_extract(fields_json, '\$.notes_2') from contacts where email = 'n1@noteco.example'")"
# A domain column finds the company but has no contacts column of its own:
# it is kept as {{domain}} as written, even when the company already has
# another domain, so a template can use it like any CSV column.
printf 'email,company,domain\nd1@domkeep.example,DomKeep,https://www.DomKeep.example/about\nd2@domkeep.example,DomKeep,domkeep.io\n' > domkeep.csv
run "$MR" import contacts domkeep.csv
check "domain column rows import" "imported 2, updated 0, skipped 0" "$out"
check "the domain finds the company" domkeep.example "$(q "select co.domain from contacts c join companies co on co.id = c.company_id where c.email = 'd1@domkeep.example'")"
check "and is kept as {{domain}}" "https://www.DomKeep.example/about" "$(q "select json_extract(fields_json, '\$.domain') from contacts where email = 'd1@domkeep.example'")"
check "each row its own" domkeep.io "$(q "select json_extract(fields_json, '\$.domain') from contacts where email = 'd2@domkeep.example'")"

# Placeholder company values are no company: the domain rule applies.
printf 'email,company\np1@placeco.example,N/A\np2@gmail.com, Self-Employed \np3@placeco.example,-\np4@placeco.example,STEALTH\n' > place.csv
run "$MR" import contacts place.csv
check "placeholder rows import" "imported 4, updated 0, skipped 0" "$out"
check "no placeholder company" 0 "$(q "select count(*) from companies where name_key in ('na','n/a','-','selfemployed','self employed','stealth') or name in ('N/A','-','STEALTH',' Self-Employed ','Self-Employed')")"
check "N/A: company from the domain" placeco.example "$(q "select co.name from contacts c join companies co on co.id = c.company_id where c.email = 'p1@placeco.example'")"
check "placeholders share the domain company" 1 "$(q "select count(distinct company_id) from contacts where email like 'p_@placeco.example'")"
check "self-employed at free mail: none" "" "$(q "select company_id from contacts where email = 'p2@gmail.com'")"

# Delimiters: a header with no comma but semicolons or tabs, said once;
# --delimiter forces one.
printf 'E-mail;First Name;Company\ns1@semico.example;Sem;"Semi; Co"\ns2@semico.example;Ole;Semi Co\n' > semi.csv
run "$MR" import contacts semi.csv
check "semicolon file imports" "imported 2, updated 0, skipped 0" "$out"
check "semicolon fields split" Sem "$(q "select first_name from contacts where email = 's1@semico.example'")"
check_contains "the delimiter is said" "semi.csv:1: no comma in the header" "$err"
check "and said once" 1 "$(printf '%s\n' "$err" | grep -c 'no comma')"
printf 'email\tfirst_name\nt1@tabco.example\tTab\n' > tab.tsv
run "$MR" import contacts tab.tsv
check "tab file imports" "imported 1, updated 0, skipped 0" "$out"
check "tab fields split" Tab "$(q "select first_name from contacts where email = 't1@tabco.example'")"
printf 'email|first_name\nb1@barco.example|Bar\n' > bar.csv
run "$MR" import contacts --delimiter '|' bar.csv
check "--delimiter | imports" "imported 1, updated 0, skipped 0" "$out"
check "--delimiter splits" Bar "$(q "select first_name from contacts where email = 'b1@barco.example'")"
printf 'email;first_name\nc1@commaco.example;x\n' > forced.csv
run "$MR" import contacts --delimiter , forced.csv
check "--delimiter , does not detect" 65 "$rc"
run "$MR" import contacts --delimiter '""' forced.csv
check "--delimiter takes one character" 64 "$rc"

# UTF-16 without BOM: named, with the command that converts it.
printf 'e\000m\000a\000i\000l\000\n\000' > u16.csv
run "$MR" import contacts u16.csv
check "UTF-16 without BOM exits 65" 65 "$rc"
check_contains "UTF-16 named with iconv" "iconv -f UTF-16 -t UTF-8 u16.csv > u16.csv.utf8" "$err"

# Blank and whitespace-only lines anywhere are ignored, not bad rows.
printf 'email,first_name\n\n  \nw1@blankco.example,W\n\t\n \r\nw2@blankco.example,V\n\n   \n' > blank.csv
run "$MR" import contacts blank.csv
check "blank lines are not bad rows" "imported 2, updated 0, skipped 0" "$out"
check "blank lines say nothing" "" "$err"

# -q prints nothing on success.
run "$MR" -q import contacts dom.csv
check "-q prints nothing" "" "$out$err"

# Progress on a terminal (script(1) gives the import a tty), none otherwise.
awk 'BEGIN { print "email"; for (i = 0; i < 9000; i++) printf "p%d@progress.example\n", i }' > prog.csv
if command -v script >/dev/null 2>&1; then
    script -qc "$MR import contacts prog.csv" /dev/null > tty.out 2>&1
    check_contains "progress shown on a terminal" "import: 8192 rows" "$(tr '\r' '\n' < tty.out)"
fi
run "$MR" import contacts prog.csv
check_not_contains "no progress when stderr is not a terminal" "rows" "$err"

# Killed mid-import (blocked on a pipe that is still open): nothing stays.
before=$(q 'select count(*) from contacts')
mkfifo fifo
(printf 'email\n'; awk 'BEGIN { for (i = 0; i < 5000; i++) printf "k%d@killed.example\n", i }'; exec sleep 30) > fifo &
writer=$!
"$MR" import contacts fifo > /dev/null 2>&1 &
importer=$!
sleep 1
if kill -9 "$importer" 2>/dev/null; then ok "import was still running when killed"; else not_ok "import was still running when killed"; fi
wait "$importer" 2>/dev/null
kill "$writer" 2>/dev/null
check "a killed import leaves nothing" "$before" "$(q 'select count(*) from contacts')"
check "no company from the killed import" 0 "$(q "select count(*) from companies where domain = 'killed.example'")"

check "integrity" ok "$(q 'pragma integrity_check')"
# Statements are prepared once per connection (db_stmt), not once per row:
# importing 3000 rows prepares as many as importing 10 (issue 12).
prepares() {  # FILE: the statements an import of FILE prepared
    MAILROTA_TEST_PREPARES=1 "$MR" -q import contacts "$1" --campaign Intro \
        2>&1 >/dev/null | sed -n 's/^db: \([0-9]*\) statements prepared$/\1/p'
}
gen_rows() {  # N PREFIX
    awk -v n="$1" -v p="$2" 'BEGIN { print "email,first_name,company,city";
        for (i = 1; i <= n; i++)
            printf "%s%d@co%d.example,N%d,Co %d,C%d\n", p, i, i % 50, i, i % 50, i }'
}
gen_rows 10 few > few.csv
gen_rows 3000 many > many.csv
few=$(prepares few.csv)
many=$(prepares many.csv)
check "an import prepares statements" yes "$([ -n "$few" ] && [ "$few" -gt 0 ] && echo yes)"
check "3000 rows prepare no more statements than 10" "$few" "$many"

check_plan_state "at the end"
done_testing
