#!/bin/sh
# import contacts keeps its companies in memory for the file (issue 17):
# the map must match what the companies table would answer.  Companies in
# the database before the import (by name key, by domain in another case,
# one without a domain that a row gives one), a company spelled two ways
# in one file, a company made by an earlier row found by a later row's
# domain, free mail, rows updating a contact (from the database, from
# earlier in the file), enrollment of an updated contact, and no dangling
# keys afterwards.
. "$(dirname "$0")/lib.sh"

"$MR" -q init || exit 1
q "insert into companies(name, domain, name_key, created_at) values
   ('Old Co', NULL, 'oldco', '2020-01-01T00:00:00Z'),
   ('Mixed', 'MIXED.example', 'mixed', '2020-01-01T00:00:00Z'),
   ('Beta Two', 'beta.example', 'betatwo', '2020-01-01T00:00:00Z');
   insert into contacts(email, first_name, status, created_at, updated_at)
   values ('pre@beta.example', 'Pre', 'active', '2020-01-01T00:00:00Z',
           '2020-01-01T00:00:00Z')" || exit 1
printf 'Subject: Hi\n\nHi {{first_name}}\n' > t.txt
"$MR" -q campaign add C --template t.txt || exit 1

cat > c.csv <<'CSV'
email,first_name,company,city
a@acme.example,Ann,Acme Inc.,Paris
b@acme.example,Bob,ACME,
c@gmail.com,Cy,Acme,
i@old.example,Ii,Oldco,
k@mixed.example,Kk,,
d@delta.example,Di,,
e@delta.example,Ed,Delta Corp,
f@hotmail.com,Fi,,
g@gmail.com,Gi,Gmail Fans,
pre@beta.example,,,Oslo
A@ACME.example,Ann2,,Rome
CSV
run "$MR" import contacts c.csv --campaign C
check "import exits 0" 0 "$rc"
check "summary: in-file and pre-existing contacts updated" \
    "imported 9, updated 2, skipped 0" "$out"
co() { q "select coalesce(company_id, 'none') from contacts where email = '$1'"; }
check "two spellings, one company" "$(co a@acme.example)" "$(co b@acme.example)"
check "a free-mail row naming the company joins it" "$(co a@acme.example)" "$(co c@gmail.com)"
check "the company's domain is the first row's" acme.example \
    "$(q "select domain from companies where name_key = 'acme'")"
check "a company from before the import, by name" \
    "$(q "select id from companies where name_key = 'oldco'")" "$(co i@old.example)"
check "... given the row's domain, as it had none" old.example \
    "$(q "select domain from companies where name_key = 'oldco'")"
check "a company from before the import, by domain in another case" \
    "$(q "select id from companies where name_key = 'mixed'")" "$(co k@mixed.example)"
check "a domain-derived company" delta.example \
    "$(q "select c.name from contacts k join companies c on c.id = k.company_id where k.email = 'd@delta.example'")"
check "a named company for the same domain is another one" 2 \
    "$(q "select count(distinct company_id) from contacts where email like '%@delta.example'")"
check "free mail, no company" none "$(co f@hotmail.com)"
check "a named company with a free-mail row has no domain" NULL \
    "$(q "select coalesce(domain, 'NULL') from companies where name_key = 'gmail fans'")"
check "a contact from before the import: its company by domain" \
    "$(q "select id from companies where name_key = 'betatwo'")" "$(co pre@beta.example)"
check "... its first name kept, the city added" "Pre|Oslo" \
    "$(q "select first_name || '|' || json_extract(fields_json, '\$.city') from contacts where email = 'pre@beta.example'")"
check "an address earlier in the file is updated, not doubled" "1|Ann2|Rome" \
    "$(q "select count(*) || '|' || max(first_name) || '|' || max(json_extract(fields_json, '\$.city')) from contacts where email = 'a@acme.example'")"
check "every contact enrolled once, updated ones too" 10 \
    "$(q "select count(*) from enrollments")"
check "companies made" 4 "$(q "select count(*) from companies where created_at > '2021'")"
check "no dangling keys" "" "$(q "pragma foreign_key_check")"

# Again: all updates, no new company, nothing else changes.
before=$(q "select group_concat(id || name || coalesce(domain, ''), ',') from companies")
run "$MR" import contacts c.csv
check "re-import: all updates" "imported 0, updated 11, skipped 0" "$out"
check "re-import: the same companies" "$before" \
    "$(q "select group_concat(id || name || coalesce(domain, ''), ',') from companies")"

# An error in the middle (--strict) leaves nothing, and the next import
# finds the companies as the database has them, not as the failed one
# made them.
printf 'email,company\nx@new.example,Newco\nbad-address,Newco\n' > bad.csv
run "$MR" import contacts bad.csv --strict
check "--strict fails" 65 "$rc"
check "--strict: no company left" 0 "$(q "select count(*) from companies where name_key = 'newco'")"
printf 'email,company\ny@new.example,NEWCO\n' > good.csv
run "$MR" import contacts good.csv
check "after the failed import" "imported 1, updated 0, skipped 0" "$out"
check "Newco made once, with its domain" "1|new.example" \
    "$(q "select count(*) || '|' || max(domain) from companies where name_key = 'newco'")"

done_testing
